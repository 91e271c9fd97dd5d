import fc from 'fast-check';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { afterEach, describe, expect, it } from 'vitest';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { DocHub, type DocHubOptions, type HubSocket } from '../../server/src/notes/hub.ts';
import { checkUpdate, ROOM_DOC_SCHEMA } from '../../server/src/notes/schema-check.ts';
import { createDocStore, type DocStore } from '../../server/src/notes/store.ts';
import {
  addObservation,
  deleteObservation,
  observationText,
  readObservations,
  updateObservation,
  type ObservationInit,
} from '../../shared/notes/doc.ts';
import { messageAwareness, messageQueryAwareness, messageSync } from '../../shared/notes/protocol.ts';
import { openDatabase, SqliteDatabase } from '../../server/src/db/database.ts';

/**
 * An in-memory network: every frame is queued and `pump()` delivers until nothing is in flight,
 * so tests are deterministic and never re-enter the hub from inside a send.
 */
class Net {
  private queue: (() => void)[] = [];
  push(fn: () => void): void {
    this.queue.push(fn);
  }
  /** Delivers until nothing is in flight and the hub's queued work (loads, store writes) is done. */
  async pump(): Promise<void> {
    for (let n = 0; ; n++) {
      if (n > 100_000) throw new Error('network does not settle');
      if (this.queue.length > 0) {
        this.queue.shift()!();
        continue;
      }
      // The store answers within the current turn (SQLite): after a macrotask every promise it
      // started has settled, and whatever the hub sent since is in the queue.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.queue.length === 0) return;
    }
  }
}

/** The server end of an in-memory connection (what the hub sees). */
class MemorySocket implements HubSocket {
  closed: { code: number; reason: string } | null = null;
  private onMessage: ((data: Uint8Array) => void) | null = null;
  private onClose: (() => void) | null = null;
  private readonly net: Net;
  private readonly client: TestClient;
  constructor(net: Net, client: TestClient) {
    this.net = net;
    this.client = client;
  }
  send(data: Uint8Array, sent?: () => void): void {
    if (this.closed) return;
    const copy = data.slice();
    this.net.push(() => this.client.receive(copy));
    // Like ws: called once the frame is on its way, after this turn.
    if (sent) this.net.push(sent);
  }
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = { code, reason };
    this.net.push(() => this.onClose?.());
  }
  on(event: 'message' | 'close', listener: ((data: Uint8Array) => void) | (() => void)): this {
    if (event === 'message') this.onMessage = listener as (data: Uint8Array) => void;
    else this.onClose = listener as () => void;
    return this;
  }
  /** Client → server. */
  deliver(data: Uint8Array): void {
    const copy = data.slice();
    this.net.push(() => {
      if (!this.closed) this.onMessage?.(copy);
    });
  }
  /** The client hangs up. */
  hangUp(): void {
    if (this.closed) return;
    this.closed = { code: 1000, reason: 'client' };
    this.net.push(() => this.onClose?.());
  }
}

/** The client half of y-websocket, as WebsocketProvider does it. */
class TestClient {
  readonly doc = new Y.Doc();
  /** Sync message types received, in order (0 step 1, 1 step 2, 2 update). */
  readonly syncReceived: number[] = [];
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly socket: MemorySocket;
  constructor(net: Net, hub: DocHub, docName: string, canWrite = true, userId = 'u') {
    this.socket = new MemorySocket(net, this);
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== this) this.sendRaw(frame(messageSync, (e) => syncProtocol.writeUpdate(e, update)));
    });
    this.awareness.on('update', ({ added, updated, removed }: Record<string, number[]>) => {
      const changed = [...added!, ...updated!, ...removed!];
      const payload = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
      this.sendRaw(frame(messageAwareness, (e) => encoding.writeVarUint8Array(e, payload)));
    });
    hub.handleConnection(this.socket, { docName, userId, canWrite });
    this.sendRaw(frame(messageSync, (e) => syncProtocol.writeSyncStep1(e, this.doc)));
  }
  get closedCode(): number | null {
    return this.socket.closed?.code ?? null;
  }
  sendRaw(data: Uint8Array): void {
    if (!this.socket.closed) this.socket.deliver(data);
  }
  receive(data: Uint8Array): void {
    const decoder = decoding.createDecoder(data);
    const type = decoding.readVarUint(decoder);
    if (type === messageSync) {
      this.syncReceived.push(decoding.peekVarUint(decoder));
      const reply = encoding.createEncoder();
      encoding.writeVarUint(reply, messageSync);
      syncProtocol.readSyncMessage(decoder, reply, this.doc, this);
      if (encoding.length(reply) > 1) this.sendRaw(encoding.toUint8Array(reply));
    } else if (type === messageAwareness) {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this);
    }
  }
  destroy(): void {
    this.socket.hangUp();
    this.doc.destroy();
  }
}

const frame = (type: number, write: (e: encoding.Encoder) => void): Uint8Array => {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, type);
  write(e);
  return encoding.toUint8Array(e);
};
const updateFrame = (update: Uint8Array): Uint8Array => frame(messageSync, (e) => syncProtocol.writeUpdate(e, update));

const note = (over: Partial<ObservationInit> = {}): ObservationInit => ({
  start: 1,
  end: null,
  themes: ['taal'],
  kind: 'zie',
  text: 'ze knikt',
  authorId: 'u1',
  authorName: 'Anna',
  role: 'onderzoeker',
  ...over,
});

/** Content as the store holds it, read through a fresh document. */
const storedObservations = async (store: DocStore, docName: string) => {
  const doc = new Y.Doc();
  const state = await store.load(docName);
  if (state) Y.applyUpdate(doc, state);
  return readObservations(doc);
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

function setup(opts: Partial<DocHubOptions> = {}) {
  const db = new SqliteDatabase(openDatabase(':memory:'));
  const store = createDocStore(db);
  const logs: { level: string; msg: string }[] = [];
  const hub = new DocHub({ store, log: (level, msg) => logs.push({ level, msg }), unloadGraceMs: 10, ...opts });
  const net = new Net();
  const clients: TestClient[] = [];
  const connect = (docName = 'room-1', canWrite = true, userId = 'u') => {
    const c = new TestClient(net, hub, docName, canWrite, userId);
    clients.push(c);
    return c;
  };
  cleanup.push(async () => {
    for (const c of clients) c.destroy();
    await net.pump();
    await hub.closeAll();
    await db.close();
  });
  return { db, store, hub, net, connect, logs };
}

describe('DocHub over an in-memory socket', () => {
  it('syncs two writers on one document to the same content, and persists it', async () => {
    const { store, hub, net, connect } = setup();
    const a = connect();
    const b = connect();
    await net.pump();
    const id = addObservation(a.doc, note({ text: 'eerste' }));
    addObservation(b.doc, note({ start: 0.5, text: 'tweede', authorId: 'u2' }));
    await net.pump();
    observationText(b.doc, id)!.insert(0, 'B:');
    observationText(a.doc, id)!.insert(6, '!');
    updateObservation(a.doc, id, { themes: ['taal', 'tempo'] });
    await net.pump();

    const seen = readObservations(a.doc);
    expect(seen.map((o) => o.text)).toEqual(['tweede', 'B:eerste!']);
    expect(seen[1]!.themes).toEqual(['taal', 'tempo']);
    expect(readObservations(b.doc)).toEqual(seen);
    expect(readObservations(await hub.getDoc('room-1'))).toEqual(seen);
    expect(await storedObservations(store, 'room-1')).toEqual(seen);
    expect(a.closedCode).toBeNull();
    expect(b.closedCode).toBeNull();
  });

  it('serves stored content to a client that connects to an already saved document', async () => {
    const { store, net, connect } = setup();
    const seed = new Y.Doc();
    addObservation(seed, note({ text: 'al opgeslagen' }));
    await store.append('room-1', Y.encodeStateAsUpdate(seed));
    const c = connect();
    await net.pump();
    expect(readObservations(c.doc).map((o) => o.text)).toEqual(['al opgeslagen']);
  });

  it('answers joiners of a stored document from its bytes, then asks writers (not readers) for their changes', async () => {
    const { store, net, connect } = setup();
    const a = connect();
    await net.pump();
    addObservation(a.doc, note({ text: 'opgeslagen' }));
    await net.pump();
    // A second hub on the same store: the document is cold there.
    const cold = new DocHub({ store, unloadGraceMs: 10 });
    cleanup.push(() => cold.closeAll());
    const writer = new TestClient(net, cold, 'room-1', true, 'w');
    const reader = new TestClient(net, cold, 'room-1', false, 'r');
    cleanup.push(async () => [writer, reader].forEach((c) => c.destroy()));
    await net.pump();
    expect(readObservations(writer.doc).map((o) => o.text)).toEqual(['opgeslagen']);
    expect(readObservations(reader.doc).map((o) => o.text)).toEqual(['opgeslagen']);
    expect(writer.syncReceived).toEqual([1, 0]); // our step 2 first, then our step 1
    expect(reader.syncReceived).toEqual([1]); // its updates would be dropped: nothing to ask for
  });

  it('drops updates from a read-only connection but relays its awareness', async () => {
    const { store, net, connect, logs } = setup();
    const writer = connect('room-1', true, 'w');
    const reader = connect('room-1', false, 'r');
    await net.pump();
    addObservation(reader.doc, note({ text: 'mag niet' }));
    reader.awareness.setLocalStateField('user', { name: 'Lezer' });
    await net.pump();

    expect(readObservations(writer.doc)).toEqual([]);
    expect(await store.load('room-1')).toBeNull();
    expect(reader.closedCode).toBeNull();
    expect(writer.awareness.getStates().get(reader.doc.clientID)).toEqual({ user: { name: 'Lezer' } });
    expect(logs.some((l) => l.msg.includes('read-only'))).toBe(true);

    // The reader still receives the writer's changes.
    addObservation(writer.doc, note({ text: 'wel' }));
    await net.pump();
    expect(readObservations(reader.doc).map((o) => o.text).sort()).toEqual(['mag niet', 'wel']);
  });

  it('removes awareness states of a connection that leaves', async () => {
    const { net, connect } = setup();
    const a = connect();
    const b = connect();
    b.awareness.setLocalStateField('user', { name: 'B' });
    await net.pump();
    expect(a.awareness.getStates().has(b.doc.clientID)).toBe(true);
    b.socket.hangUp();
    await net.pump();
    expect(a.awareness.getStates().has(b.doc.clientID)).toBe(false);
  });

  it('answers a query-awareness message with every known state', async () => {
    const { net, connect } = setup();
    const a = connect();
    a.awareness.setLocalStateField('user', { name: 'A' });
    const b = connect();
    await net.pump();
    b.awareness.states.clear();
    b.awareness.meta.clear(); // forget clocks too, or the answer would look stale
    b.sendRaw(frame(messageQueryAwareness, () => {}));
    await net.pump();
    expect(b.awareness.getStates().get(a.doc.clientID)).toEqual({ user: { name: 'A' } });
  });

  it('closes with 4400 on a malformed update and leaves document and store untouched', async () => {
    const { store, hub, net, connect } = setup();
    const a = connect();
    const b = connect();
    await net.pump();
    addObservation(a.doc, note());
    await net.pump();
    const before = Y.encodeStateAsUpdate(await hub.getDoc('room-1'));

    const scratch = new Y.Doc();
    addObservation(scratch, note({ text: 'x'.repeat(50) }));
    const valid = Y.encodeStateAsUpdate(scratch);
    b.sendRaw(updateFrame(valid.slice(0, valid.length - 10))); // truncated
    await net.pump();

    expect(b.closedCode).toBe(4400);
    expect(a.closedCode).toBeNull();
    expect(Y.encodeStateAsUpdate(await hub.getDoc('room-1'))).toEqual(before);
    expect(await storedObservations(store, 'room-1')).toHaveLength(1);
  });

  it('closes with 4400 on a frame that is not y-websocket', async () => {
    const { net, connect } = setup();
    const a = connect();
    const b = connect();
    const c = connect();
    await net.pump();
    a.sendRaw(new Uint8Array([messageSync, 9, 1, 2])); // unknown sync type
    b.sendRaw(new Uint8Array([messageAwareness, 5, 1, 2])); // truncated awareness
    c.sendRaw(new Uint8Array([7]));
    await net.pump();
    expect([a.closedCode, b.closedCode, c.closedCode]).toEqual([4400, 4400, 4400]);
  });

  it('never lets garbled updates make memory and store disagree (property)', async () => {
    const scratch = new Y.Doc();
    addObservation(scratch, note({ text: 'basis' }));
    const valid = Y.encodeStateAsUpdate(scratch);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.option(fc.nat(valid.length - 1), { freq: 4 }),
        async (flips, cut) => {
          const { store, hub, net, connect } = setup();
          const c = connect();
          await net.pump();
          // Mostly full-length flips: truncations nearly always fail to decode, flips reach apply.
          const garbled = valid.slice(0, cut === null ? valid.length : Math.max(1, cut));
          for (const [at, byte] of flips) if (at < garbled.length) garbled[at] = byte;
          c.sendRaw(updateFrame(garbled));
          await net.pump();
          // Whatever happened (accepted, refused, evicted), a fresh load equals the live state.
          const live = await hub.getDoc('room-1');
          const fromStore = new Y.Doc();
          const stored = await store.load('room-1');
          if (stored) Y.applyUpdate(fromStore, stored);
          expect(Y.encodeStateVector(fromStore)).toEqual(Y.encodeStateVector(live));
          expect(fromStore.getMap('observations').toJSON()).toEqual(live.getMap('observations').toJSON());
          for (const fn of cleanup.splice(0).reverse()) await fn();
        },
      ),
      { numRuns: 150 },
    );
  });

  it('rolls back an update whose apply throws halfway, and resyncs everyone from the store', async () => {
    const { store, hub, net, connect } = setup();
    const a = connect();
    const b = connect();
    await net.pump();
    addObservation(a.doc, note({ text: 'bewaard' }));
    await net.pump();
    const stateBefore = await store.load('room-1');

    // Garbled bytes no longer get this far (the schema check refuses them first), so the failure
    // is made inside Yjs' apply: an observer that throws once the update is in the live document.
    const live = await hub.getDoc('room-1');
    live.on('afterTransaction', () => {
      throw new Error('apply failed halfway');
    });
    addObservation(b.doc, note({ start: 2, text: 'gaat verloren' }));
    await net.pump();
    expect(b.closedCode).toBe(4400);
    expect(a.closedCode).toBe(4500); // reconnect and resync: the in-memory copy was dropped
    expect(hub.loadedDocCount()).toBe(0);
    expect(await store.load('room-1')).toEqual(stateBefore);
    const c = connect();
    await net.pump();
    expect(readObservations(c.doc).map((o) => o.text)).toEqual(['bewaard']);
  });

  it('lets no garbled byte through decoding and the schema check that then breaks apply', async () => {
    const scratch = new Y.Doc();
    addObservation(scratch, note({ text: 'basis' }));
    const valid = Y.encodeStateAsUpdate(scratch);
    // Small values are where ids, clocks, lengths and type refs live; a few large ones besides.
    const bytes = [...Array.from({ length: 24 }, (_, i) => i), 64, 127, 128, 200, 255];
    let reachedApply = 0;
    for (let at = 0; at < valid.length; at++) {
      for (const byte of bytes) {
        const g = valid.slice();
        g[at] = byte;
        let passes = false;
        try {
          passes = checkUpdate(new Y.Doc(), ROOM_DOC_SCHEMA, Y.decodeUpdate(g)).ok;
        } catch {
          // fails decoding
        }
        if (!passes) continue;
        reachedApply++;
        expect(() => Y.applyUpdate(new Y.Doc(), g)).not.toThrow();
      }
    }
    expect(reachedApply).toBeGreaterThan(0); // e.g. other characters in the text
    // Thousands of decodes: seconds of CPU, more while other tests share the machine.
  }, 60_000);

  it('closes with 4413 on an oversized message without applying it', async () => {
    const { store, net, connect } = setup({ limits: { maxMessageBytes: 1024 } });
    const a = connect();
    const b = connect();
    await net.pump();
    addObservation(a.doc, note({ text: 'x'.repeat(2000) }));
    await net.pump();
    expect(a.closedCode).toBe(4413);
    expect(readObservations(b.doc)).toEqual([]);
    expect(await store.load('room-1')).toBeNull();
  });

  it('closes with 4413 when the document would grow past its limit', async () => {
    const { store, hub, net, connect } = setup({ limits: { maxDocBytes: 3000 } });
    const a = connect();
    await net.pump();
    let i = 0;
    while (a.closedCode === null && i < 10) {
      addObservation(a.doc, note({ text: `${i++}`.padEnd(800, '.') }));
      await net.pump();
    }
    expect(a.closedCode).toBe(4413);
    const live = Y.encodeStateAsUpdate(await hub.getDoc('room-1'));
    expect(live.byteLength).toBeLessThanOrEqual(3000);
    expect(await storedObservations(store, 'room-1')).toHaveLength(i - 1);
  });

  it('closes with 4429 when a connection sends faster than the rate limit', async () => {
    const { net, connect } = setup({ limits: { messagesPerSecond: 5, messageBurst: 10 } });
    const a = connect();
    await net.pump();
    expect(a.closedCode).toBeNull(); // the connect burst fits
    for (let i = 0; i < 20; i++) a.sendRaw(frame(messageQueryAwareness, () => {}));
    await net.pump();
    expect(a.closedCode).toBe(4429);
  });

  it('unloads a document after the grace period, saving a session version and compacting', async () => {
    const { db, store, hub, net, connect } = setup({ unloadGraceMs: 20 });
    const a = connect();
    await net.pump();
    addObservation(a.doc, note());
    addObservation(a.doc, note({ start: 2 }));
    await net.pump();
    expect(hub.loadedDocCount()).toBe(1);
    a.socket.hangUp();
    await net.pump();
    expect(hub.loadedDocCount()).toBe(1); // still within the grace period
    await sleep(60);
    expect(hub.loadedDocCount()).toBe(0);
    expect((await store.listVersions('room-1')).map((v) => v.label)).toEqual(['session-end']);
    const rows = (await db.prepare(`SELECT count(*) AS n FROM doc_updates`).get()) as { n: number };
    expect(rows.n).toBe(0);
    expect(await storedObservations(store, 'room-1')).toHaveLength(2);
  });

  it('keeps a document loaded when a client reconnects within the grace period', async () => {
    const { hub, net, connect } = setup({ unloadGraceMs: 40 });
    const a = connect();
    await net.pump();
    a.socket.hangUp();
    await net.pump();
    await sleep(10);
    connect();
    await net.pump();
    await sleep(60);
    expect(hub.loadedDocCount()).toBe(1);
  });

  it('saves a periodic version while editing goes on', async () => {
    const { store, net, connect } = setup({ versionEveryMs: 20 });
    const a = connect();
    await net.pump();
    addObservation(a.doc, note());
    await net.pump();
    expect(await store.listVersions('room-1')).toEqual([]);
    await sleep(50);
    expect((await store.listVersions('room-1')).map((v) => v.label)).toEqual(['auto']);
  });

  it('compacts the update log every N updates without changing content', async () => {
    const { db, store, net, connect } = setup({ compactEveryUpdates: 3 });
    const a = connect();
    await net.pump();
    for (let i = 0; i < 7; i++) {
      addObservation(a.doc, note({ start: i }));
      await net.pump();
    }
    const rows = (await db.prepare(`SELECT count(*) AS n FROM doc_updates`).get()) as { n: number };
    expect(rows.n).toBe(1); // 7 = 2 × 3 compacted + 1
    expect(await storedObservations(store, 'room-1')).toEqual(readObservations(a.doc));
  });

  it('restores a version as a new update, keeping history and updating connected clients', async () => {
    const { db, store, hub, net, connect } = setup();
    const a = connect();
    const b = connect();
    await net.pump();
    const keep = addObservation(a.doc, note({ text: 'blijft' }));
    const gone = addObservation(a.doc, note({ start: 3, text: 'wordt verwijderd' }));
    await net.pump();
    const v1 = await hub.saveVersion('room-1', 'v1');
    const v1Content = readObservations(a.doc);

    observationText(b.doc, keep)!.insert(0, 'gewijzigd: ');
    deleteObservation(b.doc, gone);
    addObservation(b.doc, note({ start: 9, text: 'nieuw' }));
    updateObservation(b.doc, keep, { kind: 'vraag', themes: [] });
    await net.pump();
    const changedContent = readObservations(a.doc);
    const updatesBefore = ((await db.prepare(`SELECT count(*) AS n FROM doc_updates`).get()) as { n: number }).n;

    expect(await hub.restoreVersion('room-1', v1)).toBe(true);
    await net.pump();

    expect(readObservations(a.doc)).toEqual(v1Content);
    expect(readObservations(b.doc)).toEqual(v1Content);
    expect(await storedObservations(store, 'room-1')).toEqual(v1Content);
    // History kept: the old updates are still there, the restore was appended on top.
    const updatesAfter = ((await db.prepare(`SELECT count(*) AS n FROM doc_updates`).get()) as { n: number }).n;
    expect(updatesAfter).toBe(updatesBefore + 1);
    // …and the content before the restore is itself a version that can be restored.
    const before = (await store.listVersions('room-1')).find((v) => v.label === 'before-restore')!;
    expect(await hub.restoreVersion('room-1', before.id)).toBe(true);
    await net.pump();
    expect(readObservations(a.doc)).toEqual(changedContent);
    expect(await hub.restoreVersion('other-room', v1)).toBe(false);
  });

  it('drops a document: closes connections with 4410 and deletes all its rows', async () => {
    const { store, hub, net, connect } = setup();
    const a = connect();
    await net.pump();
    addObservation(a.doc, note());
    await net.pump();
    await hub.saveVersion('room-1', 'v');
    await hub.dropDoc('room-1');
    await net.pump();
    expect(a.closedCode).toBe(4410);
    expect(hub.loadedDocCount()).toBe(0);
    expect(await store.load('room-1')).toBeNull();
    expect(await store.listVersions('room-1')).toEqual([]);
  });

  it('persists and broadcasts server-side writes made through getDoc', async () => {
    const { store, hub, net, connect } = setup();
    const a = connect();
    await net.pump();
    addObservation(await hub.getDoc('room-1'), note({ text: 'van de server' }), 'server');
    await net.pump();
    expect(readObservations(a.doc).map((o) => o.text)).toEqual(['van de server']);
    expect((await storedObservations(store, 'room-1')).map((o) => o.text)).toEqual(['van de server']);
  });

  it('closeAll closes every connection and unloads every document', async () => {
    const { hub, net, connect } = setup();
    const a = connect('room-1');
    const b = connect('room-2');
    await net.pump();
    await hub.closeAll(1001);
    expect([a.closedCode, b.closedCode]).toEqual([1001, 1001]);
    expect(hub.loadedDocCount()).toBe(0);
  });
});

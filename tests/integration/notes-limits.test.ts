/**
 * The hub's limits and compaction on the real server (Fastify + auth + the /yjs upgrade), with
 * real providers for the well-behaved clients and a raw `ws` client for the frames a provider
 * would never send: oversize, floods, malformed.
 */
import * as encoding from 'lib0/encoding';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import {
  addObservation,
  deleteObservation,
  observationText,
  readObservations,
  updateObservation,
  type ObservationInit,
} from '../../shared/notes/doc.ts';
import {
  MAX_MESSAGE_BYTES,
  MESSAGE_BURST,
  MESSAGES_PER_SECOND,
  messageAwareness,
  messageQueryAwareness,
  messageSync,
  YJS_PATH_PREFIX,
} from '../../shared/notes/protocol.ts';
import type { HttpClient } from '../helpers/http.ts';
import { createRoom, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { openProvider, synced, until, type TestProvider } from '../helpers/yjs.ts';

// Generous: other test files share these two cores.
const WAIT_MS = 15_000;

const note = (text: string, start = 1, over: Partial<ObservationInit> = {}): ObservationInit => ({
  start,
  end: null,
  themes: ['weerstand'],
  kind: 'zie',
  text,
  authorId: 'p',
  authorName: 'Karin',
  role: 'onderzoeker',
  ...over,
});

const updateFrame = (update: Uint8Array): Uint8Array => {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, messageSync);
  syncProtocol.writeUpdate(e, update);
  return encoding.toUint8Array(e);
};

/** A y-websocket connection with nothing on top: we send exactly the bytes we mean to. */
interface RawClient {
  ws: WebSocket;
  /** Resolves once the server's sync step 1 arrived, i.e. the hub has the connection. */
  ready: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
}

function rawClient(http: HttpClient, docName: string): RawClient {
  const ws = new WebSocket(`${http.base.replace(/^http/, 'ws')}${YJS_PATH_PREFIX}/${docName}`, { headers: { cookie: http.cookieHeader } });
  ws.on('error', () => {}); // a close with a code is what the tests look at
  const ready = new Promise<void>((resolve, reject) => {
    ws.once('message', () => resolve());
    ws.once('close', (code) => reject(new Error(`closed with ${code} before the first message`)));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  return { ws, ready, closed };
}

/** Characters per observation text in a padded frame: below the schema's MAX_OBSERVATION_TEXT. */
const PAD_CHUNK = 16_000;

/**
 * A valid update frame of exactly `size` bytes: observations `groot-<clientID>-<n>` whose texts
 * (each within the schema's limit) are padded to fit.
 */
function updateFrameOfSize(size: number, clientID: number): Uint8Array {
  let pad = size - 300;
  for (let i = 0; i < 20; i++) {
    const doc = new Y.Doc();
    doc.clientID = clientID; // a fixed id (and fixed fields) keeps the size a function of the padding alone
    for (let n = 0, left = pad; left > 0; n++, left -= PAD_CHUNK) {
      addObservation(doc, note('x'.repeat(Math.min(left, PAD_CHUNK)), 3, { id: `groot-${clientID}-${n}`, createdAt: 1, updatedAt: 1 }));
    }
    const frame = updateFrame(Y.encodeStateAsUpdate(doc));
    doc.destroy();
    if (frame.byteLength === size) return frame;
    pad += size - frame.byteLength;
  }
  throw new Error(`cannot build a frame of ${size} bytes`);
}

/** Content the store holds, read through a fresh document. */
async function storedDoc(server: TestServer, docName: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const state = await server.app.services.docStore.load(docName);
  if (state) Y.applyUpdate(doc, state);
  return doc;
}

/** Everything observable about a document's content: state vector, observations, meta. */
const fingerprint = (doc: Y.Doc) => ({
  sv: Y.encodeStateVector(doc),
  observations: readObservations(doc),
  meta: doc.getMap('meta').toJSON(),
});

describe('limits of the y-websocket endpoint on the real server', () => {
  let server: TestServer;
  let host: HttpClient;
  const open: TestProvider[] = [];
  const raws: WebSocket[] = [];
  const provider = (docName: string) => {
    const p = openProvider(host, docName);
    open.push(p);
    return p;
  };
  const raw = (docName: string) => {
    const r = rawClient(host, docName);
    raws.push(r.ws);
    return r;
  };
  /** Close codes a provider received; well-behaved clients must end every test with none. */
  const closesOf = (p: TestProvider) => {
    const codes: (number | null)[] = [];
    p.provider.on('connection-close', (event: { code: number } | null) => codes.push(event?.code ?? null));
    return codes;
  };
  const live = (docName: string) => server.app.services.notes.getDoc(docName);

  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterEach(() => {
    for (const ws of raws.splice(0)) ws.terminate();
  });
  afterAll(async () => {
    for (const p of open) p.destroy();
    await server.dispose();
  });

  it('accepts a frame of exactly MAX_MESSAGE_BYTES and closes one byte more with 4413, leaving the document unchanged', async () => {
    const room = await createRoom(host);
    const watcher = provider(room.id);
    const watcherCloses = closesOf(watcher);
    await synced(watcher);
    addObservation(watcher.doc, note('er staat al iets', 1));
    await until(async () => readObservations(await live(room.id)).length === 1, WAIT_MS);

    const atLimit = raw(room.id);
    await atLimit.ready;
    atLimit.ws.send(updateFrameOfSize(MAX_MESSAGE_BYTES, 101));
    // The boundary is inclusive: the frame is applied and broadcast.
    const padded = (doc: Y.Doc, clientID: number) => readObservations(doc).filter((o) => o.id.startsWith(`groot-${clientID}-`));
    await until(() => padded(watcher.doc, 101).length > 0, WAIT_MS);
    const inFrame = padded((await live(room.id)), 101).length;
    expect(inFrame).toBeGreaterThan(1);
    expect(atLimit.ws.readyState).toBe(WebSocket.OPEN);

    const before = fingerprint(await live(room.id));
    const storedBefore = fingerprint(await storedDoc(server, room.id));
    const over = raw(room.id);
    await over.ready;
    over.ws.send(updateFrameOfSize(MAX_MESSAGE_BYTES + 1, 102));
    expect((await over.closed).code).toBe(4413);

    // A marker sent after the oversize frame on another connection: once the watcher has it,
    // the hub is past the oversize frame, so "unchanged" is not just "not yet".
    addObservation(watcher.doc, note('daarna', 9));
    await until(async () => readObservations(await live(room.id)).length === inFrame + 2, WAIT_MS);
    const after = fingerprint(await live(room.id));
    expect(padded((await live(room.id)), 102)).toEqual([]);
    expect(after.observations.map((o) => o.text.slice(0, 16))).toEqual(['er staat al iets', ...Array(inFrame).fill('x'.repeat(16)), 'daarna']);
    expect(before.observations).toEqual(after.observations.slice(0, inFrame + 1));
    expect(fingerprint(await storedDoc(server, room.id))).toEqual(after);
    expect(storedBefore.observations).toEqual(before.observations);
    expect(readObservations(watcher.doc)).toEqual(after.observations);
    expect(watcherCloses).toEqual([]);
  });

  it('closes a flood of updates with 4429 after the burst, keeping exactly the accepted prefix everywhere', async () => {
    const room = await createRoom(host);
    const watcher = provider(room.id);
    const watcherCloses = closesOf(watcher);
    await synced(watcher);

    // 3 × the burst: far more than the bucket holds plus what refills while they are handled.
    const total = 3 * MESSAGE_BURST;
    const source = new Y.Doc();
    const frames: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => frames.push(updateFrame(u)));
    for (let i = 0; i < total; i++) addObservation(source, note(`vloed ${i}`, i));
    expect(frames).toHaveLength(total);

    const flooder = raw(room.id);
    await flooder.ready;
    for (const f of frames) flooder.ws.send(f);
    expect((await flooder.closed).code).toBe(4429);

    // Same marker trick: after this arrives, no flood frame can still be on its way in.
    addObservation(watcher.doc, note('na de vloed', 10_000));
    await until(async () => readObservations(await live(room.id)).some((o) => o.text === 'na de vloed'), WAIT_MS);
    const accepted = readObservations(await live(room.id)).filter((o) => o.text.startsWith('vloed '));
    // The bucket starts full; a few tokens may refill while the frames are being handled.
    expect(accepted.length).toBeGreaterThanOrEqual(MESSAGE_BURST - 1);
    expect(accepted.length).toBeLessThan(total);
    // Updates of one client apply in order, so what was kept is a prefix with no holes.
    expect(accepted.map((o) => o.text)).toEqual(Array.from({ length: accepted.length }, (_, i) => `vloed ${i}`));
    await until(() => readObservations(watcher.doc).length === accepted.length + 1, WAIT_MS);
    expect(fingerprint(await storedDoc(server, room.id))).toEqual(fingerprint(await live(room.id)));
    expect(readObservations(watcher.doc)).toEqual(readObservations(await live(room.id)));
    expect(watcherCloses).toEqual([]);
  });

  it('lets a client sending steadily below the rate limit keep going', async () => {
    const room = await createRoom(host);
    const steady = raw(room.id);
    await steady.ready;
    // 2 × the burst at 5/6 of the sustained rate: only a refilling bucket lets all of these through.
    const count = 2 * MESSAGE_BURST;
    const every = 1000 / ((MESSAGES_PER_SECOND * 5) / 6);
    const started = Date.now();
    for (let i = 0; i < count; i++) {
      // Paced against the clock, not by summed sleeps, so a stalled timer does not cause a burst.
      const due = started + i * every;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      steady.ws.send(new Uint8Array([messageQueryAwareness]));
    }
    const marker = new Y.Doc();
    addObservation(marker, note('nog open', 1));
    steady.ws.send(updateFrame(Y.encodeStateAsUpdate(marker)));
    await until(async () => readObservations(await live(room.id)).length === 1, WAIT_MS);
    expect(steady.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes malformed frames with 4400 and leaves every other client and document intact', async () => {
    const roomA = await createRoom(host);
    const roomB = await createRoom(host);
    const a1 = provider(roomA.id);
    const a2 = provider(roomA.id);
    const b = provider(roomB.id);
    const closes = [a1, a2, b].map(closesOf);
    await Promise.all([a1, a2, b].map(synced));
    const idA = addObservation(a1.doc, note('in kamer A', 1));
    addObservation(b.doc, note('in kamer B', 2));
    await until(async () => readObservations(a2.doc).length === 1 && readObservations(await live(roomB.id)).length === 1, WAIT_MS);
    const beforeA = fingerprint(await live(roomA.id));
    const beforeB = fingerprint(await live(roomB.id));

    const scratch = new Y.Doc();
    addObservation(scratch, note('y'.repeat(80), 4));
    const valid = Y.encodeStateAsUpdate(scratch);
    const malformed: [string, Uint8Array][] = [
      ['truncated update', updateFrame(valid.slice(0, valid.length - 12))],
      ['update whose length prefix overruns the frame', new Uint8Array([messageSync, syncProtocol.messageYjsUpdate, 50, 1, 2, 3])],
      ['unknown sync message type', new Uint8Array([messageSync, 9, 1, 2])],
      ['truncated awareness', new Uint8Array([messageAwareness, 5, 1, 2])],
      ['awareness that is not JSON', (() => {
        const e = encoding.createEncoder();
        encoding.writeVarUint(e, messageAwareness);
        const inner = encoding.createEncoder();
        encoding.writeVarUint(inner, 1); // one client
        encoding.writeVarUint(inner, 42); // client id
        encoding.writeVarUint(inner, 1); // clock
        encoding.writeVarString(inner, '{niet: json');
        encoding.writeVarUint8Array(e, encoding.toUint8Array(inner));
        return encoding.toUint8Array(e);
      })()],
      ['auth message (never accepted)', new Uint8Array([2, 0])],
      ['unknown message type', new Uint8Array([7])],
      ['empty frame', new Uint8Array([])],
    ];
    for (const [what, bytes] of malformed) {
      const bad = raw(roomA.id);
      await bad.ready;
      bad.ws.send(bytes);
      expect({ what, code: (await bad.closed).code }).toEqual({ what, code: 4400 });
    }

    // The others were never disturbed and keep working.
    expect(fingerprint(await live(roomA.id))).toEqual(beforeA);
    expect(fingerprint(await live(roomB.id))).toEqual(beforeB);
    observationText(a2.doc, idA)!.insert(0, '12:34 — ');
    await until(() => readObservations(a1.doc)[0]?.text === '12:34 — in kamer A', WAIT_MS);
    await until(async () => readObservations(await live(roomA.id))[0]?.text === '12:34 — in kamer A', WAIT_MS);
    expect(fingerprint(await storedDoc(server, roomA.id))).toEqual(fingerprint(await live(roomA.id)));
    expect(fingerprint(await storedDoc(server, roomB.id))).toEqual(beforeB);
    expect(readObservations(b.doc)).toEqual(beforeB.observations);
    expect(closes).toEqual([[], [], []]);
  });

  it('an update that decodes but would break apply: refused with 4400 before it is applied, nobody else notices', async () => {
    const room = await createRoom(host);
    const other = await createRoom(host);
    const a1 = provider(room.id);
    const a2 = provider(room.id);
    const b = provider(other.id);
    const closesA1 = closesOf(a1);
    const closesB = closesOf(b);
    await Promise.all([a1, a2, b].map(synced));
    const id = addObservation(a1.doc, note('bewaard', 1));
    addObservation(b.doc, note('andere kamer', 1));
    await until(async () => readObservations(a2.doc).length === 1 && readObservations(await live(other.id)).length === 1, WAIT_MS);
    const before = fingerprint(await live(room.id));
    const beforeOther = fingerprint(await live(other.id));

    // Deterministically find a byte-flipped update that passes Y.decodeUpdate (the hub's first
    // check) but throws when applied to this very document.
    const scratch = new Y.Doc();
    scratch.clientID = 7;
    addObservation(scratch, note('basis', 2, { id: 'gif', createdAt: 1, updatedAt: 1 }));
    const valid = Y.encodeStateAsUpdate(scratch);
    const current = Y.encodeStateAsUpdate(await live(room.id));
    let seed = 1;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    let poison: Uint8Array | null = null;
    for (let i = 0; i < 50_000 && !poison; i++) {
      const g = valid.slice();
      g[rand(g.length)] = rand(256);
      try {
        Y.decodeUpdate(g);
      } catch {
        continue;
      }
      const probe = new Y.Doc();
      try {
        Y.applyUpdate(probe, current);
        Y.applyUpdate(probe, g);
      } catch {
        poison = g;
      } finally {
        probe.destroy();
      }
    }
    expect(poison).not.toBeNull();

    const bad = raw(room.id);
    await bad.ready;
    bad.ws.send(updateFrame(poison!));
    const closed = await bad.closed;
    expect(closed.code).toBe(4400);
    // The schema check refuses it before anything is stored or applied (the hub's rollback, for
    // an apply that throws anyway, is tested in tests/unit/notes-hub.test.ts), so nobody resyncs.
    expect(closed.reason).toMatch(/^update refused: /);
    expect(fingerprint(await live(room.id))).toEqual(before);
    expect(fingerprint(await storedDoc(server, room.id))).toEqual(before);
    expect(readObservations(a1.doc)).toEqual(before.observations);

    // Still a working room afterwards, and the other room never noticed.
    updateObservation(a2.doc, id, { kind: 'vraag' });
    await until(() => readObservations(a1.doc)[0]?.kind === 'vraag', WAIT_MS);
    await until(async () => readObservations(await storedDoc(server, room.id))[0]?.kind === 'vraag', WAIT_MS);
    expect(fingerprint(await live(other.id))).toEqual(beforeOther);
    expect(closesB).toEqual([]);
    expect(closesA1).toEqual([]);
  });
});

describe('compaction on the real server', () => {
  let server: TestServer;
  let host: HttpClient;
  const open: TestProvider[] = [];
  beforeAll(async () => {
    // Its own server, so "no document loaded" below is about this room only.
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(async () => {
    for (const p of open) p.destroy();
    await server.dispose();
  });

  it('keeps the content (and the state vector) identical, for the store, a live client and a cold load', async () => {
    const room = await createRoom(host);
    const db = server.app.services.db;
    const { docStore, notes } = server.app.services;
    const live = () => notes.getDoc(room.id);
    const writer = openProvider(host, room.id);
    const coWriter = openProvider(host, room.id);
    open.push(writer, coWriter);
    await Promise.all([synced(writer), synced(coWriter)]);

    // Many small updates from two clients, edits in each other's text and deletions, so the
    // compacted state differs from the log in every way Yjs can fold or garbage-collect.
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(addObservation(i % 2 ? writer.doc : coWriter.doc, note(`notitie ${i}`, i)));
    await until(() => readObservations(coWriter.doc).length === 40 && readObservations(writer.doc).length === 40, WAIT_MS);
    for (let i = 0; i < 40; i++) {
      observationText(i % 3 ? writer.doc : coWriter.doc, ids[i]!)!.insert(0, `${i}:`);
      if (i % 4 === 0) updateObservation(writer.doc, ids[i]!, { themes: ['taal', 'tempo'], end: i + 2 });
    }
    for (let i = 0; i < 40; i += 5) deleteObservation(coWriter.doc, ids[i]!);
    writer.doc.getMap('meta').set('step', 'terugkijken');
    const expected = 40 - 8;
    await until(() => {
      const w = readObservations(writer.doc);
      return w.length === expected && w.every((o) => /^\d+:/.test(o.text)) && JSON.stringify(w) === JSON.stringify(readObservations(coWriter.doc));
    }, WAIT_MS);
    await until(async () => JSON.stringify(fingerprint(await storedDoc(server, room.id)).observations) === JSON.stringify(readObservations(writer.doc)), WAIT_MS);

    const countRows = async () => ((await db.prepare(`SELECT count(*) AS n FROM doc_updates WHERE doc = ?`).get(room.id)) as { n: number }).n;
    const rowsBefore = await countRows();
    expect(rowsBefore).toBeGreaterThan(50);
    const mergedBefore = (await docStore.load(room.id))!;
    const before = fingerprint(await storedDoc(server, room.id));
    expect(before).toEqual(fingerprint(await live()));

    const size = await docStore.compact(room.id);
    expect(await countRows()).toBe(0);
    const compacted = (await docStore.load(room.id))!;
    expect(size).toBe(compacted.byteLength);
    // Deleted observations are garbage-collected: the state is smaller than the merged log.
    expect(compacted.byteLength).toBeLessThan(mergedBefore.byteLength);
    expect(fingerprint(await storedDoc(server, room.id))).toEqual(before);

    // A client joining now sees the same; so does the hub's live copy.
    const late = openProvider(host, room.id);
    open.push(late);
    await synced(late);
    expect(fingerprint(late.doc)).toEqual(before);
    expect(fingerprint(await live())).toEqual(before);

    // Updates after a compaction are stored on top of the state row and load with it.
    const extra = addObservation(late.doc, note('na compactie', 99));
    await until(async () => readObservations(await storedDoc(server, room.id)).some((o) => o.id === extra), WAIT_MS);
    expect(await countRows()).toBe(1);
    const withExtra = fingerprint(await live());
    expect(fingerprint(await storedDoc(server, room.id))).toEqual(withExtra);

    // Cold: everyone leaves, the hub unloads (and compacts again), a fresh client loads from disk.
    for (const p of open.splice(0)) p.destroy();
    await until(() => notes.loadedDocCount() === 0, WAIT_MS);
    expect(await countRows()).toBe(0);
    const cold = openProvider(host, room.id);
    open.push(cold);
    await synced(cold);
    expect(fingerprint(cold.doc)).toEqual(withExtra);
  });
});

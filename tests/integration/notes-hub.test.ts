import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { DocHub } from '../../server/src/notes/hub.ts';
import { createDocStore } from '../../server/src/notes/store.ts';
import { addObservation, observationText, readObservations, type ObservationInit } from '../../shared/notes/doc.ts';
import { MAX_MESSAGE_BYTES, YJS_PATH_PREFIX } from '../../shared/notes/protocol.ts';
import type { Database } from '../../server/src/db/database.ts';
import { BACKENDS, type Backend } from '../helpers/backends.ts';

/**
 * The wiring the real server will do, minus auth: a bare HTTP server whose `upgrade` event routes
 * `/yjs/<doc>` into a noServer `ws` server and on into the hub. `?ro=1` stands in for a role
 * without editObservations — in the test harness only.
 */
async function startServer(db: Database) {
  const store = createDocStore(db);
  const hub = new DocHub({ store, unloadGraceMs: 50 });
  // maxPayload above the hub's limit, so oversize frames get the hub's 4413 rather than ws's 1009.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 2 * MAX_MESSAGE_BYTES });
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  http.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = new RegExp(`^${YJS_PATH_PREFIX}/([^/]+)$`).exec(url.pathname);
    if (!match) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => ws.terminate());
      hub.handleConnection(ws, {
        docName: decodeURIComponent(match[1]!),
        userId: 'test',
        canWrite: url.searchParams.get('ro') !== '1',
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const stop = async () => {
    const unloaded = hub.closeAll();
    for (const client of wss.clients) client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await unloaded;
    await db.close();
  };
  return { hub, store, url: `ws://127.0.0.1:${port}${YJS_PATH_PREFIX}`, stop };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A database on the backend under test that a test can open more than once (a restart). */
type Place = Awaited<ReturnType<Backend['create']>>;

async function server(place: Place) {
  const s = await startServer(await place.open());
  let stopped = false;
  const stop = async () => {
    if (!stopped) await s.stop();
    stopped = true;
  };
  cleanups.push(stop);
  return { ...s, stop };
}

function provider(url: string, room: string, readOnly = false) {
  const doc = new Y.Doc();
  const p = new WebsocketProvider(url, room, doc, {
    connect: true,
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    // Both providers live in one process: without this they would sync over BroadcastChannel
    // and bypass the server (and its read-only check) entirely.
    disableBc: true,
    params: readOnly ? { ro: '1' } : {},
  });
  const destroy = () => {
    p.destroy();
    doc.destroy();
  };
  cleanups.push(destroy);
  return { doc, provider: p, destroy };
}

const synced = (p: WebsocketProvider) =>
  vi.waitFor(() => {
    if (!p.synced) throw new Error('not synced yet');
  });

const note = (text: string, start = 1): ObservationInit => ({
  start,
  end: null,
  themes: [],
  kind: 'zie',
  text,
  authorId: 'u1',
  authorName: 'Anna',
  role: 'onderzoeker',
});

const texts = (doc: Y.Doc) => readObservations(doc).map((o) => o.text);
const storedTexts = (state: Uint8Array | null) => {
  const doc = new Y.Doc();
  if (state) Y.applyUpdate(doc, state);
  return texts(doc);
};

describe.each(BACKENDS)('DocHub behind ws with y-websocket providers, on $name', (backend) => {
  const tempDb = async (): Promise<Place> => {
    const place = await backend.create();
    cleanups.push(place.dispose);
    return place;
  };
  it('two providers editing observations converge, and the store has the result', async () => {
    const { url, store } = await server(await tempDb());
    const a = provider(url, 'room-1');
    const b = provider(url, 'room-1');
    await Promise.all([synced(a.provider), synced(b.provider)]);

    const id = addObservation(a.doc, note('eerste', 2));
    addObservation(b.doc, note('tweede', 1));
    await vi.waitFor(() => expect(texts(b.doc)).toEqual(['tweede', 'eerste']));
    observationText(b.doc, id)!.insert(0, 'B: ');
    observationText(a.doc, id)!.insert(observationText(a.doc, id)!.length, ' (A)');

    await vi.waitFor(() => {
      expect(texts(a.doc)).toEqual(['tweede', 'B: eerste (A)']);
      expect(readObservations(b.doc)).toEqual(readObservations(a.doc));
    });
    expect(storedTexts(await store.load('room-1'))).toEqual(['tweede', 'B: eerste (A)']);
  });

  it("a read-only provider's edits never reach the other provider nor the store", async () => {
    const { url, store } = await server(await tempDb());
    const writer = provider(url, 'room-1');
    const reader = provider(url, 'room-1', true);
    await Promise.all([synced(writer.provider), synced(reader.provider)]);

    addObservation(reader.doc, note('van de lezer'));
    // Sent after the edit on the same socket: once the writer sees it, the hub has handled the edit.
    reader.provider.awareness.setLocalStateField('user', { name: 'Lezer' });
    await vi.waitFor(() =>
      expect(writer.provider.awareness.getStates().get(reader.doc.clientID)).toEqual({ user: { name: 'Lezer' } }),
    );
    expect(texts(writer.doc)).toEqual([]);
    expect(storedTexts(await store.load('room-1'))).toEqual([]);

    // The reader still receives edits, and stays connected.
    addObservation(writer.doc, note('van de schrijver', 5));
    await vi.waitFor(() => expect(texts(reader.doc)).toContain('van de schrijver'));
    expect(reader.provider.wsconnected).toBe(true);
    expect(storedTexts(await store.load('room-1'))).toEqual(['van de schrijver']);
  });

  it('content survives a hub restart on the same database file', async () => {
    const place = await tempDb();
    const first = await server(place);
    const a = provider(first.url, 'room-1');
    await synced(a.provider);
    addObservation(a.doc, note('blijft bewaard'));
    await vi.waitFor(async () => expect(storedTexts(await first.store.load('room-1'))).toEqual(['blijft bewaard']));
    a.destroy();
    await first.stop();

    const second = await server(place);
    const b = provider(second.url, 'room-1');
    await synced(b.provider);
    expect(texts(b.doc)).toEqual(['blijft bewaard']);
    expect(second.hub.loadedDocCount()).toBe(1);
  });

  it('closes an oversized frame with 4413 and the provider stops reconnecting', async () => {
    const { url, store } = await server(await tempDb());
    const a = provider(url, 'room-1');
    await synced(a.provider);
    const closed = new Promise<{ code: number }>((resolve) => a.provider.once('closed', resolve));
    addObservation(a.doc, note('x'.repeat(MAX_MESSAGE_BYTES + 10)));
    expect((await closed).code).toBe(4413);
    expect(await store.load('room-1')).toBeNull();
  });
});

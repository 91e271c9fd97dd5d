/**
 * The document schema on the real server, with stock y-websocket providers: a client that writes
 * something the schema does not allow is closed with 4400 ("update refused: …") and a log line,
 * and the document, the store and every other client stay as they were.
 */
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addObservation, observationsMap, observationText, readObservations, type ObservationInit } from '../../shared/notes/doc.ts';
import { MAX_LIST_LENGTH, MAX_STRING_LENGTH } from '../../shared/notes/schema.ts';
import type { HttpClient } from '../helpers/http.ts';
import { createRoom, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { openProvider, synced, until, type TestProvider } from '../helpers/yjs.ts';

const WAIT_MS = 15_000;

const note = (text: string, over: Partial<ObservationInit> = {}): ObservationInit => ({
  start: 3,
  end: null,
  themes: ['weerstand'],
  kind: 'zie',
  text,
  authorId: 'p',
  authorName: 'Karin',
  role: 'onderzoeker',
  ...over,
});

/** Resolves with the first close the server sends this provider (and stops it reconnecting). */
const firstClose = (p: TestProvider) =>
  new Promise<{ code: number; reason: string }>((resolve) => {
    p.provider.on('connection-close', (event: { code: number; reason: string } | null) => {
      if (event) resolve({ code: event.code, reason: event.reason });
    });
  });

const ROOTS = ['observations', 'meta', 'fragments', 'aandachtspunten', 'leerpunten'];
/** Every root map's content, and which roots exist at all (an unknown one must not appear). */
const content = (doc: Y.Doc): Record<string, unknown> => ({
  unknownRoots: [...doc.share.keys()].filter((k) => !ROOTS.includes(k)),
  ...Object.fromEntries(ROOTS.map((k) => [k, doc.getMap(k).toJSON()])),
});

describe('the document schema on the real server', () => {
  let server: TestServer;
  let host: HttpClient;
  const logLines: string[] = [];
  const open: TestProvider[] = [];
  const provider = (docName: string) => {
    const p = openProvider(host, docName);
    open.push(p);
    return p;
  };

  beforeAll(async () => {
    const logs = new PassThrough();
    logs.on('data', (chunk: Buffer) => logLines.push(...chunk.toString().split('\n').filter(Boolean)));
    server = await startServer({ LOG_LEVEL: 'warn' }, undefined, logs);
    host = await signedInAdmin(server);
  });
  afterAll(async () => {
    for (const p of open) p.destroy();
    await server.dispose();
  });

  const cases: [string, (doc: Y.Doc, goodId: string) => void, RegExp][] = [
    ['a null observation', (d) => observationsMap(d).set('kapot', null as unknown as Y.Map<unknown>), /observations\.kapot must be a Y\.Map/],
    ['a string where observations hold maps', (d) => d.getMap('observations').set('x', 'str'), /observations\.x must be a Y\.Map/],
    ['an unknown top-level key', (d) => d.getMap('extra').set('a', 1), /unknown top-level key "extra"/],
    ['a field of the wrong type', (d, id) => observationsMap(d).get(id)!.set('start', 'straks'), /\.start must be a number/],
    ['an oversized string', (d, id) => observationsMap(d).get(id)!.set('authorName', 'K'.repeat(MAX_STRING_LENGTH + 1)), /authorName must be a string of at most/],
    ['a huge array', (d, id) => observationsMap(d).get(id)!.set('themes', Array.from({ length: MAX_LIST_LENGTH * 10 }, (_, i) => `t${i}`)), /themes must be a list/],
    ['an observation without its fields', (d) => d.getMap('observations').set('leeg', new Y.Map()), /new entry leeg lacks/],
  ];

  for (const [what, write, reason] of cases) {
    it(`refuses ${what}: 4400 for the writer, the document and the others untouched`, async () => {
      const room = await createRoom(host);
      const writer = provider(room.id);
      const other = provider(room.id);
      await Promise.all([synced(writer), synced(other)]);
      const otherCloses: number[] = [];
      other.provider.on('connection-close', (e: { code: number } | null) => e && otherCloses.push(e.code));

      // A good change first: it must survive the bad one that follows on the same connection.
      const goodId = addObservation(writer.doc, note('goed begonnen'));
      await until(() => readObservations(other.doc).length === 1, WAIT_MS);
      const closed = firstClose(writer);
      const logsBefore = logLines.length;
      const live = await server.app.services.notes.getDoc(room.id);
      const svBefore = Y.encodeStateVector(live);
      const before = content(live);

      write(writer.doc, goodId);
      const { code, reason: closeReason } = await closed;
      expect(code).toBe(4400);
      expect(closeReason).toMatch(/^update refused: /);
      expect(closeReason).toMatch(reason);
      const logged = logLines.slice(logsBefore).map((l) => JSON.parse(l) as { msg: string; reason?: string; doc?: string });
      expect(logged.some((l) => l.msg === 'yjs: update refused by the document schema' && l.doc === room.id && reason.test(l.reason ?? ''))).toBe(true);

      // A marker from the other client, after the refusal: once it is stored, the hub is past the bad update.
      observationText(other.doc, goodId)!.insert(0, 'nog steeds ');
      await until(async () => observationText(await server.app.services.notes.getDoc(room.id), goodId)?.toString() === 'nog steeds goed begonnen', WAIT_MS);
      const after = await server.app.services.notes.getDoc(room.id);
      expect(after).toBe(live); // not evicted: nobody had to resync
      expect(Y.encodeStateVector(after)).not.toEqual(svBefore); // the marker only
      expect(readObservations(after).map((o) => o.text)).toEqual(['nog steeds goed begonnen']);
      const observations = before.observations as Record<string, object>;
      expect(content(after)).toEqual({ ...before, observations: { [goodId]: { ...observations[goodId], text: 'nog steeds goed begonnen' } } });
      // The store holds exactly what the live document holds; a newcomer sees the same.
      const stored = new Y.Doc();
      Y.applyUpdate(stored, (await server.app.services.docStore.load(room.id))!);
      expect(content(stored)).toEqual(content(after));
      const late = provider(room.id);
      await synced(late);
      expect(content(late.doc)).toEqual(content(after));
      expect(content(other.doc)).toEqual(content(after));
      expect(otherCloses).toEqual([]);
    });
  }
});

/**
 * Drawings in the room's document on the real server, with stock y-websocket providers: a client
 * that writes a malformed or oversized drawing (NaN coordinates, too many points, a huge label,
 * too many shapes, the wrong kind of type) is closed with 4400, and the document, the store, the
 * drawing's good shapes and every other client stay as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addShape, newShapeId } from '../../shared/drawing/doc.ts';
import { DRAWING_FIELD, MAX_LABEL_LENGTH, MAX_SHAPES, MAX_STROKE_POINTS, type Shape } from '../../shared/drawing/shapes.ts';
import { addObservation, observationsMap, observationText, readObservationById } from '../../shared/notes/doc.ts';
import type { HttpClient } from '../helpers/http.ts';
import { createRoom, signedInAdmin } from '../helpers/scenario.ts';
import { startServer, type TestServer } from '../helpers/server.ts';
import { openProvider, synced, until, type TestProvider } from '../helpers/yjs.ts';

const WAIT_MS = 15_000;
const arrow = (): Shape => ({ id: newShapeId(), kind: 'arrow', color: '#1d5f8a', points: [1000, 1000, 5000, 4000] });
const drawingOf = (entry: Y.Map<unknown>) => entry.get(DRAWING_FIELD) as Y.Array<unknown>;

const firstClose = (p: TestProvider) =>
  new Promise<{ code: number; reason: string }>((resolve) => {
    p.provider.on('connection-close', (event: { code: number; reason: string } | null) => {
      if (event) resolve({ code: event.code, reason: event.reason });
    });
  });

describe('drawings in the document on the real server', () => {
  let server: TestServer;
  let host: HttpClient;
  const open: TestProvider[] = [];
  const provider = (docName: string) => {
    const p = openProvider(host, docName);
    open.push(p);
    return p;
  };

  beforeAll(async () => {
    server = await startServer();
    host = await signedInAdmin(server);
  });
  afterAll(async () => {
    for (const p of open) p.destroy();
    await server.dispose();
  });

  const cases: [string, (entry: Y.Map<unknown>) => void, RegExp][] = [
    ['NaN coordinates', (e) => drawingOf(e).push([{ ...arrow(), points: [NaN, 0, 10, 10] }]), /a list item must be a shape/],
    ['a stroke with too many points', (e) => drawingOf(e).push([{ id: 'lang', kind: 'stroke', color: '#000000', points: Array.from({ length: (MAX_STROKE_POINTS + 1) * 2 }, (_, i) => (i * 7) % 10_000) }]), /a list item must be a shape/],
    ['a huge label', (e) => drawingOf(e).push([{ id: 'tekst', kind: 'label', color: '#000000', points: [0, 0], text: 'x'.repeat(MAX_LABEL_LENGTH * 100) }]), /a list item must be a shape/],
    ['a script where a colour belongs', (e) => drawingOf(e).push([{ ...arrow(), color: 'url(javascript:alert(1))' }]), /a list item must be a shape/],
    ['one shape more than fit', (e) => drawingOf(e).push(Array.from({ length: MAX_SHAPES }, () => arrow())), /a list longer than 50 items/],
    ['a map where the drawing is a list', (e) => e.set(DRAWING_FIELD, new Y.Map()), /drawing must be a Y\.Array/],
    ['a nested type inside the drawing', (e) => drawingOf(e).push([new Y.Map()]), /a list holds plain values only/],
  ];

  for (const [what, write, reason] of cases) {
    it(`refuses ${what}: 4400 for the writer, the note, its good shapes and the others untouched`, async () => {
      const room = await createRoom(host);
      const writer = provider(room.id);
      const other = provider(room.id);
      await Promise.all([synced(writer), synced(other)]);
      const otherCloses: number[] = [];
      other.provider.on('connection-close', (e: { code: number } | null) => e && otherCloses.push(e.code));

      // A note with a good arrow first: both must survive the bad change that follows.
      const id = addObservation(writer.doc, { start: 3, end: null, themes: [], kind: 'zie', text: 'armen over elkaar', authorId: 'p', authorName: 'Karin', role: 'coach' });
      const good = arrow();
      expect(addShape(writer.doc, id, good)).toBe(true);
      await until(() => readObservationById(other.doc, id)?.drawing?.length === 1, WAIT_MS);
      const live = await server.app.services.notes.getDoc(room.id);
      const before = readObservationById(live, id);
      expect(before?.drawing).toEqual([good]);
      const closed = firstClose(writer);

      writer.doc.transact(() => write(observationsMap(writer.doc).get(id)!));
      const { code, reason: closeReason } = await closed;
      expect(code).toBe(4400);
      expect(closeReason).toMatch(reason);

      // A marker from the other client, after the refusal: once stored, the hub is past the bad update.
      observationText(other.doc, id)!.insert(0, 'kijk: ');
      await until(async () => observationText(await server.app.services.notes.getDoc(room.id), id)?.toString() === 'kijk: armen over elkaar', WAIT_MS);
      const after = readObservationById(await server.app.services.notes.getDoc(room.id), id)!;
      expect(after.drawing).toEqual([good]);
      expect(after.text).toBe('kijk: armen over elkaar');
      // The store and a newcomer hold the same; the other client never lost its connection.
      const stored = new Y.Doc();
      Y.applyUpdate(stored, (await server.app.services.docStore.load(room.id))!);
      expect(readObservationById(stored, id)).toEqual(after);
      const late = provider(room.id);
      await synced(late);
      expect(readObservationById(late.doc, id)).toEqual(after);
      expect(readObservationById(other.doc, id)).toEqual(after);
      expect(otherCloses).toEqual([]);
    });
  }
});

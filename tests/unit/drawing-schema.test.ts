import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { checkUpdate, ROOM_DOC_SCHEMA } from '../../server/src/notes/schema-check.ts';
import { addShape, newShapeId, removeShape } from '../../shared/drawing/doc.ts';
import { DRAWING_FIELD, MAX_LABEL_LENGTH, MAX_SHAPES, MAX_STROKE_POINTS, type Shape } from '../../shared/drawing/shapes.ts';
import { addObservation, observationsMap, readObservationById, readObservations, restoreContent, type ObservationInit } from '../../shared/notes/doc.ts';

const note: ObservationInit = { start: 3, end: null, themes: [], kind: 'zie', text: 'armen over elkaar', authorId: 'u1', authorName: 'Anna', role: 'coach' };
const arrow = (over: Partial<Shape> = {}): Shape => ({ id: newShapeId(), kind: 'arrow', color: '#1d5f8a', points: [1000, 1000, 5000, 4000], ...over }) as Shape;

/** A server document with one observation, and a client in sync; `change` returns the verdict on the client's update. */
function room() {
  const server = new Y.Doc();
  const id = addObservation(server, note);
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(server));
  const change = (fn: (doc: Y.Doc) => void) => {
    const before = Y.encodeStateVector(client);
    fn(client);
    const verdict = checkUpdate(server, ROOM_DOC_SCHEMA, Y.decodeUpdate(Y.encodeStateAsUpdate(client, before)));
    if (verdict.ok) Y.applyUpdate(server, Y.encodeStateAsUpdate(client, before));
    return verdict;
  };
  /** Writes straight into the client's entry, as a hostile or broken peer could. */
  const raw = (fn: (entry: Y.Map<unknown>) => void) => change((d) => d.transact(() => fn(observationsMap(d).get(id)!)));
  return { server, client, id, change, raw };
}
const reason = (v: ReturnType<typeof checkUpdate>): string => (v.ok ? 'accepted' : v.reason);

describe('drawings in the document schema', () => {
  it('accepts what the app writes: shapes added to a new and an existing drawing, removed again', () => {
    const { change, server, id } = room();
    const first = arrow();
    expect(change((d) => addShape(d, id, first))).toEqual({ ok: true });
    expect(change((d) => addShape(d, id, { id: 's2', kind: 'label', color: '#8e3b00', points: [200, 300], text: 'kijk, hier' }))).toEqual({ ok: true });
    expect(change((d) => addShape(d, id, { id: 's3', kind: 'stroke', color: '#8e3b00', points: [0, 0, 10, 10, 20, 5] }))).toEqual({ ok: true });
    expect(readObservationById(server, id)!.drawing!.map((s) => s.kind)).toEqual(['arrow', 'label', 'stroke']);
    expect(change((d) => removeShape(d, id, first.id))).toEqual({ ok: true });
    expect(readObservationById(server, id)!.drawing!.map((s) => s.id)).toEqual(['s2', 's3']);
  });

  it('accepts an observation created together with its first shape in one update', () => {
    const { change, server } = room();
    let created = '';
    expect(change((d) => d.transact(() => addShape(d, (created = addObservation(d, note)), arrow())))).toEqual({ ok: true });
    expect(readObservationById(server, created)!.drawing).toHaveLength(1);
  });

  it('refuses NaN and out-of-range coordinates, too many points, a huge label, stray fields', () => {
    const bad: unknown[] = [
      { id: 'a', kind: 'arrow', color: '#000000', points: [NaN, 0, 1, 1] },
      { id: 'a', kind: 'arrow', color: '#000000', points: [0, 0, 1, 10_001] },
      { id: 'a', kind: 'arrow', color: '#000000', points: [0, 0, 1.5, 1] },
      { id: 'a', kind: 'arrow', color: '#000000', points: [0, 0, 1] },
      { id: 'a', kind: 'stroke', color: '#000000', points: Array.from({ length: (MAX_STROKE_POINTS + 1) * 2 }, (_, i) => i % 10_000) },
      { id: 'a', kind: 'label', color: '#000000', points: [0, 0], text: 'x'.repeat(MAX_LABEL_LENGTH + 1) },
      { id: 'a', kind: 'label', color: '#000000', points: [0, 0], text: '   ' },
      { id: 'a', kind: 'label', color: '#000000', points: [0, 0], text: 'a\u202eb' },
      { id: 'a', kind: 'arrow', color: 'red', points: [0, 0, 1, 1] },
      { id: 'a', kind: 'arrow', color: '#000000', points: [0, 0, 1, 1], onclick: 'alert(1)' },
      { id: '<img>', kind: 'arrow', color: '#000000', points: [0, 0, 1, 1] },
      { id: 'a', kind: 'circle', color: '#000000', points: [0, 0, 1, 1] },
      'arrow',
      null,
    ];
    for (const shape of bad) {
      const { raw, server, id } = room();
      const verdict = raw((entry) => {
        const list = new Y.Array<unknown>();
        entry.set(DRAWING_FIELD, list);
        list.push([shape]);
      });
      expect(reason(verdict), JSON.stringify(shape)?.slice(0, 80)).toMatch(/a list item must be a shape/);
      expect(readObservationById(server, id)!.drawing).toBeUndefined();
    }
  });

  it('refuses a drawing that is not a list of plain values, and lists past MAX_SHAPES', () => {
    expect(reason(room().raw((e) => e.set(DRAWING_FIELD, [arrow()])))).toMatch(/drawing must be a Y\.Array/);
    expect(reason(room().raw((e) => e.set(DRAWING_FIELD, new Y.Map())))).toMatch(/drawing must be a Y\.Array/);
    expect(
      reason(
        room().raw((e) => {
          const list = e.set(DRAWING_FIELD, new Y.Array<unknown>());
          list.push([new Y.Map()]);
        }),
      ),
    ).toMatch(/plain values only/);
    const { change, raw, id } = room();
    for (let i = 0; i < MAX_SHAPES; i++) expect(change((d) => addShape(d, id, arrow()))).toEqual({ ok: true });
    // addShape itself stops at the limit; a peer that pushes anyway is refused.
    expect(change((d) => addShape(d, id, arrow()))).toEqual({ ok: true });
    expect(reason(raw((e) => (e.get(DRAWING_FIELD) as Y.Array<unknown>).push([arrow()])))).toMatch(/longer than 50 items/);
  });

  it('readers skip malformed shapes of documents stored before the check, and keep the note', () => {
    const doc = new Y.Doc();
    const id = addObservation(doc, note);
    const list = observationsMap(doc).get(id)!.set(DRAWING_FIELD, new Y.Array<unknown>());
    const good = arrow();
    list.push([{ id: 'x', kind: 'arrow', color: '#000000', points: [NaN, 1, 2, 3] }, good, { huge: 'x'.repeat(10_000) }, good]);
    const [obs] = readObservations(doc);
    expect(obs!.text).toBe('armen over elkaar');
    expect(obs!.drawing).toEqual([good]);
  });

  it('a version restore brings a drawing back', () => {
    const { client: doc, id } = room();
    addShape(doc, id, arrow({ id: 'keep' }));
    const version = new Y.Doc();
    Y.applyUpdate(version, Y.encodeStateAsUpdate(doc));
    removeShape(doc, id, 'keep');
    expect(readObservationById(doc, id)!.drawing).toBeUndefined();
    restoreContent(doc, version);
    expect(readObservationById(doc, id)!.drawing!.map((s) => s.id)).toEqual(['keep']);
  });
});

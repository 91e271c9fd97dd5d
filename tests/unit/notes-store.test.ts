import type { Db } from '../../server/src/db/database.ts';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createDocStore } from '../../server/src/notes/store.ts';
import { addObservation, deleteObservation, observationText, readObservations } from '../../shared/notes/doc.ts';
import { openDatabase } from '../../server/src/db/database.ts';

let db: Db;
afterEach(() => db?.close());

/** A document whose every transaction is appended to the store, as the hub does. */
function editedDoc() {
  db = openDatabase(':memory:');
  const store = createDocStore(db);
  const doc = new Y.Doc();
  doc.on('update', (u: Uint8Array) => store.append('d', u));
  return { store, doc };
}

const init = (text: string, start = 0) => ({
  start,
  end: null,
  themes: [],
  kind: 'notitie' as const,
  text,
  authorId: 'a',
  authorName: 'A',
  role: 'coach' as const,
});

const loadDoc = (state: Uint8Array | null) => {
  const doc = new Y.Doc();
  if (state) Y.applyUpdate(doc, state);
  return doc;
};

describe('doc store', () => {
  it('loads null for an unknown document and the merged state otherwise', () => {
    const { store, doc } = editedDoc();
    expect(store.load('d')).toBeNull();
    addObservation(doc, init('een'));
    addObservation(doc, init('twee', 1));
    expect(readObservations(loadDoc(store.load('d')))).toEqual(readObservations(doc));
    expect(store.load('other')).toBeNull();
  });

  it('compaction folds the log into one state row and keeps content identical', () => {
    const { store, doc } = editedDoc();
    const id = addObservation(doc, init('begin'));
    for (let i = 0; i < 50; i++) observationText(doc, id)!.insert(0, `${i} `);
    const gone = addObservation(doc, init('x'.repeat(2000), 4));
    deleteObservation(doc, gone);
    const merged = store.load('d')!;

    const size = store.compact('d');
    const compacted = store.load('d')!;
    const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect(count('doc_updates')).toBe(0);
    expect(count('doc_state')).toBe(1);
    expect(size).toBe(compacted.byteLength);
    // Deleted content is garbage-collected by the round trip through a Y.Doc.
    expect(compacted.byteLength).toBeLessThan(merged.byteLength);
    expect(readObservations(loadDoc(compacted))).toEqual(readObservations(doc));
    expect(Y.encodeStateVector(loadDoc(compacted))).toEqual(Y.encodeStateVector(doc));

    // Updates after a compaction are merged with the state row.
    addObservation(doc, init('daarna', 9));
    expect(readObservations(loadDoc(store.load('d')))).toEqual(readObservations(doc));
    expect(store.compact('missing')).toBeNull();
  });

  it('saves, lists and fetches versions; deleteDoc removes every row', () => {
    const { store, doc } = editedDoc();
    addObservation(doc, init('v1'));
    const v1 = store.saveVersion('d', 'eerste');
    addObservation(doc, init('v2', 1));
    const v2 = store.saveVersion('d', 'tweede', Y.encodeStateAsUpdate(doc));
    store.append('e', Y.encodeStateAsUpdate(doc));
    store.saveVersion('e', 'ander');

    expect(store.listVersions('d').map((v) => [v.id, v.label])).toEqual([
      [v2, 'tweede'],
      [v1, 'eerste'],
    ]);
    const version = store.getVersion(v1)!;
    expect(version.doc).toBe('d');
    expect(version.bytes).toBe(version.state.byteLength);
    expect(readObservations(loadDoc(version.state)).map((o) => o.text)).toEqual(['v1']);
    expect(store.getVersion(9999)).toBeNull();

    store.deleteDoc('d');
    expect(store.load('d')).toBeNull();
    expect(store.listVersions('d')).toEqual([]);
    expect(store.getVersion(v1)).toBeNull();
    expect(store.load('e')).not.toBeNull(); // other documents untouched
    expect(store.listVersions('e')).toHaveLength(1);
  });

  it('transaction rolls back an append when the function throws', () => {
    const { store } = editedDoc();
    expect(() =>
      store.transaction(() => {
        store.append('d', new Uint8Array([0, 0]));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.load('d')).toBeNull();
  });
});

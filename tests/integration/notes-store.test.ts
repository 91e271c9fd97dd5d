/** The Yjs document store, the same tests on SQLite and PostgreSQL. */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { Database } from '../../server/src/db/database.ts';
import { createDocStore } from '../../server/src/notes/store.ts';
import { addObservation, deleteObservation, observationText, readObservations } from '../../shared/notes/doc.ts';
import { BACKENDS } from '../helpers/backends.ts';

describe.each(BACKENDS)('doc store on $name', (backend) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let appended: Promise<unknown>;
  afterEach(async () => {
    await db?.close();
    await dispose?.();
  });

  /** A document whose every transaction is appended to the store (in order), as the hub does. */
  async function editedDoc() {
    const place = await backend.create();
    dispose = place.dispose;
    db = await place.open();
    const store = createDocStore(db);
    const doc = new Y.Doc();
    appended = Promise.resolve();
    doc.on('update', (u: Uint8Array) => {
      appended = appended.then(() => store.append('d', u));
    });
    return { store, doc };
  }
  /** Everything the document sent to the store is there. */
  const stored = () => appended;

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

  it('loads null for an unknown document and the merged state otherwise', async () => {
    const { store, doc } = await editedDoc();
    expect(await store.load('d')).toBeNull();
    addObservation(doc, init('een'));
    addObservation(doc, init('twee', 1));
    await stored();
    expect(readObservations(loadDoc(await store.load('d')))).toEqual(readObservations(doc));
    expect(await store.load('other')).toBeNull();
  });

  it('compaction folds the log into one state row and keeps content identical', async () => {
    const { store, doc } = await editedDoc();
    const id = addObservation(doc, init('begin'));
    for (let i = 0; i < 50; i++) observationText(doc, id)!.insert(0, `${i} `);
    const gone = addObservation(doc, init('x'.repeat(2000), 4));
    deleteObservation(doc, gone);
    await stored();
    const merged = (await store.load('d'))!;

    const size = await store.compact('d');
    const compacted = (await store.load('d'))!;
    const count = async (table: string) => ((await db.prepare(`SELECT count(*) AS n FROM ${table}`).get()) as { n: number }).n;
    expect(await count('doc_updates')).toBe(0);
    expect(await count('doc_state')).toBe(1);
    expect(size).toBe(compacted.byteLength);
    // Deleted content is garbage-collected by the round trip through a Y.Doc.
    expect(compacted.byteLength).toBeLessThan(merged.byteLength);
    expect(readObservations(loadDoc(compacted))).toEqual(readObservations(doc));
    expect(Y.encodeStateVector(loadDoc(compacted))).toEqual(Y.encodeStateVector(doc));

    // Updates after a compaction are merged with the state row.
    addObservation(doc, init('daarna', 9));
    await stored();
    expect(readObservations(loadDoc(await store.load('d')))).toEqual(readObservations(doc));
    expect(await store.compact('missing')).toBeNull();
  });

  it('saves, lists and fetches versions; deleteDoc removes every row', async () => {
    const { store, doc } = await editedDoc();
    addObservation(doc, init('v1'));
    await stored();
    const v1 = await store.saveVersion('d', 'eerste');
    addObservation(doc, init('v2', 1));
    await stored();
    const v2 = await store.saveVersion('d', 'tweede', Y.encodeStateAsUpdate(doc));
    await store.append('e', Y.encodeStateAsUpdate(doc));
    await store.saveVersion('e', 'ander');

    expect((await store.listVersions('d')).map((v) => [v.id, v.label])).toEqual([
      [v2, 'tweede'],
      [v1, 'eerste'],
    ]);
    const version = (await store.getVersion(v1))!;
    expect(version.doc).toBe('d');
    expect(version.bytes).toBe(version.state.byteLength);
    expect(readObservations(loadDoc(version.state)).map((o) => o.text)).toEqual(['v1']);
    expect(await store.getVersion(9999)).toBeNull();

    await store.deleteDoc('d');
    expect(await store.load('d')).toBeNull();
    expect(await store.listVersions('d')).toEqual([]);
    expect(await store.getVersion(v1)).toBeNull();
    expect(await store.load('e')).not.toBeNull(); // other documents untouched
    expect(await store.listVersions('e')).toHaveLength(1);
  });

  it('transaction rolls back an append when the function throws', async () => {
    const { store } = await editedDoc();
    await expect(
      store.transaction(async () => {
        await store.append('d', new Uint8Array([0, 0]));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await store.load('d')).toBeNull();
  });
});

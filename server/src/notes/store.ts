/**
 * Persistence for Yjs documents (SQLite or PostgreSQL): an append-only update log per document,
 * folded now and then into one state row, plus full-state version copies (cheaper than Yjs
 * snapshots, which would need `gc: false` and keep deleted content forever).
 */
import type { Database } from '../db/database.ts';
import * as Y from 'yjs';

/** `"update"` is an SQL keyword and must stay quoted wherever the column is named. */
export interface DocVersionInfo {
  id: number;
  doc: string;
  label: string;
  createdAt: number;
  /** Size of the stored state in bytes. */
  bytes: number;
}

export interface StoredDoc {
  state: Uint8Array;
  lastId: number;
  /** Update rows merged into `state` (0: it is the compacted state row alone). */
  updates: number;
}

export interface DocVersion extends DocVersionInfo {
  state: Uint8Array;
}

export interface DocStore {
  /** Stored state merged with the appended updates, or null if the document has no rows. */
  load(docName: string): Promise<Uint8Array | null>;
  /** Like `load`, with the id of the last update row it includes (0 without any) and how many it merged. */
  read(docName: string): Promise<StoredDoc | null>;
  /** Appends an update and returns its row id. */
  append(docName: string, update: Uint8Array): Promise<number>;
  /** Folds state + updates into one state row; returns its size, or null if nothing is stored. */
  compact(docName: string): Promise<number | null>;
  /**
   * Makes `state` the document's one state row and drops the update rows up to `upToId`: the
   * caller knows `state` holds exactly those (the hub's live copy), so nothing is decoded here.
   */
  replace(docName: string, state: Uint8Array, upToId: number): Promise<void>;
  /** Saves a full-state copy (the given state, or the stored one) and returns its id. */
  saveVersion(docName: string, label: string, state?: Uint8Array): Promise<number>;
  /** Newest first, without the state blobs. */
  listVersions(docName: string): Promise<DocVersionInfo[]>;
  getVersion(id: number): Promise<DocVersion | null>;
  /** Removes every row of the document, versions included. */
  deleteDoc(docName: string): Promise<void>;
  /** Runs `fn` in one transaction (nested calls become savepoints). */
  transaction<T>(fn: () => Promise<T>): Promise<T>;
}

interface VersionRow {
  id: number;
  doc: string;
  label: string;
  created_at: number;
  bytes: number;
}

export function createDocStore(db: Database): DocStore {
  const q = {
    state: db.prepare<[string], { state: Uint8Array }>(`SELECT state FROM doc_state WHERE doc = ?`),
    updates: db.prepare<[string], { id: number; update: Uint8Array }>(
      `SELECT id, "update" FROM doc_updates WHERE doc = ? ORDER BY id`,
    ),
    append: db.prepare<[string, Uint8Array, number], { id: number }>(
      `INSERT INTO doc_updates (doc, "update", created_at) VALUES (?, ?, ?) RETURNING id`,
    ),
    putState: db.prepare<[string, Uint8Array, number]>(
      `INSERT INTO doc_state (doc, state, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (doc) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    ),
    dropUpdatesUpTo: db.prepare<[string, number]>(`DELETE FROM doc_updates WHERE doc = ? AND id <= ?`),
    insertVersion: db.prepare<[string, string, Uint8Array, number], { id: number }>(
      `INSERT INTO doc_versions (doc, label, state, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
    ),
    listVersions: db.prepare<[string], VersionRow>(
      `SELECT id, doc, label, created_at, length(state) AS bytes FROM doc_versions WHERE doc = ? ORDER BY id DESC`,
    ),
    getVersion: db.prepare<[number], VersionRow & { state: Uint8Array }>(
      `SELECT id, doc, label, created_at, length(state) AS bytes, state FROM doc_versions WHERE id = ?`,
    ),
    deleteUpdates: db.prepare<[string]>(`DELETE FROM doc_updates WHERE doc = ?`),
    deleteState: db.prepare<[string]>(`DELETE FROM doc_state WHERE doc = ?`),
    deleteVersions: db.prepare<[string]>(`DELETE FROM doc_versions WHERE doc = ?`),
  };

  const toInfo = (r: VersionRow): DocVersionInfo => ({
    id: r.id,
    doc: r.doc,
    label: r.label,
    createdAt: r.created_at,
    bytes: r.bytes,
  });

  /** The merged state and the id of the last update it includes (so compaction deletes exactly those). */
  const loadWithLastId = async (docName: string): Promise<StoredDoc | null> => {
    const state = (await q.state.get(docName))?.state;
    const rows = await q.updates.all(docName);
    if (!state && rows.length === 0) return null;
    const parts = state ? [state, ...rows.map((r) => r.update)] : rows.map((r) => r.update);
    const merged = parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts);
    return { state: merged, lastId: rows.at(-1)?.id ?? 0, updates: rows.length };
  };

  const load = async (docName: string): Promise<Uint8Array | null> => (await loadWithLastId(docName))?.state ?? null;

  return {
    load,
    read: loadWithLastId,
    append: async (docName, update) => (await q.append.get(docName, update, Date.now()))!.id,
    replace: (docName, state, upToId) =>
      db.transaction(async () => {
        await q.putState.run(docName, state, Date.now());
        await q.dropUpdatesUpTo.run(docName, upToId);
      }),
    compact: (docName) =>
      db.transaction(async () => {
        const loaded = await loadWithLastId(docName);
        if (!loaded) return null;
        // Round-trip through a Y.Doc instead of storing the mergeUpdates result: applying lets
        // Yjs garbage-collect deleted content, which mergeUpdates alone keeps.
        const doc = new Y.Doc();
        Y.applyUpdate(doc, loaded.state);
        const state = Y.encodeStateAsUpdate(doc);
        doc.destroy();
        await q.putState.run(docName, state, Date.now());
        await q.dropUpdatesUpTo.run(docName, loaded.lastId);
        return state.byteLength;
      }),
    async saveVersion(docName, label, state) {
      const data = state ?? (await load(docName)) ?? Y.encodeStateAsUpdate(new Y.Doc());
      return (await q.insertVersion.get(docName, label, data, Date.now()))!.id;
    },
    listVersions: async (docName) => (await q.listVersions.all(docName)).map(toInfo),
    async getVersion(id) {
      const row = await q.getVersion.get(id);
      return row ? { ...toInfo(row), state: row.state } : null;
    },
    deleteDoc: (docName) =>
      db.transaction(async () => {
        await q.deleteUpdates.run(docName);
        await q.deleteState.run(docName);
        await q.deleteVersions.run(docName);
      }),
    transaction: <T>(fn: () => Promise<T>): Promise<T> => db.transaction(fn),
  };
}

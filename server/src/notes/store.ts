/**
 * SQLite persistence for Yjs documents: an append-only update log per document, folded now and
 * then into one state row, plus full-state version copies (cheaper than Yjs snapshots, which
 * would need `gc: false` and keep deleted content forever).
 *
 * Everything is synchronous (node:sqlite), which is what lets the hub load a document before
 * it handles the first message of a connection.
 */
import type { Db } from '../db/database.ts';
import * as Y from 'yjs';

/**
 * Plain statements, in order, for the lead to fold into the numbered migrations. `"update"` is
 * an SQL keyword and must stay quoted wherever the column is named.
 */
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
  load(docName: string): Uint8Array | null;
  /** Like `load`, with the id of the last update row it includes (0 without any) and how many it merged. */
  read(docName: string): StoredDoc | null;
  /** Appends an update and returns its row id. */
  append(docName: string, update: Uint8Array): number;
  /** Folds state + updates into one state row; returns its size, or null if nothing is stored. */
  compact(docName: string): number | null;
  /**
   * Makes `state` the document's one state row and drops the update rows up to `upToId`: the
   * caller knows `state` holds exactly those (the hub's live copy), so nothing is decoded here.
   */
  replace(docName: string, state: Uint8Array, upToId: number): void;
  /** Saves a full-state copy (the given state, or the stored one) and returns its id. */
  saveVersion(docName: string, label: string, state?: Uint8Array): number;
  /** Newest first, without the state blobs. */
  listVersions(docName: string): DocVersionInfo[];
  getVersion(id: number): DocVersion | null;
  /** Removes every row of the document, versions included. */
  deleteDoc(docName: string): void;
  /** Runs `fn` in one SQLite transaction (nested calls become savepoints). */
  transaction<T>(fn: () => T): T;
}

interface VersionRow {
  id: number;
  doc: string;
  label: string;
  created_at: number;
  bytes: number;
}

export function createDocStore(db: Db): DocStore {
  const q = {
    state: db.prepare<[string], { state: Uint8Array }>(`SELECT state FROM doc_state WHERE doc = ?`),
    updates: db.prepare<[string], { id: number; update: Uint8Array }>(
      `SELECT id, "update" FROM doc_updates WHERE doc = ? ORDER BY id`,
    ),
    append: db.prepare<[string, Uint8Array, number]>(
      `INSERT INTO doc_updates (doc, "update", created_at) VALUES (?, ?, ?)`,
    ),
    putState: db.prepare<[string, Uint8Array, number]>(
      `INSERT INTO doc_state (doc, state, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (doc) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
    ),
    dropUpdatesUpTo: db.prepare<[string, number]>(`DELETE FROM doc_updates WHERE doc = ? AND id <= ?`),
    insertVersion: db.prepare<[string, string, Uint8Array, number]>(
      `INSERT INTO doc_versions (doc, label, state, created_at) VALUES (?, ?, ?, ?)`,
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
  const loadWithLastId = (docName: string): StoredDoc | null => {
    const state = q.state.get(docName)?.state;
    const rows = q.updates.all(docName);
    if (!state && rows.length === 0) return null;
    const parts = state ? [state, ...rows.map((r) => r.update)] : rows.map((r) => r.update);
    const merged = parts.length === 1 ? parts[0]! : Y.mergeUpdates(parts);
    return { state: merged, lastId: rows.at(-1)?.id ?? 0, updates: rows.length };
  };

  const load = (docName: string): Uint8Array | null => loadWithLastId(docName)?.state ?? null;

  return {
    load,
    read: loadWithLastId,
    append: (docName, update) => Number(q.append.run(docName, update, Date.now()).lastInsertRowid),
    replace: (docName, state, upToId) =>
      db.transaction(() => {
        q.putState.run(docName, state, Date.now());
        q.dropUpdatesUpTo.run(docName, upToId);
      }),
    compact: (docName) =>
      db.transaction(() => {
        const loaded = loadWithLastId(docName);
        if (!loaded) return null;
        // Round-trip through a Y.Doc instead of storing the mergeUpdates result: applying lets
        // Yjs garbage-collect deleted content, which mergeUpdates alone keeps.
        const doc = new Y.Doc();
        Y.applyUpdate(doc, loaded.state);
        const state = Y.encodeStateAsUpdate(doc);
        doc.destroy();
        q.putState.run(docName, state, Date.now());
        q.dropUpdatesUpTo.run(docName, loaded.lastId);
        return state.byteLength;
      }),
    saveVersion(docName, label, state) {
      const data = state ?? load(docName) ?? Y.encodeStateAsUpdate(new Y.Doc());
      return Number(q.insertVersion.run(docName, label, data, Date.now()).lastInsertRowid);
    },
    listVersions: (docName) => q.listVersions.all(docName).map(toInfo),
    getVersion(id) {
      const row = q.getVersion.get(id);
      return row ? { ...toInfo(row), state: row.state } : null;
    },
    deleteDoc: (docName) =>
      db.transaction(() => {
        q.deleteUpdates.run(docName);
        q.deleteState.run(docName);
        q.deleteVersions.run(docName);
      }),
    transaction: <T>(fn: () => T): T => db.transaction(fn),
  };
}

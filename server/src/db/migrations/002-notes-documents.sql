-- Yjs documents: appended updates (write-through), the compacted state, and full-state versions.
CREATE TABLE doc_updates (
  id INTEGER PRIMARY KEY,
  doc TEXT NOT NULL,
  "update" BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX doc_updates_doc ON doc_updates (doc, id);
CREATE TABLE doc_state (
  doc TEXT PRIMARY KEY,
  state BLOB NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE doc_versions (
  id INTEGER PRIMARY KEY,
  doc TEXT NOT NULL,
  label TEXT NOT NULL,
  state BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX doc_versions_doc ON doc_versions (doc, id);

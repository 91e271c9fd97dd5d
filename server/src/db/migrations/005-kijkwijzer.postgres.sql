-- PostgreSQL's version of 005: trajects get the rowid that breaks ties (see 001).
-- The Kijkwijzer's server-side data: client feedback per fragment, who may read it, and trajects.
-- Client feedback is what a client said in an interview; the shared Yjs document reaches every
-- participant, so it lives here and is served only to the roles the host allows.
CREATE TABLE trajects (
  rowid BIGINT GENERATED ALWAYS AS IDENTITY,
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  klantmanager_name TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX trajects_owner ON trajects(owner_id, created_at);

-- A room leaves its traject (but stays) when the traject is deleted.
ALTER TABLE rooms ADD COLUMN traject_id TEXT REFERENCES trajects(id) ON DELETE SET NULL;
-- JSON array of roles that may read client feedback; NULL means the default list.
ALTER TABLE rooms ADD COLUMN feedback_roles TEXT;
CREATE INDEX rooms_traject ON rooms(traject_id);

-- fragment_id names a fragment in the room's Yjs document; no foreign key can reach there.
CREATE TABLE fragment_feedback (
  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  fragment_id TEXT NOT NULL,
  text TEXT NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (room_id, fragment_id)
);

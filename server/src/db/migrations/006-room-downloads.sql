-- Downloads of the room's video: the host's per-room setting, and downloads in the access log.
-- Off by default: the recording leaves the server only when the host allows it and the current
-- consent says fragments may be shown outside the room (checked on every request).
ALTER TABLE rooms ADD COLUMN downloads_allowed INTEGER NOT NULL DEFAULT 0 CHECK (downloads_allowed IN (0, 1));

-- The access log gets two sources: `download` (the video as a file) and `export` (the video inside
-- a REFI-QDA project). SQLite cannot change a CHECK constraint in place, so the table is rebuilt
-- with the same columns and rows; nothing refers to it.
CREATE TABLE media_plays_v6 (
  id INTEGER PRIMARY KEY,
  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  participant_id TEXT,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('player', 'stream', 'download', 'export')),
  mode TEXT NOT NULL,
  at INTEGER NOT NULL
);
INSERT INTO media_plays_v6 (id, room_id, participant_id, name, role, source, mode, at)
  SELECT id, room_id, participant_id, name, role, source, mode, at FROM media_plays;
DROP TABLE media_plays;
ALTER TABLE media_plays_v6 RENAME TO media_plays;
CREATE INDEX media_plays_room ON media_plays(room_id, at);

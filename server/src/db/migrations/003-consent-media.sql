-- Video with consent: consent versions (append-only), the room's video, why a video was removed,
-- and the access log of playback starts. Everything goes with its room (ON DELETE CASCADE).
CREATE TABLE consents (
  id TEXT PRIMARY KEY,
  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('given', 'withdrawn')),
  client_label TEXT NOT NULL,
  consent_date TEXT NOT NULL,
  method TEXT NOT NULL,
  purposes TEXT NOT NULL,
  allowed_roles TEXT NOT NULL,
  fragments_outside_room INTEGER NOT NULL,
  retention_until TEXT NOT NULL,
  withdrawn_on TEXT,
  note TEXT NOT NULL DEFAULT '',
  is_demo INTEGER NOT NULL DEFAULT 0,
  recorded_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (room_id, version)
);
-- A consent version is a record of what the client agreed to at the time: never rewritten.
CREATE TRIGGER consents_append_only BEFORE UPDATE ON consents
BEGIN
  SELECT RAISE(ABORT, 'consent records are append-only');
END;

-- At most one video per room; a bring-your-own-file video has no file on the server.
CREATE TABLE media (
  id TEXT PRIMARY KEY,
  room_id TEXT NOT NULL UNIQUE REFERENCES rooms(id) ON DELETE CASCADE,
  mode TEXT NOT NULL CHECK (mode IN ('upload', 'byo')),
  file_name TEXT NOT NULL,
  size INTEGER NOT NULL,
  container TEXT,
  mime_type TEXT,
  sha256 TEXT,
  head_tail_sha256 TEXT NOT NULL,
  duration_seconds REAL,
  width INTEGER,
  height INTEGER,
  frame_rate REAL,
  video_codec TEXT,
  audio_codec TEXT,
  pixel_format TEXT,
  probed INTEGER NOT NULL,
  file_path TEXT,
  poster_path TEXT,
  created_at INTEGER NOT NULL,
  CHECK ((mode = 'upload') = (file_path IS NOT NULL))
);

CREATE TABLE media_removals (
  room_id TEXT PRIMARY KEY REFERENCES rooms(id) ON DELETE CASCADE,
  reason TEXT NOT NULL CHECK (reason IN ('withdrawn', 'retention', 'host')),
  removed_at INTEGER NOT NULL
);

-- Names and roles are copied: the log must still say who watched after a participant is gone.
CREATE TABLE media_plays (
  id INTEGER PRIMARY KEY,
  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  participant_id TEXT,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  source TEXT NOT NULL CHECK (source IN ('player', 'stream')),
  mode TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE INDEX media_plays_room ON media_plays(room_id, at);

-- Spreektijd: the speaker analysis of a room's recording and the host's corrections of it.
-- The analysis belongs to the video (media_id): deleting the video (withdrawal, retention, the
-- host, the room) deletes it in the same transaction; a conversion gives the video a new id and
-- the analysis follows (ON UPDATE CASCADE), since the audio is the same.
CREATE TABLE speaker_analyses (
  room_id TEXT PRIMARY KEY REFERENCES rooms(id) ON DELETE CASCADE,
  media_id TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE ON UPDATE CASCADE,
  state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed')),
  speaker_count TEXT NOT NULL CHECK (speaker_count IN ('auto', '1', '2', '3')),
  failure TEXT,
  -- JSON { speakers: SpeakerId[], turns: Turn[] } once done.
  result TEXT,
  revision INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK ((state = 'done') = (result IS NOT NULL)),
  CHECK ((state = 'failed') = (failure IS NOT NULL))
);
CREATE INDEX speaker_analyses_media ON speaker_analyses(media_id);

-- Applied in seq order over the result; undone ones are skipped (and dropped by the next correction).
CREATE TABLE speaker_corrections (
  room_id TEXT NOT NULL REFERENCES speaker_analyses(room_id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  correction TEXT NOT NULL,
  undone INTEGER NOT NULL DEFAULT 0,
  participant_id TEXT,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (room_id, seq)
);

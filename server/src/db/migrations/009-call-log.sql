-- The room's call ("gesprek"). Nothing of the call itself is stored: audio and video go browser
-- to browser. Kept: who was in the call and when (the access log), and the host's pause-on-talk
-- setting. Both go with the room; participant_id is not a foreign key, so a line outlives a revoked
-- invite and still says who took part (name and role are copied for the same reason).
CREATE TABLE call_log (
  id INTEGER PRIMARY KEY,
  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  participant_id TEXT NOT NULL,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  joined_at INTEGER NOT NULL,
  -- Null while the person is in the call.
  left_at INTEGER
);
CREATE INDEX call_log_room ON call_log (room_id, joined_at);

CREATE TABLE call_settings (
  room_id TEXT PRIMARY KEY REFERENCES rooms(id) ON DELETE CASCADE,
  pause_on_talk INTEGER NOT NULL DEFAULT 0 CHECK (pause_on_talk IN (0, 1))
);

-- The shared playhead's event log: who played, paused, sought… where in the recording, and when.
-- Kept with the room (ON DELETE CASCADE); participant_id is not a foreign key, so a line outlives
-- a revoked invite and still says who acted (name and role are copied for the same reason).
CREATE TABLE playhead_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  room_id TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
  at INTEGER NOT NULL,
  participant_id TEXT,
  name TEXT,
  role TEXT,
  action TEXT NOT NULL,
  position REAL NOT NULL,
  -- JSON: a number, a string or null (see PlayheadLogEntry.value).
  value TEXT NOT NULL DEFAULT 'null'
);
CREATE INDEX playhead_events_room ON playhead_events (room_id, id);

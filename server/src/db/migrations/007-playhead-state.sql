-- The shared playhead's timeline per room, written through on every change, so that after a
-- restart or a crash every room reopens paused where it was (the event log alone cannot say).
-- Times are wall clock (ms): the server clock of one process means nothing to the next.
CREATE TABLE playhead_state (
  room_id TEXT PRIMARY KEY REFERENCES rooms(id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  paused INTEGER NOT NULL,
  rate REAL NOT NULL,
  position REAL NOT NULL,
  -- when `position` held (the state's atServerTime)
  at REAL NOT NULL,
  -- while playing: the last time the server confirmed the room still played (about once a second),
  -- so a room whose process was killed reopens where it last was known to be
  alive_at REAL NOT NULL,
  duration REAL,
  frame_rate REAL NOT NULL,
  mode TEXT NOT NULL,
  -- presenter mode: who presents; not a foreign key, like playhead_events (the name is shown as is)
  presenter_id TEXT,
  presenter_name TEXT
);

-- PostgreSQL's version of 006: the host's per-room download setting, and two more access log
-- sources. PostgreSQL changes the CHECK constraint in place (SQLite had to rebuild the table).
ALTER TABLE rooms ADD COLUMN downloads_allowed BIGINT NOT NULL DEFAULT 0 CHECK (downloads_allowed IN (0, 1));

ALTER TABLE media_plays DROP CONSTRAINT media_plays_source_check;
ALTER TABLE media_plays ADD CONSTRAINT media_plays_source_check CHECK (source IN ('player', 'stream', 'download', 'export'));

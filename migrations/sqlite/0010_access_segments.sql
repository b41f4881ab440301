-- The access log in segments (src/server/store/sqlite_access.rs): a flush packs its rows into
-- blobs of up to 4,096 rows, one row here each, and lists each token with rows in a segment
-- once, instead of a row and two index entries per call. The server moves the rows of
-- `access_log` into segments and drops that table when it first opens the database.
CREATE TABLE access_segments (
    -- A row's id is this id * 4096 + its position; AUTOINCREMENT so that ids are never reused
    -- after retention has emptied the table.
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id  INTEGER NOT NULL,
    min_at  INTEGER NOT NULL,
    max_at  INTEGER NOT NULL,
    rows    INTEGER NOT NULL,
    -- Last, so a walk that reads only the columns before it stays off its overflow pages.
    body    BLOB NOT NULL
);

CREATE TABLE access_segment_credentials (
    segment_id     INTEGER NOT NULL,
    credential_id  TEXT NOT NULL,
    PRIMARY KEY (segment_id, credential_id)
) WITHOUT ROWID;
CREATE INDEX access_segment_credential ON access_segment_credentials(credential_id, segment_id);

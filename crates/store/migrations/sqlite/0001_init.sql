-- marsad schema, version 1 (SQLite).
-- Timestamps are RFC 3339 UTC text. Record versions are never updated in place: a changed record is
-- a new row of record_versions, and current_records points at the newest visible one.

CREATE TABLE institutions (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    institution_id INTEGER REFERENCES institutions (id),
    created_at TEXT NOT NULL
);

CREATE TABLE submissions (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources (id),
    file_name TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    file_size INTEGER NOT NULL,
    format TEXT NOT NULL,
    mapping_hash TEXT NOT NULL,
    mapping_text TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('importing', 'complete', 'rejected', 'failed')),
    rows_read INTEGER NOT NULL DEFAULT 0,
    accepted INTEGER NOT NULL DEFAULT 0,
    unchanged INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    warnings INTEGER NOT NULL DEFAULT 0,
    submitted_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    error TEXT
);
CREATE INDEX submissions_by_file ON submissions (source_id, file_hash, mapping_hash);

-- Every stored version of every record, and the staged rows of importing submissions (a row is a
-- version only once its submission is complete; staged rows of failed or rejected submissions
-- are deleted, as are staged rows found unchanged at finalize).
-- No foreign keys from the hot tables to each other: deleting staged rows must not probe
-- current_records or version_links.
-- Ids are chosen by the store: the rows of submission s have ids in (s << 32, (s + 1) << 32), in
-- staging order, so a submission's rows are one range of the primary key and need no index.
-- Hashes are the 32 bytes of the payload's SHA-256.
CREATE TABLE record_versions (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    source_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    row_no INTEGER NOT NULL,
    payload TEXT NOT NULL,
    hash BLOB NOT NULL
);

-- The newest visible version of each record; `version` is its 1-based version number.
CREATE TABLE current_records (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    version_id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    hash BLOB NOT NULL
);
CREATE UNIQUE INDEX current_records_by_key ON current_records (source_id, kind, record_id);
CREATE INDEX current_records_by_kind ON current_records (kind, id);

-- History chain: version_id replaced prev_id (only for second and later versions).
CREATE TABLE version_links (
    version_id INTEGER PRIMARY KEY,
    prev_id INTEGER NOT NULL
);

CREATE TABLE quarantine (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    source_id INTEGER NOT NULL REFERENCES sources (id),
    row_no INTEGER NOT NULL,
    raw TEXT NOT NULL,
    corrected TEXT,
    keys TEXT NOT NULL,
    issues TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved', 'dismissed')),
    resolved_by INTEGER REFERENCES submissions (id),
    created_at TEXT NOT NULL
);
CREATE INDEX quarantine_by_submission ON quarantine (submission_id, row_no);
CREATE INDEX quarantine_by_source ON quarantine (source_id, status);

-- The keys of quarantined rows, one per (kind, record_id), for resolving entries set-wise.
CREATE TABLE quarantine_keys (
    quarantine_id INTEGER NOT NULL REFERENCES quarantine (id),
    source_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL
);
CREATE INDEX quarantine_keys_by_key ON quarantine_keys (source_id, kind, record_id);

CREATE TABLE submission_warnings (
    id INTEGER PRIMARY KEY,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    row_no INTEGER NOT NULL,
    field TEXT,
    reason TEXT NOT NULL
);
CREATE INDEX submission_warnings_by_submission ON submission_warnings (submission_id, row_no);

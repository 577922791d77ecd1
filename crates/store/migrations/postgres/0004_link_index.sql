-- marsad schema, version 4 (PostgreSQL): what incremental linking keeps between runs. The
-- linkage engine's block keys of every numbered record, so a new submission's records are
-- compared only with the numbered records that share a block with them, and the model the last
-- full run estimated, so an incremental run scores without estimating again. Both are rebuilt by
-- a full run (`marsad unify --full`).

-- One row per block key of a numbered record. `key` is the engine's 64-bit hash of the blocking
-- rule and its key (stored as a signed integer); `record` is the record's row in current_records,
-- the same for every version of the record.
CREATE TABLE person_blocks (
    key BIGINT NOT NULL,
    record BIGINT NOT NULL REFERENCES current_records (id),
    PRIMARY KEY (key, record)
);
CREATE INDEX person_blocks_by_record ON person_blocks (record);

-- The version of each record whose block keys are in person_blocks: a record with a newer
-- version (or none here) has stale or missing keys, which the next run computes again.
CREATE TABLE person_blocked (
    record BIGINT PRIMARY KEY REFERENCES current_records (id),
    version BIGINT NOT NULL
);

-- The stored linkage model (one row): opaque JSON written by marsad-unify.
CREATE TABLE link_model (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    saved_at TIMESTAMPTZ NOT NULL,
    model TEXT NOT NULL
);

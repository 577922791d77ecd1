-- marsad schema, version 8: statistics. The materialised cube of every indicator at its finest
-- grain (one row per cell, sums as 64-bit integers in fixed point), what each unit (a unified
-- person with all their records, or one unlinked record) contributed to it, which records make up
-- each unit, and how far the cube is up to date. A refresh changes all of these in one
-- transaction: the cube always equals the sum of its units' contributions.

-- One cell of one indicator's cube: `period` is `YYYY-MM`, `cell_key` the `DIM=code` pairs in
-- catalogue order joined by `;`. A cell whose sums are all zero is deleted.
CREATE TABLE stats_cells (
    indicator TEXT NOT NULL,
    period TEXT NOT NULL,
    cell_key TEXT NOT NULL,
    value INTEGER NOT NULL,
    denominator INTEGER NOT NULL,
    units INTEGER NOT NULL,
    provisional INTEGER NOT NULL,
    estimated INTEGER NOT NULL,
    PRIMARY KEY (indicator, period, cell_key)
) WITHOUT ROWID;

-- The facts one unit contributed, as the statistics crate serialises them (opaque here), so a
-- refresh subtracts exactly what it added.
CREATE TABLE stats_units (
    unit TEXT PRIMARY KEY,
    facts TEXT NOT NULL
) WITHOUT ROWID;

-- The unit each current record was counted in, and the person record it refers to in its own
-- source (`person_ref`, the `person_record_id` of an event record), to find the events of a
-- person record that arrives or changes later.
CREATE TABLE stats_members (
    source_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    unit TEXT NOT NULL,
    person_ref TEXT,
    PRIMARY KEY (source_id, kind, record_id)
) WITHOUT ROWID;
CREATE INDEX stats_members_by_unit ON stats_members (unit);
CREATE INDEX stats_members_by_ref ON stats_members (person_ref, source_id);

-- The complete submissions whose records are in the cube.
CREATE TABLE stats_submissions (
    submission_id INTEGER PRIMARY KEY
);

-- One row: the last person event applied, when, and the settings the cube was computed with
-- (JSON, the statistics crate's business).
CREATE TABLE stats_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    person_event INTEGER NOT NULL,
    refreshed_at TEXT NOT NULL,
    settings TEXT NOT NULL
);

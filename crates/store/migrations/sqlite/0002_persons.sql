-- marsad schema, version 2 (SQLite): unified person numbers, the records assigned to them, the
-- log of what was done to them, and clerical review of uncertain links.

-- Every number ever issued stays here, so a number is never issued twice (the primary key makes a
-- second draw of the same number fail). A merged number is an alias: `merged_into` names the
-- final survivor (kept flat: when a survivor is itself merged, its aliases follow it).
CREATE TABLE persons (
    number INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'merged')),
    merged_into INTEGER REFERENCES persons (number),
    merged_at TEXT,
    CHECK ((status = 'merged') = (merged_into IS NOT NULL))
);
CREATE INDEX persons_by_survivor ON persons (merged_into) WHERE merged_into IS NOT NULL;

-- Which person each record belongs to (one at a time, always an active number). `assigned_by` is
-- `link` for the linkage engine or the name of the user who decided.
CREATE TABLE person_records (
    source_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    number INTEGER NOT NULL REFERENCES persons (number),
    assigned_at TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    link_weight REAL,
    PRIMARY KEY (source_id, kind, record_id)
) WITHOUT ROWID;
CREATE INDEX person_records_by_number ON person_records (number);

-- What was done to persons, never updated: creations, assignments, merges, splits and review
-- decisions. `numbers` is a JSON array of the numbers involved, in the order the action gives
-- them (merge: survivor then absorbed; split: original then new); `records` a JSON array of
-- [source_id, kind, record_id].
CREATE TABLE person_events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL CHECK (action IN ('create', 'assign', 'merge', 'split', 'review')),
    numbers TEXT NOT NULL,
    records TEXT NOT NULL,
    reason TEXT
);
-- The numbers of each event, to find a person's events.
CREATE TABLE person_event_numbers (
    number INTEGER NOT NULL,
    event_id INTEGER NOT NULL REFERENCES person_events (id),
    PRIMARY KEY (number, event_id)
) WITHOUT ROWID;

-- Pairs in the review band. The pair is unordered: the store keeps the smaller key on the left,
-- so the unique index holds each pair once.
CREATE TABLE link_reviews (
    id INTEGER PRIMARY KEY,
    left_source INTEGER NOT NULL,
    left_kind TEXT NOT NULL,
    left_record TEXT NOT NULL,
    right_source INTEGER NOT NULL,
    right_kind TEXT NOT NULL,
    right_record TEXT NOT NULL,
    weight REAL NOT NULL,
    explanation TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'rejected')),
    created_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT
);
CREATE UNIQUE INDEX link_reviews_by_pair ON link_reviews
    (left_source, left_kind, left_record, right_source, right_kind, right_record);
CREATE INDEX link_reviews_by_status ON link_reviews (status, id);

-- marsad schema, version 10: research microdata extracts (issue 7, item 8). An accredited
-- researcher requests an extract of linked, pseudonymised microdata for a stated purpose and
-- project; the data-protection side approves or refuses it; an approved extract is built, its
-- quasi-identifiers treated (recoding, local suppression) and released only when its
-- re-identification risk is below the level in force, else refused with the risk report.
--
-- Nothing is overwritten: rows are only ever added (triggers refuse UPDATE and DELETE). The
-- state of a request is its last event.

-- A request: who asked (the user's audit actor `user:ID`, the login shown to deciders, the
-- institution), why (purpose, project), for which population (record kinds and years, JSON)
-- and which variables (JSON lists; the quasi-identifiers are a subset), under which release
-- level (k and the largest individual risk in force when it was made).
CREATE TABLE microdata_requests (
    id INTEGER PRIMARY KEY,
    requester TEXT NOT NULL,
    requester_name TEXT NOT NULL,
    institution TEXT NOT NULL,
    purpose TEXT NOT NULL,
    project TEXT NOT NULL,
    kinds TEXT NOT NULL,
    first_year INTEGER NOT NULL,
    last_year INTEGER NOT NULL CHECK (last_year >= first_year),
    variables TEXT NOT NULL,
    quasi_identifiers TEXT NOT NULL,
    k INTEGER NOT NULL CHECK (k >= 1),
    max_risk REAL NOT NULL CHECK (max_risk > 0 AND max_risk <= 1),
    requested_at TEXT NOT NULL
);
CREATE INDEX microdata_requests_by_institution ON microdata_requests (institution, id);

-- Every change of a request's status (`seq` 1, 2, ...): approved, refused, released,
-- withdrawn; who decided, why, and the risk report (JSON) before and after treatment.
CREATE TABLE microdata_events (
    request_id INTEGER NOT NULL REFERENCES microdata_requests (id),
    seq INTEGER NOT NULL CHECK (seq >= 1),
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL
        CHECK (to_state IN ('approved', 'refused', 'released', 'withdrawn')),
    actor TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    institution TEXT,
    reasons TEXT,
    report TEXT,
    file_ref TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (request_id, seq)
) WITHOUT ROWID;

-- The released file (CSV, pseudonymised and treated), by the SHA-256 its release event names.
CREATE TABLE microdata_extracts (
    request_id INTEGER PRIMARY KEY REFERENCES microdata_requests (id),
    sha256 TEXT NOT NULL,
    rows INTEGER NOT NULL CHECK (rows >= 0),
    content TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TRIGGER microdata_requests_no_update BEFORE UPDATE ON microdata_requests
BEGIN
    SELECT RAISE(ABORT, 'microdata_requests rows are never changed');
END;
CREATE TRIGGER microdata_requests_no_delete BEFORE DELETE ON microdata_requests
BEGIN
    SELECT RAISE(ABORT, 'microdata_requests rows are never deleted');
END;
CREATE TRIGGER microdata_events_no_update BEFORE UPDATE ON microdata_events
BEGIN
    SELECT RAISE(ABORT, 'microdata_events rows are never changed');
END;
CREATE TRIGGER microdata_events_no_delete BEFORE DELETE ON microdata_events
BEGIN
    SELECT RAISE(ABORT, 'microdata_events rows are never deleted');
END;
CREATE TRIGGER microdata_extracts_no_update BEFORE UPDATE ON microdata_extracts
BEGIN
    SELECT RAISE(ABORT, 'microdata_extracts rows are never changed');
END;
CREATE TRIGGER microdata_extracts_no_delete BEFORE DELETE ON microdata_extracts
BEGIN
    SELECT RAISE(ABORT, 'microdata_extracts rows are never deleted');
END;

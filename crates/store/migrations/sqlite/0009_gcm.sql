-- marsad schema, version 9: GCM monitoring (issue 9). The national implementation plan (actions
-- with every version, indicators with their measurements, evaluations, evidence), the
-- missing-migrant register (incidents, their sources, the links that say two reports are one
-- incident, the persons identified), the trafficking referral mechanism (cases, referrals and
-- every move of each) and complaints with every change of status.
--
-- Nothing is overwritten: rows are only ever added (triggers refuse UPDATE and DELETE). The
-- state of a referral or a complaint is its last event; an action is its last version.

-- An action of the plan: its id never changes; what it says is in its versions.
CREATE TABLE plan_actions (
    id TEXT PRIMARY KEY,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Every version of every action (1 when created). Objectives and partners are JSON arrays.
CREATE TABLE plan_action_versions (
    action_id TEXT NOT NULL REFERENCES plan_actions (id),
    version INTEGER NOT NULL CHECK (version >= 1),
    title TEXT NOT NULL,
    objectives TEXT NOT NULL,
    owner TEXT NOT NULL,
    partners TEXT NOT NULL,
    budget_amount INTEGER CHECK (budget_amount >= 0),
    budget_currency TEXT,
    start_date TEXT NOT NULL,
    end_date TEXT,
    status TEXT NOT NULL,
    step TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    CHECK ((budget_amount IS NULL) = (budget_currency IS NULL)),
    PRIMARY KEY (action_id, version)
) WITHOUT ROWID;

-- An indicator attached to an action, with its baseline and target.
CREATE TABLE plan_indicators (
    action_id TEXT NOT NULL REFERENCES plan_actions (id),
    code TEXT NOT NULL,
    baseline_start TEXT NOT NULL,
    baseline_end TEXT NOT NULL,
    baseline_value REAL NOT NULL,
    baseline_source TEXT NOT NULL,
    target_start TEXT NOT NULL,
    target_end TEXT NOT NULL,
    target_value REAL NOT NULL,
    target_source TEXT NOT NULL,
    direction TEXT CHECK (direction IN ('increase', 'decrease')),
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (action_id, code)
) WITHOUT ROWID;

-- Measured values over time: one per indicator and period.
CREATE TABLE plan_measurements (
    action_id TEXT NOT NULL,
    code TEXT NOT NULL,
    period_start TEXT NOT NULL,
    period_end TEXT NOT NULL,
    value REAL NOT NULL,
    source TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (action_id, code, period_start, period_end),
    FOREIGN KEY (action_id, code) REFERENCES plan_indicators (action_id, code)
) WITHOUT ROWID;

-- Evaluations: what was learned, the obstacles met (a JSON array).
CREATE TABLE plan_evaluations (
    id INTEGER PRIMARY KEY,
    action_id TEXT NOT NULL REFERENCES plan_actions (id),
    date TEXT NOT NULL,
    author TEXT NOT NULL,
    learned TEXT NOT NULL,
    obstacles TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX plan_evaluations_by_action ON plan_evaluations (action_id, id);

-- Evidence of what an action did: an attachment kept in a dossier (and so in the vault).
CREATE TABLE plan_evidence (
    id INTEGER PRIMARY KEY,
    action_id TEXT NOT NULL REFERENCES plan_actions (id),
    title TEXT NOT NULL,
    attachment_id INTEGER NOT NULL REFERENCES dossier_attachments (id),
    date TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX plan_evidence_by_action ON plan_evidence (action_id, id);

-- One report of a dead or missing migrant incident (IOM Missing Migrants Project fields).
CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    date TEXT NOT NULL,
    latitude REAL,
    longitude REAL,
    route TEXT,
    region TEXT,
    country TEXT,
    dead INTEGER NOT NULL CHECK (dead >= 0),
    missing INTEGER NOT NULL CHECK (missing >= 0),
    survivors INTEGER CHECK (survivors >= 0),
    females INTEGER CHECK (females >= 0),
    males INTEGER CHECK (males >= 0),
    children INTEGER CHECK (children >= 0),
    cause TEXT,
    institution TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    CHECK ((latitude IS NULL) = (longitude IS NULL))
);
CREATE INDEX incidents_by_date ON incidents (date, id);

-- The sources of a report and their reliability.
CREATE TABLE incident_sources (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    position INTEGER NOT NULL CHECK (position >= 0),
    name TEXT NOT NULL,
    reliability TEXT NOT NULL,
    PRIMARY KEY (incident_id, position)
) WITHOUT ROWID;

-- Two reports judged the same incident (`low_id` < `high_id`), with the reasons.
CREATE TABLE incident_links (
    low_id INTEGER NOT NULL REFERENCES incidents (id),
    high_id INTEGER NOT NULL REFERENCES incidents (id),
    reasons TEXT NOT NULL,
    linked_by TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    CHECK (low_id < high_id),
    PRIMARY KEY (low_id, high_id)
) WITHOUT ROWID;

-- A person identified among the dead or missing of an incident.
CREATE TABLE incident_persons (
    incident_id INTEGER NOT NULL REFERENCES incidents (id),
    person_number INTEGER NOT NULL REFERENCES persons (number),
    linked_by TEXT NOT NULL,
    linked_at TEXT NOT NULL,
    PRIMARY KEY (incident_id, person_number)
) WITHOUT ROWID;

-- An identified trafficking victim: the case the referrals belong to. The attributes are those
-- the mechanism's statistics are broken down by.
CREATE TABLE trafficking_cases (
    id INTEGER PRIMARY KEY,
    institution TEXT NOT NULL,
    identified_at TEXT NOT NULL,
    person_number INTEGER REFERENCES persons (number),
    sex TEXT,
    age_group TEXT,
    nationality TEXT,
    exploitation TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);

-- A referral of a case to one service, from one institution to another.
CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES trafficking_cases (id),
    kind TEXT NOT NULL,
    referring TEXT NOT NULL,
    receiving TEXT NOT NULL,
    note TEXT,
    proposed_by TEXT NOT NULL,
    proposed_at TEXT NOT NULL,
    CHECK (referring <> receiving)
);
CREATE INDEX referrals_by_case ON referrals (case_id, id);

-- Every move of a referral (`seq` 1, 2, ...): from, to, which institution, who, why, when.
CREATE TABLE referral_events (
    referral_id INTEGER NOT NULL REFERENCES referrals (id),
    seq INTEGER NOT NULL CHECK (seq >= 1),
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    institution TEXT NOT NULL,
    actor TEXT NOT NULL,
    reason TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (referral_id, seq)
) WITHOUT ROWID;

-- A complaint: its reference is the complainant's way to follow it.
CREATE TABLE complaints (
    reference TEXT PRIMARY KEY,
    lang TEXT NOT NULL,
    channel TEXT NOT NULL,
    category TEXT NOT NULL,
    body TEXT NOT NULL,
    contact TEXT,
    handler TEXT NOT NULL,
    received_at TEXT NOT NULL
) WITHOUT ROWID;

-- Every change of a complaint's status (`seq` 1, 2, ...).
CREATE TABLE complaint_events (
    reference TEXT NOT NULL REFERENCES complaints (reference),
    seq INTEGER NOT NULL CHECK (seq >= 1),
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT,
    at TEXT NOT NULL,
    PRIMARY KEY (reference, seq)
) WITHOUT ROWID;

CREATE TRIGGER plan_actions_no_update BEFORE UPDATE ON plan_actions
BEGIN
    SELECT RAISE(ABORT, 'plan_actions rows are never changed');
END;
CREATE TRIGGER plan_actions_no_delete BEFORE DELETE ON plan_actions
BEGIN
    SELECT RAISE(ABORT, 'plan_actions rows are never deleted');
END;
CREATE TRIGGER plan_action_versions_no_update BEFORE UPDATE ON plan_action_versions
BEGIN
    SELECT RAISE(ABORT, 'plan_action_versions rows are never changed');
END;
CREATE TRIGGER plan_action_versions_no_delete BEFORE DELETE ON plan_action_versions
BEGIN
    SELECT RAISE(ABORT, 'plan_action_versions rows are never deleted');
END;
CREATE TRIGGER plan_indicators_no_update BEFORE UPDATE ON plan_indicators
BEGIN
    SELECT RAISE(ABORT, 'plan_indicators rows are never changed');
END;
CREATE TRIGGER plan_indicators_no_delete BEFORE DELETE ON plan_indicators
BEGIN
    SELECT RAISE(ABORT, 'plan_indicators rows are never deleted');
END;
CREATE TRIGGER plan_measurements_no_update BEFORE UPDATE ON plan_measurements
BEGIN
    SELECT RAISE(ABORT, 'plan_measurements rows are never changed');
END;
CREATE TRIGGER plan_measurements_no_delete BEFORE DELETE ON plan_measurements
BEGIN
    SELECT RAISE(ABORT, 'plan_measurements rows are never deleted');
END;
CREATE TRIGGER plan_evaluations_no_update BEFORE UPDATE ON plan_evaluations
BEGIN
    SELECT RAISE(ABORT, 'plan_evaluations rows are never changed');
END;
CREATE TRIGGER plan_evaluations_no_delete BEFORE DELETE ON plan_evaluations
BEGIN
    SELECT RAISE(ABORT, 'plan_evaluations rows are never deleted');
END;
CREATE TRIGGER plan_evidence_no_update BEFORE UPDATE ON plan_evidence
BEGIN
    SELECT RAISE(ABORT, 'plan_evidence rows are never changed');
END;
CREATE TRIGGER plan_evidence_no_delete BEFORE DELETE ON plan_evidence
BEGIN
    SELECT RAISE(ABORT, 'plan_evidence rows are never deleted');
END;
CREATE TRIGGER incidents_no_update BEFORE UPDATE ON incidents
BEGIN
    SELECT RAISE(ABORT, 'incidents rows are never changed');
END;
CREATE TRIGGER incidents_no_delete BEFORE DELETE ON incidents
BEGIN
    SELECT RAISE(ABORT, 'incidents rows are never deleted');
END;
CREATE TRIGGER incident_sources_no_update BEFORE UPDATE ON incident_sources
BEGIN
    SELECT RAISE(ABORT, 'incident_sources rows are never changed');
END;
CREATE TRIGGER incident_sources_no_delete BEFORE DELETE ON incident_sources
BEGIN
    SELECT RAISE(ABORT, 'incident_sources rows are never deleted');
END;
CREATE TRIGGER incident_links_no_update BEFORE UPDATE ON incident_links
BEGIN
    SELECT RAISE(ABORT, 'incident_links rows are never changed');
END;
CREATE TRIGGER incident_links_no_delete BEFORE DELETE ON incident_links
BEGIN
    SELECT RAISE(ABORT, 'incident_links rows are never deleted');
END;
CREATE TRIGGER incident_persons_no_update BEFORE UPDATE ON incident_persons
BEGIN
    SELECT RAISE(ABORT, 'incident_persons rows are never changed');
END;
CREATE TRIGGER incident_persons_no_delete BEFORE DELETE ON incident_persons
BEGIN
    SELECT RAISE(ABORT, 'incident_persons rows are never deleted');
END;
CREATE TRIGGER trafficking_cases_no_update BEFORE UPDATE ON trafficking_cases
BEGIN
    SELECT RAISE(ABORT, 'trafficking_cases rows are never changed');
END;
CREATE TRIGGER trafficking_cases_no_delete BEFORE DELETE ON trafficking_cases
BEGIN
    SELECT RAISE(ABORT, 'trafficking_cases rows are never deleted');
END;
CREATE TRIGGER referrals_no_update BEFORE UPDATE ON referrals
BEGIN
    SELECT RAISE(ABORT, 'referrals rows are never changed');
END;
CREATE TRIGGER referrals_no_delete BEFORE DELETE ON referrals
BEGIN
    SELECT RAISE(ABORT, 'referrals rows are never deleted');
END;
CREATE TRIGGER referral_events_no_update BEFORE UPDATE ON referral_events
BEGIN
    SELECT RAISE(ABORT, 'referral_events rows are never changed');
END;
CREATE TRIGGER referral_events_no_delete BEFORE DELETE ON referral_events
BEGIN
    SELECT RAISE(ABORT, 'referral_events rows are never deleted');
END;
CREATE TRIGGER complaints_no_update BEFORE UPDATE ON complaints
BEGIN
    SELECT RAISE(ABORT, 'complaints rows are never changed');
END;
CREATE TRIGGER complaints_no_delete BEFORE DELETE ON complaints
BEGIN
    SELECT RAISE(ABORT, 'complaints rows are never deleted');
END;
CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events
BEGIN
    SELECT RAISE(ABORT, 'complaint_events rows are never changed');
END;
CREATE TRIGGER complaint_events_no_delete BEFORE DELETE ON complaint_events
BEGIN
    SELECT RAISE(ABORT, 'complaint_events rows are never deleted');
END;

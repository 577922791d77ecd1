-- marsad schema, version 3 (SQLite): users, their second factor and recovery codes, API tokens,
-- browser sessions, login throttling, and the hash-chained audit log (issue 4). Secrets are never
-- stored: passwords as argon2id PHC strings, tokens, sessions and recovery codes as SHA-256.

-- `login_key` is the login name in lower case (Unicode, computed by the store), so login names
-- are unique whatever their case. `roles` is a JSON array of role names. `totp_secret` is the
-- base32 TOTP secret (it cannot be hashed: codes are computed from it); it must be encrypted at
-- rest once the key management of issue 5 lands.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL,
    login_key TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    roles TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    totp_last_step INTEGER,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at TEXT NOT NULL
);

-- One-time recovery codes, by SHA-256; a used code keeps its row with `used_at`.
CREATE TABLE recovery_codes (
    user_id INTEGER NOT NULL REFERENCES users (id),
    code_hash BLOB NOT NULL CHECK (length(code_hash) = 32),
    created_at TEXT NOT NULL,
    used_at TEXT,
    PRIMARY KEY (user_id, code_hash)
) WITHOUT ROWID;

-- API tokens `marsad_<id>_<secret>`: the id is the key, the secret only as SHA-256. `actions` is
-- the action set as text (`submit,read`).
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    secret_hash BLOB NOT NULL CHECK (length(secret_hash) = 32),
    institution_id INTEGER NOT NULL REFERENCES institutions (id),
    actions TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX api_tokens_by_institution ON api_tokens (institution_id, created_at);

-- Browser sessions by SHA-256 of the session id (the id itself is only in the cookie).
CREATE TABLE sessions (
    id_hash BLOB PRIMARY KEY CHECK (length(id_hash) = 32),
    user_id INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    second_factor_done INTEGER NOT NULL CHECK (second_factor_done IN (0, 1))
);
CREATE INDEX sessions_by_user ON sessions (user_id);

-- Login throttling per account (login name as submitted, normalised) and per source address.
CREATE TABLE login_throttle (
    kind TEXT NOT NULL CHECK (kind IN ('account', 'address')),
    key TEXT NOT NULL,
    recent_failures INTEGER NOT NULL,
    consecutive_failures INTEGER NOT NULL,
    last_failure_at TEXT,
    locked_at TEXT,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;

-- The audit trail, one row per entry of the hash chain (marsad_auth::audit): `seq` 1, 2, 3, …
-- without gaps (the primary key makes a concurrent writer retry), `at` with microseconds (the
-- hash covers it), `hash` = SHA-256 of the entry's canonical bytes including `prev_hash`.
-- Append-only: the triggers refuse UPDATE and DELETE; whoever drops them and edits rows is
-- caught by `marsad audit verify`.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY CHECK (seq >= 1),
    at TEXT NOT NULL,
    actor_kind TEXT NOT NULL CHECK (actor_kind IN ('user', 'token', 'system')),
    actor_id TEXT NOT NULL,
    institution TEXT,
    action TEXT NOT NULL,
    object_kind TEXT,
    object_id TEXT,
    purpose TEXT,
    outcome TEXT NOT NULL CHECK (outcome IN ('success', 'denied', 'failed')),
    prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),
    hash BLOB NOT NULL CHECK (length(hash) = 32),
    CHECK ((object_kind IS NULL) = (object_id IS NULL))
);
CREATE INDEX audit_log_by_object ON audit_log (object_kind, object_id, seq)
    WHERE object_kind IS NOT NULL;
CREATE INDEX audit_log_by_actor ON audit_log (actor_kind, actor_id, seq);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

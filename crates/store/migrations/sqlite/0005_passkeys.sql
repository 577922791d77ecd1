-- Passkeys (WebAuthn credentials) and the state of sign-in ceremonies (passkeys, OpenID Connect)
-- between their two requests.

-- One row per credential; the credential id is unique across every account (the browser's
-- exclude list is only a hint). `user_handle` is the random handle the account's passkeys
-- carry (never the login name).
CREATE TABLE passkeys (
    credential_id BLOB PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id),
    user_handle BLOB NOT NULL,
    public_key_cose BLOB NOT NULL,
    algorithm INTEGER NOT NULL,
    sign_count INTEGER NOT NULL,
    aaguid BLOB NOT NULL,
    backup_eligible INTEGER NOT NULL CHECK (backup_eligible IN (0, 1)),
    backed_up INTEGER NOT NULL CHECK (backed_up IN (0, 1)),
    transports TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
) WITHOUT ROWID;
CREATE INDEX passkeys_by_user ON passkeys (user_id);

-- A passkey registration or sign-in, or an OpenID Connect sign-in, started and not yet finished, by SHA-256 of its random id (the id
-- travels with the page). Taken (read and deleted) by the finishing request, whatever its
-- outcome; expired ones are ignored and swept.
CREATE TABLE auth_ceremonies (
    id_hash BLOB PRIMARY KEY CHECK (length(id_hash) = 32),
    user_id INTEGER REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('register', 'login', 'oidc')),
    state TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;

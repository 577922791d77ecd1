-- Passkeys (WebAuthn credentials) and the state of sign-in ceremonies (passkeys, OpenID Connect)
-- between their two requests.

-- One row per credential; the credential id is unique across every account (the browser's
-- exclude list is only a hint). `user_handle` is the random handle the account's passkeys
-- carry (never the login name).
CREATE TABLE passkeys (
    credential_id BYTEA PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    user_handle BYTEA NOT NULL,
    public_key_cose BYTEA NOT NULL,
    algorithm BIGINT NOT NULL,
    sign_count BIGINT NOT NULL,
    aaguid BYTEA NOT NULL,
    backup_eligible BOOLEAN NOT NULL,
    backed_up BOOLEAN NOT NULL,
    transports TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX passkeys_by_user ON passkeys (user_id);

-- A passkey registration or sign-in, or an OpenID Connect sign-in, started and not yet finished, by SHA-256 of its random id (the id
-- travels with the page). Taken (read and deleted) by the finishing request, whatever its
-- outcome; expired ones are ignored and swept.
CREATE TABLE auth_ceremonies (
    id_hash BYTEA PRIMARY KEY CHECK (length(id_hash) = 32),
    user_id BIGINT REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('register', 'login', 'oidc')),
    state TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

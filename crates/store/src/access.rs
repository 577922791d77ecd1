//! Users, their second factor and recovery codes, API tokens, sessions, login throttling and the
//! hash-chained audit log, written once for both engines over the [`Sql`] interface of
//! [`crate::persons`] (migration `0003_access`).
//!
//! What is stored follows `marsad-auth`'s module docs: PHC strings for passwords, SHA-256 (32
//! bytes, `BLOB`/`bytea`) for token secrets, session ids and recovery codes, the TOTP secret as
//! the text the server gives (sealed by the vault: `vault-sealed:v1:…`; base32 in clear only
//! for secrets enrolled before sealing, which the server seals at its next start; the store
//! neither knows nor cares which), throttle counters and timestamps.
//! Audit entries are built by [`marsad_auth::append`] from the head read in the same transaction;
//! the primary key on `seq` turns a concurrent append into a `Conflict`, which the backends retry
//! through [`append_with_retry`].

use marsad_auth::{Actor, AuditEntry, AuditEvent, AuditObject, ChainHead, Outcome, ThrottleState};

use crate::codec::{corrupt, page_limit};
use crate::persons::{bad, int, opt_text, opt_ts, text, ts, Sql, Val, P};
use crate::{
    ApiToken, Ceremony, NewUser, PasskeyRow, Result, SessionRow, StoreError, ThrottleKind,
    Timestamp, User, UserId,
};

/// How often an audit append is tried before giving up. Each failed attempt means another
/// writer's entry was committed in between, so this bounds starvation, not progress.
const AUDIT_APPEND_ATTEMPTS: u32 = 64;

fn hash32(row: &[Val], i: usize, ctx: &'static str) -> Result<[u8; 32]> {
    match row.get(i) {
        Some(Val::Bytes(b)) => b
            .as_slice()
            .try_into()
            .map_err(|_| bad(ctx, "a 32-byte hash column")),
        _ => Err(bad(ctx, "a hash column")),
    }
}

fn opt_int(row: &[Val], i: usize, ctx: &'static str) -> Result<Option<i64>> {
    match row.get(i) {
        Some(Val::Null) => Ok(None),
        _ => int(row, i, ctx).map(Some),
    }
}

fn u32_of(row: &[Val], i: usize, ctx: &'static str) -> Result<u32> {
    u32::try_from(int(row, i, ctx)?).map_err(|_| bad(ctx, "a counter"))
}

fn step_i64(step: u64) -> Result<i64> {
    i64::try_from(step).map_err(|_| StoreError::Invalid(format!("TOTP step {step} is too large")))
}

fn institution_id(db: &mut dyn Sql, name: &str) -> Result<i64> {
    const CTX: &str = "reading an institution";
    let rows = db.query(
        CTX,
        "SELECT id FROM institutions WHERE name = ?1",
        &[P::Text(Some(name))],
    )?;
    match rows.first() {
        Some(row) => int(row, 0, CTX),
        None => Err(StoreError::NotFound {
            what: format!("institution {name}"),
        }),
    }
}

fn user_not_found(id: UserId) -> StoreError {
    StoreError::NotFound {
        what: format!("user {}", id.0),
    }
}

/// `Ok` if one row changed, `NotFound` for the user otherwise.
fn one_user(changed: u64, id: UserId) -> Result<()> {
    if changed == 0 {
        return Err(user_not_found(id));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Users

/// The key login names are unique by: lower case, Unicode-aware.
fn login_key(login: &str) -> String {
    login.to_lowercase()
}

fn roles_json(roles: &[String]) -> String {
    serde_json::Value::from(roles.to_vec()).to_string()
}

const USER_SELECT: &str = "SELECT u.id, u.login, u.display_name, i.name, u.roles,
     u.password_hash, u.totp_secret, u.totp_last_step, u.disabled, u.created_at
     FROM users u JOIN institutions i ON i.id = u.institution_id";

fn user_row(row: &[Val]) -> Result<User> {
    const CTX: &str = "reading a user";
    let roles: Vec<String> =
        serde_json::from_str(&text(row, 4, CTX)?).map_err(|_| bad(CTX, "roles"))?;
    Ok(User {
        id: UserId(int(row, 0, CTX)?),
        login: text(row, 1, CTX)?,
        display_name: text(row, 2, CTX)?,
        institution: text(row, 3, CTX)?,
        roles,
        password_hash: text(row, 5, CTX)?,
        totp_secret: opt_text(row, 6, CTX)?,
        totp_last_step: opt_int(row, 7, CTX)?.map(crate::codec::to_u64),
        disabled: int(row, 8, CTX)? != 0,
        created_at: ts(row, 9, CTX)?,
    })
}

pub(crate) fn create_user(db: &mut dyn Sql, new: &NewUser<'_>) -> Result<User> {
    const CTX: &str = "creating a user";
    if new.login.is_empty() || new.login.contains('\0') {
        return Err(StoreError::Invalid("a login name is required".into()));
    }
    let institution = institution_id(db, new.institution)?;
    let key = login_key(new.login);
    let roles = roles_json(new.roles);
    let rows = db
        .query(
            CTX,
            "INSERT INTO users (login, login_key, display_name, institution_id, roles,
                 password_hash, disabled, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
            &[
                P::Text(Some(new.login)),
                P::Text(Some(&key)),
                P::Text(Some(new.display_name)),
                P::Int(institution),
                P::Text(Some(&roles)),
                P::Text(Some(new.password_hash)),
                P::Bool(false),
                P::Ts(new.created_at),
            ],
        )
        .map_err(|e| match e {
            StoreError::Conflict { .. } => StoreError::Conflict {
                what: format!("user {}", new.login),
            },
            e => e,
        })?;
    let id = rows
        .first()
        .map(|r| int(r, 0, CTX))
        .transpose()?
        .ok_or_else(|| bad(CTX, "RETURNING"))?;
    user(db, UserId(id))
}

pub(crate) fn users_exist(db: &mut dyn Sql) -> Result<bool> {
    Ok(!db
        .query("reading users", "SELECT 1 FROM users LIMIT 1", &[])?
        .is_empty())
}

pub(crate) fn user_by_login(db: &mut dyn Sql, login: &str) -> Result<Option<User>> {
    let key = login_key(login);
    db.query(
        "reading a user",
        &format!("{USER_SELECT} WHERE u.login_key = ?1"),
        &[P::Text(Some(&key))],
    )?
    .first()
    .map(|r| user_row(r))
    .transpose()
}

pub(crate) fn user(db: &mut dyn Sql, id: UserId) -> Result<User> {
    db.query(
        "reading a user",
        &format!("{USER_SELECT} WHERE u.id = ?1"),
        &[P::Int(id.0)],
    )?
    .first()
    .map(|r| user_row(r))
    .transpose()?
    .ok_or_else(|| user_not_found(id))
}

pub(crate) fn users(db: &mut dyn Sql) -> Result<Vec<User>> {
    db.query(
        "reading users",
        &format!("{USER_SELECT} ORDER BY u.id"),
        &[],
    )?
    .iter()
    .map(|r| user_row(r))
    .collect()
}

pub(crate) fn set_user_password(db: &mut dyn Sql, id: UserId, hash: &str) -> Result<()> {
    let n = db.exec(
        "changing a password",
        "UPDATE users SET password_hash = ?2 WHERE id = ?1",
        &[P::Int(id.0), P::Text(Some(hash))],
    )?;
    one_user(n, id)
}

pub(crate) fn set_user_totp(db: &mut dyn Sql, id: UserId, secret: Option<&str>) -> Result<()> {
    let n = db.exec(
        "changing a second factor",
        "UPDATE users SET totp_secret = ?2, totp_last_step = NULL WHERE id = ?1",
        &[P::Int(id.0), P::Text(secret)],
    )?;
    one_user(n, id)
}

pub(crate) fn advance_totp_step(db: &mut dyn Sql, id: UserId, step: u64) -> Result<bool> {
    const CTX: &str = "recording a second factor";
    let n = db.exec(
        CTX,
        "UPDATE users SET totp_last_step = ?2
         WHERE id = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
        &[P::Int(id.0), P::Int(step_i64(step)?)],
    )?;
    if n == 1 {
        return Ok(true);
    }
    user(db, id).map(|_| false)
}

pub(crate) fn set_user_roles(db: &mut dyn Sql, id: UserId, roles: &[String]) -> Result<()> {
    let roles = roles_json(roles);
    let n = db.exec(
        "changing roles",
        "UPDATE users SET roles = ?2 WHERE id = ?1",
        &[P::Int(id.0), P::Text(Some(&roles))],
    )?;
    one_user(n, id)
}

pub(crate) fn set_user_disabled(db: &mut dyn Sql, id: UserId, disabled: bool) -> Result<()> {
    let n = db.exec(
        "disabling a user",
        "UPDATE users SET disabled = ?2 WHERE id = ?1",
        &[P::Int(id.0), P::Bool(disabled)],
    )?;
    one_user(n, id)
}

pub(crate) fn set_recovery_codes(
    db: &mut dyn Sql,
    id: UserId,
    hashes: &[[u8; 32]],
    at: Timestamp,
) -> Result<()> {
    const CTX: &str = "storing recovery codes";
    user(db, id)?;
    db.exec(
        CTX,
        "DELETE FROM recovery_codes WHERE user_id = ?1",
        &[P::Int(id.0)],
    )?;
    for h in hashes {
        db.exec(
            CTX,
            "INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?1, ?2, ?3)",
            &[P::Int(id.0), P::Bytes(h), P::Ts(at)],
        )
        .map_err(|e| match e {
            StoreError::Conflict { .. } => {
                StoreError::Invalid("the same recovery code is given twice".into())
            }
            e => e,
        })?;
    }
    Ok(())
}

pub(crate) fn unused_recovery_codes(db: &mut dyn Sql, id: UserId) -> Result<Vec<[u8; 32]>> {
    const CTX: &str = "reading recovery codes";
    db.query(
        CTX,
        "SELECT code_hash FROM recovery_codes
         WHERE user_id = ?1 AND used_at IS NULL ORDER BY code_hash",
        &[P::Int(id.0)],
    )?
    .iter()
    .map(|r| hash32(r, 0, CTX))
    .collect()
}

pub(crate) fn consume_recovery_code(
    db: &mut dyn Sql,
    id: UserId,
    hash: &[u8; 32],
    at: Timestamp,
) -> Result<bool> {
    let n = db.exec(
        "using a recovery code",
        "UPDATE recovery_codes SET used_at = ?3
         WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL",
        &[P::Int(id.0), P::Bytes(hash), P::Ts(at)],
    )?;
    Ok(n == 1)
}

// ---------------------------------------------------------------------------------------------
// API tokens

const TOKEN_SELECT: &str = "SELECT t.id, t.secret_hash, i.name, t.actions, t.expires_at,
     t.revoked_at, t.created_by, t.created_at
     FROM api_tokens t JOIN institutions i ON i.id = t.institution_id";

fn token_row(row: &[Val]) -> Result<ApiToken> {
    const CTX: &str = "reading an API token";
    Ok(ApiToken {
        id: text(row, 0, CTX)?,
        secret_hash: hash32(row, 1, CTX)?,
        institution: text(row, 2, CTX)?,
        actions: text(row, 3, CTX)?,
        expires_at: ts(row, 4, CTX)?,
        revoked_at: opt_ts(row, 5, CTX)?,
        created_by: text(row, 6, CTX)?,
        created_at: ts(row, 7, CTX)?,
    })
}

pub(crate) fn create_token(db: &mut dyn Sql, t: &ApiToken) -> Result<()> {
    let institution = institution_id(db, &t.institution)?;
    db.exec(
        "storing an API token",
        "INSERT INTO api_tokens (id, secret_hash, institution_id, actions, expires_at,
             created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        &[
            P::Text(Some(&t.id)),
            P::Bytes(&t.secret_hash),
            P::Int(institution),
            P::Text(Some(&t.actions)),
            P::Ts(t.expires_at),
            P::Text(Some(&t.created_by)),
            P::Ts(t.created_at),
        ],
    )
    .map_err(|e| match e {
        StoreError::Conflict { .. } => StoreError::Conflict {
            what: format!("API token {}", t.id),
        },
        e => e,
    })?;
    Ok(())
}

pub(crate) fn token(db: &mut dyn Sql, id: &str) -> Result<Option<ApiToken>> {
    db.query(
        "reading an API token",
        &format!("{TOKEN_SELECT} WHERE t.id = ?1"),
        &[P::Text(Some(id))],
    )?
    .first()
    .map(|r| token_row(r))
    .transpose()
}

pub(crate) fn tokens(db: &mut dyn Sql, institution: &str) -> Result<Vec<ApiToken>> {
    db.query(
        "reading API tokens",
        &format!("{TOKEN_SELECT} WHERE i.name = ?1 ORDER BY t.created_at, t.id"),
        &[P::Text(Some(institution))],
    )?
    .iter()
    .map(|r| token_row(r))
    .collect()
}

pub(crate) fn revoke_token(db: &mut dyn Sql, id: &str, at: Timestamp) -> Result<()> {
    let n = db.exec(
        "revoking an API token",
        "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1",
        &[P::Text(Some(id)), P::Ts(at)],
    )?;
    if n == 0 {
        return Err(StoreError::NotFound {
            what: format!("API token {id}"),
        });
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Passkeys and their ceremonies (migration 0005)

const PASSKEY_SELECT: &str = "SELECT credential_id, user_id, user_handle, public_key_cose,
     algorithm, sign_count, aaguid, backup_eligible, backed_up, transports, name, created_at,
     last_used_at FROM passkeys";

fn bytes(row: &[Val], i: usize, ctx: &'static str) -> Result<Vec<u8>> {
    match row.get(i) {
        Some(Val::Bytes(b)) => Ok(b.clone()),
        _ => Err(bad(ctx, "a byte column")),
    }
}

fn passkey_row(row: &[Val]) -> Result<PasskeyRow> {
    const CTX: &str = "reading a passkey";
    Ok(PasskeyRow {
        credential_id: bytes(row, 0, CTX)?,
        user: UserId(int(row, 1, CTX)?),
        user_handle: bytes(row, 2, CTX)?,
        public_key_cose: bytes(row, 3, CTX)?,
        algorithm: int(row, 4, CTX)?,
        sign_count: u32_of(row, 5, CTX)?,
        aaguid: bytes(row, 6, CTX)?,
        backup_eligible: int(row, 7, CTX)? != 0,
        backed_up: int(row, 8, CTX)? != 0,
        transports: text(row, 9, CTX)?,
        name: text(row, 10, CTX)?,
        created_at: ts(row, 11, CTX)?,
        last_used_at: opt_ts(row, 12, CTX)?,
    })
}

pub(crate) fn add_passkey(db: &mut dyn Sql, p: &PasskeyRow) -> Result<()> {
    user(db, p.user)?;
    db.exec(
        "storing a passkey",
        "INSERT INTO passkeys (credential_id, user_id, user_handle, public_key_cose, algorithm,
             sign_count, aaguid, backup_eligible, backed_up, transports, name, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        &[
            P::Bytes(&p.credential_id),
            P::Int(p.user.0),
            P::Bytes(&p.user_handle),
            P::Bytes(&p.public_key_cose),
            P::Int(p.algorithm),
            P::Int(i64::from(p.sign_count)),
            P::Bytes(&p.aaguid),
            P::Bool(p.backup_eligible),
            P::Bool(p.backed_up),
            P::Text(Some(&p.transports)),
            P::Text(Some(&p.name)),
            P::Ts(p.created_at),
        ],
    )
    .map_err(|e| match e {
        StoreError::Conflict { .. } => StoreError::Conflict {
            what: "a passkey with this credential id".into(),
        },
        e => e,
    })?;
    Ok(())
}

pub(crate) fn passkey(db: &mut dyn Sql, credential_id: &[u8]) -> Result<Option<PasskeyRow>> {
    db.query(
        "reading a passkey",
        &format!("{PASSKEY_SELECT} WHERE credential_id = ?1"),
        &[P::Bytes(credential_id)],
    )?
    .first()
    .map(|r| passkey_row(r))
    .transpose()
}

pub(crate) fn passkeys(db: &mut dyn Sql, user: UserId) -> Result<Vec<PasskeyRow>> {
    db.query(
        "reading passkeys",
        &format!("{PASSKEY_SELECT} WHERE user_id = ?1 ORDER BY created_at, credential_id"),
        &[P::Int(user.0)],
    )?
    .iter()
    .map(|r| passkey_row(r))
    .collect()
}

pub(crate) fn use_passkey(
    db: &mut dyn Sql,
    credential_id: &[u8],
    sign_count: u32,
    backed_up: bool,
    at: Timestamp,
) -> Result<bool> {
    let n = db.exec(
        "recording a passkey's use",
        "UPDATE passkeys SET sign_count = ?2, backed_up = ?3, last_used_at = ?4
         WHERE credential_id = ?1",
        &[
            P::Bytes(credential_id),
            P::Int(i64::from(sign_count)),
            P::Bool(backed_up),
            P::Ts(at),
        ],
    )?;
    Ok(n == 1)
}

pub(crate) fn delete_passkey(db: &mut dyn Sql, user: UserId, credential_id: &[u8]) -> Result<bool> {
    let n = db.exec(
        "removing a passkey",
        "DELETE FROM passkeys WHERE user_id = ?1 AND credential_id = ?2",
        &[P::Int(user.0), P::Bytes(credential_id)],
    )?;
    Ok(n == 1)
}

pub(crate) fn put_ceremony(db: &mut dyn Sql, c: &Ceremony) -> Result<()> {
    if !matches!(c.kind.as_str(), "register" | "login" | "oidc") {
        return Err(StoreError::Invalid(format!("ceremony kind {:?}", c.kind)));
    }
    db.exec(
        "sweeping passkey ceremonies",
        "DELETE FROM auth_ceremonies WHERE expires_at < ?1",
        &[P::Ts(c.expires_at - chrono::Duration::hours(1))],
    )?;
    const CTX: &str = "storing a passkey ceremony";
    let base = [
        P::Bytes(&c.id_hash),
        P::Text(Some(&c.kind)),
        P::Text(Some(&c.state)),
        P::Ts(c.expires_at),
    ];
    // Two statements rather than a typed NULL: each engine binds its own parameter types.
    match c.user {
        Some(u) => db.exec(
            CTX,
            "INSERT INTO auth_ceremonies (id_hash, kind, state, expires_at, user_id)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            &[base[0], base[1], base[2], base[3], P::Int(u.0)],
        )?,
        None => db.exec(
            CTX,
            "INSERT INTO auth_ceremonies (id_hash, kind, state, expires_at)
             VALUES (?1, ?2, ?3, ?4)",
            &base,
        )?,
    };
    Ok(())
}

pub(crate) fn take_ceremony(
    db: &mut dyn Sql,
    id_hash: &[u8; 32],
    now: Timestamp,
) -> Result<Option<Ceremony>> {
    const CTX: &str = "taking a passkey ceremony";
    let rows = db.query(
        CTX,
        "SELECT id_hash, user_id, kind, state, expires_at FROM auth_ceremonies
         WHERE id_hash = ?1",
        &[P::Bytes(id_hash)],
    )?;
    let Some(r) = rows.first() else {
        return Ok(None);
    };
    let c = Ceremony {
        id_hash: hash32(r, 0, CTX)?,
        user: opt_int(r, 1, CTX)?.map(UserId),
        kind: text(r, 2, CTX)?,
        state: text(r, 3, CTX)?,
        expires_at: ts(r, 4, CTX)?,
    };
    db.exec(
        CTX,
        "DELETE FROM auth_ceremonies WHERE id_hash = ?1",
        &[P::Bytes(id_hash)],
    )?;
    Ok((c.expires_at > now).then_some(c))
}

// ---------------------------------------------------------------------------------------------
// Sessions

pub(crate) fn create_session(db: &mut dyn Sql, s: &SessionRow) -> Result<()> {
    user(db, s.user)?;
    db.exec(
        "starting a session",
        "INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, second_factor_done)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        &[
            P::Bytes(&s.id_hash),
            P::Int(s.user.0),
            P::Ts(s.created_at),
            P::Ts(s.last_seen_at),
            P::Bool(s.second_factor_done),
        ],
    )?;
    Ok(())
}

pub(crate) fn session(db: &mut dyn Sql, id_hash: &[u8; 32]) -> Result<Option<SessionRow>> {
    const CTX: &str = "reading a session";
    db.query(
        CTX,
        "SELECT id_hash, user_id, created_at, last_seen_at, second_factor_done
         FROM sessions WHERE id_hash = ?1",
        &[P::Bytes(id_hash)],
    )?
    .first()
    .map(|r| {
        Ok(SessionRow {
            id_hash: hash32(r, 0, CTX)?,
            user: UserId(int(r, 1, CTX)?),
            created_at: ts(r, 2, CTX)?,
            last_seen_at: ts(r, 3, CTX)?,
            second_factor_done: int(r, 4, CTX)? != 0,
        })
    })
    .transpose()
}

pub(crate) fn touch_session(db: &mut dyn Sql, id_hash: &[u8; 32], at: Timestamp) -> Result<bool> {
    let n = db.exec(
        "refreshing a session",
        "UPDATE sessions SET last_seen_at = ?2 WHERE id_hash = ?1",
        &[P::Bytes(id_hash), P::Ts(at)],
    )?;
    Ok(n == 1)
}

pub(crate) fn delete_session(db: &mut dyn Sql, id_hash: &[u8; 32]) -> Result<bool> {
    let n = db.exec(
        "ending a session",
        "DELETE FROM sessions WHERE id_hash = ?1",
        &[P::Bytes(id_hash)],
    )?;
    Ok(n == 1)
}

pub(crate) fn delete_user_sessions(db: &mut dyn Sql, id: UserId) -> Result<u64> {
    db.exec(
        "ending sessions",
        "DELETE FROM sessions WHERE user_id = ?1",
        &[P::Int(id.0)],
    )
}

// ---------------------------------------------------------------------------------------------
// Login throttling

pub(crate) fn throttle(db: &mut dyn Sql, kind: ThrottleKind, key: &str) -> Result<ThrottleState> {
    const CTX: &str = "reading a login throttle";
    let rows = db.query(
        CTX,
        "SELECT recent_failures, consecutive_failures, last_failure_at, locked_at
         FROM login_throttle WHERE kind = ?1 AND key = ?2",
        &[P::Text(Some(kind.as_str())), P::Text(Some(key))],
    )?;
    let Some(r) = rows.first() else {
        return Ok(ThrottleState::default());
    };
    Ok(ThrottleState {
        recent_failures: u32_of(r, 0, CTX)?,
        consecutive_failures: u32_of(r, 1, CTX)?,
        last_failure_at: opt_ts(r, 2, CTX)?,
        locked_at: opt_ts(r, 3, CTX)?,
    })
}

pub(crate) fn put_throttle(
    db: &mut dyn Sql,
    kind: ThrottleKind,
    key: &str,
    state: &ThrottleState,
) -> Result<()> {
    db.exec(
        "storing a login throttle",
        "INSERT INTO login_throttle (kind, key, recent_failures, consecutive_failures,
             last_failure_at, locked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (kind, key) DO UPDATE SET
             recent_failures = excluded.recent_failures,
             consecutive_failures = excluded.consecutive_failures,
             last_failure_at = excluded.last_failure_at,
             locked_at = excluded.locked_at",
        &[
            P::Text(Some(kind.as_str())),
            P::Text(Some(key)),
            P::Int(i64::from(state.recent_failures)),
            P::Int(i64::from(state.consecutive_failures)),
            P::OptTs(state.last_failure_at),
            P::OptTs(state.locked_at),
        ],
    )?;
    Ok(())
}

pub(crate) fn delete_throttle(db: &mut dyn Sql, kind: ThrottleKind, key: &str) -> Result<()> {
    db.exec(
        "forgetting a login throttle",
        "DELETE FROM login_throttle WHERE kind = ?1 AND key = ?2",
        &[P::Text(Some(kind.as_str())), P::Text(Some(key))],
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Audit log

const AUDIT_SELECT: &str = "SELECT seq, at, actor_kind, actor_id, institution, action,
     object_kind, object_id, purpose, outcome, prev_hash, hash FROM audit_log";

fn audit_row(row: &[Val]) -> Result<AuditEntry> {
    const CTX: &str = "reading the audit log";
    let seq = crate::codec::to_u64(int(row, 0, CTX)?);
    // A row that cannot even be read names its entry, like a broken link would.
    let unreadable = |what: &str| corrupt(CTX, format!("audit entry {seq}: unreadable {what}"));
    let actor = Actor::from_parts(&text(row, 2, CTX)?, text(row, 3, CTX)?)
        .ok_or_else(|| unreadable("actor"))?;
    let object = match (opt_text(row, 6, CTX)?, opt_text(row, 7, CTX)?) {
        (Some(kind), Some(id)) => Some(AuditObject { kind, id }),
        (None, None) => None,
        _ => return Err(unreadable("object")),
    };
    let outcome = Outcome::parse(&text(row, 9, CTX)?).ok_or_else(|| unreadable("outcome"))?;
    Ok(AuditEntry {
        seq,
        at: ts(row, 1, CTX)?,
        actor,
        institution: opt_text(row, 4, CTX)?,
        action: text(row, 5, CTX)?,
        object,
        purpose: opt_text(row, 8, CTX)?,
        outcome,
        prev_hash: hash32(row, 10, CTX).map_err(|_| unreadable("prev_hash"))?,
        hash: hash32(row, 11, CTX).map_err(|_| unreadable("hash"))?,
    })
}

fn seq_i64(seq: u64) -> Result<i64> {
    i64::try_from(seq)
        .map_err(|_| StoreError::Invalid(format!("audit sequence {seq} is too large")))
}

/// One attempt: read the head, link the entry, insert it (`Conflict` if another writer took the
/// `seq` first).
pub(crate) fn audit_append(db: &mut dyn Sql, event: &AuditEvent) -> Result<AuditEntry> {
    const CTX: &str = "appending to the audit log";
    let rows = db.query(
        CTX,
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
        &[],
    )?;
    let head = match rows.first() {
        Some(r) => ChainHead {
            seq: crate::codec::to_u64(int(r, 0, CTX)?),
            hash: hash32(r, 1, CTX)?,
        },
        None => ChainHead::GENESIS,
    };
    let entry = marsad_auth::append(&head, event.clone())
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let (object_kind, object_id) = match &entry.object {
        Some(o) => (Some(o.kind.as_str()), Some(o.id.as_str())),
        None => (None, None),
    };
    db.exec(
        CTX,
        "INSERT INTO audit_log (seq, at, actor_kind, actor_id, institution, action, object_kind,
             object_id, purpose, outcome, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        &[
            P::Int(seq_i64(entry.seq)?),
            P::Ts(entry.at),
            P::Text(Some(entry.actor.kind())),
            P::Text(Some(entry.actor.id())),
            P::Text(entry.institution.as_deref()),
            P::Text(Some(&entry.action)),
            P::Text(object_kind),
            P::Text(object_id),
            P::Text(entry.purpose.as_deref()),
            P::Text(Some(entry.outcome.as_str())),
            P::Bytes(&entry.prev_hash),
            P::Bytes(&entry.hash),
        ],
    )?;
    Ok(entry)
}

/// Runs `attempt` (one transaction of [`audit_append`]) until it does not meet a concurrent
/// writer, at most [`AUDIT_APPEND_ATTEMPTS`] times.
pub(crate) fn append_with_retry(
    mut attempt: impl FnMut() -> Result<AuditEntry>,
) -> Result<AuditEntry> {
    for _ in 1..AUDIT_APPEND_ATTEMPTS {
        match attempt() {
            Err(StoreError::Conflict { .. }) => continue,
            other => return other,
        }
    }
    attempt().map_err(|e| match e {
        StoreError::Conflict { .. } => StoreError::Conflict {
            what: "a place in the audit log (too many concurrent writers)".into(),
        },
        e => e,
    })
}

pub(crate) fn audit_entries(db: &mut dyn Sql, after: u64, limit: u32) -> Result<Vec<AuditEntry>> {
    db.query(
        "reading the audit log",
        &format!("{AUDIT_SELECT} WHERE seq > ?1 ORDER BY seq LIMIT ?2"),
        &[P::Int(seq_i64(after)?), P::Int(page_limit(limit))],
    )?
    .iter()
    .map(|r| audit_row(r))
    .collect()
}

pub(crate) fn audit_by_object(
    db: &mut dyn Sql,
    kind: &str,
    id: &str,
    limit: u32,
) -> Result<Vec<AuditEntry>> {
    db.query(
        "reading the audit log",
        &format!(
            "{AUDIT_SELECT} WHERE object_kind = ?1 AND object_id = ?2 ORDER BY seq DESC LIMIT ?3"
        ),
        &[
            P::Text(Some(kind)),
            P::Text(Some(id)),
            P::Int(page_limit(limit)),
        ],
    )?
    .iter()
    .map(|r| audit_row(r))
    .collect()
}

pub(crate) fn audit_by_actor(
    db: &mut dyn Sql,
    actor: &Actor,
    limit: u32,
) -> Result<Vec<AuditEntry>> {
    db.query(
        "reading the audit log",
        &format!(
            "{AUDIT_SELECT} WHERE actor_kind = ?1 AND actor_id = ?2 ORDER BY seq DESC LIMIT ?3"
        ),
        &[
            P::Text(Some(actor.kind())),
            P::Text(Some(actor.id())),
            P::Int(page_limit(limit)),
        ],
    )?
    .iter()
    .map(|r| audit_row(r))
    .collect()
}

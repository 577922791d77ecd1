//! marsad's authentication building blocks and its audit chain, as pure functions over plain data.
//!
//! | module | owns |
//! | --- | --- |
//! | [`password`] | argon2id hashing in PHC strings ([`PasswordPolicy`]), constant-time verification, `needs_rehash`, the strength rules for new passwords |
//! | [`totp`] | RFC 6238 TOTP / RFC 4226 HOTP second factor with replay rejection, `otpauth://` URIs, one-time recovery codes |
//! | [`token`] | API tokens `marsad_<id>_<secret>` for machine submissions, their [`TokenScope`] (institution, actions, expiry) |
//! | [`session`] | session ids, idle and absolute expiry ([`SessionPolicy`]), the `Set-Cookie` value, CSRF tokens and the `Origin`/`Sec-Fetch-Site` check |
//! | [`throttle`] | login throttling and lockout as a state machine ([`ThrottlePolicy`]) |
//! | [`audit`] | the append-only, hash-chained audit log entry format and [`verify_chain`] |
//! | [`webauthn`] | passkeys: a WebAuthn Level 2 relying party (ES256, EdDSA, RS256; attestation `none` and packed self-attestation), its options JSON, ceremony states and a minimal CBOR decoder |
//! | [`oidc`] | OpenID Connect sign-in without the network: the authorization request (state, nonce, PKCE) and the ID token check (RS256/ES256 signature with the provider's keys, issuer, audience, times, nonce) |
//! | [`secret`] | [`Secret`], the wrapper whose `Debug` redacts and whose memory is zeroed on drop |
//!
//! What this crate does **not** do: no I/O, no SQL, no HTTP types, no async, and it never reads the
//! clock or the operating system's random generator. "Now" is a `DateTime<Utc>` parameter and
//! randomness comes from a [`rand_core::CryptoRng`] the caller passes in (the server passes
//! `rand::rng()` or the OS generator; tests pass a seeded ChaCha). Persisting what these functions
//! return is the store's job; reading cookies and headers and answering 401/403/429 is the
//! server's. Everything meant to be stored is a `String`, a `[u8; 32]` hash, an integer or a
//! timestamp, each with its format documented where it is produced.
//!
//! Invariants: no secret value (password, TOTP secret, token secret, session id, recovery code,
//! server key) is ever printed by `Debug` — they travel as [`Secret`]; every comparison of a
//! secret against a stored value is constant-time; every decision about an unknown account has the
//! same shape and cost as the decision about a known one.

pub mod audit;
mod common;
pub mod oidc;
pub mod password;
pub mod secret;
pub mod session;
pub mod throttle;
pub mod token;
pub mod totp;
pub mod webauthn;

pub use audit::{
    append, chain_hash, require_purpose, verify_chain, Actor, AuditEntry, AuditError, AuditEvent,
    AuditObject, BreakReason, ChainBreak, ChainHead, ChainVerifier, Outcome, Purpose,
};
pub use password::{
    check_new_password, one_time_password, PasswordError, PasswordPolicy, PasswordWeakness,
    WeakPassword,
};
pub use secret::Secret;
pub use session::{
    check_origin, session_id_hash, CookieMode, CsrfKey, NewSession, OriginCheck, SessionCheck,
    SessionPolicy, SessionRecord,
};
pub use throttle::{Decision, ThrottlePolicy, ThrottleState};
pub use token::{
    authenticate_token, issue_token, Action, ActionSet, IssuedToken, PresentedToken, TokenError,
    TokenRecord, TokenRejected, TokenScope, UnknownAction, TOKEN_PREFIX,
};
pub use totp::{
    generate_recovery_codes, hotp, recovery_code_hash, verify_recovery_code, RecoveryCodes,
    TotpAlgorithm, TotpConfig, TotpError, TotpSecret, TotpVerdict,
};

pub use webauthn::{
    finish_authentication, finish_registration, generate_user_handle, start_authentication,
    start_registration, AuthenticationResponse, AuthenticationResult, AuthenticationState,
    CreationOptions, Passkey, RegistrationResponse, RegistrationState, RelyingParty,
    RequestOptions, UserVerification, WebauthnError,
};

/// The random-generator traits this crate's functions take (`rand_core` 0.10), re-exported so
/// callers name the same version.
pub use rand_core;

/// SHA-256 of `bytes`, the one fast hash used for high-entropy secrets and the audit chain.
pub(crate) fn sha256(parts: &[&[u8]]) -> [u8; 32] {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

/// Lower-case hexadecimal of a hash, for logs and text columns (`store` keeps hashes as 32 bytes).
pub fn hex32(hash: &[u8; 32]) -> String {
    data_encoding::HEXLOWER.encode(hash)
}

//! Rough cost figures for the hot paths of authentication, printed in microseconds per operation:
//! an argon2id hash with the OWASP policy (what each login costs), a TOTP check, an API token
//! parse-and-verify (what each machine request costs), a session check and a CSRF check, and
//! appending to and verifying the audit chain.
//!
//! `cargo run --release -p marsad-auth --example auth_bench`

#![allow(clippy::unwrap_used)] // An example: a failure should stop it loudly.

use std::time::Instant;

use chrono::{DateTime, Utc};
use marsad_auth::{
    append, authenticate_token, issue_token, verify_chain, Actor, AuditEvent, ChainHead, CsrfKey,
    Outcome, PasswordPolicy, PresentedToken, Secret, SessionPolicy, TokenRecord, TokenScope,
    TotpConfig, TotpSecret,
};
use rand_chacha::rand_core::SeedableRng as _;
use rand_chacha::ChaCha20Rng;

fn per_op(label: &str, n: u32, mut f: impl FnMut()) {
    f();
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("{label:<48} {us:>12.2} µs");
}

fn main() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let now: DateTime<Utc> = DateTime::from_timestamp(1_750_000_000, 0).unwrap();

    let policy = PasswordPolicy::OWASP;
    let pw = Secret::from("tender-orbit-lantern-71");
    let phc = policy.hash(&pw, &mut rng).unwrap();
    per_op("argon2id hash (m=19456 KiB, t=2, p=1)", 20, || {
        policy.hash(&pw, &mut rng).unwrap();
    });
    per_op("argon2id verify", 20, || {
        assert!(policy.verify(&pw, &phc).unwrap());
    });

    let secret = TotpSecret::generate(&mut rng);
    let totp = TotpConfig::DEFAULT;
    let code = totp.code(&secret, now).unwrap();
    per_op("TOTP verify (3 steps)", 100_000, || {
        totp.verify(&secret, code.expose(), now, None);
    });

    let issued = issue_token(&mut rng);
    let record = TokenRecord {
        id: issued.id.clone(),
        secret_hash: issued.secret_hash,
        scope: TokenScope {
            institution: "central-bank".into(),
            actions: "submit".parse().unwrap(),
            expires_at: now + chrono::Duration::days(90),
        },
        revoked_at: None,
    };
    per_op("API token parse + verify", 100_000, || {
        let p = PresentedToken::parse(issued.token.expose()).unwrap();
        authenticate_token(&p, Some(&record), now).unwrap();
    });

    let sessions = SessionPolicy::DEFAULT;
    let session = sessions.start(&mut rng, now);
    let key = CsrfKey::generate(&mut rng);
    let csrf = key.token(&session.record.id_hash);
    per_op("session id hash + check", 100_000, || {
        let h = marsad_auth::session_id_hash(session.id.expose()).unwrap();
        assert_eq!(h, session.record.id_hash);
        sessions.check(&session.record, now);
    });
    per_op("CSRF verify", 100_000, || {
        assert!(key.verify(&session.record.id_hash, &csrf));
    });

    let mut head = ChainHead::GENESIS;
    let mut entries = Vec::new();
    let event = || AuditEvent {
        at: now,
        actor: Actor::User("nadia.benali".into()),
        institution: Some("border-police".into()),
        action: "read".into(),
        object: Some(marsad_auth::AuditObject {
            kind: "person".into(),
            id: "123456789012".into(),
        }),
        purpose: None,
        outcome: Outcome::Success,
    };
    per_op("audit append", 100_000, || {
        let e = append(&head, event()).unwrap();
        head = e.head();
        entries.push(e);
    });
    let start = Instant::now();
    verify_chain(&entries, Some(&head)).unwrap();
    let us = start.elapsed().as_secs_f64() * 1e6 / entries.len() as f64;
    println!(
        "{:<48} {us:>12.2} µs",
        format!("audit verify ({} entries), per entry", entries.len())
    );
}

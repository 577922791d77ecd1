//! `marsad audit verify` and `marsad user create-admin`: checking the audit chain, and the one-time
//! creation of the first administrator (never a default password: a random one-time password is
//! printed once).

use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::Subcommand;
use marsad_auth::password::PasswordPolicy;
use marsad_auth::rand_core::UnwrapErr;
use marsad_auth::Secret;
use marsad_model::Clock;
use marsad_store::{Actor, AuditEvent, AuditObject, AuditVerifyError, ChainHead, NewUser, Outcome};

use crate::StoreArgs;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the audit trail's hash chain; non-zero exit naming the first broken entry.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
        /// The head printed by an earlier verification (`SEQ:HASH`), kept outside the database:
        /// with it, a deleted tail or a rebuilt chain is detected too.
        #[arg(long)]
        anchor: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create the first administrator (once: refused when any account exists). Prints a random
    /// one-time password.
    CreateAdmin {
        #[command(flatten)]
        store: StoreArgs,
        /// Login name.
        login: String,
        /// The administrator's institution (registered with `marsad institution add`).
        #[arg(long)]
        institution: String,
        /// Display name (default: the login).
        #[arg(long)]
        name: Option<String>,
    },
}

pub fn audit(cmd: AuditCommand) -> Result<ExitCode> {
    match cmd {
        AuditCommand::Verify { store, anchor } => {
            let anchor = match anchor {
                Some(text) => Some(text.parse::<ChainHead>().map_err(|_| {
                    anyhow::anyhow!(
                        "--anchor '{text}' is not SEQ:HASH as printed by `marsad audit verify`"
                    )
                })?),
                None => None,
            };
            let s = store.open()?;
            match marsad_store::verify_audit(s.as_ref(), anchor) {
                Ok(head) => {
                    println!(
                        "audit chain intact: {} entr{}, head {head}",
                        head.seq,
                        if head.seq == 1 { "y" } else { "ies" }
                    );
                    println!(
                        "keep the head outside the database and pass it as --anchor next time"
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(AuditVerifyError::Broken(broken)) => bail!("audit chain broken: {broken}"),
                Err(AuditVerifyError::Store(e)) => Err(e).context("cannot read the audit trail"),
            }
        }
    }
}

/// Characters of one-time passwords: no look-alikes (0/O, 1/l/I).
const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// `marsad unify`: gives every visible person record its person's unified number.
pub fn unify(
    store: &StoreArgs,
    config: Option<&std::path::Path>,
    clock: &dyn Clock,
) -> Result<ExitCode> {
    let config = crate::link::load_config(config)?;
    let s = store.open()?;
    let mut rng = UnwrapErr(getrandom::SysRng);
    let mut random = || marsad_auth::rand_core::Rng::next_u64(&mut rng);
    let report = marsad_unify::unify(s.as_ref(), &config, "cli", clock, &mut random)?;
    println!("person records     {}", report.records);
    println!("new persons        {}", report.persons_created);
    println!("records numbered   {}", report.records_assigned);
    println!(
        "clusters holding several numbers (sent to review, not merged)  {}",
        report.conflicting_clusters
    );
    println!("pairs added to the review queue  {}", report.reviews_added);
    Ok(ExitCode::SUCCESS)
}

pub fn user(cmd: UserCommand, clock: &dyn Clock) -> Result<ExitCode> {
    match cmd {
        UserCommand::CreateAdmin {
            store,
            login,
            institution,
            name,
        } => {
            let s = store.open()?;
            if s.users_exist()? {
                bail!("accounts exist already; an administrator creates the others (the first one is created only once)");
            }
            if !s.institutions()?.iter().any(|i| i.name == institution) {
                bail!("unknown institution '{institution}'; register it with `marsad institution add {institution}`");
            }
            let mut rng = UnwrapErr(getrandom::SysRng);
            let password = one_time_password(&mut rng, 20);
            let hash = PasswordPolicy::OWASP
                .hash(&password, &mut rng)
                .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?;
            let now = clock.now();
            let user = s.create_user(&NewUser {
                login: login.trim(),
                display_name: name.as_deref().unwrap_or(login.trim()),
                institution: &institution,
                roles: &["admin".to_string()],
                password_hash: &hash,
                created_at: now,
            })?;
            s.audit_append(&AuditEvent {
                at: now,
                actor: Actor::System("cli".into()),
                institution: Some(institution.clone()),
                action: "user.create-first-admin".into(),
                object: Some(AuditObject {
                    kind: "user".into(),
                    id: user.id.0.to_string(),
                }),
                purpose: None,
                outcome: Outcome::Success,
            })?;
            println!("administrator '{}' created for {institution}", user.login);
            println!(
                "one-time password (shown once; change it at first sign-in): {}",
                password.expose()
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn one_time_password(rng: &mut impl marsad_auth::rand_core::Rng, len: usize) -> Secret<String> {
    let mut out = String::with_capacity(len);
    while out.len() < len {
        // Rejection sampling keeps every character equally likely.
        let b = (rng.next_u32() & 0xff) as usize;
        if b < ALPHABET.len() * (256 / ALPHABET.len()) {
            out.push(char::from(ALPHABET[b % ALPHABET.len()]));
        }
    }
    Secret::new(out)
}

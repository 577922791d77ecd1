//! `marsad audit verify` and `marsad user create-admin`: checking the audit chain, and the one-time
//! creation of the first administrator (never a default password: a random one-time password is
//! printed once).

use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::Subcommand;
use marsad_auth::password::PasswordPolicy;
use marsad_auth::rand_core::UnwrapErr;
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
    /// Who saw a person's file (`--person NUMBER`), or what an account did (`--user LOGIN`),
    /// newest first.
    Search {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        person: Option<String>,
        #[arg(long)]
        user: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
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
    /// Create an account with a random one-time password (printed once).
    Add {
        #[command(flatten)]
        store: StoreArgs,
        login: String,
        #[arg(long)]
        institution: String,
        /// A role (repeat for several): admin, data_officer, officer, case_worker, analyst,
        /// identity_analyst, reviewer, publisher, dpo.
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long)]
        name: Option<String>,
    },
    /// Every account.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Set a new one-time password (printed once), end the account's sessions, lift a lockout.
    ResetPassword {
        #[command(flatten)]
        store: StoreArgs,
        login: String,
    },
    /// Disable an account and sign it out everywhere.
    Disable {
        #[command(flatten)]
        store: StoreArgs,
        login: String,
    },
    /// Enable a disabled account.
    Enable {
        #[command(flatten)]
        store: StoreArgs,
        login: String,
    },
}

pub fn audit(cmd: AuditCommand, clock: &dyn Clock) -> Result<ExitCode> {
    match cmd {
        AuditCommand::Search {
            store,
            person,
            user,
            limit,
        } => crate::access::audit_search(&store, person, user, limit, clock),
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

pub fn user(cmd: UserCommand, clock: &dyn Clock) -> Result<ExitCode> {
    match cmd {
        UserCommand::Add {
            store,
            login,
            institution,
            roles,
            name,
        } => {
            let s = store.open()?;
            let password = crate::access::add_user(
                s.as_ref(),
                clock,
                &login,
                &institution,
                &roles,
                name.as_deref(),
            )?;
            println!(
                "account '{}' created for {institution} ({})",
                login.trim(),
                roles.join(", ")
            );
            println!(
                "one-time password (shown once; change it at first sign-in): {}",
                password.expose()
            );
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::List { store } => crate::access::list_users(store.open()?.as_ref()),
        UserCommand::ResetPassword { store, login } => {
            let s = store.open()?;
            let password = crate::access::reset_password(s.as_ref(), clock, &login)?;
            println!(
                "new one-time password for '{login}' (shown once): {}",
                password.expose()
            );
            Ok(ExitCode::SUCCESS)
        }
        UserCommand::Disable { store, login } => {
            crate::access::set_disabled(store.open()?.as_ref(), clock, &login, true)
        }
        UserCommand::Enable { store, login } => {
            crate::access::set_disabled(store.open()?.as_ref(), clock, &login, false)
        }
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
            let password = marsad_auth::one_time_password(&mut rng, 20);
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

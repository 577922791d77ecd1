//! Administration on the command line: the access policy (`marsad policy show|check|apply`),
//! accounts (`marsad user add|list|reset-password|disable|enable`), API tokens
//! (`marsad token issue|list|revoke`) and the audit trail by person or user
//! (`marsad audit search`). Every change is written to the audit trail with the actor `cli`
//! (whoever can run the binary on the server holds the database already).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::Subcommand;
use marsad_auth::password::PasswordPolicy;
use marsad_auth::rand_core::UnwrapErr;
use marsad_model::Clock;
use marsad_policy::PolicyDir;
use marsad_store::{
    Actor, ApiToken, AuditEvent, AuditObject, NewUser, Outcome, Store, ThrottleKind,
};

use crate::StoreArgs;

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Print the policy in force as tables (who may do what, the rules, the identifiers).
    Show {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Check a policy file without installing it; every mistake is named.
    Check {
        /// Accepted like every command's (a policy check reads no data).
        #[command(flatten)]
        store: StoreArgs,
        /// The policy file (TOML; see docs/access.md).
        file: PathBuf,
    },
    /// Check a policy file and make it the policy in force, as a new version (the server picks
    /// it up within a second; the change goes to the audit trail).
    Apply {
        #[command(flatten)]
        store: StoreArgs,
        file: PathBuf,
    },
    /// Print the shipped default policy (a starting point for a country's own).
    Default,
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// Issue an API token for an institution's system; the token is printed once.
    Issue {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        institution: String,
        /// Comma-separated: submit, read, correct, export, link-review, publish.
        #[arg(long, default_value = "submit")]
        actions: String,
        /// Days until it expires.
        #[arg(long, default_value_t = 90)]
        days: i64,
    },
    /// An institution's tokens (never their secrets).
    List {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        institution: String,
    },
    /// Revoke a token at once.
    Revoke {
        #[command(flatten)]
        store: StoreArgs,
        /// The token's id (the part between `marsad_` and the second `_`).
        id: String,
    },
}

fn cli_event(
    clock: &dyn Clock,
    institution: Option<String>,
    action: &str,
    kind: &str,
    id: &str,
) -> AuditEvent {
    AuditEvent {
        at: clock.now(),
        actor: Actor::System("cli".into()),
        institution,
        action: action.into(),
        object: Some(AuditObject {
            kind: kind.into(),
            id: id.into(),
        }),
        purpose: None,
        outcome: Outcome::Success,
    }
}

pub fn policy(cmd: PolicyCommand, clock: &dyn Clock) -> Result<ExitCode> {
    match cmd {
        PolicyCommand::Show { store } => {
            let dir = PolicyDir::new(store.data.join("policies"));
            let (policy, origin) = match dir.current()? {
                Some(p) => (p, dir.current_path().display().to_string()),
                None => (
                    marsad_policy::default_policy()?,
                    "the built-in default (no policy installed yet)".to_string(),
                ),
            };
            println!("# {} — {origin}\n", policy.title);
            print!("{}", marsad_policy::table::markdown(&policy));
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Check { store: _, file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let policy = marsad_policy::Policy::from_toml(&text, &file.display().to_string())?;
            println!(
                "{}: {} rules, valid (SHA-256 {})",
                file.display(),
                policy.rules.len(),
                policy.sha256
            );
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Apply { store, file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            marsad_policy::Policy::from_toml(&text, &file.display().to_string())?;
            let s = store.open()?;
            let dir = PolicyDir::new(store.data.join("policies"));
            // The default first, so the history starts where the server would have.
            dir.load_or_install(marsad_policy::DEFAULT_POLICY)?;
            let installed = dir.install(&text)?;
            if !installed.changed {
                println!(
                    "this policy is already in force (version {})",
                    installed.number
                );
                return Ok(ExitCode::SUCCESS);
            }
            s.audit_append(&cli_event(
                clock,
                None,
                &format!(
                    "policy.apply (replaces {})",
                    installed.previous_sha256.as_deref().unwrap_or("nothing")
                ),
                "policy",
                &format!("{} {}", installed.number, installed.sha256),
            ))?;
            println!(
                "policy version {} in force (SHA-256 {}); kept as {}",
                installed.number,
                installed.sha256,
                installed.path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        PolicyCommand::Default => {
            print!("{}", marsad_policy::DEFAULT_POLICY);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check_roles(roles: &[String]) -> Result<()> {
    if roles.is_empty() {
        bail!("give at least one --role");
    }
    for r in roles {
        if !marsad_policy::vocab::is_role(r) {
            let known: Vec<_> = marsad_policy::ROLES.iter().map(|(r, _)| *r).collect();
            bail!("unknown role '{r}' (known: {})", known.join(", "));
        }
    }
    Ok(())
}

/// Creates an account with a random one-time password; answers the password.
pub fn add_user(
    s: &dyn Store,
    clock: &dyn Clock,
    login: &str,
    institution: &str,
    roles: &[String],
    name: Option<&str>,
) -> Result<marsad_auth::Secret<String>> {
    check_roles(roles)?;
    if !s.institutions()?.iter().any(|i| i.name == institution) {
        bail!("unknown institution '{institution}'; register it with `marsad institution add {institution}`");
    }
    let mut rng = UnwrapErr(getrandom::SysRng);
    let password = marsad_auth::one_time_password(&mut rng, 20);
    let hash = PasswordPolicy::OWASP
        .hash(&password, &mut rng)
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?;
    let user = s.create_user(&NewUser {
        login: login.trim(),
        display_name: name.unwrap_or(login.trim()),
        institution,
        roles,
        password_hash: &hash,
        created_at: clock.now(),
    })?;
    s.audit_append(&cli_event(
        clock,
        Some(institution.into()),
        "user.create",
        "user",
        &user.id.0.to_string(),
    ))?;
    Ok(password)
}

/// Gives an account a new one-time password, ends its sessions and lifts a lockout.
pub fn reset_password(
    s: &dyn Store,
    clock: &dyn Clock,
    login: &str,
) -> Result<marsad_auth::Secret<String>> {
    let user = s
        .user_by_login(login)?
        .with_context(|| format!("no account is named '{login}'"))?;
    let mut rng = UnwrapErr(getrandom::SysRng);
    let password = marsad_auth::one_time_password(&mut rng, 20);
    let hash = PasswordPolicy::OWASP
        .hash(&password, &mut rng)
        .map_err(|e| anyhow::anyhow!("cannot hash the password: {e}"))?;
    s.set_user_password(user.id, &hash)?;
    s.delete_user_sessions(user.id)?;
    s.delete_throttle(ThrottleKind::Account, &user.login.trim().to_lowercase())?;
    s.delete_throttle(ThrottleKind::Account, &format!("2fa:{}", user.id.0))?;
    s.audit_append(&cli_event(
        clock,
        Some(user.institution),
        "user.password-reset",
        "user",
        &user.id.0.to_string(),
    ))?;
    Ok(password)
}

pub fn list_users(s: &dyn Store) -> Result<ExitCode> {
    println!(
        "{:<6} {:<28} {:<22} {:<6} {:<9} roles",
        "id", "login", "institution", "2FA", "status"
    );
    for u in s.users()? {
        println!(
            "{:<6} {:<28} {:<22} {:<6} {:<9} {}",
            u.id.0,
            u.login,
            u.institution,
            if u.totp_secret.is_some() { "totp" } else { "-" },
            if u.disabled { "disabled" } else { "active" },
            u.roles.join(",")
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn set_disabled(
    s: &dyn Store,
    clock: &dyn Clock,
    login: &str,
    disabled: bool,
) -> Result<ExitCode> {
    let user = s
        .user_by_login(login)?
        .with_context(|| format!("no account is named '{login}'"))?;
    s.set_user_disabled(user.id, disabled)?;
    if disabled {
        s.delete_user_sessions(user.id)?;
    }
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    s.audit_append(&cli_event(
        clock,
        Some(user.institution),
        action,
        "user",
        &user.id.0.to_string(),
    ))?;
    println!(
        "{} is {}",
        user.login,
        if disabled {
            "disabled (signed out everywhere)"
        } else {
            "enabled"
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub fn token(cmd: TokenCommand, clock: &dyn Clock) -> Result<ExitCode> {
    match cmd {
        TokenCommand::Issue {
            store,
            institution,
            actions,
            days,
        } => {
            let set: marsad_auth::ActionSet = actions
                .parse()
                .map_err(|e: marsad_auth::UnknownAction| anyhow::anyhow!("{e}"))?;
            if set.is_empty() {
                bail!("give at least one action");
            }
            if !(1..=366).contains(&days) {
                bail!("--days must be between 1 and 366");
            }
            let s = store.open()?;
            let mut rng = UnwrapErr(getrandom::SysRng);
            let t = marsad_auth::issue_token(&mut rng);
            let now = clock.now();
            s.create_token(&ApiToken {
                id: t.id.clone(),
                secret_hash: t.secret_hash,
                institution: institution.clone(),
                actions: set.to_string(),
                expires_at: now + chrono::Duration::days(days),
                revoked_at: None,
                created_by: "cli".into(),
                created_at: now,
            })?;
            s.audit_append(&cli_event(
                clock,
                Some(institution.clone()),
                "token.issue",
                "token",
                &t.id,
            ))?;
            println!(
                "token {} for {institution} ({set}), expires in {days} days",
                t.id
            );
            println!(
                "secret (shown once; send it as `Authorization: Bearer ...`): {}",
                t.token.expose()
            );
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::List { store, institution } => {
            let s = store.open()?;
            println!("{:<18} {:<28} {:<26} state", "id", "actions", "expires");
            let now = clock.now();
            for t in s.tokens(&institution)? {
                let state = match t.revoked_at {
                    Some(at) => format!("revoked {}", at.format("%Y-%m-%d")),
                    None if t.expires_at <= now => "expired".into(),
                    None => "active".into(),
                };
                println!(
                    "{:<18} {:<28} {:<26} {state}",
                    t.id,
                    t.actions,
                    t.expires_at.to_rfc3339()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Revoke { store, id } => {
            let s = store.open()?;
            let t = s
                .token(&id)?
                .with_context(|| format!("no token has the id '{id}'"))?;
            s.revoke_token(&id, clock.now())?;
            s.audit_append(&cli_event(
                clock,
                Some(t.institution),
                "token.revoke",
                "token",
                &id,
            ))?;
            println!("token {id} revoked");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `marsad audit search`: who saw this person's file, or what this user did.
pub fn audit_search(
    store: &StoreArgs,
    person: Option<String>,
    user: Option<String>,
    limit: u32,
    clock: &dyn Clock,
) -> Result<ExitCode> {
    let s = store.open()?;
    let entries = match (&person, &user) {
        (Some(p), None) => {
            let n = marsad_model::UnifiedNumber::parse(p)?;
            s.audit_by_object("person", &n.digits(), limit)?
        }
        (None, Some(login)) => {
            let u = s
                .user_by_login(login)?
                .with_context(|| format!("no account is named '{login}'"))?;
            s.audit_by_actor(&Actor::User(u.id.0.to_string()), limit)?
        }
        _ => bail!("give --person NUMBER or --user LOGIN"),
    };
    println!(
        "{:<7} {:<27} {:<12} {:<20} {:<40} {:<8} purpose",
        "seq", "at", "actor", "institution", "action", "outcome"
    );
    for e in &entries {
        println!(
            "{:<7} {:<27} {:<12} {:<20} {:<40} {:<8} {}",
            e.seq,
            e.at.format("%Y-%m-%d %H:%M:%S%.3f"),
            format!("{}:{}", e.actor.kind(), e.actor.id()),
            e.institution.as_deref().unwrap_or("-"),
            e.action,
            e.outcome.as_str(),
            e.purpose.as_deref().unwrap_or("")
        );
    }
    s.audit_append(&cli_event(
        clock,
        None,
        "audit.read",
        "audit",
        &format!("{} entries", entries.len()),
    ))?;
    Ok(ExitCode::SUCCESS)
}

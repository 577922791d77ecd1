//! `marsad backup` and `marsad restore`: the database and the attachment vault together, and
//! `marsad key new|list|rotate` for the vault's master keys.
//!
//! A backup is a folder: `database.sqlite` (a consistent `VACUUM INTO` snapshot) or
//! `database.pgdump` (`pg_dump --format=custom`), `vault/` (every object exactly as stored:
//! encrypted, with wrapped keys), `policies/` (every policy version) and `manifest.json` (what was
//! taken, when, each file's SHA-256, the record counts and the audit chain's head). The database
//! is taken first: blobs are immutable and written before the rows that name them, so every blob
//! the snapshot names is in the copy. Master keys are never in a backup: keep `DATA/keys`
//! elsewhere (a backup without its keys is unreadable, which is the point).
//!
//! A restore goes into an empty data folder (and an empty PostgreSQL database): it checks every
//! file against the manifest, puts the database and the objects back, then compares the record
//! counts and the audit head with the manifest and, when the keys are there, reads every blob.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, Context as _, Result};
use clap::Subcommand;
use marsad_model::Clock;
use marsad_vault::KeyId;
use serde_json::json;
use sha2::Digest as _;

use crate::StoreArgs;

/// The manifest's format.
const FORMAT: u64 = 1;

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Create a new master key file `DATA/keys/ID.key` (mode 0600). Make it the active one with
    /// `vault_active_key` in `DATA/marsad.toml`, then `marsad key rotate`.
    New {
        #[command(flatten)]
        store: StoreArgs,
        id: String,
    },
    /// The master keys, and how many stored objects each wraps.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Re-wrap every data key from one master key to another (no body is rewritten); afterwards
    /// the old key file can be removed.
    Rotate {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
}

fn sha256_file(path: &Path) -> Result<(String, u64)> {
    use std::io::Read as _;
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((hex::encode(hasher.finalize()), total))
}

/// Every file under `root`, as paths relative to it with `/`, sorted.
fn files_under(root: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))?
        {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(root) {
                out.push(
                    rel.components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/"),
                );
            }
        }
    }
    out.sort();
    Ok(out)
}

fn copy_dir(from: &Path, to: &Path) -> Result<u64> {
    let mut n = 0;
    if !from.is_dir() {
        return Ok(0);
    }
    for rel in files_under(from)? {
        let target = to.join(&rel);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(from.join(&rel), &target).with_context(|| format!("cannot copy {rel}"))?;
        n += 1;
    }
    Ok(n)
}

/// `pg_dump` / `pg_restore`: on the PATH, else the newest Debian PostgreSQL's.
fn pg_tool(name: &str) -> Result<PathBuf> {
    if let Ok(path) = which(name) {
        return Ok(path);
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("bin").join(name))
        .filter(|p| p.is_file())
        .collect();
    found.sort();
    found.pop().with_context(|| {
        format!("{name} is needed for a PostgreSQL backup (Debian: postgresql-client)")
    })
}

fn which(name: &str) -> Result<PathBuf> {
    let path = std::env::var_os("PATH").context("no PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .context("not on the PATH")
}

fn run(cmd: &mut Command, what: &str) -> Result<()> {
    let out = cmd.output().with_context(|| format!("cannot run {what}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!(
            "{what} failed: {}",
            err.lines().last().unwrap_or("(no message)")
        );
    }
    Ok(())
}

/// What the manifest records about the store, to compare after a restore.
fn store_facts(s: &dyn marsad_store::Store) -> Result<serde_json::Value> {
    let records: BTreeMap<String, u64> = s
        .count_records()?
        .into_iter()
        .map(|k| (k.kind, k.records))
        .collect();
    let head = marsad_store::verify_audit(s, None)
        .map_err(|e| anyhow::anyhow!("the audit trail does not verify: {e}"))?;
    Ok(json!({
        "schema_version": s.schema_version()?,
        "records": records,
        "audit_head": head.to_string(),
        "users": s.users()?.len(),
    }))
}

fn vault_config(args: &StoreArgs) -> Result<marsad_vault::VaultConfig> {
    Ok(match &args.config()?.vault {
        Some(v) => v.to_config(&args.data)?,
        None => marsad_vault::VaultConfig::local(args.data.join("blobs")),
    })
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// `marsad backup --to DIR`.
pub fn backup(args: &StoreArgs, to: &Path, clock: &dyn Clock) -> Result<ExitCode> {
    if to.exists() && std::fs::read_dir(to)?.next().is_some() {
        bail!(
            "{} is not empty: a backup goes into a new folder",
            to.display()
        );
    }
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))?;
    let store = args.open()?;
    let facts = store_facts(store.as_ref())?;
    let engine = store.backend().to_string();
    let url = args.url()?;
    let database = if url.starts_with("postgres") {
        let file = to.join("database.pgdump");
        run(
            Command::new(pg_tool("pg_dump")?)
                .arg("--format=custom")
                .arg("--no-owner")
                .arg("--file")
                .arg(&file)
                .arg(format!("--dbname={url}")),
            "pg_dump",
        )?;
        "database.pgdump"
    } else {
        marsad_store::sqlite::snapshot(Path::new(&url), &to.join("database.sqlite"))?;
        "database.sqlite"
    };
    drop(store);
    let config = vault_config(args)?;
    let copied = runtime()?.block_on(marsad_vault::export_raw(&config, &to.join("vault")))?;
    let policies = copy_dir(&args.data.join("policies"), &to.join("policies"))?;
    let mut files = BTreeMap::new();
    for rel in files_under(to)? {
        let (sha, bytes) = sha256_file(&to.join(&rel))?;
        files.insert(rel, json!({ "sha256": sha, "bytes": bytes }));
    }
    let manifest = json!({
        "format": FORMAT,
        "marsad": env!("CARGO_PKG_VERSION"),
        "created_at": clock.now().to_rfc3339(),
        "engine": engine,
        "database": database,
        "store": facts,
        "vault": { "objects": copied.objects, "bytes": copied.bytes },
        "policies": policies,
        "files": files,
    });
    std::fs::write(
        to.join("manifest.json"),
        serde_json::to_vec_pretty(&manifest)?,
    )?;
    println!("backup written to {}", to.display());
    println!(
        "  database   {database} ({engine}), audit head {}",
        manifest["store"]["audit_head"]
    );
    println!(
        "  vault      {} objects, {} bytes (encrypted as stored)",
        copied.objects, copied.bytes
    );
    println!("  policies   {policies} files");
    println!("keep the master keys (DATA/keys or MARSAD_VAULT_KEYS) apart from this backup");
    Ok(ExitCode::SUCCESS)
}

/// `marsad restore --from DIR`.
pub fn restore(args: &StoreArgs, from: &Path, keys_from: Option<&Path>) -> Result<ExitCode> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(from.join("manifest.json")).with_context(|| {
            format!(
                "{} holds no manifest.json: not a marsad backup",
                from.display()
            )
        })?)
        .context("manifest.json is not valid JSON")?;
    if manifest["format"].as_u64() != Some(FORMAT) {
        bail!(
            "this backup's format ({}) is not one this marsad reads ({FORMAT})",
            manifest["format"]
        );
    }
    // Every file as it was taken, and nothing else.
    let listed = manifest["files"]
        .as_object()
        .context("the manifest lists no files")?;
    let present: Vec<String> = files_under(from)?
        .into_iter()
        .filter(|f| f != "manifest.json")
        .collect();
    for rel in &present {
        let Some(expected) = listed.get(rel) else {
            bail!("{rel} is in the backup folder but not in its manifest");
        };
        let (sha, _) = sha256_file(&from.join(rel))?;
        if expected["sha256"].as_str() != Some(sha.as_str()) {
            bail!("{rel} does not match its checksum in the manifest: the backup is damaged");
        }
    }
    if let Some(missing) = listed.keys().find(|k| !present.contains(k)) {
        bail!("{missing} is missing from the backup folder");
    }
    // An empty target.
    let data = &args.data;
    if data.exists()
        && std::fs::read_dir(data)?
            .any(|e| e.is_ok_and(|e| e.file_name() != "marsad.toml" && e.file_name() != "keys"))
    {
        bail!(
            "{} is not empty: restore into a new data folder",
            data.display()
        );
    }
    std::fs::create_dir_all(data)?;
    if let Some(keys) = keys_from {
        copy_dir(keys, &data.join("keys"))?;
    }
    let url = args.url()?;
    match manifest["database"].as_str() {
        Some("database.sqlite") => {
            if url.starts_with("postgres") {
                bail!("this backup is of a SQLite database; restore it without --database-url");
            }
            std::fs::copy(from.join("database.sqlite"), &url)
                .with_context(|| format!("cannot write {url}"))?;
        }
        Some("database.pgdump") => {
            if !url.starts_with("postgres") {
                bail!("this backup is of a PostgreSQL database; give --database-url of an empty database");
            }
            run(
                Command::new(pg_tool("pg_restore")?)
                    .arg("--no-owner")
                    .arg("--exit-on-error")
                    .arg(format!("--dbname={url}"))
                    .arg(from.join("database.pgdump")),
                "pg_restore (the target database must be empty)",
            )?;
        }
        other => bail!("the manifest names no known database file ({other:?})"),
    }
    copy_dir(&from.join("policies"), &data.join("policies"))?;
    let config = vault_config(args)?;
    let rt = runtime()?;
    let copied = rt.block_on(marsad_vault::import_raw(&config, &from.join("vault")))?;
    // Compare what the restored store says with what the backup recorded.
    let store = args.open()?;
    let facts = store_facts(store.as_ref())?;
    let expected = &manifest["store"];
    for field in ["records", "audit_head", "users"] {
        if facts[field] != expected[field] {
            bail!(
                "after the restore, {field} is {} but the backup recorded {}",
                facts[field],
                expected[field]
            );
        }
    }
    println!("restored into {}", data.display());
    println!(
        "  database   {} records, audit head {} (as recorded)",
        facts["records"]
            .as_object()
            .map(|m| m.values().filter_map(|v| v.as_u64()).sum::<u64>())
            .unwrap_or(0),
        facts["audit_head"]
    );
    println!("  vault      {} objects", copied.objects);
    let has_keys = std::env::var_os(crate::vault::KEYS_ENV).is_some()
        || files_under(&data.join("keys"))
            .map(|f| f.iter().any(|k| k.ends_with(".key")))
            .unwrap_or(false);
    if has_keys {
        let checked = rt.block_on(async {
            let vault = crate::vault::open(args).await?;
            let ids = vault.list().await?;
            for id in &ids {
                vault
                    .verify(id)
                    .await
                    .with_context(|| format!("blob {} does not read back", id.to_hex()))?;
            }
            anyhow::Ok(ids.len())
        })?;
        println!("  blobs      {checked} read back and verified with the master keys");
    } else {
        println!(
            "  blobs      not read back: copy the master keys to {} (or set {})",
            data.join("keys").display(),
            crate::vault::KEYS_ENV
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn key(cmd: KeyCommand) -> Result<ExitCode> {
    match cmd {
        KeyCommand::New { store, id } => {
            let id = KeyId::parse(&id)?;
            let path = marsad_vault::write_new_key_file(&store.data.join("keys"), &id)?;
            println!("master key {} created at {}", id.as_str(), path.display());
            println!("keep a copy apart from the data: without it no attachment can be read");
            Ok(ExitCode::SUCCESS)
        }
        KeyCommand::List { store } => {
            let usage = runtime()?.block_on(async {
                let vault = crate::vault::open(&store).await?;
                anyhow::Ok(vault.key_usage().await?)
            })?;
            let keyring =
                crate::vault::keyring(&store.data, store.config()?.vault_active_key.as_deref())?;
            for id in keyring.ids() {
                let active = if id == keyring.active() {
                    " (active)"
                } else {
                    ""
                };
                println!(
                    "{:<16} {:>8} objects{active}",
                    id.as_str(),
                    usage.get(id).copied().unwrap_or(0)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        KeyCommand::Rotate { store, from, to } => {
            let (from, to) = (KeyId::parse(&from)?, KeyId::parse(&to)?);
            let report = runtime()?.block_on(async {
                let vault = crate::vault::open(&store).await?;
                anyhow::Ok(vault.rotate(&from, &to).await?)
            })?;
            println!(
                "{} data keys re-wrapped from {} to {} (no file rewritten)",
                report.rewrapped,
                from.as_str(),
                to.as_str()
            );
            if report.complete() {
                println!(
                    "nothing needs {} any more: its key file can be removed",
                    from.as_str()
                );
                Ok(ExitCode::SUCCESS)
            } else {
                for d in &report.damaged {
                    eprintln!("marsad: could not re-wrap {d}");
                }
                bail!(
                    "{} objects still need {}",
                    report.damaged.len(),
                    from.as_str()
                )
            }
        }
    }
}

//! Opening the attachment vault from the configuration: the backend (`vault` in
//! `DATA/marsad.toml`, a local folder by default) and the master keys (`MARSAD_VAULT_KEYS`, or
//! the key files of `DATA/keys`, where the first key is created when there is none).

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use marsad_vault::{KeyId, Keyring, Vault};

use crate::StoreArgs;

/// The environment variable holding master keys (`id=BASE64,…`), instead of key files.
pub const KEYS_ENV: &str = "MARSAD_VAULT_KEYS";

/// The master keys: from the environment, else from `DATA/keys` (creating `k1` there when the
/// folder holds none, with a warning to keep a copy apart from the data).
pub fn keyring(data: &Path, active: Option<&str>) -> Result<Keyring> {
    let active = active
        .map(KeyId::parse)
        .transpose()
        .context("vault_active_key is not a key id")?;
    if let Ok(value) = std::env::var(KEYS_ENV) {
        return Keyring::from_env_value(&value, active.as_ref())
            .with_context(|| format!("cannot read the master keys of {KEYS_ENV}"));
    }
    let dir = data.join("keys");
    let has_keys = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .any(|e| e.path().extension().is_some_and(|x| x == "key"))
        })
        .unwrap_or(false);
    if !has_keys {
        let id = KeyId::parse("k1").context("the first key id")?;
        let path = marsad_vault::write_new_key_file(&dir, &id)
            .with_context(|| format!("cannot create a master key in {}", dir.display()))?;
        eprintln!(
            "marsad: created the master key {} — keep a copy apart from the data: without it \
             no attachment can be read",
            path.display()
        );
    }
    Keyring::load_dir(&dir, active.as_ref())
        .with_context(|| format!("cannot read the master keys in {}", dir.display()))
}

/// Opens the vault the data folder's configuration names.
pub async fn open(args: &StoreArgs) -> Result<Arc<Vault>> {
    let file = args.config()?;
    let config = match &file.vault {
        Some(v) => v.to_config(&args.data)?,
        None => marsad_vault::VaultConfig::local(args.data.join("blobs")),
    };
    let keys = keyring(&args.data, file.vault_active_key.as_deref())?;
    let vault = Vault::open(&config, keys)
        .await
        .context("cannot open the attachment vault")?;
    Ok(Arc::new(vault))
}

/// Removes what a crash left in the vault before the server starts taking uploads: unfinished
/// uploads, bodies without a record, and blobs no attachment row names. With a local folder
/// nothing can be in flight yet (this process holds it), so everything older than now goes; a
/// shared bucket may be in use by other nodes, so only what is a day old goes.
pub async fn cleanup_at_start(
    args: &StoreArgs,
    store: Arc<dyn marsad_store::Store>,
    vault: &Vault,
) -> Result<()> {
    let shared = matches!(
        args.config()?
            .vault
            .as_ref()
            .and_then(|v| v.backend.as_deref()),
        Some("s3")
    );
    let older_than = if shared {
        std::time::SystemTime::now() - std::time::Duration::from_secs(24 * 3600)
    } else {
        std::time::SystemTime::now()
    };
    let ids = tokio::task::spawn_blocking(move || store.attachment_blob_ids())
        .await
        .context("reading the attachment rows")??;
    let known = ids
        .iter()
        .filter_map(|id| marsad_vault::BlobId::parse(id))
        .collect();
    let report = vault
        .cleanup_orphans(&known, older_than)
        .await
        .context("cannot clean the attachment vault")?;
    if report.blobs + report.bodies + report.temporaries > 0 {
        eprintln!(
            "marsad: removed from the vault what an earlier stop left: {} unfinished uploads, {} bodies without a record, {} blobs no attachment names",
            report.temporaries, report.bodies, report.blobs
        );
    }
    Ok(())
}

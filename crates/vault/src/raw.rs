//! Backup and restore of a vault's objects exactly as stored: encrypted bodies, the small records
//! beside them (with their wrapped data keys) and the wrapped naming key. No master key is needed
//! or touched, so a backup is as unreadable as the vault itself; the keys travel separately.
//!
//! Consistency while the vault is in use: records are listed before bodies, and a body is always
//! complete before its record is written, so every record in a copy has its body. A body copied
//! without its record (an upload in progress) is an orphan the restored vault's cleanup removes.

use std::path::{Path as FsPath, PathBuf};

use futures_util::StreamExt as _;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt as _, PutPayload};

use crate::config::{build, VaultConfig};
use crate::error::VaultError;
use crate::record::{BLOBS_DIR, DATA_DIR, NAMING_PATH};

/// What a raw copy moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RawCopy {
    pub objects: u64,
    pub bytes: u64,
}

fn io(path: &FsPath) -> impl FnOnce(std::io::Error) -> VaultError + '_ {
    move |e| VaultError::Config(format!("{}: {e}", path.display()))
}

/// Whether `path` is a finished object (not a local staging file `…#<n>`).
fn finished(path: &Path) -> bool {
    !path.as_ref().contains('#')
}

async fn listed(store: &dyn ObjectStore, dir: &str) -> Result<Vec<Path>, VaultError> {
    let mut out = Vec::new();
    let mut listing = store.list(Some(&Path::from(dir)));
    while let Some(meta) = listing.next().await {
        let meta = meta?;
        if finished(&meta.location) {
            out.push(meta.location);
        }
    }
    out.sort();
    Ok(out)
}

/// Copies every object of the vault `config` names into the folder `dest` (created; must be
/// empty), one file per object at the object's path.
pub async fn export_raw(config: &VaultConfig, dest: &FsPath) -> Result<RawCopy, VaultError> {
    let (store, _) = build(&config.backend)?;
    if dest.exists() && std::fs::read_dir(dest).map_err(io(dest))?.next().is_some() {
        return Err(VaultError::Config(format!(
            "{} is not empty: a backup goes into a new folder",
            dest.display()
        )));
    }
    let mut paths = listed(store.as_ref(), BLOBS_DIR).await?;
    paths.extend(listed(store.as_ref(), DATA_DIR).await?);
    paths.push(Path::from(NAMING_PATH));
    let mut copy = RawCopy::default();
    for path in paths {
        let bytes = match store.get(&path).await {
            Ok(r) => r.bytes().await?,
            // The naming key exists once the vault was opened; an unopened vault has none.
            Err(object_store::Error::NotFound { .. }) if path.as_ref() == NAMING_PATH => continue,
            Err(e) => return Err(e.into()),
        };
        let file: PathBuf = path
            .parts()
            .fold(dest.to_path_buf(), |p, part| p.join(part.as_ref()));
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&file, &bytes).map_err(io(&file))?;
        copy.objects += 1;
        copy.bytes += bytes.len() as u64;
    }
    Ok(copy)
}

/// Puts every file of a raw export `src` into the (empty) vault `config` names, at the same
/// object paths. Refuses a vault that already holds objects.
pub async fn import_raw(config: &VaultConfig, src: &FsPath) -> Result<RawCopy, VaultError> {
    let (store, _) = build(&config.backend)?;
    for dir in [BLOBS_DIR, DATA_DIR, "vault"] {
        if !listed(store.as_ref(), dir).await?.is_empty() {
            return Err(VaultError::Config(
                "the target vault already holds objects: restore into an empty one".into(),
            ));
        }
    }
    let mut files = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let path = entry.map_err(io(&dir))?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    // Bodies first, records last: a record is never visible before its body.
    files.sort_by_key(|f| (!f.starts_with(src.join(DATA_DIR)), f.clone()));
    let mut copy = RawCopy::default();
    for file in files {
        let rel = file
            .strip_prefix(src)
            .map_err(|_| VaultError::Config(format!("{} is outside the backup", file.display())))?;
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let object = Path::from_iter(parts.iter().map(String::as_str));
        let bytes = std::fs::read(&file).map_err(io(&file))?;
        copy.objects += 1;
        copy.bytes += bytes.len() as u64;
        store.put(&object, PutPayload::from(bytes)).await?;
    }
    Ok(copy)
}

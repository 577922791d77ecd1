//! The policy folder in the data directory: `policies/current.toml` (what the server enforces)
//! and `policies/versions/NNNN-<sha12>.toml` (every version ever installed, never rewritten).
//! Installing checks the file first, writes the version, then replaces `current.toml`
//! atomically (write to a temporary file, sync, rename), so a crash leaves either the old or the
//! new policy in force, never a half-written one. Writing the change to the audit trail is the
//! caller's job (this crate knows no store).

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::parse::{Policy, PolicyError};

/// Why the policy folder could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum PolicyFileError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Policy(#[from] PolicyError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PolicyFileError + '_ {
    move |source| PolicyFileError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One installed version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    /// 1 for the first version installed in this data folder.
    pub number: u32,
    pub sha256: String,
    /// The version it replaced, if any.
    pub previous_sha256: Option<String>,
    pub path: PathBuf,
    /// False when the text was already the current policy (nothing was written).
    pub changed: bool,
}

/// The `policies` folder of a data directory.
#[derive(Debug, Clone)]
pub struct PolicyDir {
    root: PathBuf,
}

impl PolicyDir {
    pub fn new(root: impl Into<PathBuf>) -> PolicyDir {
        PolicyDir { root: root.into() }
    }

    /// `current.toml`, the policy in force.
    pub fn current_path(&self) -> PathBuf {
        self.root.join("current.toml")
    }

    fn versions_dir(&self) -> PathBuf {
        self.root.join("versions")
    }

    /// The policy in force, or `None` when none was ever installed.
    pub fn current(&self) -> Result<Option<Policy>, PolicyFileError> {
        let path = self.current_path();
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(Policy::from_toml(&text, &path.display().to_string())?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(&path)(e)),
        }
    }

    /// The policy in force; installs `default_text` as version 1 first when none is (the
    /// returned [`Installed`] says so, for the audit trail).
    pub fn load_or_install(
        &self,
        default_text: &str,
    ) -> Result<(Policy, Option<Installed>), PolicyFileError> {
        if let Some(p) = self.current()? {
            return Ok((p, None));
        }
        let installed = self.install(default_text)?;
        let policy = self.current()?.ok_or_else(|| PolicyFileError::Io {
            path: self.current_path(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "vanished after install"),
        })?;
        Ok((policy, Some(installed)))
    }

    /// Every installed version, oldest first: (number, path).
    pub fn versions(&self) -> Result<Vec<(u32, PathBuf)>, PolicyFileError> {
        let dir = self.versions_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io(&dir)(e)),
        };
        let mut out = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io(&dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(number) = name
                .split('-')
                .next()
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|_| name.ends_with(".toml"))
            else {
                continue;
            };
            out.push((number, entry.path()));
        }
        out.sort();
        Ok(out)
    }

    /// Checks `text` and makes it the policy in force as a new version.
    pub fn install(&self, text: &str) -> Result<Installed, PolicyFileError> {
        let policy = Policy::from_toml(text, "the new policy")?;
        let previous = self.current()?;
        let versions = self.versions()?;
        if let Some(prev) = &previous {
            if prev.sha256 == policy.sha256 {
                let (number, path) = versions.last().cloned().unwrap_or((0, self.current_path()));
                return Ok(Installed {
                    number,
                    sha256: policy.sha256,
                    previous_sha256: Some(prev.sha256.clone()),
                    path,
                    changed: false,
                });
            }
        }
        let number = versions.last().map(|(n, _)| n + 1).unwrap_or(1);
        let dir = self.versions_dir();
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let path = dir.join(format!("{number:04}-{}.toml", &policy.sha256[..12]));
        write_atomic(&path, text)?;
        write_atomic(&self.current_path(), text)?;
        Ok(Installed {
            number,
            sha256: policy.sha256,
            previous_sha256: previous.map(|p| p.sha256),
            path,
            changed: true,
        })
    }
}

fn write_atomic(path: &Path, text: &str) -> Result<(), PolicyFileError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(io(dir))?;
    let tmp = path.with_extension("toml.tmp");
    let mut f = fs::File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(text.as_bytes()).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    drop(f);
    fs::rename(&tmp, path).map_err(io(path))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_accumulate_and_a_bad_file_changes_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pd = PolicyDir::new(dir.path().join("policies"));
        let (p, installed) = pd.load_or_install(crate::DEFAULT_POLICY).expect("install");
        let installed = installed.expect("first start installs");
        assert_eq!(installed.number, 1);
        assert_eq!(installed.previous_sha256, None);
        assert_eq!(p.sha256, installed.sha256);
        // Second start: nothing new.
        assert!(pd
            .load_or_install(crate::DEFAULT_POLICY)
            .expect("load")
            .1
            .is_none());
        // Same text again: no new version.
        assert!(!pd.install(crate::DEFAULT_POLICY).expect("same").changed);
        // A bad file is refused and the current policy stays.
        let bad = crate::DEFAULT_POLICY.replace("\"officer\"", "\"oficer\"");
        assert!(pd.install(&bad).is_err());
        assert_eq!(pd.current().expect("read").expect("some").sha256, p.sha256);
        // A real change becomes version 2 and keeps version 1.
        let changed = format!("{}\n# amended\n", crate::DEFAULT_POLICY);
        let v2 = pd.install(&changed).expect("v2");
        assert_eq!(v2.number, 2);
        assert_eq!(v2.previous_sha256.as_deref(), Some(p.sha256.as_str()));
        assert_eq!(pd.versions().expect("list").len(), 2);
        assert_eq!(
            fs::read_to_string(pd.current_path()).expect("current"),
            changed
        );
    }
}

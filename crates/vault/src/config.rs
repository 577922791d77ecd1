//! Where the vault keeps its objects: a local folder (the default) or an S3-compatible bucket, and
//! the `object_store` client built from that choice.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;
use object_store::ObjectStore;
use zeroize::Zeroizing;

use crate::error::VaultError;

/// The vault's configuration.
#[derive(Clone, Debug)]
pub struct VaultConfig {
    /// Where objects go.
    pub backend: Backend,
    /// Read every new body back and check it decrypts to what was received before making it
    /// visible (doubles the I/O of an upload; the default only checks the stored length).
    pub verify_writes: bool,
}

impl VaultConfig {
    /// A local folder (`DATA/blobs`), with fsync.
    pub fn local(root: impl Into<PathBuf>) -> Self {
        Self {
            backend: Backend::Local(LocalConfig {
                root: root.into(),
                fsync: true,
            }),
            verify_writes: false,
        }
    }

    /// An S3-compatible bucket.
    pub fn s3(config: S3Config) -> Self {
        Self {
            backend: Backend::S3(config),
            verify_writes: false,
        }
    }
}

/// The storage backend.
#[derive(Clone, Debug)]
pub enum Backend {
    /// A folder on a local (or mounted) file system.
    Local(LocalConfig),
    /// Any S3-compatible service (AWS, Ceph RGW, Garage, SeaweedFS, MinIO…).
    S3(S3Config),
}

/// A local folder.
#[derive(Clone, Debug)]
pub struct LocalConfig {
    /// The folder (created with mode 0700 when missing).
    pub root: PathBuf,
    /// fsync each written file and its folder before it becomes visible (on by default; off only
    /// for throw-away test data).
    pub fsync: bool,
}

/// An S3-compatible bucket.
#[derive(Clone, Debug)]
pub struct S3Config {
    /// `https://s3.example.org` (or `http://127.0.0.1:9000` with `allow_http`); `None` for AWS.
    pub endpoint: Option<String>,
    /// The bucket (must exist).
    pub bucket: String,
    /// The region (`us-east-1` for most S3-compatible servers).
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key (`Debug` redacts it).
    pub secret_access_key: SecretString,
    /// Accept a plain-HTTP endpoint (tests, or a service on a trusted local network).
    pub allow_http: bool,
    /// Path-style requests (`endpoint/bucket/key`), which most self-hosted servers need;
    /// otherwise virtual-hosted style (`bucket.endpoint/key`).
    pub path_style: bool,
    /// A key prefix inside the bucket (`marsad/`), when the bucket is shared.
    pub prefix: Option<String>,
}

/// A secret string: `Debug` prints `<redacted>` and the memory is zeroed on drop.
#[derive(Clone, Default)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps a secret.
    pub fn new(secret: impl Into<String>) -> Self {
        Self(Zeroizing::new(secret.into()))
    }

    /// The secret, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The object store of a backend, and the local root when it is a folder (for the staging files
/// that only a directory walk can find).
pub(crate) fn build(
    backend: &Backend,
) -> Result<(Arc<dyn ObjectStore>, Option<PathBuf>), VaultError> {
    match backend {
        Backend::Local(local) => {
            create_private_dir(&local.root).map_err(|e| {
                VaultError::Config(format!("cannot create {}: {e}", local.root.display()))
            })?;
            let store = LocalFileSystem::new_with_prefix(&local.root)?.with_fsync(local.fsync);
            let root = std::fs::canonicalize(&local.root).map_err(|e| {
                VaultError::Config(format!("cannot open {}: {e}", local.root.display()))
            })?;
            Ok((Arc::new(store), Some(root)))
        }
        Backend::S3(s3) => {
            let mut builder = AmazonS3Builder::new()
                .with_bucket_name(&s3.bucket)
                .with_region(&s3.region)
                .with_access_key_id(&s3.access_key_id)
                .with_secret_access_key(s3.secret_access_key.expose())
                .with_allow_http(s3.allow_http)
                .with_virtual_hosted_style_request(!s3.path_style);
            if let Some(endpoint) = &s3.endpoint {
                builder = builder.with_endpoint(endpoint);
            }
            let store = builder.build()?;
            match s3.prefix.as_deref().map(|p| p.trim_matches('/')) {
                Some(prefix) if !prefix.is_empty() => {
                    Ok((Arc::new(PrefixStore::new(store, prefix)), None))
                }
                _ => Ok((Arc::new(store), None)),
            }
        }
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        let config = VaultConfig::s3(S3Config {
            endpoint: Some("http://127.0.0.1:1".into()),
            bucket: "b".into(),
            region: "us-east-1".into(),
            access_key_id: "AKIA".into(),
            secret_access_key: SecretString::new("very-secret-value"),
            allow_http: true,
            path_style: true,
            prefix: None,
        });
        let text = format!("{config:?}");
        assert!(!text.contains("very-secret-value"), "{text}");
        assert!(text.contains("<redacted>"), "{text}");
    }
}

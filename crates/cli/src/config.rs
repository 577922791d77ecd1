//! Typed configuration. Each setting comes from, in rising precedence: the built-in default, the
//! data folder's `marsad.toml`, the environment (`MARSAD_*`), the command line. Unknown keys are
//! refused, so a misspelt setting is an error rather than silently ignored. `marsad.example.toml`
//! at the repository root documents every key.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::Deserialize;

/// The file's name inside the data folder.
pub const FILE_NAME: &str = "marsad.toml";

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_MAX_UPLOAD_BYTES: u64 = 4 << 30;

/// A secret (a URL with a password): usable, but never printed by `Debug`.
#[derive(Clone, Deserialize, PartialEq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// `DATA/marsad.toml`.
#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// PostgreSQL URL; without it the SQLite file in the data folder is used.
    pub database_url: Option<Secret>,
    /// Address the server listens on.
    pub listen: Option<SocketAddr>,
    /// Largest file accepted by `POST .../submissions`, in bytes.
    pub max_upload_bytes: Option<u64>,
    /// The origins browsers reach the server at (`https://marsad.gov.example`).
    pub origins: Option<Vec<String>>,
    /// OpenID Connect sign-in with a national e-ID.
    pub oidc: Option<OidcFile>,
    /// Where attachments are kept (encrypted): `DATA/blobs` unless an S3-compatible bucket is
    /// named.
    pub vault: Option<VaultFile>,
    /// The master key that wraps new data keys, when `DATA/keys` (or `MARSAD_VAULT_KEYS`)
    /// holds several.
    pub vault_active_key: Option<String>,
    /// Largest dossier attachment, in bytes (default 100 MiB).
    pub max_attachment_bytes: Option<u64>,
    /// Most attachments per dossier (default 200).
    pub max_attachments_per_dossier: Option<u64>,
    /// Research microdata extracts: every combination of quasi-identifiers shared by at least
    /// this many persons (default 5).
    pub microdata_k: Option<u32>,
    /// Largest individual re-identification risk of a released extract (default 0.2).
    pub microdata_max_risk: Option<f64>,
    /// Largest share of quasi-identifier values suppressed in a released extract (default 0.25).
    pub microdata_max_suppressed: Option<f64>,
}

impl FileConfig {
    /// The release level of research extracts, checked.
    pub fn microdata_level(&self) -> anyhow::Result<marsad_server::microdata::MicrodataLevel> {
        let d = marsad_server::microdata::MicrodataLevel::default();
        let level = marsad_server::microdata::MicrodataLevel {
            k: self.microdata_k.unwrap_or(d.k),
            max_risk: self.microdata_max_risk.unwrap_or(d.max_risk),
            max_suppressed: self.microdata_max_suppressed.unwrap_or(d.max_suppressed),
        };
        if !(2..=100).contains(&level.k) {
            anyhow::bail!("microdata_k = {}: it must be between 2 and 100", level.k);
        }
        if !(level.max_risk > 0.0 && level.max_risk <= 0.5) {
            anyhow::bail!(
                "microdata_max_risk = {}: it must be above 0 and at most 0.5",
                level.max_risk
            );
        }
        if !(0.0..=1.0).contains(&level.max_suppressed) {
            anyhow::bail!(
                "microdata_max_suppressed = {}: it must be between 0 and 1",
                level.max_suppressed
            );
        }
        Ok(level)
    }
}

/// `vault = { ... }` in `DATA/marsad.toml`.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VaultFile {
    /// `local` (default) or `s3`.
    pub backend: Option<String>,
    /// Local: the folder (default `DATA/blobs`).
    pub path: Option<PathBuf>,
    /// S3: `https://s3.example.org` (absent for AWS itself).
    pub endpoint: Option<String>,
    pub bucket: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
    /// Path-style requests (most self-hosted S3-compatible servers need them; default true).
    pub path_style: Option<bool>,
    /// A key prefix inside a shared bucket.
    pub prefix: Option<String>,
    /// Plain-HTTP endpoint (a trusted local network only).
    pub allow_http: Option<bool>,
}

impl VaultFile {
    /// The vault's configuration; `data` is the data folder.
    pub fn to_config(&self, data: &Path) -> Result<marsad_vault::VaultConfig> {
        match self.backend.as_deref().unwrap_or("local") {
            "local" => Ok(marsad_vault::VaultConfig::local(
                self.path.clone().unwrap_or_else(|| data.join("blobs")),
            )),
            "s3" => {
                let need = |v: &Option<String>, name: &str| {
                    v.clone()
                        .with_context(|| format!("vault.{name} is needed for the s3 backend"))
                };
                Ok(marsad_vault::VaultConfig::s3(marsad_vault::S3Config {
                    endpoint: self.endpoint.clone(),
                    bucket: need(&self.bucket, "bucket")?,
                    region: self.region.clone().unwrap_or_else(|| "us-east-1".into()),
                    access_key_id: need(&self.access_key_id, "access_key_id")?,
                    secret_access_key: marsad_vault::SecretString::new(
                        self.secret_access_key
                            .as_ref()
                            .context("vault.secret_access_key is needed for the s3 backend")?
                            .expose(),
                    ),
                    allow_http: self.allow_http.unwrap_or(false),
                    path_style: self.path_style.unwrap_or(true),
                    prefix: self.prefix.clone(),
                }))
            }
            other => anyhow::bail!("vault.backend '{other}' is neither local nor s3"),
        }
    }
}

/// `oidc = { ... }` in `DATA/marsad.toml`.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OidcFile {
    /// The provider's issuer URL (https).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Secret,
    /// The ID token claim that holds the marsad login (default `preferred_username`).
    pub login_claim: Option<String>,
    /// What the sign-in page calls it (default `e-ID`).
    pub label: Option<String>,
}

impl OidcFile {
    pub fn to_server(&self) -> Result<marsad_server::oidc::OidcConfig> {
        if !self.issuer.starts_with("https://") {
            anyhow::bail!("oidc.issuer must be an https:// URL");
        }
        Ok(marsad_server::oidc::OidcConfig {
            issuer: self.issuer.clone(),
            client_id: self.client_id.clone(),
            client_secret: marsad_auth::Secret::new(self.client_secret.expose().to_string()),
            login_claim: self
                .login_claim
                .clone()
                .unwrap_or_else(|| "preferred_username".into()),
            label: self.label.clone().unwrap_or_else(|| "e-ID".into()),
            allow_http: false,
        })
    }
}

impl FileConfig {
    /// Reads the data folder's configuration file; no file means no settings.
    pub fn load(data: &Path) -> Result<FileConfig> {
        let path: PathBuf = data.join(FILE_NAME);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(FileConfig::default()),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        parse(&text).with_context(|| path.display().to_string())
    }

    pub fn listen(&self, flag: Option<SocketAddr>) -> Result<SocketAddr> {
        match flag.or(self.listen) {
            Some(addr) => Ok(addr),
            None => DEFAULT_LISTEN
                .parse()
                .context("bad built-in listen address"),
        }
    }

    pub fn max_upload_bytes(&self) -> u64 {
        self.max_upload_bytes.unwrap_or(DEFAULT_MAX_UPLOAD_BYTES)
    }
}

fn parse(text: &str) -> Result<FileConfig> {
    toml::from_str(text).map_err(|e| {
        let at = e.span().map(|span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            format!(" (line {line})")
        });
        anyhow::anyhow!("{}{}", e.message().trim(), at.unwrap_or_default())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_is_valid_and_complete() {
        let example = include_str!("../../../marsad.example.toml");
        let uncommented: String = example
            .lines()
            .map(|l| {
                l.strip_prefix("# ")
                    .filter(|l| l.contains(" = "))
                    .unwrap_or(l)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let config = parse(&uncommented).unwrap();
        assert!(
            config.database_url.is_some()
                && config.listen.is_some()
                && config.max_upload_bytes.is_some()
                && config.origins.is_some()
                && config.oidc.is_some()
                && config.vault.is_some()
                && config.vault_active_key.is_some()
                && config.max_attachment_bytes.is_some()
                && config.max_attachments_per_dossier.is_some()
                && config.microdata_k.is_some()
                && config.microdata_max_risk.is_some()
                && config.microdata_max_suppressed.is_some()
        );
        assert!(config.microdata_level().is_ok());
        let bad = FileConfig {
            microdata_k: Some(1),
            ..FileConfig::default()
        };
        assert!(bad
            .microdata_level()
            .unwrap_err()
            .to_string()
            .contains("microdata_k"));
        assert_eq!(parse(example).unwrap(), FileConfig::default());
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        let err = parse("listen = \"127.0.0.1:9000\"\nlisten_port = 9000\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("listen_port") && err.contains("line 2"),
            "{err}"
        );
        let err = parse("listen = \"localhost\"\n").unwrap_err().to_string();
        assert!(err.contains("line 1"), "{err}");
    }

    #[test]
    fn secrets_are_redacted() {
        let config = parse("database_url = \"postgres://marsad:hunter2@db/marsad\"\n").unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
        assert_eq!(
            config.database_url.unwrap().expose(),
            "postgres://marsad:hunter2@db/marsad"
        );
    }
}

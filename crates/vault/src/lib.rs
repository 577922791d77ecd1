//! marsad's encrypted blob vault: where attachments (scanned passports, contracts, medical
//! certificates, photos, signed consent) and later biometric templates are kept, so that someone
//! who steals the disk or the bucket reads nothing.
//!
//! | module | owns |
//! | --- | --- |
//! | [`vault`] | [`Vault`]: streaming `put_stream` / `get_stream`, `delete`, `list`, `verify`, `cleanup_orphans`, `rotate`, `key_usage` |
//! | [`keys`] | master keys ([`MasterKey`], [`KeyId`], [`Keyring`]): key files `DATA/keys/<id>.key` (mode 0600 checked) or one environment value, never the database |
//! | [`sniff`] | the real content type from the first bytes ([`sniff()`], [`ContentKind`]) and the [`AllowList`] |
//! | [`raw`] | backup and restore of the objects as stored (encrypted), without any key |
//! | [`seal`] | small secrets sealed for a database column ([`Vault::seal`], [`Vault::open_sealed`]: TOTP secrets), under a key derived from the vault's own secret, so rotation needs no database rewrite |
//! | [`config`] | the backend: a local folder (default) or an S3-compatible bucket, through `object_store` |
//! | `segment`, `record` | the encrypted body format (STREAM over AES-256-GCM) and the small records beside it |
//!
//! How a blob is kept:
//! - **Named by content, privately.** A blob's id is HMAC-SHA256 of the plaintext's SHA-256
//!   under a naming secret (random, created with the vault, stored wrapped by a master key), so
//!   equal files are stored once but the bucket does not reveal whether it holds a known file.
//!   The plain SHA-256 is returned in [`StoredBlob`] for the database only. The same secret
//!   (HKDF, another label) keys the small secrets of [`seal`].
//! - **Envelope encryption.** Each body is encrypted under its own random data key in 64 KiB
//!   segments (AES-256-GCM, nonce = random prefix | segment counter | last flag, header as
//!   associated data), so multi-GB files stream in bounded memory and a flipped, swapped, dropped
//!   or truncated segment fails. The data key is wrapped by the active master key and kept in
//!   the blob's small record, apart from the body: rotation re-wraps records and never rewrites a
//!   body, and deleting the record destroys the key.
//! - **Visible only when whole.** The record is written (create-only) after the body is complete
//!   and its length checked; an interrupted upload leaves at most an unreferenced body or a
//!   staging file, which [`Vault::list`] does not show and [`Vault::cleanup_orphans`] removes.
//!
//! What this crate does **not** do: SQL (attachment rows, reference counts, who may read what,
//! the columns holding sealed secrets are the store's and server's), HTTP, thumbnails, reading
//! configuration files or environment variables (the binary passes paths and values in).
//! Randomness comes from the operating system on purpose: keys and nonces must not be
//! reproducible. Time is a parameter (`cleanup_orphans(…, older_than)`).
//!
//! Build cost: S3 comes through `object_store`'s `aws` feature, which brings reqwest 0.13, rustls
//! and aws-lc-rs; a clean debug build of this crate is about 5.5 CPU-minutes (aws-lc-sys alone
//! 1.5, object_store 0.8, reqwest 0.6), paid once, and nothing on incremental builds.
//!
//! Invariants: no plaintext byte and no plaintext hash is written to the store; no key is ever
//! written unwrapped, printed by `Debug`, or left in memory after drop; a blob id resolves to the
//! same plaintext forever or to an error, never to other bytes.

#[cfg(not(unix))]
compile_error!("marsad-vault supports Unix only (key file permission checks, positional reads)");

pub mod blob;
pub mod config;
pub mod error;
pub mod keys;
pub mod raw;
mod record;
pub mod seal;
mod segment;
pub mod sniff;
pub mod vault;

pub use blob::{BlobId, StoredBlob};
pub use config::{Backend, LocalConfig, S3Config, SecretString, VaultConfig};
pub use error::{KeyError, VaultError};
pub use keys::{write_new_key_file, KeyId, Keyring, MasterKey};
pub use raw::{export_raw, import_raw, RawCopy};
pub use seal::{is_sealed, SEALED_PREFIX};
pub use segment::{body_len, SEGMENT_SIZE};
pub use sniff::{check_claimed_name, sniff, AllowList, ContentKind, SNIFF_LEN};
pub use vault::{BlobStream, CleanupReport, PutOptions, RotationReport, Vault, Verified};

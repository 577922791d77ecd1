//! The vault's errors: one enum, each variant a distinct situation the server maps once to a stable
//! code and an HTTP status. Storage and key-file details stay in the variants' sources for the log;
//! the `Display` texts name no secret and no plaintext.

use std::path::PathBuf;

use crate::blob::BlobId;
use crate::keys::KeyId;
use crate::sniff::ContentKind;

/// Everything that can go wrong in the vault.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// The upload went past the configured size limit (detected while streaming: nothing is kept).
    #[error("the file is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The detected content type is not in the allow-list (checked on the first bytes, before
    /// anything is written).
    #[error("the file is {} ({}), which is not accepted here; accepted: {}", .detected.description(), .detected.mime(), describe(.allowed))]
    TypeNotAllowed {
        /// What the first bytes are.
        detected: ContentKind,
        /// What the allow-list accepts.
        allowed: Vec<ContentKind>,
    },
    /// The file's content is not what its name claims (`passport.pdf` holding a PNG).
    #[error("the file is named as {claimed} but its content is {} ({})", .detected.description(), .detected.mime())]
    TypeMismatch {
        /// The claimed extension, lower case, without the dot.
        claimed: String,
        /// What the first bytes are.
        detected: ContentKind,
    },
    /// No blob with this id (never stored, or deleted).
    #[error("no blob {0}")]
    NotFound(BlobId),
    /// A stored object failed authentication or is malformed: tampered, truncated, reordered, or
    /// written by something else. Never returned for a blob that was stored intact.
    #[error("{what} is damaged: {detail}")]
    Corrupt {
        /// Which object (`blob <id>`, `the naming key record`).
        what: String,
        /// What failed (no plaintext, no key material).
        detail: &'static str,
    },
    /// The vault's own record does not open with the loaded master key of that id: the key file
    /// holds another key than the one the vault was created with.
    #[error("master key {0:?} does not open this vault's records: is it the right key file?")]
    WrongKey(KeyId),
    /// A stored data key is wrapped under a master key that the key ring does not hold.
    #[error("master key {0:?} is needed but not loaded (add its key file, or rotate away from it before removing it)")]
    UnknownKey(KeyId),
    /// A master key id or key file is malformed or unsafe.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Reading the upload failed (for example the client disconnected): nothing is kept.
    #[error("reading the upload failed: {0}")]
    Read(#[source] std::io::Error),
    /// The storage backend failed. Its text may hold paths and bucket names: log it, do not show it.
    #[error("storage backend error: {0}")]
    Backend(#[from] object_store::Error),
    /// The vault configuration is not usable.
    #[error("vault configuration: {0}")]
    Config(String),
    /// The operating system's random generator failed.
    #[error("the operating system's random generator failed")]
    Random,
}

/// Errors about master keys and key files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A key id is not 1 to 64 characters of `A-Z a-z 0-9 . _ -` (not starting with a dot).
    #[error("invalid master key id {0:?}: use 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', '-', not starting with '.'")]
    InvalidId(String),
    /// A key is not the base64 of exactly 32 bytes.
    #[error("master key {0:?} is not the base64 of 32 bytes")]
    InvalidKey(String),
    /// The key file can be read or written by group or others.
    #[error("key file {} has mode {mode:o}: it must be readable by its owner only (chmod 600)", .path.display())]
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Reading or writing a key file failed.
    #[error("key file {}: {source}", .path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// Two keys with the same id.
    #[error("master key {0:?} is given twice")]
    Duplicate(String),
    /// No key at all.
    #[error("no master key: create one (marsad keys new) or set the key variable")]
    NoKeys,
    /// The active key is not among the loaded ones, or several keys are loaded and none is named active.
    #[error("{0}")]
    Active(String),
}

fn describe(kinds: &[ContentKind]) -> String {
    kinds
        .iter()
        .map(|k| k.short_name())
        .collect::<Vec<_>>()
        .join(", ")
}

//! What the vault hands back and what the database keeps: a blob's id and the plain metadata of a
//! stored upload.

use std::fmt;

use crate::sniff::ContentKind;

/// A blob's name: HMAC-SHA256, under the vault's naming secret, of the SHA-256 of the plaintext.
/// Equal contents get equal ids (deduplication), yet someone reading the bucket cannot test
/// whether it holds a file they know. Written as 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlobId([u8; 32]);

impl BlobId {
    /// An id from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// Parses 64 hex digits (either case).
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 64 {
            return None;
        }
        let mut out = [0u8; 32];
        let decoded = data_encoding::HEXLOWER_PERMISSIVE
            .decode(text.as_bytes())
            .ok()?;
        out.copy_from_slice(&decoded);
        Some(Self(out))
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// 64 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        data_encoding::HEXLOWER.encode(&self.0)
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BlobId({})", self.to_hex())
    }
}

/// The metadata of a stored upload: what the database keeps about an attachment, beside its own
/// columns (original name, claimed type, who uploaded it). The wrapped data key is **not** here: it
/// lives beside the blob in the store, so key rotation and backups need no database, and a
/// deduplicated upload finds it.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// The blob's id (what `get_stream`, `delete` and `cleanup_orphans` take).
    pub id: BlobId,
    /// Plaintext size in bytes.
    pub size: u64,
    /// SHA-256 of the plaintext, for the database only (it is never written to the store): lets
    /// the API answer `Digest`/ETag headers and an auditor compare a file with what was received.
    pub plaintext_sha256: [u8; 32],
    /// The content type detected from the first bytes.
    pub content: ContentKind,
    /// Whether the same plaintext was already stored (nothing new was kept).
    pub deduplicated: bool,
}

impl fmt::Debug for StoredBlob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredBlob")
            .field("id", &self.id)
            .field("size", &self.size)
            .field(
                "plaintext_sha256",
                &data_encoding::HEXLOWER.encode(&self.plaintext_sha256),
            )
            .field("content", &self.content)
            .field("deduplicated", &self.deduplicated)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_and_print() {
        let id = BlobId::from_bytes([0xab; 32]);
        let hex = id.to_string();
        assert_eq!(hex.len(), 64);
        assert_eq!(BlobId::parse(&hex), Some(id));
        assert_eq!(BlobId::parse(&hex.to_uppercase()), Some(id));
        assert_eq!(BlobId::parse(&hex[1..]), None);
        assert_eq!(BlobId::parse(&format!("{}zz", &hex[2..])), None);
        assert_eq!(BlobId::parse("../../etc/passwd"), None);
    }
}

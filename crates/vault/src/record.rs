//! The small records stored beside the bodies, and the store's layout.
//!
//! ```text
//! vault/naming-key         the naming secret, wrapped by a master key
//! blobs/<id[..2]>/<id>     a blob record: which body, plaintext size, the wrapped data key
//! data/<b[..2]>/<b>        an encrypted body (b = 16 random bytes in hex), never rewritten
//! ```
//!
//! A blob exists when its record exists: the record is written last (after its body is complete
//! and checked) and deleted first (which also destroys the only copy of its data key, so a body
//! that survives somewhere, in a backup or a bucket version, can no longer be read). Rotation
//! rewrites records only. The records hold no plaintext hash: the id is keyed, the size is the
//! body's anyway.
//!
//! Blob record (all integers big-endian):
//! `"MRSDREC1" | key id length (u8) | key id | wrap nonce (12) | wrapped data key (48) | body (16) | size (u64)`,
//! the wrap's associated data being `"marsad-vault/v1/blob" | id | body | size | key id length | key id`,
//! so a record moved to another id, pointed at another body or given another size fails to open.
//! Naming record: `"MRSDNAM1" | key id length | key id | wrap nonce | wrapped secret`, associated data
//! `"marsad-vault/v1/naming" | key id length | key id`.

use object_store::path::Path;

use crate::blob::BlobId;
use crate::keys::{KeyId, WrappedKey, WRAPPED_LEN, WRAP_NONCE_LEN};

const BLOB_MAGIC: &[u8; 8] = b"MRSDREC1";
const NAMING_MAGIC: &[u8; 8] = b"MRSDNAM1";
/// Random name of a body.
pub(crate) type BodyName = [u8; 16];

pub(crate) const NAMING_PATH: &str = "vault/naming-key";
pub(crate) const BLOBS_DIR: &str = "blobs";
pub(crate) const DATA_DIR: &str = "data";

pub(crate) fn blob_path(id: &BlobId) -> Path {
    let hex = id.to_hex();
    Path::from(format!("{BLOBS_DIR}/{}/{hex}", &hex[..2]))
}

pub(crate) fn body_path(body: &BodyName) -> Path {
    let hex = data_encoding::HEXLOWER.encode(body);
    Path::from(format!("{DATA_DIR}/{}/{hex}", &hex[..2]))
}

/// The blob id of a record path (`blobs/ab/ab…`), if it is one.
pub(crate) fn id_of_blob_path(path: &Path) -> Option<BlobId> {
    let mut parts = path.parts();
    let (top, fan, name) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || top.as_ref() != BLOBS_DIR {
        return None;
    }
    let id = BlobId::parse(name.as_ref())?;
    (id.to_hex()[..2] == *fan.as_ref()).then_some(id)
}

/// The body name of a body path (`data/ab/ab…`), if it is one.
pub(crate) fn body_of_path(path: &Path) -> Option<BodyName> {
    let mut parts = path.parts();
    let (top, fan, name) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || top.as_ref() != DATA_DIR || name.as_ref().len() != 32 {
        return None;
    }
    let decoded = data_encoding::HEXLOWER
        .decode(name.as_ref().as_bytes())
        .ok()?;
    let mut body = [0u8; 16];
    body.copy_from_slice(&decoded);
    (name.as_ref()[..2] == *fan.as_ref()).then_some(body)
}

/// A blob record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BlobRecord {
    pub body: BodyName,
    pub size: u64,
    pub key: WrappedKey,
}

impl BlobRecord {
    pub fn wrap_aad(id: &BlobId, body: &BodyName, size: u64, key_id: &KeyId) -> Vec<u8> {
        let mut aad = b"marsad-vault/v1/blob".to_vec();
        aad.extend_from_slice(id.as_bytes());
        aad.extend_from_slice(body);
        aad.extend_from_slice(&size.to_be_bytes());
        push_key_id(&mut aad, key_id);
        aad
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = BLOB_MAGIC.to_vec();
        push_key_id(&mut out, &self.key.key_id);
        out.extend_from_slice(&self.key.nonce);
        out.extend_from_slice(&self.key.sealed);
        out.extend_from_slice(&self.body);
        out.extend_from_slice(&self.size.to_be_bytes());
        out
    }

    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader(bytes);
        if r.take(8)? != BLOB_MAGIC {
            return None;
        }
        let key = r.wrapped()?;
        let body = r.array::<16>()?;
        let size = u64::from_be_bytes(r.array::<8>()?);
        r.0.is_empty().then_some(Self { body, size, key })
    }
}

/// The naming secret's record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NamingRecord {
    pub key: WrappedKey,
}

impl NamingRecord {
    pub fn wrap_aad(key_id: &KeyId) -> Vec<u8> {
        let mut aad = b"marsad-vault/v1/naming".to_vec();
        push_key_id(&mut aad, key_id);
        aad
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = NAMING_MAGIC.to_vec();
        push_key_id(&mut out, &self.key.key_id);
        out.extend_from_slice(&self.key.nonce);
        out.extend_from_slice(&self.key.sealed);
        out
    }

    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let mut r = Reader(bytes);
        if r.take(8)? != NAMING_MAGIC {
            return None;
        }
        let key = r.wrapped()?;
        r.0.is_empty().then_some(Self { key })
    }
}

fn push_key_id(out: &mut Vec<u8>, key_id: &KeyId) {
    // Key ids are at most 64 bytes (KeyId::parse).
    out.push(u8::try_from(key_id.as_str().len()).unwrap_or(u8::MAX));
    out.extend_from_slice(key_id.as_str().as_bytes());
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        Some(head)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    fn wrapped(&mut self) -> Option<WrappedKey> {
        let len = usize::from(*self.take(1)?.first()?);
        let key_id = KeyId::parse(std::str::from_utf8(self.take(len)?).ok()?).ok()?;
        let nonce = self.array::<WRAP_NONCE_LEN>()?;
        let sealed = self.array::<WRAPPED_LEN>()?;
        Some(WrappedKey {
            key_id,
            nonce,
            sealed,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wrapped() -> WrappedKey {
        WrappedKey {
            key_id: KeyId::parse("2026-01").unwrap(),
            nonce: [1; 12],
            sealed: [2; 48],
        }
    }

    #[test]
    fn records_round_trip_and_refuse_garbage() {
        let rec = BlobRecord {
            body: [3; 16],
            size: 123_456_789,
            key: wrapped(),
        };
        let bytes = rec.encode();
        assert_eq!(BlobRecord::decode(&bytes), Some(rec));
        assert_eq!(BlobRecord::decode(&bytes[..bytes.len() - 1]), None);
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(BlobRecord::decode(&longer), None);
        assert_eq!(NamingRecord::decode(&bytes), None);

        let naming = NamingRecord { key: wrapped() };
        assert_eq!(NamingRecord::decode(&naming.encode()), Some(naming));
    }

    #[test]
    fn paths() {
        let id = BlobId::from_bytes([0xcd; 32]);
        let path = blob_path(&id);
        assert_eq!(path.as_ref(), format!("blobs/cd/{id}"));
        assert_eq!(id_of_blob_path(&path), Some(id));
        assert_eq!(id_of_blob_path(&Path::from(format!("blobs/ab/{id}"))), None);
        assert_eq!(id_of_blob_path(&Path::from("blobs/cd/x")), None);
        let body = [0x1f; 16];
        let path = body_path(&body);
        assert_eq!(body_of_path(&path), Some(body));
        assert_eq!(body_of_path(&Path::from("data/1f/1f1f")), None);
    }
}

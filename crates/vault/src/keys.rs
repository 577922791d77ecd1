//! Master keys and the key ring: where they come from (key files readable by their owner only, or
//! one environment value; never the database), how they wrap data keys, and how they are kept out
//! of logs and memory dumps.
//!
//! A master key is 32 random bytes, written as base64 (`DATA/keys/<id>.key`, mode 0600). It is
//! never used directly: each one yields a key-encryption key through HKDF-SHA256
//! (`info = "marsad-vault/v1/kek"`), and that key wraps per-object data keys with AES-256-GCM
//! under a fresh random 96-bit nonce and associated data naming what the key belongs to. Several
//! master keys can be loaded at once; the *active* one wraps new data keys, the others only unwrap
//! until [`crate::Vault::rotate`] has re-wrapped everything they held.
//!
//! Every secret here is zeroed on drop (`zeroize`; the AES key schedules through the `aes`
//! crate's `zeroize` feature) and `Debug` prints `<redacted>`.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{AeadInOut as _, KeyInit as _};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use data_encoding::BASE64;
use zeroize::Zeroizing;

use crate::error::{KeyError, VaultError};

/// Length of every key in the vault (master keys, data keys, the naming secret).
pub const KEY_LEN: usize = 32;

/// Length of a wrapped key: the AES-256-GCM ciphertext of 32 bytes plus its 16-byte tag.
pub(crate) const WRAPPED_LEN: usize = KEY_LEN + 16;

/// Length of the random nonce of a wrap.
pub(crate) const WRAP_NONCE_LEN: usize = 12;

/// The name of a master key (`2026-01`, `k1`, …): 1 to 64 characters of `A-Z a-z 0-9 . _ -`, not
/// starting with a dot, so it is also a safe file name.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyId(String);

impl KeyId {
    /// Parses a key id.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let ok = !text.is_empty()
            && text.len() <= 64
            && !text.starts_with('.')
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(KeyError::InvalidId(text.to_owned()))
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// 32 secret bytes. `Debug` redacts them and they are zeroed on drop.
pub struct MasterKey(Zeroizing<[u8; KEY_LEN]>);

impl MasterKey {
    /// A new key from the operating system's random generator.
    pub fn generate() -> Result<Self, VaultError> {
        Ok(Self(random_key()?))
    }

    /// A key from its bytes (tests, or a caller that decoded it itself).
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Parses the base64 text of a key file or of the environment value (surrounding white space
    /// ignored). `name` only labels the error.
    pub fn from_base64(text: &str, name: &str) -> Result<Self, KeyError> {
        let invalid = || KeyError::InvalidKey(name.to_owned());
        let decoded = Zeroizing::new(
            BASE64
                .decode(text.trim().as_bytes())
                .map_err(|_| invalid())?,
        );
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        if decoded.len() != KEY_LEN {
            return Err(invalid());
        }
        key.copy_from_slice(&decoded);
        Ok(Self(key))
    }

    /// The key as base64, as written in a key file.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(BASE64.encode(self.0.as_slice()))
    }

    fn kek(&self) -> Result<Aes256Gcm, VaultError> {
        let mut okm = Zeroizing::new([0u8; KEY_LEN]);
        hkdf::Hkdf::<sha2::Sha256>::new(None, self.0.as_slice())
            .expand(b"marsad-vault/v1/kek", okm.as_mut_slice())
            .map_err(|_| VaultError::Config("HKDF output length".into()))?;
        Aes256Gcm::new_from_slice(okm.as_slice())
            .map_err(|_| VaultError::Config("AES key length".into()))
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(<redacted>)")
    }
}

/// A data key sealed by a master key: what is stored beside a blob, never the key itself.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct WrappedKey {
    pub key_id: KeyId,
    pub nonce: [u8; WRAP_NONCE_LEN],
    pub sealed: [u8; WRAPPED_LEN],
}

impl fmt::Debug for WrappedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrappedKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// Why a wrapped key could not be opened.
#[derive(Debug)]
pub(crate) enum UnwrapError {
    /// Wrapped under a master key that is not loaded.
    UnknownKey(KeyId),
    /// The wrapped key, its nonce or its associated data were altered (or the master key file
    /// holds another key under the same id).
    Failed,
}

/// The loaded master keys, one of them active. `Debug` lists ids only.
pub struct Keyring {
    active: KeyId,
    keys: BTreeMap<KeyId, Aes256Gcm>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("active", &self.active)
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Keyring {
    /// A key ring holding one key, active.
    pub fn new(id: KeyId, key: &MasterKey) -> Result<Self, VaultError> {
        let mut keys = BTreeMap::new();
        keys.insert(id.clone(), key.kek()?);
        Ok(Self { active: id, keys })
    }

    /// Adds a key (not active; see [`Keyring::set_active`]).
    pub fn add(&mut self, id: KeyId, key: &MasterKey) -> Result<(), VaultError> {
        if self.keys.contains_key(&id) {
            return Err(KeyError::Duplicate(id.0).into());
        }
        self.keys.insert(id, key.kek()?);
        Ok(())
    }

    /// Makes a loaded key the one that wraps new data keys.
    pub fn set_active(&mut self, id: &KeyId) -> Result<(), KeyError> {
        if !self.keys.contains_key(id) {
            return Err(KeyError::Active(format!(
                "the active master key {id:?} is not loaded"
            )));
        }
        self.active = id.clone();
        Ok(())
    }

    /// The key that wraps new data keys.
    pub fn active(&self) -> &KeyId {
        &self.active
    }

    /// Whether a key is loaded.
    pub fn contains(&self, id: &KeyId) -> bool {
        self.keys.contains_key(id)
    }

    /// The loaded key ids, in order.
    pub fn ids(&self) -> impl Iterator<Item = &KeyId> {
        self.keys.keys()
    }

    /// Loads every `<id>.key` file of a folder (`DATA/keys`). Each must be readable by its owner
    /// only (mode 0600 or stricter; symbolic links are followed and their target checked). With
    /// several keys, `active` names the one that wraps new data keys; with one key it may be
    /// `None`.
    pub fn load_dir(dir: &Path, active: Option<&KeyId>) -> Result<Self, VaultError> {
        let io = |source| KeyError::Io {
            path: dir.to_owned(),
            source,
        };
        let mut found: Vec<(KeyId, MasterKey)> = Vec::new();
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(io)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort();
        for path in entries {
            if path.extension().is_none_or(|e| e != "key") {
                continue;
            }
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let id = KeyId::parse(stem)?;
            let key = read_key_file(&path, &id)?;
            found.push((id, key));
        }
        Self::from_pairs(found, active, &format!("in {}", dir.display()))
    }

    /// Parses the environment form `id=BASE64[,id=BASE64…]`; the first key is active unless
    /// `active` names another.
    pub fn from_env_value(value: &str, active: Option<&KeyId>) -> Result<Self, VaultError> {
        let mut found = Vec::new();
        for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((id, key)) = part.split_once('=') else {
                return Err(
                    KeyError::InvalidKey("(environment: expected id=BASE64)".into()).into(),
                );
            };
            let id = KeyId::parse(id.trim())?;
            let key = MasterKey::from_base64(key, id.as_str())?;
            found.push((id, key));
        }
        let first = found.first().map(|(id, _)| id.clone());
        Self::from_pairs(found, active.or(first.as_ref()), "in the environment")
    }

    fn from_pairs(
        found: Vec<(KeyId, MasterKey)>,
        active: Option<&KeyId>,
        place: &str,
    ) -> Result<Self, VaultError> {
        let active = match (active, found.as_slice()) {
            (_, []) => return Err(KeyError::NoKeys.into()),
            (Some(id), _) => id.clone(),
            (None, [(id, _)]) => id.clone(),
            (None, several) => {
                let ids: Vec<&str> = several.iter().map(|(id, _)| id.as_str()).collect();
                return Err(KeyError::Active(format!(
                    "several master keys {place} ({}): name the active one",
                    ids.join(", ")
                ))
                .into());
            }
        };
        let mut iter = found.into_iter();
        let Some((id, key)) = iter.next() else {
            return Err(KeyError::NoKeys.into());
        };
        let mut ring = Keyring::new(id, &key)?;
        for (id, key) in iter {
            ring.add(id, &key)?;
        }
        ring.set_active(&active)?;
        Ok(ring)
    }

    /// Wraps a data key under the active master key, binding `aad` (what the key belongs to).
    pub(crate) fn wrap(
        &self,
        key: &[u8; KEY_LEN],
        aad_for: impl Fn(&KeyId) -> Vec<u8>,
    ) -> Result<WrappedKey, VaultError> {
        self.wrap_with(&self.active, key, aad_for)
    }

    /// Wraps a data key under a given master key.
    pub(crate) fn wrap_with(
        &self,
        key_id: &KeyId,
        key: &[u8; KEY_LEN],
        aad_for: impl Fn(&KeyId) -> Vec<u8>,
    ) -> Result<WrappedKey, VaultError> {
        let kek = self
            .keys
            .get(key_id)
            .ok_or_else(|| VaultError::UnknownKey(key_id.clone()))?;
        let mut nonce = [0u8; WRAP_NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| VaultError::Random)?;
        let mut sealed = [0u8; WRAPPED_LEN];
        sealed[..KEY_LEN].copy_from_slice(key);
        let tag = kek
            .encrypt_inout_detached(
                &Nonce::from(nonce),
                &aad_for(key_id),
                (&mut sealed[..KEY_LEN]).into(),
            )
            .map_err(|_| VaultError::Config("AES-GCM refused to wrap a key".into()))?;
        sealed[KEY_LEN..].copy_from_slice(tag.as_slice());
        Ok(WrappedKey {
            key_id: key_id.clone(),
            nonce,
            sealed,
        })
    }

    /// Opens a wrapped data key.
    pub(crate) fn unwrap(
        &self,
        wrapped: &WrappedKey,
        aad_for: impl Fn(&KeyId) -> Vec<u8>,
    ) -> Result<Zeroizing<[u8; KEY_LEN]>, UnwrapError> {
        let kek = self
            .keys
            .get(&wrapped.key_id)
            .ok_or_else(|| UnwrapError::UnknownKey(wrapped.key_id.clone()))?;
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        key.copy_from_slice(&wrapped.sealed[..KEY_LEN]);
        let tag = <Tag>::try_from(&wrapped.sealed[KEY_LEN..]).map_err(|_| UnwrapError::Failed)?;
        kek.decrypt_inout_detached(
            &Nonce::from(wrapped.nonce),
            &aad_for(&wrapped.key_id),
            key.as_mut_slice().into(),
            &tag,
        )
        .map_err(|_| UnwrapError::Failed)?;
        Ok(key)
    }
}

/// 32 fresh random bytes from the operating system.
pub(crate) fn random_key() -> Result<Zeroizing<[u8; KEY_LEN]>, VaultError> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    getrandom::fill(key.as_mut_slice()).map_err(|_| VaultError::Random)?;
    Ok(key)
}

fn read_key_file(path: &Path, id: &KeyId) -> Result<MasterKey, KeyError> {
    let io = |source| KeyError::Io {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    check_private(path, &meta)?;
    let text = Zeroizing::new(std::fs::read_to_string(path).map_err(io)?);
    MasterKey::from_base64(&text, id.as_str())
}

#[cfg(unix)]
fn check_private(path: &Path, meta: &std::fs::Metadata) -> Result<(), KeyError> {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(KeyError::Permissions {
            path: path.to_owned(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _meta: &std::fs::Metadata) -> Result<(), KeyError> {
    Ok(())
}

/// Creates `<dir>/<id>.key` holding a new random master key, readable by its owner only; refuses
/// to overwrite an existing file. The folder is created (mode 0700) when missing.
pub fn write_new_key_file(dir: &Path, id: &KeyId) -> Result<PathBuf, VaultError> {
    let path = dir.join(format!("{id}.key"));
    let io = |source| KeyError::Io {
        path: path.clone(),
        source,
    };
    create_private_dir(dir).map_err(|source| KeyError::Io {
        path: dir.to_owned(),
        source,
    })?;
    let key = MasterKey::generate()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(&path).map_err(io)?;
    let mut text = key.to_base64();
    text.push('\n');
    file.write_all(text.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(path)
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

    fn id(s: &str) -> KeyId {
        KeyId::parse(s).unwrap()
    }

    #[test]
    fn key_ids() {
        for ok in ["k1", "2026-01", "a.b_c-d", &"x".repeat(64)] {
            assert!(KeyId::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".hidden", "a/b", "a b", "é", &"x".repeat(65), "../k"] {
            assert!(KeyId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn debug_redacts() {
        let key = MasterKey::from_bytes([7; 32]);
        let text = format!("{key:?}");
        assert_eq!(text, "MasterKey(<redacted>)");
        let ring = Keyring::new(id("k1"), &key).unwrap();
        let text = format!("{ring:?}");
        assert!(text.contains("k1") && !text.contains("7, 7"), "{text}");
    }

    #[test]
    fn base64_round_trip_and_bad_lengths() {
        let key = MasterKey::generate().unwrap();
        let text = key.to_base64();
        let again = MasterKey::from_base64(&format!("  {}\n", *text), "k").unwrap();
        assert_eq!(*again.0, *key.0);
        assert!(MasterKey::from_base64("AAAA", "k").is_err());
        assert!(MasterKey::from_base64("not base64 at all!", "k").is_err());
    }

    #[test]
    fn wrap_unwrap_binds_aad_and_key() {
        let mut ring = Keyring::new(id("k1"), &MasterKey::from_bytes([1; 32])).unwrap();
        ring.add(id("k2"), &MasterKey::from_bytes([2; 32])).unwrap();
        let data = [9u8; 32];
        let aad = |k: &KeyId| format!("blob-1/{k}").into_bytes();
        let w = ring.wrap(&data, aad).unwrap();
        assert_eq!(w.key_id, id("k1"));
        assert_eq!(*ring.unwrap(&w, aad).unwrap(), data);
        assert!(matches!(
            ring.unwrap(&w, |k: &KeyId| format!("blob-2/{k}").into_bytes()),
            Err(UnwrapError::Failed)
        ));
        let mut flipped = w.clone();
        flipped.sealed[3] ^= 1;
        assert!(matches!(
            ring.unwrap(&flipped, aad),
            Err(UnwrapError::Failed)
        ));
        let mut other = w.clone();
        other.key_id = id("k2");
        assert!(matches!(ring.unwrap(&other, aad), Err(UnwrapError::Failed)));
        other.key_id = id("k3");
        assert!(matches!(
            ring.unwrap(&other, aad),
            Err(UnwrapError::UnknownKey(_))
        ));
    }

    #[test]
    fn env_value() {
        let a = MasterKey::generate().unwrap().to_base64();
        let b = MasterKey::generate().unwrap().to_base64();
        let ring = Keyring::from_env_value(&format!("new={},old={}", *a, *b), None).unwrap();
        assert_eq!(ring.active(), &id("new"));
        assert_eq!(ring.ids().count(), 2);
        let ring =
            Keyring::from_env_value(&format!("new={},old={}", *a, *b), Some(&id("old"))).unwrap();
        assert_eq!(ring.active(), &id("old"));
        assert!(Keyring::from_env_value("", None).is_err());
        assert!(Keyring::from_env_value(&a, None).is_err());
        assert!(Keyring::from_env_value(&format!("k={},k={}", *a, *b), None).is_err());
    }

    #[test]
    fn key_files_must_be_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("keys");
        let path = write_new_key_file(&keys, &id("k1")).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(
            write_new_key_file(&keys, &id("k1")).is_err(),
            "no overwrite"
        );
        let ring = Keyring::load_dir(&keys, None).unwrap();
        assert_eq!(ring.active(), &id("k1"));

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = Keyring::load_dir(&keys, None).unwrap_err();
        assert!(
            matches!(
                err,
                VaultError::Key(KeyError::Permissions { mode: 0o644, .. })
            ),
            "{err}"
        );
        assert!(err.to_string().contains("chmod 600"), "{err}");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();

        write_new_key_file(&keys, &id("k2")).unwrap();
        let err = Keyring::load_dir(&keys, None).unwrap_err();
        assert!(err.to_string().contains("k1, k2"), "{err}");
        let ring = Keyring::load_dir(&keys, Some(&id("k2"))).unwrap();
        assert_eq!(ring.active(), &id("k2"));
        assert!(Keyring::load_dir(&keys, Some(&id("k3"))).is_err());

        std::fs::write(keys.join("README"), "not a key").unwrap();
        assert!(Keyring::load_dir(&keys, Some(&id("k2"))).is_ok());
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        assert!(matches!(
            Keyring::load_dir(&empty, None),
            Err(VaultError::Key(KeyError::NoKeys))
        ));
    }
}

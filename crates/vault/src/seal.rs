//! Small secrets sealed for the database: [`Vault::seal`] and [`Vault::open_sealed`] (TOTP
//! secrets, and any other short secret the server must keep in a column).
//!
//! A sealed secret is text: `vault-sealed:v1:` followed by the unpadded base64url of a random
//! 96-bit nonce, the AES-256-GCM ciphertext and its 16-byte tag. The key is derived with
//! HKDF-SHA256 (expand, `info = "marsad-vault/v1/seal/" + purpose`) from the vault's own secret
//! (the random naming secret, created with the vault and kept wrapped by a master key, never in
//! the database); the associated data is the version prefix and the purpose. So:
//! - a value copied to another purpose (another user's row, when the purpose names the user) or
//!   altered in any byte does not open;
//! - **rotation needs nothing here.** [`Vault::rotate`] re-wraps the vault secret from the old
//!   master key to the new one like every blob's data key, so after a complete rotation the old
//!   key file can be removed and every sealed secret still opens, without rewriting a database
//!   row (the vault cannot: it knows no SQL). For the same reason the output names no master key
//!   id: the key that seals is the vault's, whichever master key wraps it. As with blobs,
//!   rotation retires a master key; it does not re-encrypt what an attacker holding the old key
//!   and an old copy of the vault's records could already open.
//! - the sealed value is only as available as the vault: a database restored without its vault
//!   (`marsad backup` keeps them together) cannot open it.
//!
//! Why not derive the key from the active master key directly: values in the database would then
//! name the master key that sealed them, and removing that key after `marsad key rotate` would
//! silently lock every user out, because rotation cannot reach the database.

use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use data_encoding::BASE64URL_NOPAD;
use zeroize::Zeroizing;

use crate::error::VaultError;
use crate::keys::KEY_LEN;
use crate::vault::Vault;

/// What every sealed secret starts with (version 1 of the format).
pub const SEALED_PREFIX: &str = "vault-sealed:v1:";

const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
/// Longest plaintext sealed (these are small secrets, not files).
pub const MAX_SEALED_PLAINTEXT: usize = 4096;

fn corrupt(detail: &'static str) -> VaultError {
    VaultError::Corrupt {
        what: "a sealed secret".into(),
        detail,
    }
}

/// Whether `text` is a sealed secret (of any purpose) rather than a value kept in clear.
pub fn is_sealed(text: &str) -> bool {
    text.starts_with(SEALED_PREFIX)
}

fn aad(purpose: &str) -> Vec<u8> {
    let mut aad = SEALED_PREFIX.as_bytes().to_vec();
    aad.extend_from_slice(purpose.as_bytes());
    aad
}

impl Vault {
    fn sealing_cipher(&self, purpose: &str) -> Result<Aes256Gcm, VaultError> {
        let hk = hkdf::Hkdf::<sha2::Sha256>::from_prk(self.vault_secret())
            .map_err(|_| VaultError::Config("HKDF key length".into()))?;
        let mut info = b"marsad-vault/v1/seal/".to_vec();
        info.extend_from_slice(purpose.as_bytes());
        let mut okm = Zeroizing::new([0u8; KEY_LEN]);
        hk.expand(&info, okm.as_mut_slice())
            .map_err(|_| VaultError::Config("HKDF output length".into()))?;
        Aes256Gcm::new_from_slice(okm.as_slice())
            .map_err(|_| VaultError::Config("AES key length".into()))
    }

    /// Seals a small secret (at most [`MAX_SEALED_PLAINTEXT`] bytes) for keeping in a database
    /// column. `purpose` names what the secret is and whom it belongs to (`totp/user/42`): the
    /// same purpose must be given to [`Vault::open_sealed`]. See the module documentation.
    pub fn seal(&self, purpose: &str, plaintext: &[u8]) -> Result<String, VaultError> {
        if plaintext.len() > MAX_SEALED_PLAINTEXT {
            return Err(VaultError::TooLarge {
                limit: MAX_SEALED_PLAINTEXT as u64,
            });
        }
        let cipher = self.sealing_cipher(purpose)?;
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| VaultError::Random)?;
        let sealed = cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad(purpose),
                },
            )
            .map_err(|_| VaultError::Config("AES-GCM refused to seal".into()))?;
        let mut raw = nonce.to_vec();
        raw.extend_from_slice(&sealed);
        Ok(format!("{SEALED_PREFIX}{}", BASE64URL_NOPAD.encode(&raw)))
    }

    /// Opens what [`Vault::seal`] returned for the same `purpose`. A value that is not sealed,
    /// was altered, or was sealed for another purpose or by another vault fails with
    /// [`VaultError::Corrupt`].
    pub fn open_sealed(
        &self,
        purpose: &str,
        sealed: &str,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let encoded = sealed
            .strip_prefix(SEALED_PREFIX)
            .ok_or_else(|| corrupt("it is not a sealed secret of this version"))?;
        let raw = BASE64URL_NOPAD
            .decode(encoded.as_bytes())
            .map_err(|_| corrupt("it is not valid base64url"))?;
        if raw.len() < NONCE_LEN + TAG_LEN {
            return Err(corrupt("it is too short"));
        }
        let (nonce, body) = raw.split_at(NONCE_LEN);
        let nonce = <[u8; NONCE_LEN]>::try_from(nonce).map_err(|_| corrupt("its nonce"))?;
        let cipher = self.sealing_cipher(purpose)?;
        cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: body,
                    aad: &aad(purpose),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| {
                corrupt(
                    "it does not open (altered, sealed for another purpose, or by another vault)",
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_text_is_recognised() {
        assert!(is_sealed("vault-sealed:v1:AAAA"));
        assert!(!is_sealed("JBSWY3DPEHPK3PXP"));
        assert!(!is_sealed(""));
    }
}

//! The second factor: TOTP (RFC 6238) over HOTP (RFC 4226), and one-time recovery codes.
//!
//! **Secret.** [`TotpSecret::generate`] draws 160 bits (the length RFC 4226 §4 recommends) from the
//! caller's CSPRNG. It is shown to the user once, as base32 (RFC 4648, upper case, unpadded) inside
//! the `otpauth://totp/marsad:{account}?secret=…&issuer=marsad&algorithm=SHA1&digits=6&period=30`
//! URI (Google Authenticator's Key URI Format, which every authenticator app reads). The server
//! needs the secret itself to verify codes, so it cannot be hashed: the store keeps the base32 text
//! ([`TotpSecret::to_base32`], 32 characters) and should encrypt it at rest.
//!
//! **Verification.** [`TotpConfig::verify`] accepts the code of the current 30-second step or of
//! the step either side (±1 window: RFC 6238 §5.2 recommends at most one step of network delay),
//! compares in constant time, and refuses a code whose step is not later than the last step
//! accepted for that account ("the verifier MUST NOT accept the second attempt of the OTP after the
//! successful validation has been issued for the first OTP", RFC 6238 §5.2). The caller stores
//! the returned step (an integer column, `NULL` before the first use) and passes it back next
//! time. Six digits are guessable by volume, so failed codes must go through the same
//! [`crate::ThrottlePolicy`] as failed passwords. SHA-1 is the default because authenticator apps
//! ignore other algorithms; HMAC-SHA-1 remains sound for HOTP (RFC 6238 §1.2 / RFC 4226 §A). SHA-256
//! and SHA-512 are supported for clients that honour them.
//!
//! **Recovery codes.** [`generate_recovery_codes`] makes `n` codes of 16 Crockford base32 symbols
//! (80 bits each), shown once as `xxxx-xxxx-xxxx-xxxx`. Only their SHA-256 is stored (32 bytes
//! each; a fast hash is right for 80 random bits, see [`crate::token`]). [`verify_recovery_code`]
//! forgives case, dashes, spaces and the look-alikes `o`→`0`, `i`/`l`→`1`, checks every stored hash
//! in constant time, and returns the index the caller must mark used (or delete): a code works
//! once.

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit as _, Mac as _};
use rand_core::CryptoRng;
use subtle::{Choice, ConstantTimeEq as _};
use zeroize::Zeroizing;

use crate::secret::Secret;

/// The issuer name in `otpauth://` URIs and authenticator apps.
pub const ISSUER: &str = "marsad";

/// Bytes of a generated TOTP secret (160 bits).
pub const TOTP_SECRET_BYTES: usize = 20;
/// Shortest secret accepted from elsewhere (RFC 4226 §4: at least 128 bits).
pub const MIN_TOTP_SECRET_BYTES: usize = 16;

/// The HMAC hash of a TOTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpAlgorithm {
    Sha1,
    Sha256,
    Sha512,
}

impl TotpAlgorithm {
    /// The name used in `otpauth://` URIs: `SHA1`, `SHA256`, `SHA512`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }
}

/// Why a TOTP secret could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    #[error("the TOTP secret is not base32")]
    NotBase32,
    #[error("the TOTP secret is shorter than {MIN_TOTP_SECRET_BYTES} bytes")]
    TooShort,
}

/// A TOTP shared secret (the raw key bytes).
#[derive(Debug, Clone)]
pub struct TotpSecret(Secret<Vec<u8>>);

impl TotpSecret {
    /// A new 160-bit secret from `rng`.
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut bytes = vec![0u8; TOTP_SECRET_BYTES];
        rng.fill_bytes(&mut bytes);
        Self(Secret::new(bytes))
    }

    /// A secret from raw bytes (at least [`MIN_TOTP_SECRET_BYTES`]).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, TotpError> {
        if bytes.len() < MIN_TOTP_SECRET_BYTES {
            return Err(TotpError::TooShort);
        }
        Ok(Self(Secret::new(bytes)))
    }

    /// Reads the stored (or typed) base32 text; case, spaces, dashes and `=` padding are ignored.
    pub fn from_base32(text: &str) -> Result<Self, TotpError> {
        let cleaned: Zeroizing<String> = Zeroizing::new(
            text.chars()
                .filter(|c| !matches!(c, ' ' | '-' | '='))
                .map(|c| c.to_ascii_uppercase())
                .collect(),
        );
        let bytes = data_encoding::BASE32_NOPAD
            .decode(cleaned.as_bytes())
            .map_err(|_| TotpError::NotBase32)?;
        Self::from_bytes(bytes)
    }

    /// The stored and displayed form: RFC 4648 base32, upper case, no padding.
    pub fn to_base32(&self) -> Secret<String> {
        Secret::new(data_encoding::BASE32_NOPAD.encode(self.0.expose()))
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.expose()
    }
}

/// HOTP (RFC 4226 §5.3): HMAC of the 8-byte big-endian `counter`, dynamic truncation, the last
/// `digits` decimal digits. `None` when `digits` is not 6, 7 or 8.
pub fn hotp(algorithm: TotpAlgorithm, key: &[u8], counter: u64, digits: u32) -> Option<u32> {
    if !(6..=8).contains(&digits) {
        return None;
    }
    let msg = counter.to_be_bytes();
    let mac: Zeroizing<Vec<u8>> = Zeroizing::new(match algorithm {
        TotpAlgorithm::Sha1 => {
            let mut m = Hmac::<sha1::Sha1>::new_from_slice(key).ok()?;
            m.update(&msg);
            m.finalize().into_bytes().to_vec()
        }
        TotpAlgorithm::Sha256 => {
            let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).ok()?;
            m.update(&msg);
            m.finalize().into_bytes().to_vec()
        }
        TotpAlgorithm::Sha512 => {
            let mut m = Hmac::<sha2::Sha512>::new_from_slice(key).ok()?;
            m.update(&msg);
            m.finalize().into_bytes().to_vec()
        }
    });
    let offset = usize::from(*mac.last()? & 0x0f);
    let word: [u8; 4] = mac.get(offset..offset + 4)?.try_into().ok()?;
    let binary = u32::from_be_bytes(word) & 0x7fff_ffff;
    Some(binary % 10u32.pow(digits))
}

/// The outcome of checking a TOTP code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TotpVerdict {
    /// The code is right; store `step` as the account's last used step.
    Accepted { step: u64 },
    /// The code is right but its step was already used (or an earlier one): a replay.
    Replayed,
    /// The code is wrong.
    Invalid,
    /// Not `digits` decimal digits (spaces are allowed).
    Malformed,
}

/// TOTP parameters. [`TotpConfig::DEFAULT`]: SHA-1, 6 digits, 30-second steps, ±1 step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TotpConfig {
    pub algorithm: TotpAlgorithm,
    /// 6, 7 or 8.
    pub digits: u32,
    /// Step length in seconds (RFC 6238's X); must be at least 1.
    pub period_secs: u64,
    /// Steps accepted either side of the current one.
    pub window: u64,
}

impl Default for TotpConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TotpConfig {
    pub const DEFAULT: Self = Self {
        algorithm: TotpAlgorithm::Sha1,
        digits: 6,
        period_secs: 30,
        window: 1,
    };

    /// The time step at `now` (RFC 6238's T = floor(unix time / X)); `None` before 1970.
    pub fn step(&self, now: DateTime<Utc>) -> Option<u64> {
        let secs = u64::try_from(now.timestamp()).ok()?;
        secs.checked_div(self.period_secs)
    }

    /// The code of `step`, zero-padded to `digits`.
    pub fn code_at_step(&self, secret: &TotpSecret, step: u64) -> Option<Secret<String>> {
        let n = hotp(self.algorithm, secret.as_bytes(), step, self.digits)?;
        let width = usize::try_from(self.digits).ok()?;
        Some(Secret::new(format!("{n:0width$}")))
    }

    /// The code at `now` (for tests and for showing a user what their app should display).
    pub fn code(&self, secret: &TotpSecret, now: DateTime<Utc>) -> Option<Secret<String>> {
        self.code_at_step(secret, self.step(now)?)
    }

    /// Checks `code` at `now` against the window, refusing replays: `last_used_step` is what the
    /// previous [`TotpVerdict::Accepted`] returned for this account (`None` before the first use).
    /// Every step of the window is computed and compared in constant time whatever matches.
    pub fn verify(
        &self,
        secret: &TotpSecret,
        code: &str,
        now: DateTime<Utc>,
        last_used_step: Option<u64>,
    ) -> TotpVerdict {
        let presented: Zeroizing<String> =
            Zeroizing::new(code.chars().filter(|c| !c.is_whitespace()).collect());
        let right_shape = usize::try_from(self.digits).is_ok_and(|d| presented.len() == d)
            && presented.bytes().all(|b| b.is_ascii_digit());
        if !right_shape {
            return TotpVerdict::Malformed;
        }
        let Some(current) = self.step(now) else {
            return TotpVerdict::Invalid;
        };
        let mut fresh: Option<u64> = None;
        let mut replayed = false;
        for step in current.saturating_sub(self.window)..=current.saturating_add(self.window) {
            let Some(expected) = self.code_at_step(secret, step) else {
                return TotpVerdict::Invalid;
            };
            let matched: bool = expected
                .expose()
                .as_bytes()
                .ct_eq(presented.as_bytes())
                .into();
            if matched {
                if last_used_step.is_none_or(|last| step > last) {
                    fresh = Some(step);
                } else {
                    replayed = true;
                }
            }
        }
        match (fresh, replayed) {
            (Some(step), _) => TotpVerdict::Accepted { step },
            (None, true) => TotpVerdict::Replayed,
            (None, false) => TotpVerdict::Invalid,
        }
    }

    /// The `otpauth://totp/…` URI for enrolment (usually shown as a QR code). It contains the
    /// secret, hence the [`Secret`]. The account is percent-encoded (RFC 3986; `@` kept).
    pub fn otpauth_uri(&self, secret: &TotpSecret, account: &str) -> Secret<String> {
        Secret::new(format!(
            "otpauth://totp/{ISSUER}:{}?secret={}&issuer={ISSUER}&algorithm={}&digits={}&period={}",
            percent_encode(account),
            secret.to_base32().expose(),
            self.algorithm.as_str(),
            self.digits,
            self.period_secs,
        ))
    }
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Symbols of a recovery code: Crockford's base32 (no `i`, `l`, `o`, `u`), lower case.
const CROCKFORD: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// Symbols in a recovery code (16 × 5 = 80 bits).
const RECOVERY_SYMBOLS: usize = 16;
const RECOVERY_DOMAIN: &[u8] = b"marsad-recovery-code-v1\0";

/// Freshly generated recovery codes: show `codes` once, store `hashes` (same order).
#[derive(Debug)]
pub struct RecoveryCodes {
    pub codes: Vec<Secret<String>>,
    pub hashes: Vec<[u8; 32]>,
}

/// `count` new recovery codes of 80 bits each, formatted `xxxx-xxxx-xxxx-xxxx`.
pub fn generate_recovery_codes<R: CryptoRng + ?Sized>(rng: &mut R, count: usize) -> RecoveryCodes {
    let mut codes = Vec::with_capacity(count);
    let mut hashes = Vec::with_capacity(count);
    for _ in 0..count {
        let mut raw = Zeroizing::new([0u8; 10]);
        rng.fill_bytes(raw.as_mut());
        let bits = Zeroizing::new(u128::from_be_bytes({
            let mut b = [0u8; 16];
            b[6..].copy_from_slice(raw.as_ref());
            b
        }));
        let mut code = String::with_capacity(RECOVERY_SYMBOLS + 3);
        for i in 0..RECOVERY_SYMBOLS {
            if i > 0 && i % 4 == 0 {
                code.push('-');
            }
            let shift = 5 * (RECOVERY_SYMBOLS - 1 - i);
            let index = usize::try_from((*bits >> shift) & 0x1f).unwrap_or(0);
            code.push(char::from(CROCKFORD[index]));
        }
        let code = Secret::new(code);
        if let Some(hash) = recovery_code_hash(code.expose()) {
            hashes.push(hash);
            codes.push(code);
        }
    }
    RecoveryCodes { codes, hashes }
}

/// The stored form of a recovery code: SHA-256 of a domain tag and the normalised code; `None` if
/// `code` is not 16 Crockford symbols (after removing dashes and spaces).
pub fn recovery_code_hash(code: &str) -> Option<[u8; 32]> {
    let mut normalised = Zeroizing::new(Vec::with_capacity(RECOVERY_SYMBOLS));
    for c in code.chars() {
        let c = match c.to_ascii_lowercase() {
            '-' | ' ' => continue,
            'o' => '0',
            'i' | 'l' => '1',
            c => c,
        };
        let b = u8::try_from(c).ok()?;
        if !CROCKFORD.contains(&b) {
            return None;
        }
        normalised.push(b);
    }
    (normalised.len() == RECOVERY_SYMBOLS).then(|| crate::sha256(&[RECOVERY_DOMAIN, &normalised]))
}

/// Which of the unused stored hashes `code` matches (every hash is compared, in constant time).
/// The caller marks that one used; `None` means refuse (and count a failure for throttling).
pub fn verify_recovery_code(code: &str, unused_hashes: &[[u8; 32]]) -> Option<usize> {
    let presented = recovery_code_hash(code).unwrap_or([0xff; 32]);
    let mut found: Option<usize> = None;
    let mut any = Choice::from(0);
    for (i, stored) in unused_hashes.iter().enumerate() {
        let eq = stored.ct_eq(&presented);
        any |= eq;
        if bool::from(eq) {
            found = Some(i);
        }
    }
    if recovery_code_hash(code).is_some() && bool::from(any) {
        found
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng as _;
    use rand_chacha::ChaCha20Rng;

    fn at(unix: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(unix, 0).unwrap()
    }

    const SEED20: &[u8] = b"12345678901234567890";
    const SEED32: &[u8] = b"12345678901234567890123456789012";
    const SEED64: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

    #[test]
    fn rfc4226_appendix_d_hotp_vectors() {
        let want = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, code) in want.iter().enumerate() {
            let got = hotp(TotpAlgorithm::Sha1, SEED20, counter as u64, 6);
            assert_eq!(got, Some(*code), "counter {counter}");
        }
    }

    #[test]
    fn rfc6238_appendix_b_totp_vectors() {
        use TotpAlgorithm::*;
        let table: &[(i64, &str, TotpAlgorithm)] = &[
            (59, "94287082", Sha1),
            (59, "46119246", Sha256),
            (59, "90693936", Sha512),
            (1111111109, "07081804", Sha1),
            (1111111109, "68084774", Sha256),
            (1111111109, "25091201", Sha512),
            (1111111111, "14050471", Sha1),
            (1111111111, "67062674", Sha256),
            (1111111111, "99943326", Sha512),
            (1234567890, "89005924", Sha1),
            (1234567890, "91819424", Sha256),
            (1234567890, "93441116", Sha512),
            (2000000000, "69279037", Sha1),
            (2000000000, "90698825", Sha256),
            (2000000000, "38618901", Sha512),
            (20000000000, "65353130", Sha1),
            (20000000000, "77737706", Sha256),
            (20000000000, "47863826", Sha512),
        ];
        for &(time, code, algorithm) in table {
            let key = match algorithm {
                Sha1 => SEED20,
                Sha256 => SEED32,
                Sha512 => SEED64,
            };
            let secret = TotpSecret::from_bytes(key.to_vec()).unwrap();
            let config = TotpConfig {
                algorithm,
                digits: 8,
                ..TotpConfig::DEFAULT
            };
            assert_eq!(
                config.code(&secret, at(time)).unwrap().expose(),
                code,
                "{time} {algorithm:?}"
            );
            assert!(
                matches!(
                    config.verify(&secret, code, at(time), None),
                    TotpVerdict::Accepted { .. }
                ),
                "{time} {algorithm:?}"
            );
        }
    }

    #[test]
    fn digits_out_of_range_are_refused() {
        assert_eq!(hotp(TotpAlgorithm::Sha1, SEED20, 0, 5), None);
        assert_eq!(hotp(TotpAlgorithm::Sha1, SEED20, 0, 9), None);
        assert_eq!(hotp(TotpAlgorithm::Sha1, SEED20, 0, 7), Some(4755224));
    }

    #[test]
    fn window_and_replay() {
        let secret = TotpSecret::from_bytes(SEED20.to_vec()).unwrap();
        let c = TotpConfig::DEFAULT;
        let now = at(1_700_000_015);
        let step = c.step(now).unwrap();
        let code = |s: u64| c.code_at_step(&secret, s).unwrap().expose().clone();

        // ±1 step accepted, ±2 refused.
        for (s, want) in [
            (step - 2, TotpVerdict::Invalid),
            (step - 1, TotpVerdict::Accepted { step: step - 1 }),
            (step, TotpVerdict::Accepted { step }),
            (step + 1, TotpVerdict::Accepted { step: step + 1 }),
            (step + 2, TotpVerdict::Invalid),
        ] {
            assert_eq!(c.verify(&secret, &code(s), now, None), want, "step {s}");
        }
        // A used code cannot be used again, nor can an older one.
        let first = c.verify(&secret, &code(step), now, None);
        assert_eq!(first, TotpVerdict::Accepted { step });
        assert_eq!(
            c.verify(&secret, &code(step), now, Some(step)),
            TotpVerdict::Replayed
        );
        assert_eq!(
            c.verify(&secret, &code(step - 1), now, Some(step)),
            TotpVerdict::Replayed
        );
        // The next step's code is fine, and then the current one is a replay too.
        assert_eq!(
            c.verify(&secret, &code(step + 1), now, Some(step)),
            TotpVerdict::Accepted { step: step + 1 }
        );
        assert_eq!(
            c.verify(&secret, &code(step), now, Some(step + 1)),
            TotpVerdict::Replayed
        );
        // Thirty seconds later the old code is still a replay, the new one works.
        let later = at(1_700_000_045);
        assert_eq!(
            c.verify(&secret, &code(step), later, Some(step)),
            TotpVerdict::Replayed
        );
        assert_eq!(
            c.verify(&secret, &code(step + 1), later, Some(step)),
            TotpVerdict::Accepted { step: step + 1 }
        );
    }

    #[test]
    fn malformed_codes() {
        let secret = TotpSecret::from_bytes(SEED20.to_vec()).unwrap();
        let c = TotpConfig::DEFAULT;
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            "١٢٣٤٥٦",
            "+12345",
            "12 34 5",
        ] {
            assert_eq!(
                c.verify(&secret, bad, at(59), None),
                TotpVerdict::Malformed,
                "{bad:?}"
            );
        }
        let good = c.code(&secret, at(59)).unwrap().expose().clone();
        let spaced = format!("{} {}", &good[..3], &good[3..]);
        assert!(matches!(
            c.verify(&secret, &spaced, at(59), None),
            TotpVerdict::Accepted { .. }
        ));
        assert_eq!(
            c.verify(&secret, &good, at(-100), None),
            TotpVerdict::Invalid
        );
    }

    #[test]
    fn random_secrets_round_trip() {
        use rand_core::Rng as _;
        let mut rng = ChaCha20Rng::seed_from_u64(6238);
        let c = TotpConfig::DEFAULT;
        for _ in 0..200 {
            let secret = TotpSecret::generate(&mut rng);
            assert_eq!(secret.as_bytes().len(), 20);
            let b32 = secret.to_base32();
            assert_eq!(b32.expose().len(), 32);
            let back = TotpSecret::from_base32(&b32.expose().to_lowercase()).unwrap();
            assert_eq!(back.as_bytes(), secret.as_bytes());
            let now = at(i64::from(rng.next_u32()) + 1_000_000_000);
            let code = c.code(&secret, now).unwrap();
            let step = c.step(now).unwrap();
            assert_eq!(
                c.verify(&secret, code.expose(), now, Some(step - 1)),
                TotpVerdict::Accepted { step }
            );
            assert_eq!(
                c.verify(&secret, code.expose(), now, Some(step)),
                TotpVerdict::Replayed
            );
        }
    }

    #[test]
    fn secrets_from_text() {
        assert_eq!(
            TotpSecret::from_base32("GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ")
                .unwrap()
                .as_bytes(),
            SEED20
        );
        assert_eq!(
            TotpSecret::from_base32("GEZDGNBV").unwrap_err(),
            TotpError::TooShort
        );
        assert_eq!(
            TotpSecret::from_base32("not base32!").unwrap_err(),
            TotpError::NotBase32
        );
        assert_eq!(
            TotpSecret::from_base32("GEZDGNBVGY3TQOJ1").unwrap_err(),
            TotpError::NotBase32
        );
    }

    #[test]
    fn otpauth_uri() {
        let secret = TotpSecret::from_bytes(SEED20.to_vec()).unwrap();
        let uri = TotpConfig::DEFAULT.otpauth_uri(&secret, "nadia.benali@interieur");
        assert_eq!(
            uri.expose(),
            "otpauth://totp/marsad:nadia.benali@interieur?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=marsad&algorithm=SHA1&digits=6&period=30"
        );
        let uri = TotpConfig::DEFAULT.otpauth_uri(&secret, "نادية بن علي");
        assert!(
            uri.expose()
                .starts_with("otpauth://totp/marsad:%D9%86%D8%A7"),
            "{uri:?}"
        );
        assert!(!uri.expose().contains(' '));
        assert_eq!(format!("{uri:?}"), "Secret([REDACTED])");
    }

    #[test]
    fn recovery_codes_work_once_each() {
        let mut rng = ChaCha20Rng::seed_from_u64(10);
        let rc = generate_recovery_codes(&mut rng, 10);
        assert_eq!(rc.codes.len(), 10);
        assert_eq!(rc.hashes.len(), 10);
        let mut unused = rc.hashes.clone();
        for code in &rc.codes {
            let c = code.expose();
            assert_eq!(c.len(), 19);
            assert_eq!(c.matches('-').count(), 3);
            let i = verify_recovery_code(&c.to_uppercase(), &unused).expect("valid code");
            unused.remove(i);
            assert_eq!(verify_recovery_code(c, &unused), None, "second use refused");
        }
        assert!(unused.is_empty());
    }

    #[test]
    fn recovery_code_normalisation_and_refusals() {
        let h = recovery_code_hash("0123-4567-89ab-cdef").unwrap();
        assert_eq!(recovery_code_hash("O123 4567 89AB CDEF"), Some(h));
        assert_eq!(recovery_code_hash("0123456789abcdef"), Some(h));
        let h1 = recovery_code_hash("1111-1111-1111-1111").unwrap();
        assert_eq!(recovery_code_hash("iIlL-1111-1111-1111"), Some(h1));
        for bad in [
            "",
            "0123-4567-89ab-cde",
            "0123-4567-89ab-cdefg",
            "0123-4567-89ab-cdeu",
            "٠١٢٣-4567-89ab-cdef",
        ] {
            assert_eq!(recovery_code_hash(bad), None, "{bad:?}");
            assert_eq!(verify_recovery_code(bad, &[h, h1]), None);
        }
        assert_eq!(
            verify_recovery_code("1111-1111-1111-1111", &[h, h1]),
            Some(1)
        );
        assert_eq!(verify_recovery_code("2222-1111-1111-1111", &[h, h1]), None);
        assert_eq!(verify_recovery_code("2222-1111-1111-1111", &[]), None);
    }
}

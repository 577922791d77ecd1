//! Passwords: argon2id hashing into PHC strings, constant-time verification, `needs_rehash`, and
//! the rules a new password must pass.
//!
//! **Parameters.** [`PasswordPolicy::OWASP`] is argon2id, version 0x13, m = 19,456 KiB (19 MiB),
//! t = 2 iterations, p = 1 lane, a 16-byte salt and a 32-byte output: the first of the equivalent
//! configurations in the OWASP Password Storage Cheat Sheet ("Use Argon2id with a minimum
//! configuration of 19 MiB of memory, an iteration count of 2, and 1 degree of parallelism",
//! <https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html>, section
//! *Argon2id*; the same sheet lists m=46 MiB/t=1, m=12 MiB/t=3, m=9 MiB/t=4, m=7 MiB/t=5 as equal
//! in strength). p = 1 because a server hashes many logins at once; more lanes would only trade
//! throughput for latency. `examples/auth_bench.rs` prints what one hash costs on this machine.
//!
//! **Stored format.** A PHC string, e.g.
//! `$argon2id$v=19$m=19456,t=2,p=1$<salt, unpadded base64>$<hash, unpadded base64>` (about 97
//! characters; store it as `TEXT`). The parameters travel with each hash, so raising the policy
//! never locks anyone out: [`PasswordPolicy::needs_rehash`] says when a hash is weaker than the
//! policy, and the server re-hashes the password it just verified.
//!
//! **Input.** Passwords are Unicode-normalised (NFKC, as NIST SP 800-63B §5.1.1.2 recommends) before
//! hashing and before verifying, so the same password typed on two keyboards matches. New
//! passwords are 12 to 128 characters (after normalisation): 12 is the length below which the
//! common-password list is most of the space, and the upper bound — well above the 64 NIST asks
//! implementations to accept — keeps a passphrase welcome while bounding the work a login does.
//! Verification refuses inputs over 4 KiB without saying so (it answers "does not match" after the
//! same argon2 work).
//!
//! **Strength.** [`check_new_password`] applies NIST SP 800-63B's blocklist rules rather than
//! composition rules (no "one capital and one digit"): length, the embedded list of ~1,100 common
//! passwords (compared in lower case, as typed and with trailing digits and symbols removed), the
//! user's own names, the service name, repeated and sequential characters. It returns every reason,
//! each with a stable [`PasswordWeakness::code`] the server translates.

use std::fmt;

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::PasswordVerifier as _;
use argon2::{Algorithm, Argon2, Params, Version};
use rand_core::CryptoRng;
use unicode_normalization::UnicodeNormalization as _;
use zeroize::Zeroizing;

use crate::common;
use crate::secret::Secret;

/// Shortest new password, in characters after NFKC normalisation.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest new password, in characters after NFKC normalisation.
pub const MAX_PASSWORD_CHARS: usize = 128;
/// Longest input [`PasswordPolicy::verify`] will hash, in bytes after normalisation; longer inputs
/// never match.
pub const MAX_PASSWORD_BYTES: usize = 4096;

/// Salt length in bytes (the argon2 RFC 9106 recommendation).
const SALT_LEN: usize = 16;
/// Hash output length in bytes.
const OUTPUT_LEN: usize = 32;

/// Stored hashes asking for more than this are refused rather than computed: a tampered row must
/// not make a login allocate gigabytes or loop for minutes.
const MAX_VERIFY_MEMORY_KIB: u32 = 1024 * 1024;
const MAX_VERIFY_ITERATIONS: u32 = 64;
const MAX_VERIFY_PARALLELISM: u32 = 16;

/// argon2id cost parameters for new hashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Memory in KiB (argon2 `m`).
    pub memory_kib: u32,
    /// Passes over memory (argon2 `t`).
    pub iterations: u32,
    /// Lanes (argon2 `p`).
    pub parallelism: u32,
}

/// Why a password could not be hashed or a stored hash could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// The stored string is not a PHC string this crate wrote (not argon2id v19, or unparsable).
    #[error("the stored password hash is not an argon2id PHC string")]
    MalformedHash,
    /// The stored hash asks for more work than this server will do for one login.
    #[error("the stored password hash asks for more than the allowed argon2 cost")]
    CostTooHigh,
    /// The policy's parameters are outside what argon2 accepts.
    #[error("invalid argon2 parameters: {0}")]
    InvalidPolicy(String),
    /// The password is longer than [`MAX_PASSWORD_BYTES`].
    #[error("the password is longer than {MAX_PASSWORD_BYTES} bytes")]
    TooLong,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self::OWASP
    }
}

impl PasswordPolicy {
    /// argon2id m=19456 KiB, t=2, p=1 (OWASP Password Storage Cheat Sheet; see the module docs).
    pub const OWASP: Self = Self {
        memory_kib: 19 * 1024,
        iterations: 2,
        parallelism: 1,
    };

    fn argon2(&self) -> Result<Argon2<'static>, PasswordError> {
        let params = Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(OUTPUT_LEN),
        )
        .map_err(|e| PasswordError::InvalidPolicy(e.to_string()))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Hashes `password` (after NFKC) with a fresh 16-byte salt from `rng`; returns the PHC string
    /// to store. Does not judge strength: call [`check_new_password`] first for user-chosen ones.
    pub fn hash<R: CryptoRng + ?Sized>(
        &self,
        password: &Secret<String>,
        rng: &mut R,
    ) -> Result<String, PasswordError> {
        let mut salt = [0u8; SALT_LEN];
        rng.fill_bytes(&mut salt);
        self.hash_with_salt(password, &salt)
    }

    fn hash_with_salt(
        &self,
        password: &Secret<String>,
        salt: &[u8; SALT_LEN],
    ) -> Result<String, PasswordError> {
        let normalised = normalise(password.expose());
        if normalised.len() > MAX_PASSWORD_BYTES {
            return Err(PasswordError::TooLong);
        }
        let argon2 = self.argon2()?;
        let mut out = Zeroizing::new([0u8; OUTPUT_LEN]);
        argon2
            .hash_password_into(normalised.as_bytes(), salt, out.as_mut())
            .map_err(|e| PasswordError::InvalidPolicy(e.to_string()))?;
        // PHC strings use the standard base64 alphabet without padding.
        let b64 = data_encoding::BASE64_NOPAD;
        Ok(format!(
            "$argon2id$v=19$m={},t={},p={}${}${}",
            self.memory_kib,
            self.iterations,
            self.parallelism,
            b64.encode(salt),
            b64.encode(out.as_ref())
        ))
    }

    /// Whether `password` matches the stored PHC string, compared in constant time (the parameters
    /// are the stored ones, not the policy's). `Ok(false)` for a wrong password;
    /// `Err` only for a stored value that is not a usable argon2id hash.
    pub fn verify(&self, password: &Secret<String>, stored: &str) -> Result<bool, PasswordError> {
        let parsed = parse_stored(stored)?;
        let normalised = normalise(password.expose());
        if normalised.len() > MAX_PASSWORD_BYTES {
            self.verify_unknown_account(&Secret::from(""));
            return Ok(false);
        }
        match Argon2::default().verify_password(normalised.as_bytes(), &parsed.hash) {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
            Err(_) => Err(PasswordError::MalformedHash),
        }
    }

    /// Does the same argon2 work as verifying against a hash made with this policy, and answers
    /// `false`. Call it when the login name is unknown (or has no password) so the response takes
    /// as long as for a known account with a wrong password.
    pub fn verify_unknown_account(&self, password: &Secret<String>) -> bool {
        let normalised = normalise(password.expose());
        let input: &[u8] = if normalised.len() > MAX_PASSWORD_BYTES {
            b""
        } else {
            normalised.as_bytes()
        };
        let mut out = Zeroizing::new([0u8; OUTPUT_LEN]);
        if let Ok(argon2) = self.argon2() {
            // The result is thrown away: only the cost matters.
            let _ = argon2.hash_password_into(input, &[0u8; SALT_LEN], out.as_mut());
        }
        false
    }

    /// Whether a stored hash is weaker than this policy (a lower m, t or p, a shorter salt or
    /// output, another algorithm or version, or unparsable) and should be replaced by
    /// [`PasswordPolicy::hash`] of the password the user just proved.
    pub fn needs_rehash(&self, stored: &str) -> bool {
        let Ok(parsed) = parse_stored(stored) else {
            return true;
        };
        parsed.memory_kib < self.memory_kib
            || parsed.iterations < self.iterations
            || parsed.parallelism < self.parallelism
            || parsed.salt_len < SALT_LEN
            || parsed.output_len < OUTPUT_LEN
    }
}

struct StoredHash {
    hash: PasswordHash,
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
    salt_len: usize,
    output_len: usize,
}

fn parse_stored(stored: &str) -> Result<StoredHash, PasswordError> {
    let hash = PasswordHash::new(stored).map_err(|_| PasswordError::MalformedHash)?;
    if hash.algorithm.as_ref() != "argon2id" || hash.version != Some(0x13) {
        return Err(PasswordError::MalformedHash);
    }
    let params = Params::try_from(&hash).map_err(|_| PasswordError::MalformedHash)?;
    let (Some(salt), Some(output)) = (&hash.salt, &hash.hash) else {
        return Err(PasswordError::MalformedHash);
    };
    let (salt_len, output_len) = (salt.as_ref().len(), output.len());
    if params.m_cost() > MAX_VERIFY_MEMORY_KIB
        || params.t_cost() > MAX_VERIFY_ITERATIONS
        || params.p_cost() > MAX_VERIFY_PARALLELISM
    {
        return Err(PasswordError::CostTooHigh);
    }
    Ok(StoredHash {
        memory_kib: params.m_cost(),
        iterations: params.t_cost(),
        parallelism: params.p_cost(),
        salt_len,
        output_len,
        hash,
    })
}

fn normalise(password: &str) -> Zeroizing<String> {
    Zeroizing::new(password.nfkc().collect())
}

/// One reason a new password is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordWeakness {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    TooShort { min: usize, chars: usize },
    /// More than [`MAX_PASSWORD_CHARS`] characters.
    TooLong { max: usize, chars: usize },
    /// Contains a control character (newline, tab, NUL, ...), which cannot be typed reliably.
    ControlCharacter,
    /// Is, contains, or is with digits/symbols appended, the user's login name or e-mail address.
    ContainsAccountName,
    /// Is the name of the service, possibly with digits/symbols appended.
    ServiceName,
    /// Is one of the common passwords, possibly with digits/symbols appended.
    Common,
    /// Fewer than four different characters, or one short pattern repeated.
    Repetitive,
    /// A run such as `abcdefghijkl`, `123456789012` or `zyxwvutsrqpo`.
    Sequential,
}

impl PasswordWeakness {
    /// A stable code for translations and the API (`too-short`, `too-long`, `control-character`,
    /// `contains-account-name`, `service-name`, `common`, `repetitive`, `sequential`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooShort { .. } => "too-short",
            Self::TooLong { .. } => "too-long",
            Self::ControlCharacter => "control-character",
            Self::ContainsAccountName => "contains-account-name",
            Self::ServiceName => "service-name",
            Self::Common => "common",
            Self::Repetitive => "repetitive",
            Self::Sequential => "sequential",
        }
    }
}

impl fmt::Display for PasswordWeakness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooShort { min, chars } => {
                write!(f, "is {chars} characters long; at least {min} are needed")
            }
            Self::TooLong { max, chars } => {
                write!(f, "is {chars} characters long; at most {max} are allowed")
            }
            Self::ControlCharacter => f.write_str("contains a control character"),
            Self::ContainsAccountName => f.write_str("contains the account's name or e-mail"),
            Self::ServiceName => f.write_str("is the name of the service"),
            Self::Common => f.write_str("is one of the most common passwords"),
            Self::Repetitive => f.write_str("repeats too few characters"),
            Self::Sequential => f.write_str("is a run of consecutive characters"),
        }
    }
}

/// A refused new password, with every reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the password {}", .reasons.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
pub struct WeakPassword {
    pub reasons: Vec<PasswordWeakness>,
}

const SERVICE_NAMES: [&str; 2] = ["marsad", "مرصد"];

/// Checks a new password against the rules in the module docs. `account_names` are the user's
/// login name, e-mail address and display name (empty strings are ignored); an e-mail's local part
/// counts too. Names shorter than four characters are only refused as the whole password.
pub fn check_new_password(
    password: &Secret<String>,
    account_names: &[&str],
) -> Result<(), WeakPassword> {
    let normalised = normalise(password.expose());
    let chars = normalised.chars().count();
    let mut reasons = Vec::new();
    if chars < MIN_PASSWORD_CHARS {
        reasons.push(PasswordWeakness::TooShort {
            min: MIN_PASSWORD_CHARS,
            chars,
        });
    }
    if chars > MAX_PASSWORD_CHARS {
        reasons.push(PasswordWeakness::TooLong {
            max: MAX_PASSWORD_CHARS,
            chars,
        });
    }
    if normalised.chars().any(char::is_control) {
        reasons.push(PasswordWeakness::ControlCharacter);
    }
    let lower = Zeroizing::new(normalised.to_lowercase());
    let base = strip_trailing_digits_and_symbols(&lower);

    let mut names: Vec<String> = Vec::new();
    for name in account_names {
        let n: String = name.nfkc().collect::<String>().trim().to_lowercase();
        if let Some((local, _)) = n.split_once('@') {
            names.push(local.to_owned());
        }
        names.push(n);
    }
    let matches_name = names.iter().filter(|n| !n.is_empty()).any(|n| {
        *lower == *n || base == n || (n.chars().count() >= 4 && lower.contains(n.as_str()))
    });
    if matches_name {
        reasons.push(PasswordWeakness::ContainsAccountName);
    }
    if SERVICE_NAMES.iter().any(|s| *lower == *s || base == *s) {
        reasons.push(PasswordWeakness::ServiceName);
    }
    if common::is_common(&lower) || (!base.is_empty() && common::is_common(base)) {
        reasons.push(PasswordWeakness::Common);
    }
    // Patterns only matter once the length is right; a short password has its reason already.
    if chars >= MIN_PASSWORD_CHARS && is_repetitive(&lower) {
        reasons.push(PasswordWeakness::Repetitive);
    }
    if chars >= MIN_PASSWORD_CHARS && is_sequential(&lower) {
        reasons.push(PasswordWeakness::Sequential);
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(WeakPassword { reasons })
    }
}

fn strip_trailing_digits_and_symbols(s: &str) -> &str {
    s.trim_end_matches(|c: char| !c.is_alphabetic())
}

fn is_repetitive(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let mut distinct = chars.clone();
    distinct.sort_unstable();
    distinct.dedup();
    if !chars.is_empty() && distinct.len() < 4 {
        return true;
    }
    let n = chars.len();
    (1..=n / 2)
        .any(|unit| n.is_multiple_of(unit) && chars.chunks(unit).all(|c| c == &chars[..unit]))
}

fn is_sequential(s: &str) -> bool {
    let digits: Vec<u32> = s.chars().map(u32::from).collect();
    if digits.len() < 3 {
        return false;
    }
    let step = |a: u32, b: u32| -> Option<i64> {
        // Digits wrap around (…8901…), as on a keyboard's number row.
        let (a, b) = (i64::from(a), i64::from(b));
        let zero = i64::from(u32::from('0'));
        let is_digit = |x: i64| (zero..zero + 10).contains(&x);
        if is_digit(a) && is_digit(b) {
            return match (b - a).rem_euclid(10) {
                1 => Some(1),
                9 => Some(-1),
                _ => None,
            };
        }
        match b - a {
            1 => Some(1),
            -1 => Some(-1),
            _ => None,
        }
    };
    let Some(first) = step(digits[0], digits[1]) else {
        return false;
    };
    digits.windows(2).all(|w| step(w[0], w[1]) == Some(first))
}

/// Characters of one-time passwords: no look-alikes (0/O/o, 1/l/I).
const ONE_TIME_ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A random one-time password of `len` characters for a new or reset account (handed over once;
/// the person changes it at first sign-in). Every character is equally likely (rejection
/// sampling), about 5.8 bits each: 20 characters carry 116 bits.
pub fn one_time_password<R: CryptoRng + ?Sized>(rng: &mut R, len: usize) -> Secret<String> {
    let n = ONE_TIME_ALPHABET.len();
    let zone = n * (256 / n);
    let mut out = String::with_capacity(len);
    let mut byte = [0u8; 1];
    while out.len() < len {
        rng.fill_bytes(&mut byte);
        let b = usize::from(byte[0]);
        if b < zone {
            out.push(char::from(ONE_TIME_ALPHABET[b % n]));
        }
    }
    Secret::new(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng as _;
    use rand_chacha::ChaCha20Rng;

    /// Cheap parameters for tests that hash many times; the OWASP policy is tested separately.
    const FAST: PasswordPolicy = PasswordPolicy {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };

    fn s(x: &str) -> Secret<String> {
        Secret::from(x)
    }

    #[test]
    fn owasp_policy_hashes_in_phc_format_and_verifies() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let p = PasswordPolicy::default();
        let phc = p.hash(&s("tender-orbit-lantern-71"), &mut rng).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(p.verify(&s("tender-orbit-lantern-71"), &phc).unwrap());
        assert!(!p.verify(&s("tender-orbit-lantern-72"), &phc).unwrap());
        assert!(!p.needs_rehash(&phc));
    }

    #[test]
    fn known_answers_from_the_reference_implementation() {
        // PHC strings printed by the argon2 reference CLI (phc-winner-argon2, Debian's `argon2`):
        // `echo -n tender-orbit | argon2 somesaltsomesalt -id -t 2 -k 19456 -p 1 -e`
        let ours = PasswordPolicy::OWASP
            .hash_with_salt(&s("tender-orbit"), b"somesaltsomesalt")
            .unwrap();
        assert_eq!(
            ours,
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$574QXpipGcorqsUGBXY5OU4s5DwRLmM86AHoWlQCClk"
        );
        // `echo -n password | argon2 somesalt -id -t 2 -k 65536 -p 1 -e` (an 8-byte salt).
        let phc = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        assert!(FAST.verify(&s("password"), phc).unwrap());
        assert!(!FAST.verify(&s("Password"), phc).unwrap());
    }

    #[test]
    fn random_passwords_round_trip_and_differ() {
        use rand_core::Rng as _;
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        for i in 0..20 {
            let len = 1 + (rng.next_u32() % 40) as usize;
            let pw: String = (0..len)
                .map(|_| char::from_u32(0x20 + rng.next_u32() % 0x5e).unwrap())
                .chain(["é", "ب", "ﻻ"][i % 3].chars())
                .collect();
            let a = FAST.hash(&s(&pw), &mut rng).unwrap();
            let b = FAST.hash(&s(&pw), &mut rng).unwrap();
            assert_ne!(a, b, "salts differ");
            assert!(FAST.verify(&s(&pw), &a).unwrap());
            assert!(FAST.verify(&s(&pw), &b).unwrap());
            assert!(!FAST.verify(&s(&format!("{pw}x")), &a).unwrap());
        }
    }

    #[test]
    fn nfkc_makes_composed_and_decomposed_forms_equal() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let composed = "caf\u{e9}-au-lait-matin";
        let decomposed = "cafe\u{301}-au-lait-matin";
        let phc = FAST.hash(&s(composed), &mut rng).unwrap();
        assert!(FAST.verify(&s(decomposed), &phc).unwrap());
    }

    #[test]
    fn needs_rehash_when_any_parameter_is_weaker() {
        let p = PasswordPolicy::OWASP;
        let salt = "c29tZXNhbHRzb21lc2FsdA";
        let out = "CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
        let check = |params: &str, want: bool| {
            let phc = format!("$argon2id$v=19${params}${salt}${out}");
            assert_eq!(p.needs_rehash(&phc), want, "{params}");
        };
        check("m=19456,t=2,p=1", false);
        check("m=47104,t=2,p=1", false);
        check("m=65536,t=3,p=2", false);
        check("m=19455,t=2,p=1", true);
        check("m=47104,t=1,p=1", true);
        check("m=4096,t=3,p=1", true);
        assert!(p.needs_rehash(
            "$argon2i$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
        ));
        assert!(p.needs_rehash("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"), "8-byte salt");
        assert!(p.needs_rehash("not a hash"));
        assert!(p.needs_rehash(""));
    }

    #[test]
    fn malformed_and_hostile_stored_values_are_errors() {
        let cases: &[(&str, PasswordError)] = &[
            ("", PasswordError::MalformedHash),
            ("plaintext", PasswordError::MalformedHash),
            ("$2b$12$abcdefghijklmnopqrstuv", PasswordError::MalformedHash),
            ("$argon2d$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", PasswordError::MalformedHash),
            ("$argon2id$v=16$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", PasswordError::MalformedHash),
            ("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ", PasswordError::MalformedHash),
            ("$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", PasswordError::CostTooHigh),
            ("$argon2id$v=19$m=65536,t=1000,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc", PasswordError::CostTooHigh),
        ];
        for (stored, want) in cases {
            assert_eq!(
                FAST.verify(&s("password"), stored).as_ref(),
                Err(want),
                "{stored}"
            );
        }
    }

    #[test]
    fn overlong_input_never_matches_and_cannot_be_hashed() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let long = "a".repeat(MAX_PASSWORD_BYTES + 1);
        assert_eq!(FAST.hash(&s(&long), &mut rng), Err(PasswordError::TooLong));
        let phc = FAST.hash(&s("a-normal-password"), &mut rng).unwrap();
        assert!(!FAST.verify(&s(&long), &phc).unwrap());
        assert!(!FAST.verify_unknown_account(&s("anything")));
    }

    #[test]
    fn invalid_policy_is_an_error_not_a_panic() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let bad = PasswordPolicy {
            memory_kib: 1,
            iterations: 0,
            parallelism: 0,
        };
        assert!(matches!(
            bad.hash(&s("whatever-password"), &mut rng),
            Err(PasswordError::InvalidPolicy(_))
        ));
    }

    fn codes(pw: &str, names: &[&str]) -> Vec<&'static str> {
        match check_new_password(&s(pw), names) {
            Ok(()) => vec![],
            Err(w) => w.reasons.iter().map(PasswordWeakness::code).collect(),
        }
    }

    #[test]
    fn strength_rules() {
        let names = [
            "nadia.benali",
            "nadia.benali@interieur.gov.example",
            "Nadia Benali",
        ];
        let table: &[(&str, &[&str])] = &[
            ("tender-orbit-lantern-71", &[]),
            ("correct horse battery staple", &[]),
            ("كلمة سر طويلة وآمنة جدا", &[]),
            ("Mot de passe très long, été 1998", &[]),
            ("short", &["too-short"]),
            ("password", &["too-short", "common"]),
            ("Password2024!", &["common"]),
            ("qwertyuiop123", &["common"]),
            ("IloveYou!!!!!", &["common"]),
            ("abdullah123456", &["common"]),
            ("motdepasse2025", &["common"]),
            ("nadia.benali", &["contains-account-name"]),
            ("NADIA.BENALI2024", &["contains-account-name"]),
            ("my name is nadia.benali ok", &["contains-account-name"]),
            ("nadia benali 1990", &["contains-account-name"]),
            ("marsad2024!!!", &["service-name"]),
            ("aaaaaaaaaaaaaaa", &["repetitive"]),
            ("abcabcabcabcabc", &["repetitive"]),
            ("1212121212121", &["repetitive"]),
            ("xy7!xy7!xy7!xy7!", &["repetitive"]),
            ("abcdefghijklm", &["sequential"]),
            ("123456789012", &["sequential"]),
            ("zyxwvutsrqpo", &["sequential"]),
            ("9876543210987", &["sequential"]),
            ("tab\there-and-long", &["control-character"]),
            ("x", &["too-short"]),
            ("", &["too-short"]),
        ];
        for (pw, want) in table {
            assert_eq!(codes(pw, &names), *want, "{pw:?}");
        }
        let long = "ab1-".repeat(40);
        assert_eq!(codes(&long, &[]), ["too-long", "repetitive"]);
    }

    #[test]
    fn short_names_only_count_as_the_whole_password() {
        assert_eq!(
            codes("a long passphrase with ali in it", &["ali"]),
            Vec::<&str>::new()
        );
        assert_eq!(
            codes("ali", &["ali"]),
            ["too-short", "contains-account-name"]
        );
        assert_eq!(codes("a long passphrase", &[""]), Vec::<&str>::new());
    }

    #[test]
    fn weak_password_message_lists_every_reason() {
        let err = check_new_password(&s("password"), &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the password is 8 characters long; at least 12 are needed; is one of the most common passwords"
        );
    }

    #[test]
    fn one_time_passwords_use_no_look_alikes() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(11);
        let a = one_time_password(&mut rng, 20);
        let b = one_time_password(&mut rng, 20);
        assert_eq!(a.expose().chars().count(), 20);
        assert_ne!(a.expose(), b.expose());
        assert!(a
            .expose()
            .chars()
            .all(|c| c.is_ascii_alphanumeric() && !"0Oo1lI".contains(c)));
    }
}

//! The unified number: one number per person across all sources (DESIGN.md). Twelve digits, the
//! last a Verhoeff check digit, the first never 0 (so the number always prints with twelve
//! digits), the eleven others drawn at random — never sequential and never derived from personal
//! data. Shown as `1234 5678 9012`. Uniqueness and "never reused" are the store's to enforce: this
//! type only guarantees the shape and the check digit, so a mistyped number is refused.
//!
//! Verhoeff's scheme detects every single-digit error and every transposition of adjacent digits,
//! which a plain modulus does not; the tests check both exhaustively on random numbers.

use std::fmt;

/// A well-formed unified number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnifiedNumber(u64);

/// Why a text is not a unified number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnifiedNumberError {
    #[error("'{0}' is not a unified number: it must have 12 digits (spaces and hyphens allowed)")]
    Shape(String),
    #[error("'{0}' is not a unified number: it cannot start with 0")]
    LeadingZero(String),
    #[error("'{0}' is not a unified number: its check digit is wrong (a digit mistyped or two swapped?)")]
    CheckDigit(String),
}

const LOWEST: u64 = 10_000_000_000; // the smallest 11-digit body
const BODIES: u64 = 90_000_000_000; // 11-digit bodies whose first digit is 1–9

impl UnifiedNumber {
    /// Parses `1234 5678 9012`, `123456789012` or `1234-5678-9012`.
    pub fn parse(text: &str) -> Result<UnifiedNumber, UnifiedNumberError> {
        let digits: Vec<u8> = text
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '\u{a0}'))
            .map(|c| c.to_digit(10).map(|d| d as u8))
            .collect::<Option<_>>()
            .filter(|d: &Vec<u8>| d.len() == 12)
            .ok_or_else(|| UnifiedNumberError::Shape(text.to_string()))?;
        if digits[0] == 0 {
            return Err(UnifiedNumberError::LeadingZero(text.to_string()));
        }
        if !verhoeff_valid(&digits) {
            return Err(UnifiedNumberError::CheckDigit(text.to_string()));
        }
        Ok(UnifiedNumber(
            digits.iter().fold(0, |n, d| n * 10 + u64::from(*d)),
        ))
    }

    /// Draws a new number from `random` (a cryptographically secure source in production, a
    /// seeded one in tests), uniformly among all well-formed numbers.
    pub fn generate(random: &mut dyn FnMut() -> u64) -> UnifiedNumber {
        // Rejection sampling: no modulo bias.
        let zone = u64::MAX - u64::MAX % BODIES;
        let body = loop {
            let r = random();
            if r < zone {
                break LOWEST + r % BODIES;
            }
        };
        let mut digits = [0u8; 11];
        let mut rest = body;
        for d in digits.iter_mut().rev() {
            *d = (rest % 10) as u8;
            rest /= 10;
        }
        UnifiedNumber(body * 10 + u64::from(verhoeff_check_digit(&digits)))
    }

    /// The twelve digits without spaces.
    pub fn digits(self) -> String {
        format!("{:012}", self.0)
    }

    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for UnifiedNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.digits();
        write!(f, "{} {} {}", &d[..4], &d[4..8], &d[8..])
    }
}

impl std::str::FromStr for UnifiedNumber {
    type Err = UnifiedNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        UnifiedNumber::parse(s)
    }
}

/// Multiplication in the dihedral group D5.
const D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];

/// The position permutation, applied (position mod 8) times.
const P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

const INV: [u8; 10] = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

/// The Verhoeff check digit of `digits` (each 0–9, most significant first).
pub fn verhoeff_check_digit(digits: &[u8]) -> u8 {
    let c = digits.iter().rev().enumerate().fold(0u8, |c, (i, d)| {
        D[usize::from(c)][usize::from(P[(i + 1) % 8][usize::from(d % 10)])]
    });
    INV[usize::from(c)]
}

/// True when the last digit of `digits` is the Verhoeff check digit of the others.
pub fn verhoeff_valid(digits: &[u8]) -> bool {
    digits.iter().rev().enumerate().fold(0u8, |c, (i, d)| {
        D[usize::from(c)][usize::from(P[i % 8][usize::from(d % 10)])]
    }) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> Vec<u8> {
        s.bytes().map(|b| b - b'0').collect()
    }

    #[test]
    fn check_digits_of_published_examples() {
        for (body, check) in [
            ("236", 3),
            ("12345", 1),
            ("142857", 0),
            ("123456789012", 0),
            ("8473643095483728456789", 2),
        ] {
            assert_eq!(verhoeff_check_digit(&digits(body)), check, "{body}");
            assert!(
                verhoeff_valid(&digits(&format!("{body}{check}"))),
                "{body}{check}"
            );
        }
    }

    /// A small xorshift generator: deterministic randomness for the tests.
    fn rng(seed: u64) -> impl FnMut() -> u64 {
        let mut x = seed;
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        }
    }

    #[test]
    fn generated_numbers_are_well_formed_and_spread() {
        let mut next = rng(2024);
        let mut seen = std::collections::HashSet::new();
        let mut first_digits = [0u32; 10];
        for _ in 0..20_000 {
            let n = UnifiedNumber::generate(&mut next);
            let text = n.to_string();
            assert_eq!(text.len(), 14, "{text}");
            assert_eq!(UnifiedNumber::parse(&text), Ok(n));
            assert_eq!(UnifiedNumber::parse(&n.digits()), Ok(n));
            first_digits[usize::from(n.digits().as_bytes()[0] - b'0')] += 1;
            assert!(
                seen.insert(n),
                "a repeat within 20,000 draws is vanishingly unlikely"
            );
        }
        assert_eq!(first_digits[0], 0);
        assert!(
            first_digits[1..].iter().all(|c| (1800..2650).contains(c)),
            "{first_digits:?}"
        );
    }

    #[test]
    fn every_single_digit_error_and_adjacent_swap_is_detected() {
        let mut next = rng(7);
        for _ in 0..2_000 {
            let n = UnifiedNumber::generate(&mut next).digits();
            let d = digits(&n);
            for i in 0..12 {
                for wrong in 0..10u8 {
                    if wrong != d[i] {
                        let mut e = d.clone();
                        e[i] = wrong;
                        assert!(
                            !verhoeff_valid(&e),
                            "{n}: digit {i} -> {wrong} not detected"
                        );
                    }
                }
                if i < 11 && d[i] != d[i + 1] {
                    let mut e = d.clone();
                    e.swap(i, i + 1);
                    assert!(!verhoeff_valid(&e), "{n}: swap at {i} not detected");
                }
            }
        }
    }

    fn check_err(text: &str, expected: UnifiedNumberError) {
        assert_eq!(UnifiedNumber::parse(text), Err(expected));
    }

    #[test]
    fn malformed_numbers_are_refused_with_the_reason() {
        check_err(
            "1234 5678 901",
            UnifiedNumberError::Shape("1234 5678 901".into()),
        );
        check_err(
            "1234 5678 90123",
            UnifiedNumberError::Shape("1234 5678 90123".into()),
        );
        check_err(
            "1234 5678 901x",
            UnifiedNumberError::Shape("1234 5678 901x".into()),
        );
        check_err(
            "0234 5678 9012",
            UnifiedNumberError::LeadingZero("0234 5678 9012".into()),
        );
        check_err(
            "1234 5678 9013",
            UnifiedNumberError::CheckDigit("1234 5678 9013".into()),
        );
        assert_eq!(
            UnifiedNumber::parse("1234-5678-9010").map(|n| n.to_string()),
            Ok("1234 5678 9010".into())
        );
    }
}

//! Complaints from migrants: the reference number a complainant is given to follow the case, and
//! the complaint workflow.
//!
//! A reference looks like `CMP-7K4Q-9XD2`: seven characters drawn at random from Crockford's
//! base-32 alphabet (digits and upper-case letters without I, L, O, U, so nothing reads as
//! another letter or spells a word easily), then one check character (Luhn mod 32), in two groups
//! of four. 32⁷ ≈ 3.4 × 10¹⁰ references: drawn at random, never sequential, so one complainant
//! cannot guess another's; the check character catches every single mistyped character and most
//! swaps of neighbours before a look-up. Uniqueness is the store's to enforce (draw again on a
//! collision). Reading is forgiving: lower case, missing prefix or hyphens, spaces, and the
//! look-alikes O→0, I/L→1 are accepted.

use std::fmt;

use crate::catalogue::Trilingual;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const BODY: usize = 7;
const PREFIX: &str = "CMP";

/// A well-formed complaint reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComplaintRef([u8; BODY + 1]);

/// Why a text is not a complaint reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ComplaintRefError {
    #[error("'{0}' is not a complaint reference: it should look like CMP-7K4Q-9XD2 (8 letters and digits)")]
    Shape(String),
    #[error("'{text}' is not a complaint reference: '{character}' cannot appear in one")]
    Character { text: String, character: char },
    #[error("'{0}' is not a complaint reference: a character is mistyped (the check character does not match)")]
    CheckCharacter(String),
}

fn value(c: char) -> Option<u8> {
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        c => c,
    };
    ALPHABET
        .iter()
        .position(|&a| char::from(a) == c)
        .and_then(|p| u8::try_from(p).ok())
}

/// The Luhn mod 32 check value for `body` (values 0..32).
fn check_value(body: &[u8]) -> u8 {
    let mut sum = 0u32;
    // Double every other value starting from the rightmost body value.
    for (i, &v) in body.iter().rev().enumerate() {
        let mut add = u32::from(v);
        if i % 2 == 0 {
            add *= 2;
            add = add / 32 + add % 32;
        }
        sum += add;
    }
    ((32 - sum % 32) % 32) as u8
}

impl ComplaintRef {
    /// Draws a new reference from `random` (a cryptographically secure source in production,
    /// a seeded one in tests).
    pub fn generate(random: &mut dyn FnMut() -> u64) -> ComplaintRef {
        let mut bits = random();
        let mut v = [0u8; BODY + 1];
        for slot in v.iter_mut().take(BODY) {
            *slot = (bits % 32) as u8; // 32 divides 2^64: no bias
            bits /= 32;
        }
        v[BODY] = check_value(&v[..BODY]);
        ComplaintRef(v)
    }

    /// Parses `CMP-7K4Q-9XD2`, `cmp 7k4q 9xd2`, `7K4Q9XD2`.
    pub fn parse(text: &str) -> Result<ComplaintRef, ComplaintRefError> {
        let trimmed = text.trim();
        let upper = trimmed.to_ascii_uppercase();
        let rest = upper.strip_prefix(PREFIX).unwrap_or(&upper);
        let mut v = Vec::with_capacity(BODY + 1);
        for c in rest.chars().filter(|c| !matches!(c, '-' | ' ' | '\u{a0}')) {
            match value(c) {
                Some(x) => v.push(x),
                None if c.is_ascii_alphanumeric() => {
                    return Err(ComplaintRefError::Character {
                        text: text.to_string(),
                        character: c,
                    })
                }
                None => return Err(ComplaintRefError::Shape(text.to_string())),
            }
        }
        let Ok(v) = <[u8; BODY + 1]>::try_from(v) else {
            return Err(ComplaintRefError::Shape(text.to_string()));
        };
        if check_value(&v[..BODY]) != v[BODY] {
            return Err(ComplaintRefError::CheckCharacter(text.to_string()));
        }
        Ok(ComplaintRef(v))
    }
}

impl fmt::Display for ComplaintRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s: String = self
            .0
            .iter()
            .map(|&v| char::from(ALPHABET[usize::from(v)]))
            .collect();
        write!(f, "{PREFIX}-{}-{}", &s[..4], &s[4..])
    }
}

/// Where a complaint stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ComplaintState {
    Received,
    UnderReview,
    Referred,
    Answered,
    Closed,
}

impl ComplaintState {
    pub const ALL: [ComplaintState; 5] = [
        ComplaintState::Received,
        ComplaintState::UnderReview,
        ComplaintState::Referred,
        ComplaintState::Answered,
        ComplaintState::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            ComplaintState::Received => "received",
            ComplaintState::UnderReview => "under_review",
            ComplaintState::Referred => "referred",
            ComplaintState::Answered => "answered",
            ComplaintState::Closed => "closed",
        }
    }

    /// Its name in Arabic, French and English, for pages and reports.
    pub fn label(self) -> Trilingual {
        let t = |en, fr, ar| Trilingual { ar, fr, en };
        match self {
            ComplaintState::Received => t("Received", "Reçue", "مستلمة"),
            ComplaintState::UnderReview => t("Under review", "En cours d'examen", "قيد الدراسة"),
            ComplaintState::Referred => t(
                "Referred to the competent institution",
                "Transmise à l'institution compétente",
                "محالة إلى الجهة المختصة",
            ),
            ComplaintState::Answered => t("Answered", "Réponse donnée", "تم الرد"),
            ComplaintState::Closed => t("Closed", "Clôturée", "مغلقة"),
        }
    }

    pub fn parse(code: &str) -> Option<ComplaintState> {
        ComplaintState::ALL
            .into_iter()
            .find(|s| s.code() == code.trim())
    }

    /// The states a complaint may move to from this one:
    /// received → under review (or closed, e.g. a duplicate, with a reason);
    /// under review → referred (to the competent institution) or answered;
    /// referred → answered, or back under review when the institution sends it back;
    /// answered → closed, or under review again when the complainant contests the answer.
    pub fn next(self) -> &'static [ComplaintState] {
        use ComplaintState::*;
        match self {
            Received => &[UnderReview, Closed],
            UnderReview => &[Referred, Answered],
            Referred => &[UnderReview, Answered],
            Answered => &[UnderReview, Closed],
            Closed => &[],
        }
    }

    pub fn can_move_to(self, to: ComplaintState) -> bool {
        self.next().contains(&to)
    }
}

impl fmt::Display for ComplaintState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A refused complaint move.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("complaint {reference}: cannot go from {from} to {to} (allowed: {allowed})")]
pub struct ComplaintMoveError {
    pub reference: ComplaintRef,
    pub from: ComplaintState,
    pub to: ComplaintState,
    pub allowed: String,
}

/// Checks a move of the complaint `reference` and returns the new state.
pub fn transition(
    reference: ComplaintRef,
    from: ComplaintState,
    to: ComplaintState,
) -> Result<ComplaintState, ComplaintMoveError> {
    if from.can_move_to(to) {
        Ok(to)
    } else {
        let allowed: Vec<&str> = from.next().iter().map(|s| s.code()).collect();
        Err(ComplaintMoveError {
            reference,
            from,
            to,
            allowed: if allowed.is_empty() {
                "none, it is closed".to_string()
            } else {
                allowed.join(", ")
            },
        })
    }
}

/// The complaint workflow as Markdown, for `docs/gcm.md`.
pub fn markdown() -> String {
    let mut out = String::from("| from | may go to |\n| --- | --- |\n");
    for s in ComplaintState::ALL {
        let next: Vec<&str> = s.next().iter().map(|n| n.code()).collect();
        let next = if next.is_empty() {
            "— (final)".to_string()
        } else {
            next.join(", ")
        };
        out.push_str(&format!("| {s} | {next} |\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ComplaintState::*;

    /// SplitMix64: a seeded source for tests.
    fn seeded(mut s: u64) -> impl FnMut() -> u64 {
        move || {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
    }

    fn check(input: &str, expected: Result<&str, &str>) {
        let got = ComplaintRef::parse(input)
            .map(|r| r.to_string())
            .map_err(|e| match e {
                ComplaintRefError::Shape(_) => "shape",
                ComplaintRefError::Character { .. } => "character",
                ComplaintRefError::CheckCharacter(_) => "check",
            });
        assert_eq!(got, expected.map(str::to_string), "input {input:?}");
    }

    #[test]
    fn parse_and_format() {
        let r = ComplaintRef::generate(&mut seeded(7)).to_string();
        let body: String = r.chars().filter(|c| *c != '-').skip(3).collect();
        check(&r, Ok(&r));
        check(&r.to_lowercase(), Ok(&r));
        check(&body, Ok(&r));
        check(&format!("  {}  ", r.replace('-', " ")), Ok(&r));
        check(&format!("{} {}", &body[..4], &body[4..]), Ok(&r));
        check("CMP-0000-0000", Ok("CMP-0000-0000"));
        check("cmp-oooo-oooo", Ok("CMP-0000-0000"));
        check("", Err("shape"));
        check("CMP-", Err("shape"));
        check("CMP-0000-000", Err("shape"));
        check("CMP-0000-00000", Err("shape"));
        check("CMP-0000-000U", Err("character"));
        check("CMP/0000/0000", Err("shape"));
        check("CMP-0000-0001", Err("check"));
    }

    #[test]
    fn check_character_catches_single_errors_and_most_swaps() {
        let mut random = seeded(42);
        let (mut swaps, mut caught) = (0, 0);
        for _ in 0..300 {
            let r = ComplaintRef::generate(&mut random);
            assert_eq!(ComplaintRef::parse(&r.to_string()), Ok(r));
            let v = r.0;
            for i in 0..=BODY {
                for x in 0..32u8 {
                    if x != v[i] {
                        let mut w = v;
                        w[i] = x;
                        assert_ne!(
                            check_value(&w[..BODY]),
                            w[BODY],
                            "single error at {i} undetected"
                        );
                    }
                }
                if i < BODY && v[i] != v[i + 1] {
                    let mut w = v;
                    w.swap(i, i + 1);
                    swaps += 1;
                    if check_value(&w[..BODY]) != w[BODY] {
                        caught += 1;
                    }
                }
            }
        }
        assert!(
            caught * 100 >= swaps * 95,
            "{caught} of {swaps} swaps caught"
        );
    }

    #[test]
    fn references_are_not_sequential_and_differ() {
        let mut random = seeded(1);
        let refs: Vec<String> = (0..1000)
            .map(|_| ComplaintRef::generate(&mut random).to_string())
            .collect();
        let unique: std::collections::BTreeSet<&String> = refs.iter().collect();
        assert_eq!(unique.len(), refs.len());
        let sorted = refs.windows(2).filter(|w| w[0] < w[1]).count();
        assert!(
            (300..700).contains(&sorted),
            "{sorted} ascending neighbours of 999"
        );
        // Every character of the alphabet appears in first position.
        let firsts: std::collections::BTreeSet<char> =
            refs.iter().filter_map(|r| r.chars().nth(4)).collect();
        assert_eq!(firsts.len(), 32);
    }

    #[test]
    fn complaint_transitions() {
        let r = ComplaintRef::parse("CMP-0000-0000").unwrap();
        let allowed = [
            (Received, UnderReview),
            (Received, Closed),
            (UnderReview, Referred),
            (UnderReview, Answered),
            (Referred, UnderReview),
            (Referred, Answered),
            (Answered, UnderReview),
            (Answered, Closed),
        ];
        for from in ComplaintState::ALL {
            for to in ComplaintState::ALL {
                let ok = allowed.contains(&(from, to));
                assert_eq!(transition(r, from, to).is_ok(), ok, "{from} → {to}");
            }
        }
        assert_eq!(
            transition(r, Closed, Received).unwrap_err().to_string(),
            "complaint CMP-0000-0000: cannot go from closed to received (allowed: none, it is closed)"
        );
        assert_eq!(
            transition(r, Received, Answered).unwrap_err().to_string(),
            "complaint CMP-0000-0000: cannot go from received to answered (allowed: under_review, closed)"
        );
        for s in ComplaintState::ALL {
            assert_eq!(ComplaintState::parse(s.code()), Some(s));
        }
    }

    #[test]
    fn labels_are_trilingual() {
        crate::check_labels(
            &ComplaintState::ALL
                .iter()
                .map(|x| x.label())
                .collect::<Vec<_>>(),
        );
    }
}

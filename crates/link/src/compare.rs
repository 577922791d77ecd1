//! Comparisons: each field of two records compared into a level (agreement, degrees of
//! partial agreement, disagreement), or no level when either side is unknown.

use marsad_names::{jaro_winkler, levenshtein_bounded};

use crate::record::{BirthDate, Name, Record};

/// The comparisons, in the order of a [`Levels`] vector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Comparison {
    Given,
    Family,
    Father,
    Mother,
    BirthDate,
    Sex,
    Document,
    Nationality,
    BirthPlace,
    Locality,
    Postcode,
    Address,
    Phone,
    /// Whether the two records come from the same source: EM learns how rarely one source
    /// holds two records of one person (a census lists a person once).
    Source,
    /// Whether fingerprints say the two records are one person (`Record::biometric`): its
    /// weights are not estimated from the data but set from the matcher's calibrated error
    /// rates (`LinkConfig::fingerprint_match_weight`, `fingerprint_mismatch_weight`).
    Fingerprint,
}

/// How many comparisons there are.
pub const COMPARISONS: usize = 15;

/// The level of each comparison for one pair; [`NULL`] where either side is unknown.
pub type Levels = [u8; COMPARISONS];

/// The level of a comparison that could not be made (a field unknown on either side).
pub const NULL: u8 = u8::MAX;

const NAME_LEVELS: &[&str] = &[
    "exact",
    "similar (JW >= 0.92)",
    "alike (JW >= 0.8)",
    "different",
];
const PLACE_LEVELS: &[&str] = &["exact", "similar (JW >= 0.88)", "different"];
const EQUAL_LEVELS: &[&str] = &["equal", "different"];

impl Comparison {
    /// All comparisons, in vector order.
    pub const ALL: [Comparison; COMPARISONS] = [
        Comparison::Given,
        Comparison::Family,
        Comparison::Father,
        Comparison::Mother,
        Comparison::BirthDate,
        Comparison::Sex,
        Comparison::Document,
        Comparison::Nationality,
        Comparison::BirthPlace,
        Comparison::Locality,
        Comparison::Postcode,
        Comparison::Address,
        Comparison::Phone,
        Comparison::Source,
        Comparison::Fingerprint,
    ];

    /// The name shown in explanations.
    pub fn name(self) -> &'static str {
        match self {
            Comparison::Given => "given_name",
            Comparison::Family => "family_name",
            Comparison::Father => "father_name",
            Comparison::Mother => "mother_name",
            Comparison::BirthDate => "birth_date",
            Comparison::Sex => "sex",
            Comparison::Document => "document_number",
            Comparison::Nationality => "nationality",
            Comparison::BirthPlace => "birth_place",
            Comparison::Locality => "locality",
            Comparison::Postcode => "postcode",
            Comparison::Address => "address",
            Comparison::Phone => "phone",
            Comparison::Source => "source",
            Comparison::Fingerprint => "fingerprints",
        }
    }

    /// The names of the levels; level `i` is `levels()[i]`. The first level is full agreement,
    /// the last full disagreement.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Comparison::Given | Comparison::Family | Comparison::Father | Comparison::Mother => {
                NAME_LEVELS
            }
            Comparison::BirthDate => &[
                "exact",
                "day and month swapped",
                "same year and month",
                "one digit differs or two swapped",
                "full dates differ beyond a typo",
                "same year (one side less precise)",
                "same year, months differ",
                "one year apart",
                "2 to 5 years apart",
                "more than 5 years apart",
            ],
            Comparison::Document => &["exact", "one edit", "different"],
            Comparison::BirthPlace | Comparison::Locality | Comparison::Address => PLACE_LEVELS,
            Comparison::Sex
            | Comparison::Nationality
            | Comparison::Postcode
            | Comparison::Phone => EQUAL_LEVELS,
            Comparison::Source => &["same source", "different sources"],
            Comparison::Fingerprint => &["fingerprints match", "fingerprints differ"],
        }
    }

    /// The names whose exact agreement gets the term-frequency adjustment.
    pub fn has_tf(self) -> bool {
        matches!(
            self,
            Comparison::Given | Comparison::Family | Comparison::Father | Comparison::Mother
        )
    }
}

/// Level of two name keys: exact, Jaro-Winkler ≥ 0.92, ≥ 0.8, else. A key that is one part
/// of the other (`mhmd` and `mhmd amyn`: a compound given name written in full or not) is
/// "similar".
pub fn name_level(a: &Name, b: &Name) -> u8 {
    if a.key == b.key {
        return 0;
    }
    let sim = jaro_winkler(&a.key, &b.key);
    if sim >= 0.92 {
        return 1;
    }
    let contained = (a.key.contains(' ') || b.key.contains(' '))
        && a.key.split(' ').any(|p| b.key.split(' ').any(|q| p == q));
    if contained {
        1
    } else if sim >= 0.8 {
        2
    } else {
        3
    }
}

fn text_level(a: &str, b: &str) -> u8 {
    if a == b {
        0
    } else if jaro_winkler(a, b) >= 0.88 {
        1
    } else {
        2
    }
}

/// The level of [`date_level`] for two full dates that differ beyond a typo.
pub const FULL_DATE_CONFLICT: u8 = 4;

/// Level of two dates of birth (see [`Comparison::levels`]); `None` when either year is
/// unknown. Two full dates are exact, swapped, same year and month, one typo apart, or in
/// conflict; otherwise the precision is what both sides know: a year-only date agreeing with a
/// full one is "same year (one side less precise)".
pub fn date_level(a: &BirthDate, b: &BirthDate) -> Option<u8> {
    let (ya, yb) = (a.year?, b.year?);
    if a.is_full() && b.is_full() {
        return Some(if a == b {
            0
        } else if ya == yb && a.month == b.day && a.day == b.month {
            1
        } else if ya == yb && a.month == b.month {
            2
        } else if one_digit_apart(a, b) {
            3
        } else {
            FULL_DATE_CONFLICT
        });
    }
    if ya == yb {
        return Some(match (a.month, b.month) {
            (Some(x), Some(y)) if x == y => 2,
            (Some(_), Some(_)) => 6,
            _ => 5,
        });
    }
    Some(match ya.abs_diff(yb) {
        1 => 7,
        2..=5 => 8,
        _ => 9,
    })
}

fn digits(d: &BirthDate) -> [u8; 8] {
    let (y, m, dd) = (
        d.year.unwrap_or(0),
        d.month.unwrap_or(0),
        d.day.unwrap_or(0),
    );
    let y = [y / 1000, y / 100 % 10, y / 10 % 10, y % 10].map(|v| v as u8);
    [y[0], y[1], y[2], y[3], m / 10, m % 10, dd / 10, dd % 10]
}

/// One digit differs, or two neighbouring digits are swapped (`1918` / `1981`).
fn one_digit_apart(a: &BirthDate, b: &BirthDate) -> bool {
    let (x, y) = (digits(a), digits(b));
    let diff: Vec<usize> = (0..x.len()).filter(|&i| x[i] != y[i]).collect();
    match diff.as_slice() {
        [_] => true,
        [i, j] => *j == i + 1 && x[*i] == y[*j] && x[*j] == y[*i],
        _ => false,
    }
}

/// Level of two document numbers: exact, one edit (one letter changed, added or removed, or
/// two neighbours swapped), different.
pub fn document_level(a: &str, b: &str) -> u8 {
    if a == b {
        0
    } else if levenshtein_bounded(a, b, 1).is_some() || transposed(a, b) {
        1
    } else {
        2
    }
}

fn transposed(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let diff: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
    diff.len() == 2
        && diff[1] == diff[0] + 1
        && a[diff[0]] == b[diff[1]]
        && a[diff[1]] == b[diff[0]]
}

fn opt<T: ?Sized, U: ?Sized>(a: Option<&T>, b: Option<&U>, f: impl FnOnce(&T, &U) -> u8) -> u8 {
    match (a, b) {
        (Some(a), Some(b)) => f(a, b),
        _ => NULL,
    }
}

fn equal<T: PartialEq + ?Sized>(a: &T, b: &T) -> u8 {
    if a == b {
        0
    } else {
        1
    }
}

/// The given and family levels, with swapped names (`Lucy Fitzpatrick` / `Fitzpatrick Lucy`)
/// read as both "similar": not exact (an exact match should mean the names were written
/// alike), but no disagreement either.
fn given_family(a: &Record, b: &Record) -> (u8, u8) {
    let g = opt(a.given.as_ref(), b.given.as_ref(), name_level);
    let f = opt(a.family.as_ref(), b.family.as_ref(), name_level);
    if g != NULL && f != NULL && (g > 1 || f > 1) {
        let x = opt(a.given.as_ref(), b.family.as_ref(), name_level);
        if x <= 1 && opt(a.family.as_ref(), b.given.as_ref(), name_level) <= 1 {
            return (1, 1);
        }
    }
    (g, f)
}

/// Compares two records field by field.
pub fn compare(a: &Record, b: &Record) -> Levels {
    let (given, family) = given_family(a, b);
    [
        given,
        family,
        opt(a.father.as_ref(), b.father.as_ref(), name_level),
        opt(a.mother.as_ref(), b.mother.as_ref(), name_level),
        date_level(&a.birth, &b.birth).unwrap_or(NULL),
        opt(a.sex.as_ref(), b.sex.as_ref(), equal),
        match (&a.document_type, &b.document_type) {
            (Some(x), Some(y)) if x != y => NULL,
            _ => opt(a.document.as_deref(), b.document.as_deref(), document_level),
        },
        opt(a.nationality.as_deref(), b.nationality.as_deref(), equal),
        opt(
            a.birth_place.as_deref(),
            b.birth_place.as_deref(),
            text_level,
        ),
        opt(a.locality.as_deref(), b.locality.as_deref(), text_level),
        opt(a.postcode.as_deref(), b.postcode.as_deref(), equal),
        opt(a.address.as_deref(), b.address.as_deref(), text_level),
        opt(a.phone.as_deref(), b.phone.as_deref(), equal),
        equal(&a.source, &b.source),
        opt(a.biometric.as_ref(), b.biometric.as_ref(), equal),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(s: &str) -> Name {
        Name::of(s).unwrap()
    }

    #[test]
    fn name_levels() {
        let check = |a: &str, b: &str, level: u8| {
            assert_eq!(name_level(&name(a), &name(b)), level, "{a} / {b}");
        };
        check("Mohamed", "محمد", 0);
        check("Mohammed", "MUHAMMAD", 0);
        check("Trabelsi", "الطرابلسي", 0);
        check("Salah", "Salih", 0);
        check("Mohamed", "Mohamed Amine", 1);
        check("Trabelsi", "Trabelssi", 0);
        check("Trabelsi", "Trabelski", 1);
        check("Mohamed", "Mahmoud", 1);
        check("Mohamed", "Hamed", 2);
        check("Mohamed", "Youssef", 3);
        check("Fatma", "Ali", 3);
    }

    fn date(s: &str) -> BirthDate {
        BirthDate::parse(s)
    }

    #[test]
    fn date_levels() {
        let check = |a: &str, b: &str, level: Option<u8>| {
            assert_eq!(date_level(&date(a), &date(b)), level, "{a} / {b}");
        };
        check("1987-03-09", "1987-03-09", Some(0));
        check("1987-03-09", "1987-09-03", Some(1));
        check("1987-03-09", "1987-03-19", Some(2));
        check("1987-03", "1987-03-09", Some(2));
        check("1987-03-09", "1988-03-09", Some(3));
        check("1918-07-01", "1981-07-01", Some(3));
        check("1987-03-09", "1987-05-01", Some(FULL_DATE_CONFLICT));
        check("1987-03-09", "1979-03-09", Some(FULL_DATE_CONFLICT));
        check("1987", "1987-05-01", Some(5));
        check("1987", "1987", Some(5));
        check("1987-03", "1987-05-01", Some(6));
        check("1987", "1988-05-01", Some(7));
        check("1987-03", "1983-03-19", Some(8));
        check("1987", "1979", Some(9));
        check("", "1987", None);
        check("1987-03-09", "", None);
    }

    #[test]
    fn document_levels() {
        let check = |a: &str, b: &str, level: u8| {
            assert_eq!(document_level(a, b), level, "{a} / {b}");
        };
        check("AB123456", "AB123456", 0);
        check("AB123456", "AB123457", 1);
        check("AB123456", "AB12346", 1);
        check("AB123456", "AB124356", 1);
        check("AB123456", "AB654321", 2);
    }

    #[test]
    fn swapped_names_are_similar() {
        let rec = |g: &str, f: &str| {
            Record::from_row(&crate::PersonRow {
                given_name: g.into(),
                family_name: f.into(),
                ..Default::default()
            })
        };
        let l = compare(&rec("Lucy", "Fitzpatrick"), &rec("Fitzpatrick", "Lucy"));
        assert_eq!((l[0], l[1]), (1, 1));
        let l = compare(&rec("Lucy", "Fitzpatrick"), &rec("Lucy", "Fitzpatrick"));
        assert_eq!((l[0], l[1]), (0, 0));
        let l = compare(&rec("Lucy", "Fitzpatrick"), &rec("Anna", "Lucy"));
        assert_eq!((l[0], l[1]), (3, 3));
    }

    #[test]
    fn fingerprint_identities_compare_when_both_are_known() {
        let rec = |bio: Option<u64>| Record {
            biometric: bio,
            ..Record::from_row(&crate::PersonRow {
                given_name: "Ali".into(),
                ..Default::default()
            })
        };
        let f = Comparison::Fingerprint as usize;
        assert_eq!(compare(&rec(Some(7)), &rec(Some(7)))[f], 0);
        assert_eq!(compare(&rec(Some(7)), &rec(Some(8)))[f], 1);
        assert_eq!(compare(&rec(Some(7)), &rec(None))[f], NULL);
    }

    #[test]
    fn unknown_fields_have_no_level() {
        let a = Record::from_row(&crate::PersonRow {
            given_name: "Ali".into(),
            ..Default::default()
        });
        let b = Record::from_row(&crate::PersonRow {
            given_name: "Aly".into(),
            sex: "M".into(),
            ..Default::default()
        });
        let l = compare(&a, &b);
        assert_eq!(l[0], 0);
        let source = Comparison::Source as usize;
        assert!(l[1..source].iter().all(|&x| x == NULL));
        assert_eq!(l[source], 0);
        assert_eq!(l[Comparison::Fingerprint as usize], NULL);
    }
}

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

/// The given and family levels from a name comparison `name(x, y)` of name slots (0 given,
/// 1 family of each record), with swapped names (`Lucy Fitzpatrick` / `Fitzpatrick Lucy`)
/// read as both "similar": not exact (an exact match should mean the names were written
/// alike), but no disagreement either.
fn given_family(mut name: impl FnMut(usize, usize) -> u8) -> (u8, u8) {
    let g = name(0, 0);
    let f = name(1, 1);
    if g != NULL && f != NULL && (g > 1 || f > 1) && name(0, 1) <= 1 && name(1, 0) <= 1 {
        return (1, 1);
    }
    (g, f)
}

/// The name slots of a record: given, family, father, mother.
fn name_slots(r: &Record) -> [Option<&Name>; 4] {
    [
        r.given.as_ref(),
        r.family.as_ref(),
        r.father.as_ref(),
        r.mother.as_ref(),
    ]
}

/// Compares two records field by field.
pub fn compare(a: &Record, b: &Record) -> Levels {
    let (x, y) = (name_slots(a), name_slots(b));
    let name = |i: usize, j: usize| opt(x[i], y[j], name_level);
    let (given, family) = given_family(name);
    levels(a, b, [given, family, name(2, 2), name(3, 3)])
}

/// The levels of two records, their four name levels given.
fn levels(a: &Record, b: &Record, names: [u8; 4]) -> Levels {
    [
        names[0],
        names[1],
        names[2],
        names[3],
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

/// No value in a slot of [`Comparer`].
const NONE: u32 = u32::MAX;

/// What [`Comparer`] keeps of a record: every text as its number (equal texts, equal
/// numbers; [`NONE`] when unknown), in a small fixed-size value, so that comparing two
/// records reads two nearby values instead of following a dozen strings across memory.
#[derive(Clone, Copy)]
struct Compact {
    /// Given, family, father, mother.
    names: [u32; 4],
    birth: BirthDate,
    sex: Option<crate::record::Sex>,
    document: u32,
    document_type: u32,
    nationality: u32,
    birth_place: u32,
    locality: u32,
    postcode: u32,
    address: u32,
    phone: u32,
    source: u32,
    biometric: Option<u64>,
}

/// [`compare`] over the records of one run, by index, faster on large runs: each distinct
/// text is numbered once, so equal texts are found by their numbers without reading them,
/// and the level of two different names or places is computed once per pair of texts (per
/// [`LevelCache`], one per thread) instead of once per pair of records. Gives exactly the
/// levels of [`compare`].
pub(crate) struct Comparer<'r> {
    compact: Vec<Compact>,
    /// The name of each number given to a name key.
    names: Vec<&'r Name>,
    /// The text of each number given to another text.
    texts: Vec<&'r str>,
    /// The characters of each place and address text, sorted (empty for other texts), for
    /// [`could_be_similar`].
    sorted: Vec<Box<[char]>>,
}

/// Whether two texts could be "similar" (Jaro-Winkler ≥ 0.88, see [`text_level`]), from their
/// sorted characters: a necessary condition, cheaper than the similarity itself. Jaro counts
/// at most the `c` characters the two share (counted with repeats), so it is at most
/// (c/|a| + c/|b| + 1)/3, and Jaro-Winkler at most 0.4 + 0.6·Jaro: reaching 0.88 needs Jaro
/// ≥ 0.8.
fn could_be_similar(a: &[char], b: &[char]) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let c = common as f64;
    let jaro_max = (c / a.len() as f64 + c / b.len() as f64 + 1.0) / 3.0;
    // The margin keeps rounding from ever refusing a pair the similarity would accept.
    jaro_max >= 0.8 - 1e-9
}

/// Levels of two different names or places already computed, by pair of numbers (one cache
/// per thread).
pub(crate) struct LevelCache {
    names: Slots,
    places: Slots,
}

impl Default for LevelCache {
    fn default() -> Self {
        LevelCache {
            names: Slots(vec![0; SLOTS]),
            places: Slots(vec![0; SLOTS]),
        }
    }
}

/// Slots of a [`LevelCache`] map: few enough to stay in the processor's cache (a larger
/// hash map misses it on most lookups, and costs more than the comparison it saves).
const SLOTS: usize = 1 << 16;

/// Numbers this large or larger are not cached (they do not fit a slot).
const SLOT_NUMBER_MAX: u32 = 1 << 28;

/// A direct-mapped cache: each pair of numbers has one slot, holding the pair and its level
/// plus one (0: empty); a pair that lands on a taken slot replaces its holder.
struct Slots(Vec<u64>);

impl Slots {
    fn get(&mut self, p: u32, q: u32, f: impl FnOnce() -> u8) -> u8 {
        if p >= SLOT_NUMBER_MAX || q >= SLOT_NUMBER_MAX {
            return f();
        }
        let tag = (u64::from(p) << 36) | (u64::from(q) << 8);
        let slot = ((tag.wrapping_mul(MULTIPLIER) >> 32) as usize) & (SLOTS - 1);
        let held = self.0[slot];
        if held & !0xff == tag && held & 0xff != 0 {
            return (held & 0xff) as u8 - 1;
        }
        let level = f();
        self.0[slot] = tag | u64::from(level.saturating_add(1));
        level
    }
}

/// Hashes the 64-bit pair keys of [`LevelCache`] and the texts [`Comparer`] numbers by
/// multiplication (they are not chosen by an adversary; the default hasher costs more than
/// the lookup saves).
#[derive(Clone, Copy, Default)]
pub(crate) struct PairHasher;

impl std::hash::BuildHasher for PairHasher {
    type Hasher = PairHash;
    fn build_hasher(&self) -> PairHash {
        PairHash(0)
    }
}

pub(crate) struct PairHash(u64);

const MULTIPLIER: u64 = 0x517c_c1b7_2722_0a95;

impl std::hash::Hasher for PairHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
        let mut w = [0u8; 8];
        w[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
        self.write_u64(u64::from_le_bytes(w));
    }
    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(MULTIPLIER);
    }
}

/// Numbers texts: equal texts get one number.
struct Numbers<'r, T: ?Sized> {
    ids: std::collections::HashMap<&'r str, u32, PairHasher>,
    values: Vec<&'r T>,
}

impl<'r, T: ?Sized> Numbers<'r, T> {
    fn new() -> Self {
        Numbers {
            ids: std::collections::HashMap::default(),
            values: Vec::new(),
        }
    }

    /// The number of a keyed value ([`NONE`] for none).
    fn of(&mut self, keyed: Option<(&'r str, &'r T)>) -> u32 {
        let Some((key, value)) = keyed else {
            return NONE;
        };
        *self.ids.entry(key).or_insert_with(|| {
            self.values.push(value);
            (self.values.len() - 1) as u32
        })
    }
}

impl<'r> Comparer<'r> {
    /// Numbers the texts of `records`.
    pub(crate) fn new(records: &'r [Record]) -> Comparer<'r> {
        let mut names: Numbers<'r, Name> = Numbers::new();
        let mut texts: Numbers<'r, str> = Numbers::new();
        let mut is_place: Vec<bool> = Vec::new();
        let compact = records
            .iter()
            .map(|r| {
                // A text's number; a place's (or address's) also marked as one.
                let mut text = |s: Option<&'r String>, place: bool| {
                    let id = texts.of(s.map(|s| (s.as_str(), s.as_str())));
                    if place && id != NONE {
                        let id = id as usize;
                        if is_place.len() <= id {
                            is_place.resize(id + 1, false);
                        }
                        is_place[id] = true;
                    }
                    id
                };
                Compact {
                    names: name_slots(r).map(|n| names.of(n.map(|n| (n.key.as_str(), n)))),
                    birth: r.birth,
                    sex: r.sex,
                    document: text(r.document.as_ref(), false),
                    document_type: text(r.document_type.as_ref(), false),
                    nationality: text(r.nationality.as_ref(), false),
                    birth_place: text(r.birth_place.as_ref(), true),
                    locality: text(r.locality.as_ref(), true),
                    postcode: text(r.postcode.as_ref(), false),
                    address: text(r.address.as_ref(), true),
                    phone: text(r.phone.as_ref(), false),
                    source: text(Some(&r.source), false),
                    biometric: r.biometric,
                }
            })
            .collect();
        let sorted = texts
            .values
            .iter()
            .enumerate()
            .map(|(id, t)| {
                if is_place.get(id).copied().unwrap_or(false) {
                    let mut c: Vec<char> = t.chars().collect();
                    c.sort_unstable();
                    c.into_boxed_slice()
                } else {
                    Box::default()
                }
            })
            .collect();
        Comparer {
            compact,
            names: names.values,
            texts: texts.values,
            sorted,
        }
    }

    /// [`compare`] of records `a` and `b`.
    pub(crate) fn compare(&self, a: u32, b: u32, cache: &mut LevelCache) -> Levels {
        let (x, y) = (&self.compact[a as usize], &self.compact[b as usize]);
        let names = &mut cache.names;
        let mut name = |i: usize, j: usize| -> u8 {
            let (p, q) = (x.names[i], y.names[j]);
            if p == NONE || q == NONE {
                NULL
            } else if p == q {
                0
            } else {
                names.get(p, q, || {
                    name_level(self.names[p as usize], self.names[q as usize])
                })
            }
        };
        let (given, family) = given_family(&mut name);
        let (father, mother) = (name(2, 2), name(3, 3));
        let same = |p: u32, q: u32| -> u8 {
            if p == NONE || q == NONE {
                NULL
            } else {
                u8::from(p != q)
            }
        };
        let places = &mut cache.places;
        let mut place = |p: u32, q: u32| -> u8 {
            if p == NONE || q == NONE {
                NULL
            } else if p == q {
                0
            } else {
                places.get(p, q, || {
                    let (p, q) = (p as usize, q as usize);
                    if could_be_similar(&self.sorted[p], &self.sorted[q]) {
                        text_level(self.texts[p], self.texts[q])
                    } else {
                        2
                    }
                })
            }
        };
        let text = |p: u32, q: u32, f: fn(&str, &str) -> u8| -> u8 {
            if p == NONE || q == NONE {
                NULL
            } else if p == q {
                0
            } else {
                f(self.texts[p as usize], self.texts[q as usize])
            }
        };
        [
            given,
            family,
            father,
            mother,
            date_level(&x.birth, &y.birth).unwrap_or(NULL),
            opt(x.sex.as_ref(), y.sex.as_ref(), equal),
            if x.document_type != NONE
                && y.document_type != NONE
                && x.document_type != y.document_type
            {
                NULL
            } else {
                text(x.document, y.document, document_level)
            },
            same(x.nationality, y.nationality),
            place(x.birth_place, y.birth_place),
            place(x.locality, y.locality),
            same(x.postcode, y.postcode),
            place(x.address, y.address),
            same(x.phone, y.phone),
            u8::from(x.source != y.source),
            opt(x.biometric.as_ref(), y.biometric.as_ref(), equal),
        ]
    }
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

    /// The bound on shared characters never refuses two texts the similarity calls similar.
    #[test]
    fn the_shared_characters_bound_refuses_only_different_texts() {
        let texts = [
            "12 rue de rome",
            "12 rue de rom",
            "21 rue de rome",
            "شارع الحبيب بورقيبة عدد 46",
            "شارع الحبيب بورقيبة عدد 64",
            "حي الرياض عدد 121",
            "sfax",
            "sfx",
            "tunis",
            "",
            "a",
        ];
        let mut refused = 0;
        for a in texts {
            for b in texts {
                let sorted = |t: &str| {
                    let mut c: Vec<char> = t.chars().collect();
                    c.sort_unstable();
                    c
                };
                if a != b && !could_be_similar(&sorted(a), &sorted(b)) {
                    refused += 1;
                    assert_eq!(text_level(a, b), 2, "{a} / {b}");
                }
            }
        }
        assert!(refused > 0);
    }

    /// The comparer (name numbers, cached name levels) gives exactly what `compare` gives,
    /// on pairs that meet the cache twice.
    #[test]
    fn comparer_is_compare() {
        let texts = [
            ("Lucy", "Fitzpatrick", "", "1987-03-09"),
            ("Fitzpatrick", "Lucy", "Ali", "1987-09-03"),
            ("محمد", "الطرابلسي", "صالح", "1985"),
            ("MOHAMED BEN SALAH", "TRABELSI", "", "1985-04-12"),
            ("Mohamed Amine", "Trabelssi", "Salih", ""),
            ("Mahmoud", "Trabelski", "", "1985-04-12"),
            ("", "", "", ""),
            ("Anna", "Lucy", "Salah", "1987"),
        ];
        let records: Vec<Record> = texts
            .iter()
            .map(|&(g, f, father, birth)| {
                Record::from_row(&crate::PersonRow {
                    given_name: g.into(),
                    family_name: f.into(),
                    father_name: father.into(),
                    birth_date: birth.into(),
                    address: ["12 rue de Rome", "21 rue de Rome", "حي الرياض عدد 121", ""]
                        [g.len() % 4]
                        .into(),
                    birth_place: ["Sfax", "صفاقس", "Tunis"][f.len() % 3].into(),
                    ..Default::default()
                })
            })
            .collect();
        let comparer = Comparer::new(&records);
        let mut cache = LevelCache::default();
        for _ in 0..2 {
            for a in 0..records.len() {
                for b in 0..records.len() {
                    assert_eq!(
                        comparer.compare(a as u32, b as u32, &mut cache),
                        compare(&records[a], &records[b]),
                        "{a} / {b}"
                    );
                }
            }
        }
    }
}

//! ISO 3166-1 countries (all 249) plus the ICAO Doc 9303 codes XXA, XXB, XXC and XXX, with names
//! in Arabic, French and English, and the spellings institutions use.
//!
//! The table is `data/countries.csv`, generated once from pycountry by `tools/gen_countries.py`;
//! `data/country_aliases.csv` is curated by hand. Both are embedded and parsed at first use.

use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;

use super::{normalize, Lang};

static COUNTRIES_CSV: &str = include_str!("../../data/countries.csv");
static ALIASES_CSV: &str = include_str!("../../data/country_aliases.csv");

struct Entry {
    alpha2: String,
    alpha3: String,
    numeric: String,
    ar: String,
    fr: String,
    en: String,
}

struct Table {
    entries: Vec<Entry>,
    by_alpha3: HashMap<[u8; 3], usize>,
    by_alpha2: HashMap<[u8; 2], usize>,
    by_numeric: HashMap<u16, usize>,
    /// Normalised name → entry; `None` when two countries share the name (then it matches none).
    by_name: HashMap<String, Option<usize>>,
}

static TABLE: LazyLock<Table> = LazyLock::new(build_table);

fn build_table() -> Table {
    let mut entries = Vec::with_capacity(260);
    let mut other_names: Vec<(usize, String)> = Vec::new();
    for line in COUNTRIES_CSV.lines().skip(1) {
        let cols = split_csv_line(line);
        let [alpha2, alpha3, numeric, ar, fr, en, others] = match <[String; 7]>::try_from(cols) {
            Ok(cols) => cols,
            Err(_) => continue, // the generated file has 7 columns; a unit test pins the count
        };
        let idx = entries.len();
        for other in others.split('|').filter(|o| !o.is_empty()) {
            other_names.push((idx, other.to_owned()));
        }
        entries.push(Entry {
            alpha2,
            alpha3,
            numeric,
            ar,
            fr,
            en,
        });
    }
    let mut table = Table {
        by_alpha3: HashMap::with_capacity(entries.len()),
        by_alpha2: HashMap::with_capacity(entries.len()),
        by_numeric: HashMap::with_capacity(entries.len()),
        by_name: HashMap::with_capacity(entries.len() * 12),
        entries: Vec::new(),
    };
    for (i, e) in entries.iter().enumerate() {
        if let Ok(k) = <[u8; 3]>::try_from(e.alpha3.as_bytes()) {
            table.by_alpha3.insert(k, i);
        }
        if let Ok(k) = <[u8; 2]>::try_from(e.alpha2.as_bytes()) {
            table.by_alpha2.insert(k, i);
        }
        if let Ok(n) = e.numeric.parse::<u16>() {
            table.by_numeric.insert(n, i);
        }
        for name in [&e.ar, &e.fr, &e.en] {
            insert_name(&mut table.by_name, name, i);
        }
    }
    for (i, name) in &other_names {
        insert_name(&mut table.by_name, name, *i);
    }
    // Curated aliases win over clashes between ISO names.
    for line in ALIASES_CSV.lines() {
        if line.starts_with('#') || line.starts_with("alpha3,") || line.trim().is_empty() {
            continue;
        }
        let Some((alpha3, aliases)) = line.split_once(',') else {
            continue;
        };
        let Some(&i) = <[u8; 3]>::try_from(alpha3.trim().as_bytes())
            .ok()
            .and_then(|k| table.by_alpha3.get(&k))
        else {
            continue; // a unit test checks every alias line resolves
        };
        for alias in aliases.split('|') {
            let key = normalize(alias);
            if !key.is_empty() {
                if let Some(stripped) = strip_article(&key) {
                    table.by_name.insert(stripped.to_owned(), Some(i));
                }
                table.by_name.insert(key, Some(i));
            }
        }
    }
    table.entries = entries;
    table
}

fn insert_name(map: &mut HashMap<String, Option<usize>>, name: &str, i: usize) {
    let key = normalize(name);
    if key.is_empty() {
        return;
    }
    if let Some(stripped) = strip_article(&key) {
        insert_one(map, stripped.to_owned(), i);
    }
    insert_one(map, key, i);
}

fn insert_one(map: &mut HashMap<String, Option<usize>>, key: String, i: usize) {
    map.entry(key)
        .and_modify(|v| {
            if *v != Some(i) {
                *v = None;
            }
        })
        .or_insert(Some(i));
}

/// The key without a leading article: `le maroc` → `maroc`, `the gambia` → `gambia`,
/// `المغرب` → `مغرب` (first word only).
fn strip_article(key: &str) -> Option<&str> {
    for article in ["le ", "la ", "les ", "l ", "the "] {
        if let Some(rest) = key.strip_prefix(article) {
            if !rest.is_empty() {
                return Some(rest);
            }
        }
    }
    let rest = key.strip_prefix("ال")?;
    let first_word = rest.split(' ').next().unwrap_or("");
    (first_word.chars().count() >= 2).then_some(rest)
}

/// Splits one line of the generated CSV (RFC 4180 quoting, no embedded newlines).
fn split_csv_line(line: &str) -> Vec<String> {
    let mut out = Vec::with_capacity(7);
    let mut cur = String::new();
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, in_quotes) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => in_quotes = !in_quotes,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// A country (or ICAO nationality code): a reference into the embedded table.
#[derive(Clone, Copy)]
pub struct Country {
    entry: &'static Entry,
}

impl Country {
    /// ISO 3166-1 alpha-3, or XXA/XXB/XXC/XXX.
    pub fn alpha3(self) -> &'static str {
        &self.entry.alpha3
    }

    /// ISO 3166-1 alpha-2; `None` for the ICAO codes.
    pub fn alpha2(self) -> Option<&'static str> {
        let a = self.entry.alpha2.as_str();
        (!a.is_empty()).then_some(a)
    }

    /// ISO 3166-1 numeric, three digits; `None` for the ICAO codes.
    pub fn numeric(self) -> Option<&'static str> {
        let n = self.entry.numeric.as_str();
        (!n.is_empty()).then_some(n)
    }

    /// The short name in `lang` (ISO 3166-1 / pycountry translations).
    pub fn name(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ar => &self.entry.ar,
            Lang::Fr => &self.entry.fr,
            Lang::En => &self.entry.en,
        }
    }

    /// True for the ICAO Doc 9303 codes XXA (stateless), XXB, XXC (refugees), XXX (unspecified).
    pub fn is_icao_special(self) -> bool {
        self.entry.alpha2.is_empty()
    }

    /// The country with this exact alpha-3 code (upper case), without name matching.
    pub fn from_alpha3(code: &str) -> Option<Country> {
        let table: &'static Table = &TABLE;
        let key = <[u8; 3]>::try_from(code.as_bytes()).ok()?;
        let &i = table.by_alpha3.get(&key)?;
        table.entries.get(i).map(|entry| Country { entry })
    }
}

impl PartialEq for Country {
    fn eq(&self, other: &Self) -> bool {
        self.entry.alpha3 == other.entry.alpha3
    }
}

impl Eq for Country {}

impl std::hash::Hash for Country {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.entry.alpha3.hash(state);
    }
}

impl fmt::Debug for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Country({})", self.entry.alpha3)
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.entry.alpha3)
    }
}

/// A value that names no country.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.reason())]
pub struct UnknownCountry {
    pub input: String,
    /// The closest known spelling, when one is close.
    pub suggestion: Option<Country>,
}

impl UnknownCountry {
    /// A sentence a data officer can act on.
    pub fn reason(&self) -> String {
        let mut s = format!(
            "'{}' is not a known country; use an ISO 3166-1 code (e.g. TUN) or a name in Arabic, French or English",
            self.input
        );
        if let Some(c) = self.suggestion {
            s.push_str(&format!(
                " (did you mean {}, {}?)",
                c.name(Lang::En),
                c.alpha3()
            ));
        }
        s
    }
}

/// All countries: the 249 ISO 3166-1 entries, then XXA, XXB, XXC, XXX.
pub fn countries() -> impl Iterator<Item = Country> {
    let table: &'static Table = &TABLE;
    table.entries.iter().map(|entry| Country { entry })
}

/// Reads a country from an ISO 3166-1 alpha-3, alpha-2 or numeric code, an ICAO code, or a name
/// or demonym in Arabic, French or English (case-, accent- and tashkeel-insensitive, article
/// optional). `Tunisie`, `تونس`, `TN`, `TUN`, `788`, `tunisia` all give TUN.
pub fn country(s: &str) -> Result<Country, UnknownCountry> {
    let table: &'static Table = &TABLE;
    let t = s.trim();
    let found = |i: usize| table.entries.get(i).map(|entry| Country { entry });
    let bytes = t.as_bytes();
    if bytes.iter().all(u8::is_ascii_alphabetic) {
        if let Ok(mut k) = <[u8; 3]>::try_from(bytes) {
            k.make_ascii_uppercase();
            if let Some(c) = table.by_alpha3.get(&k).and_then(|&i| found(i)) {
                return Ok(c);
            }
        } else if let Ok(mut k) = <[u8; 2]>::try_from(bytes) {
            k.make_ascii_uppercase();
            if let Some(c) = table.by_alpha2.get(&k).and_then(|&i| found(i)) {
                return Ok(c);
            }
        }
    }
    if !t.is_empty() && t.len() <= 3 && bytes.iter().all(u8::is_ascii_digit) {
        if let Some(c) = t
            .parse::<u16>()
            .ok()
            .and_then(|n| table.by_numeric.get(&n))
            .and_then(|&i| found(i))
        {
            return Ok(c);
        }
    }
    let key = normalize(t);
    if let Some(i) = lookup_name(table, &key) {
        if let Some(c) = found(i) {
            return Ok(c);
        }
    }
    Err(UnknownCountry {
        input: t.to_owned(),
        suggestion: suggest(table, &key).and_then(found),
    })
}

fn lookup_name(table: &Table, key: &str) -> Option<usize> {
    if key.is_empty() {
        return None;
    }
    let get = |k: &str| table.by_name.get(k).copied().flatten();
    if let Some(i) = get(key) {
        return Some(i);
    }
    let key = strip_article(key).unwrap_or(key);
    if let Some(i) = get(key) {
        return Some(i);
    }
    // Arabic nisba: تونسي / تونسية → تونس, سوري → سوريا.
    if !key.contains(' ') && key.chars().next().is_some_and(is_arabic_letter) {
        let stem = key.strip_suffix("يه").or_else(|| key.strip_suffix('ي'))?;
        if stem.chars().count() >= 2 {
            return get(stem).or_else(|| get(&format!("{stem}ا")));
        }
    }
    None
}

fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0620}'..='\u{064A}' | '\u{066E}'..='\u{06D3}')
}

/// The closest name within a small edit distance, for "did you mean".
fn suggest(table: &Table, key: &str) -> Option<usize> {
    let len = key.chars().count();
    if len < 4 {
        return None;
    }
    let max = if len < 8 { 1 } else { 2 };
    let mut best: Option<(usize, usize)> = None;
    for (name, idx) in &table.by_name {
        let Some(idx) = *idx else { continue };
        if name.chars().count().abs_diff(len) > max {
            continue;
        }
        let d = levenshtein(key, name);
        if d <= max && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, idx));
        }
    }
    best.map(|(_, i)| i)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        match country(input) {
            Ok(c) => assert_eq!(c.alpha3(), expected, "{input:?}"),
            Err(e) => panic!("{input:?}: {e}"),
        }
    }

    fn check_reject(input: &str) {
        assert!(
            country(input).is_err(),
            "{input:?} should be rejected, got {:?}",
            country(input)
        );
    }

    #[test]
    fn table_is_complete() {
        assert_eq!(countries().count(), 253);
        assert_eq!(countries().filter(|c| !c.is_icao_special()).count(), 249);
        for c in countries() {
            for l in Lang::ALL {
                assert!(!c.name(l).is_empty(), "{} has no {:?} name", c.alpha3(), l);
            }
        }
        let tun = country("TUN").unwrap();
        assert_eq!(tun.alpha2(), Some("TN"));
        assert_eq!(tun.numeric(), Some("788"));
        assert_eq!(tun.name(Lang::Ar), "تونس");
        assert_eq!(tun.name(Lang::Fr), "Tunisie");
        assert_eq!(tun.name(Lang::En), "Tunisia");
        assert_eq!(country("XXA").unwrap().alpha2(), None);
    }

    #[test]
    fn every_alias_line_resolves() {
        for line in ALIASES_CSV.lines() {
            if line.starts_with('#') || line.starts_with("alpha3,") || line.trim().is_empty() {
                continue;
            }
            let (alpha3, aliases) = line.split_once(',').unwrap();
            assert!(
                Country::from_alpha3(alpha3).is_some(),
                "unknown code in {line}"
            );
            for alias in aliases.split('|') {
                check(alias, alpha3);
            }
        }
    }

    #[test]
    fn codes() {
        check("TUN", "TUN");
        check("tun", "TUN");
        check("TN", "TUN");
        check("tn", "TUN");
        check("788", "TUN");
        check("4", "AFG");
        check("004", "AFG");
        check("XXA", "XXA");
        check("XXB", "XXB");
        check("xxc", "XXC");
        check("XXX", "XXX");
        check("UK", "GBR");
        check("D", "DEU");
    }

    #[test]
    fn names_in_three_languages() {
        check("Tunisie", "TUN");
        check("تونس", "TUN");
        check("tunisia", "TUN");
        check("Maroc", "MAR");
        check("Le Maroc", "MAR");
        check("المغرب", "MAR");
        check("مغرب", "MAR");
        check("Morocco", "MAR");
        check("Marocco", "MAR");
        check("Algérie", "DZA");
        check("ALGERIE", "DZA");
        check("l'Algérie", "DZA");
        check("الجزائر", "DZA");
        check("Égypte", "EGY");
        check("مِصْر", "EGY");
        check("Allemagne", "DEU");
        check("Germany", "DEU");
        check("ألمانيا", "DEU");
        check("Royaume-Uni", "GBR");
        check("Etats-Unis", "USA");
        check("Émirats arabes unis", "ARE");
        check("الإمارات", "ARE");
        check("الامارات العربية المتحدة", "ARE");
        check("Arabie Saoudite", "SAU");
        check("السعودية", "SAU");
        check("Côte d'Ivoire", "CIV");
        check("Cote d'Ivoire", "CIV");
        check("Ivory Coast", "CIV");
        check("Türkiye", "TUR");
        check("Turquie", "TUR");
        check("Syrian Arab Republic", "SYR");
        check("الجمهورية العربية السورية", "SYR");
        check("Iran, Islamic Republic of", "IRN");
        check("Pays-Bas", "NLD");
        check("Suède", "SWE");
        check("South Sudan", "SSD");
        check("Soudan", "SDN");
        check("جنوب السودان", "SSD");
        check("Sri Lanka", "LKA");
        check("Japon", "JPN");
        check("اليابان", "JPN");
        check("Brésil", "BRA");
    }

    #[test]
    fn demonyms_and_old_names() {
        check("Tunisien", "TUN");
        check("Tunisienne", "TUN");
        check("Tunisian", "TUN");
        check("تونسي", "TUN");
        check("تونسية", "TUN");
        check("تونسيّة", "TUN");
        check("مغربي", "MAR");
        check("جزائرية", "DZA");
        check("سوري", "SYR");
        check("ليبي", "LBY");
        check("السوداني", "SDN");
        check("لبنانية", "LBN");
        check("Marocain", "MAR");
        check("Zaïre", "COD");
        check("Burma", "MMR");
        check("Ceylon", "LKA");
        check("Persia", "IRN");
        check("Swaziland", "SWZ");
        check("Stateless", "XXA");
        check("عديم الجنسية", "XXA");
    }

    #[test]
    fn rejects() {
        check_reject("");
        check_reject("Atlantis");
        check_reject("ZZZ");
        check_reject("QQ");
        check_reject("999");
        check_reject("Tunisa");
        check_reject("Tunisa Republic of Nowhere");
        check_reject("مريخ");
    }

    #[test]
    fn reject_reason_suggests() {
        let e = country("Tunsie").unwrap_err();
        assert_eq!(e.suggestion.map(Country::alpha3), Some("TUN"));
        assert_eq!(
            e.to_string(),
            "'Tunsie' is not a known country; use an ISO 3166-1 code (e.g. TUN) or a name in Arabic, French or English (did you mean Tunisia, TUN?)"
        );
        let e = country("Atlantis").unwrap_err();
        assert_eq!(e.suggestion, None);
    }
}

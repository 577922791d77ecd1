//! Codelists: ISO 3166-1 countries, sex, age groups, ISCO-08, ISIC Rev.4, ISO 4217 currencies and
//! the enumerations of the record kinds, each with labels in Arabic, French and English.
//!
//! A [`Codelist`] is a static table of [`Code`]s. Parsing accepts the code itself (ASCII case,
//! spaces and hyphens ignored: `Forced Labour` → `forced_labour`) or any of its three labels,
//! compared after [`normalize`].

mod age;
mod country;
mod lists;
mod sex;

pub use age::AgeGroup;
pub use country::{countries, country, Country, UnknownCountry};
pub use lists::*;
pub use sex::Sex;

/// A language of the portal and of codelist labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Lang {
    Ar,
    Fr,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Ar, Lang::Fr, Lang::En];

    /// The BCP 47 tag: `ar`, `fr`, `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ar" => Some(Lang::Ar),
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
}

/// One entry of a codelist: the stored code and its labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub ar: &'static str,
    pub fr: &'static str,
    pub en: &'static str,
}

impl Code {
    pub fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ar => self.ar,
            Lang::Fr => self.fr,
            Lang::En => self.en,
        }
    }
}

/// A closed list of codes (an SDMX codelist).
#[derive(Debug, PartialEq, Eq)]
pub struct Codelist {
    /// Stable identifier, e.g. `direction`, `isco08_major`.
    pub id: &'static str,
    /// What the list is, in English, for messages ("border crossing direction").
    pub title: &'static str,
    pub codes: &'static [Code],
}

impl Codelist {
    /// The entry whose code is exactly `code`.
    pub fn get(&self, code: &str) -> Option<&'static Code> {
        self.codes.iter().find(|c| c.code == code)
    }

    /// Parses a value: the code (ASCII case-insensitive, ` ` and `-` read as `_`) or a label in
    /// any of the three languages (compared after [`normalize`]).
    pub fn parse(&self, value: &str) -> Option<&'static Code> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        let code_like = |c: &Code| {
            c.code.len() == value.len()
                && c.code.bytes().zip(value.bytes()).all(|(a, b)| {
                    let b = match b {
                        b' ' | b'-' => b'_',
                        b => b.to_ascii_lowercase(),
                    };
                    a.to_ascii_lowercase() == b
                })
        };
        if let Some(c) = self.codes.iter().find(|c| code_like(c)) {
            return Some(c);
        }
        let wanted = normalize(value);
        self.codes.iter().find(|c| {
            Lang::ALL
                .iter()
                .any(|&l| !c.label(l).is_empty() && normalize(c.label(l)) == wanted)
        })
    }

    /// `a, b, c` — the codes, for messages.
    pub fn code_summary(&self) -> String {
        let mut out = String::new();
        for (i, c) in self.codes.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(c.code);
        }
        out
    }
}

/// Folds a label or country name for matching: lower case, Latin accents stripped, Arabic
/// tashkeel and tatweel removed, alef forms (أ إ آ ٱ) → ا, ة → ه, ى/ی → ي, ئ → ي, ؤ → و, ک → ك,
/// Arabic-Indic digits → ASCII, and every run of spaces or punctuation → one space (trimmed).
pub fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    normalize_into(s, &mut out);
    out
}

/// [`normalize`] into a caller's buffer (cleared first).
pub fn normalize_into(s: &str, out: &mut String) {
    out.clear();
    let mut pending_space = false;
    for c in s.chars() {
        if is_ignorable_mark(c) {
            continue;
        }
        if !c.is_alphanumeric() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        for lc in c.to_lowercase().filter(|lc| !is_ignorable_mark(*lc)) {
            match fold_char(lc) {
                Folded::Char(f) => out.push(f),
                Folded::Str(f) => out.push_str(f),
            }
        }
    }
}

/// Combining accents, Arabic tashkeel (harakat, shadda, sukun, dagger alef) and tatweel.
pub(crate) fn is_ignorable_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' | '\u{06D6}'..='\u{06ED}')
}

enum Folded {
    Char(char),
    Str(&'static str),
}

fn fold_char(c: char) -> Folded {
    use Folded::{Char, Str};
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => Char('a'),
        'æ' => Str("ae"),
        'ç' | 'ć' | 'č' => Char('c'),
        'ď' | 'đ' => Char('d'),
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' => Char('e'),
        'ğ' => Char('g'),
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' | 'į' => Char('i'),
        'ł' => Char('l'),
        'ñ' | 'ń' | 'ň' => Char('n'),
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => Char('o'),
        'œ' => Str("oe"),
        'ř' => Char('r'),
        'ś' | 'š' | 'ş' | 'ș' => Char('s'),
        'ß' => Str("ss"),
        'ţ' | 'ț' | 'ť' => Char('t'),
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => Char('u'),
        'ý' | 'ÿ' => Char('y'),
        'ź' | 'ż' | 'ž' => Char('z'),
        'أ' | 'إ' | 'آ' | 'ٱ' => Char('ا'),
        'ة' => Char('ه'),
        'ى' | 'ی' | 'ئ' => Char('ي'),
        'ؤ' => Char('و'),
        'ک' => Char('ك'),
        c => Char(ascii_digit(c).unwrap_or(c)),
    }
}

/// Arabic-Indic (٠-٩) and Extended Arabic-Indic (۰-۹) digits as ASCII.
pub(crate) fn ascii_digit(c: char) -> Option<char> {
    let base = match c {
        '\u{0660}'..='\u{0669}' => 0x0660,
        '\u{06F0}'..='\u{06F9}' => 0x06F0,
        _ => return None,
    };
    char::from_u32('0' as u32 + (c as u32 - base))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(normalize(input), expected, "normalize({input:?})");
    }

    #[test]
    fn normalize_cases() {
        check("  Côte d'Ivoire ", "cote d ivoire");
        check("TUNISIE", "tunisie");
        check("Émirats  arabes unis", "emirats arabes unis");
        check("Türkiye", "turkiye");
        check("الْمَغْرِب", "المغرب");
        check("الجـــزائر", "الجزاير");
        check("أنثى", "انثي");
        check("تونسيّة", "تونسيه");
        check("إيران", "ايران");
        check("São-Tomé-et-Príncipe", "sao tome et principe");
        check("١٢٣", "123");
        check("...", "");
        check("İstanbul", "istanbul");
    }

    fn check_code(list: &Codelist, input: &str, expected: Option<&str>) {
        assert_eq!(
            list.parse(input).map(|c| c.code),
            expected,
            "{}: {input:?}",
            list.id
        );
    }

    #[test]
    fn codelist_parse_cases() {
        check_code(&DIRECTION, "in", Some("in"));
        check_code(&DIRECTION, "OUT", Some("out"));
        check_code(&DIRECTION, "Entrée", Some("in"));
        check_code(&DIRECTION, "دخول", Some("in"));
        check_code(&EXPLOITATION_FORM, "Forced Labour", Some("forced_labour"));
        check_code(&EXPLOITATION_FORM, "forced-labour", Some("forced_labour"));
        check_code(&EXPLOITATION_FORM, "travail forcé", Some("forced_labour"));
        check_code(
            &ROUTE,
            "central mediterranean",
            Some("central_mediterranean"),
        );
        check_code(&DIRECTION, "sideways", None);
        check_code(&DIRECTION, "", None);
    }

    #[test]
    fn every_codelist_has_three_labels_and_unique_codes() {
        for list in ALL_CODELISTS {
            let mut seen = std::collections::HashSet::new();
            for c in list.codes {
                assert!(seen.insert(c.code), "{}: duplicate {}", list.id, c.code);
                for l in Lang::ALL {
                    assert!(
                        !c.label(l).is_empty(),
                        "{}: {} lacks {:?}",
                        list.id,
                        c.code,
                        l
                    );
                }
            }
        }
    }
}

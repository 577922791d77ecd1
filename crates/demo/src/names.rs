//! Embedded name lists (Arabic script with French-style and English-style transliterations) and
//! the spelling variants real registers produce: typos, transliteration swaps, MRZ upper case,
//! Arabic orthographic variants.

use rand::Rng;

/// One name in its three spellings.
#[derive(Debug, Clone)]
pub(crate) struct Name {
    pub ar: &'static str,
    pub fr: &'static str,
    pub en: &'static str,
}

/// A weighted list of names.
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub names: Vec<Name>,
    cumulative: Vec<u32>,
}

impl Table {
    fn push(&mut self, name: Name, weight: u32) {
        let last = self.cumulative.last().copied().unwrap_or(0);
        self.names.push(name);
        self.cumulative.push(last + weight.max(1));
    }

    /// Draws an index with the table's frequency skew.
    pub fn pick<R: Rng>(&self, rng: &mut R) -> u16 {
        let total = self.cumulative.last().copied().unwrap_or(0);
        if total == 0 {
            return 0;
        }
        let x = rng.gen_range(0..total);
        let i = self.cumulative.partition_point(|&c| c <= x);
        i.min(self.names.len().saturating_sub(1)) as u16
    }

    pub fn get(&self, i: u16) -> &Name {
        const EMPTY: Name = Name {
            ar: "",
            fr: "",
            en: "",
        };
        self.names.get(usize::from(i)).unwrap_or(&EMPTY)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.names.len()
    }
}

/// All name tables.
#[derive(Debug, Clone)]
pub(crate) struct Names {
    pub male: Table,
    pub female: Table,
    pub family: Table,
    pub af_male: Table,
    pub af_female: Table,
    pub af_family: Table,
}

const GIVEN_MALE: &str = include_str!("../data/given_male.txt");
const GIVEN_FEMALE: &str = include_str!("../data/given_female.txt");
const FAMILY: &str = include_str!("../data/family.txt");
const AFRICAN: &str = include_str!("../data/african.txt");

fn parse_into(table: &mut Table, fields: &[&'static str]) {
    if let [ar, fr, en, w] = fields {
        let weight = w.trim().parse().unwrap_or(1);
        table.push(
            Name {
                ar: ar.trim(),
                fr: fr.trim(),
                en: en.trim(),
            },
            weight,
        );
    }
}

fn lines(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| l.split('|').collect())
}

impl Names {
    /// Parses the embedded lists.
    pub fn load() -> Names {
        let mut male = Table::default();
        let mut female = Table::default();
        let mut family = Table::default();
        let mut af_male = Table::default();
        let mut af_female = Table::default();
        let mut af_family = Table::default();
        for f in lines(GIVEN_MALE) {
            parse_into(&mut male, &f);
        }
        for f in lines(GIVEN_FEMALE) {
            parse_into(&mut female, &f);
        }
        for f in lines(FAMILY) {
            parse_into(&mut family, &f);
        }
        for f in lines(AFRICAN) {
            match f.split_first() {
                Some((&"m", rest)) => parse_into(&mut af_male, rest),
                Some((&"f", rest)) => parse_into(&mut af_female, rest),
                Some((&"s", rest)) => parse_into(&mut af_family, rest),
                _ => {}
            }
        }
        Names {
            male,
            female,
            family,
            af_male,
            af_female,
            af_family,
        }
    }
}

/// Removes French diacritics (é → e, ï → i, ç → c ...).
pub(crate) fn strip_accents(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'à' | 'â' | 'ä' => 'a',
            'À' | 'Â' | 'Ä' => 'A',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'î' | 'ï' => 'i',
            'Î' | 'Ï' => 'I',
            'ô' | 'ö' => 'o',
            'Ô' | 'Ö' => 'O',
            'ù' | 'û' | 'ü' => 'u',
            'Ù' | 'Û' | 'Ü' => 'U',
            'ç' => 'c',
            'Ç' => 'C',
            other => other,
        })
        .collect()
}

/// The machine-readable-zone style the border police uses: upper case, no accents, hyphens and
/// apostrophes as spaces, single spaces.
pub(crate) fn mrz(s: &str) -> String {
    let plain: String = strip_accents(s)
        .to_uppercase()
        .chars()
        .map(|c| if c == '-' || c == '\'' { ' ' } else { c })
        .collect();
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Removes the character at `i` (counted in chars).
pub(crate) fn drop_letter(s: &str, i: usize) -> String {
    s.chars()
        .enumerate()
        .filter(|&(j, _)| j != i)
        .map(|(_, c)| c)
        .collect()
}

/// Writes the character at `i` twice.
pub(crate) fn double_letter(s: &str, i: usize) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for (j, c) in s.chars().enumerate() {
        out.push(c);
        if j == i {
            out.push(c);
        }
    }
    out
}

/// Swaps the characters at `i` and `i + 1`.
pub(crate) fn swap_letters(s: &str, i: usize) -> String {
    let mut chars: Vec<char> = s.chars().collect();
    if i + 1 < chars.len() {
        chars.swap(i, i + 1);
    }
    chars.into_iter().collect()
}

/// Replaces the first occurrence of `from` with `to`, keeping the case of the first letter.
fn replace_first_ci(s: &str, from: &str, to: &str) -> Option<String> {
    let lower = s.to_lowercase();
    if lower.len() != s.len() {
        return None;
    }
    let at = lower.find(from)?;
    let original = &s[at..at + from.len()];
    let upper_first = original.chars().next().is_some_and(char::is_uppercase);
    let all_upper = original.chars().all(|c| !c.is_lowercase()) && from.len() > 1;
    let replacement = if all_upper {
        to.to_uppercase()
    } else if upper_first {
        let mut cs = to.chars();
        cs.next()
            .map(|f| f.to_uppercase().chain(cs).collect())
            .unwrap_or_default()
    } else {
        to.to_string()
    };
    Some(format!(
        "{}{}{}",
        &s[..at],
        replacement,
        &s[at + from.len()..]
    ))
}

/// French `ou` ↔ English `u` (Youssef → Yussef, Yusuf → Yousuf).
pub(crate) fn ou_u(s: &str) -> String {
    if let Some(v) = replace_first_ci(s, "ou", "u") {
        return v;
    }
    replace_first_ci(s, "u", "ou").unwrap_or_else(|| s.to_string())
}

/// French `ch` ↔ English `sh` (Chedly → Shedly, Shadhli → Chadhli).
pub(crate) fn ch_sh(s: &str) -> String {
    if let Some(v) = replace_first_ci(s, "ch", "sh") {
        return v;
    }
    replace_first_ci(s, "sh", "ch").unwrap_or_else(|| s.to_string())
}

/// Spelling of a family name by another clerk: particle joined or dropped, doubled consonant
/// simplified (Ben Ali → Benali, Al-Tarabulsi → Tarabulsi, Hammami → Hamami).
pub(crate) fn family_alternative(s: &str) -> String {
    for (prefix, joined) in [
        ("Ben ", "Ben"),
        ("Bin ", "Bin"),
        ("Bel ", "Bel"),
        ("Bou ", "Bou"),
    ] {
        if let Some(rest) = s.strip_prefix(prefix) {
            return format!("{joined}{}", rest.to_lowercase());
        }
    }
    for prefix in ["Al-", "El-", "Al ", "El "] {
        if let Some(rest) = s.strip_prefix(prefix) {
            return rest.to_string();
        }
    }
    if let Some(rest) = s.strip_prefix("الم") {
        return format!("م{rest}");
    }
    if let Some(rest) = s.strip_prefix("ال") {
        return rest.to_string();
    }
    let chars: Vec<char> = s.chars().collect();
    for i in 1..chars.len() {
        if chars[i] == chars[i - 1] && chars[i].is_alphabetic() {
            return drop_letter(s, i);
        }
    }
    if !s.starts_with("El") && s.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
        return format!("El {s}");
    }
    s.to_string()
}

/// Arabic orthographic variants clerks produce: hamza forms written as bare alif, final tā'
/// marbūṭa as hā', alif maqṣūra as yā', "عبد ال..." written joined.
pub(crate) fn arabic_variant(s: &str) -> String {
    if s.contains("عبد ال") {
        return s.replacen("عبد ال", "عبدال", 1);
    }
    if s.contains(['أ', 'إ', 'آ']) {
        return s.replace(['أ', 'إ', 'آ'], "ا");
    }
    if let Some(rest) = s.strip_suffix('ة') {
        return format!("{rest}ه");
    }
    if let Some(rest) = s.strip_suffix('ى') {
        return format!("{rest}ي");
    }
    if let Some(rest) = s.strip_prefix("ال") {
        return rest.to_string();
    }
    s.to_string()
}

/// One random clerk's typo in a Latin-script name.
pub(crate) fn typo<R: Rng>(s: &str, rng: &mut R) -> String {
    let n = s.chars().count();
    if n < 4 {
        return s.to_string();
    }
    match rng.gen_range(0..6) {
        0 => drop_letter(s, rng.gen_range(1..n)),
        1 => double_letter(s, rng.gen_range(1..n)),
        2 => swap_letters(s, rng.gen_range(1..n - 1)),
        3 => ou_u(s),
        4 => ch_sh(s),
        _ => {
            // vowel confusion e/i, a/e
            let v = replace_first_ci(s, "e", "i")
                .or_else(|| replace_first_ci(s, "a", "e"))
                .unwrap_or_else(|| s.to_string());
            if v == s {
                drop_letter(s, n - 1)
            } else {
                v
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: fn(&str) -> String, input: &str, expected: &str) {
        assert_eq!(f(input), expected, "input {input:?}");
    }

    #[test]
    fn variants() {
        check(mrz, "Mohamed Ben Salah", "MOHAMED BEN SALAH");
        check(mrz, "Al-Tarabulsi", "AL TARABULSI");
        check(mrz, "Béchir", "BECHIR");
        check(mrz, "Traoré", "TRAORE");
        check(mrz, "  Abdul   Rahman ", "ABDUL RAHMAN");
        check(ou_u, "Youssef", "Yussef");
        check(ou_u, "Yusuf", "Yousuf");
        check(ou_u, "Ouertani", "Uertani");
        check(ou_u, "Adam", "Adam");
        check(ch_sh, "Chedly", "Shedly");
        check(ch_sh, "Shadhli", "Chadhli");
        check(ch_sh, "Hichem", "Hishem");
        check(ch_sh, "CHEBBI", "SHEBBI");
        check(family_alternative, "Ben Ali", "Benali");
        check(family_alternative, "Al-Tarabulsi", "Tarabulsi");
        check(family_alternative, "Hammami", "Hamami");
        check(family_alternative, "Trabelsi", "El Trabelsi");
        check(family_alternative, "الطرابلسي", "طرابلسي");
        check(family_alternative, "المنصوري", "منصوري");
        check(arabic_variant, "عبد الرحمن", "عبدالرحمن");
        check(arabic_variant, "أحمد", "احمد");
        check(arabic_variant, "إبراهيم", "ابراهيم");
        check(arabic_variant, "فاطمة", "فاطمه");
        check(arabic_variant, "مصطفى", "مصطفي");
        check(arabic_variant, "الشاذلي", "شاذلي");
        check(arabic_variant, "محمد", "محمد");
        check(|s| drop_letter(s, 3), "Mohamed", "Mohmed");
        check(|s| double_letter(s, 2), "Mohamed", "Mohhamed");
        check(|s| swap_letters(s, 1), "Mohamed", "Mhoamed");
        check(|s| drop_letter(s, 2), "Béchir", "Béhir");
    }

    #[test]
    fn tables_are_large_enough_and_skewed() {
        let n = Names::load();
        assert!(n.male.len() >= 100, "male {}", n.male.len());
        assert!(n.female.len() >= 100, "female {}", n.female.len());
        assert!(n.family.len() >= 200, "family {}", n.family.len());
        assert!(n.af_male.len() >= 30 && n.af_female.len() >= 30 && n.af_family.len() >= 40);
        for t in [
            &n.male,
            &n.female,
            &n.family,
            &n.af_male,
            &n.af_female,
            &n.af_family,
        ] {
            for name in &t.names {
                assert!(!name.ar.is_empty() && !name.fr.is_empty() && !name.en.is_empty());
                assert!(
                    name.ar
                        .chars()
                        .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c)),
                    "{name:?}"
                );
            }
        }
        let m = n.male.get(0);
        assert_eq!((m.ar, m.fr, m.en), ("محمد", "Mohamed", "Mohammed"));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let draws = 10_000;
        let mohamed = (0..draws).filter(|_| n.male.pick(&mut rng) == 0).count();
        assert!(
            mohamed > draws / 20 && mohamed < draws / 4,
            "Mohamed drawn {mohamed} times"
        );
    }

    use rand::SeedableRng;
}

//! Sex as recorded in travel documents (ICAO Doc 9303: M, F, X).

use super::{normalize, Lang, SEX};

/// Sex: `M`, `F` or `X` (unspecified / other, as in ICAO Doc 9303).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    M,
    F,
    X,
}

impl Sex {
    pub const ALL: [Sex; 3] = [Sex::M, Sex::F, Sex::X];

    pub fn code(self) -> &'static str {
        match self {
            Sex::M => "M",
            Sex::F => "F",
            Sex::X => "X",
        }
    }

    pub fn label(self, lang: Lang) -> &'static str {
        SEX.get(self.code()).map_or("", |c| c.label(lang))
    }

    /// Accepted spellings (case-, accent- and tashkeel-insensitive):
    ///
    /// | code | accepted |
    /// | --- | --- |
    /// | `M` | M, male, man, masculine, H, homme, masculin, ذكر, ذ, رجل |
    /// | `F` | F, female, woman, feminine, femme, féminin, أنثى, انثى, امرأة, مؤنث |
    /// | `X` | X, other, unspecified, autre, non précisé, آخر, غير محدد |
    ///
    /// Numeric codes (1/2) are deliberately *not* guessed: institutions disagree on them; a
    /// source that uses them says so in its mapping file.
    pub fn parse(s: &str) -> Option<Sex> {
        let s = s.trim();
        match s {
            "M" | "m" => return Some(Sex::M),
            "F" | "f" => return Some(Sex::F),
            "X" | "x" => return Some(Sex::X),
            _ => {}
        }
        match normalize(s).as_str() {
            "male" | "man" | "masculine" | "h" | "homme" | "masculin" | "ذكر" | "ذ" | "رجل" => {
                Some(Sex::M)
            }
            "female" | "woman" | "feminine" | "femme" | "feminin" | "انثي" | "امراه" | "مونث" => {
                Some(Sex::F)
            }
            "other" | "unspecified" | "autre" | "non precise" | "اخر" | "غير محدد" => {
                Some(Sex::X)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Option<Sex>) {
        assert_eq!(Sex::parse(input), expected, "{input:?}");
    }

    #[test]
    fn sex_spellings() {
        check("M", Some(Sex::M));
        check(" f ", Some(Sex::F));
        check("x", Some(Sex::X));
        check("Male", Some(Sex::M));
        check("FEMALE", Some(Sex::F));
        check("Homme", Some(Sex::M));
        check("H", Some(Sex::M));
        check("femme", Some(Sex::F));
        check("Féminin", Some(Sex::F));
        check("masculin", Some(Sex::M));
        check("ذكر", Some(Sex::M));
        check("أنثى", Some(Sex::F));
        check("انثى", Some(Sex::F));
        check("أُنْثَى", Some(Sex::F));
        check("autre", Some(Sex::X));
        check("1", None);
        check("2", None);
        check("MF", None);
        check("", None);
    }

    #[test]
    fn labels() {
        assert_eq!(Sex::F.label(Lang::Ar), "أنثى");
        assert_eq!(Sex::M.label(Lang::Fr), "Masculin");
        assert_eq!(Sex::X.label(Lang::En), "Unspecified");
    }
}

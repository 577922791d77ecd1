//! How one institution writes a person down: script, transliteration, clerks' typos, missing
//! father names, swapped day and month.

use chrono::{Datelike, NaiveDate};
use rand::Rng;

use crate::names::{self, Name, Names};
use crate::population::Person;

/// The writing system an institution uses for names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Script {
    Arabic,
    /// French-style transliteration, mixed case.
    French,
    /// English-style transliteration, mixed case.
    English,
    /// French-style transliteration, upper case without accents.
    Mrz,
}

/// How careful an institution's clerks are.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Care {
    /// Probability that one name has a typo.
    pub typo: f64,
    /// Probability that the father's name is left empty.
    pub no_father: f64,
    /// Probability of another spelling of the family name.
    pub family_alt: f64,
    /// Probability that the given name is spelled the "other" transliteration way.
    pub other_translit: f64,
    /// Probability that day and month of birth are swapped (when both ≤ 12).
    pub swap_day_month: f64,
}

/// A person's names as one institution writes them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Spelled {
    pub given: String,
    pub father: String,
    pub grandfather: String,
    pub family: String,
}

fn pick(n: &Name, script: Script) -> String {
    match script {
        Script::Arabic => n.ar.to_string(),
        Script::French | Script::Mrz => n.fr.to_string(),
        Script::English => n.en.to_string(),
    }
}

fn other(n: &Name, script: Script) -> String {
    match script {
        Script::Arabic => names::arabic_variant(n.ar),
        Script::French | Script::Mrz => n.en.to_string(),
        Script::English => n.fr.to_string(),
    }
}

/// Spells `p` the way an institution with `script` and `care` does.
pub(crate) fn spell<R: Rng>(
    p: &Person,
    names: &Names,
    script: Script,
    care: &Care,
    rng: &mut R,
) -> Spelled {
    let g = p.given_name(names);
    let mut s = Spelled {
        given: if rng.gen_bool(care.other_translit) {
            other(g, script)
        } else {
            pick(g, script)
        },
        father: pick(p.father_name(names), script),
        grandfather: pick(p.grandfather_name(names), script),
        family: pick(p.family_name(names), script),
    };
    if rng.gen_bool(care.family_alt) {
        s.family = names::family_alternative(&s.family);
    }
    if rng.gen_bool(care.typo) {
        let target = match rng.gen_range(0..3) {
            0 => &mut s.given,
            1 => &mut s.family,
            _ => &mut s.father,
        };
        *target = if script == Script::Arabic {
            names::arabic_variant(target)
        } else {
            names::typo(target, rng)
        };
    }
    if rng.gen_bool(care.no_father) {
        s.father.clear();
        s.grandfather.clear();
    }
    if script == Script::Mrz {
        s.given = names::mrz(&s.given);
        s.father = names::mrz(&s.father);
        s.grandfather = names::mrz(&s.grandfather);
        s.family = names::mrz(&s.family);
    }
    s
}

/// The birth date as the institution recorded it (day and month sometimes swapped).
pub(crate) fn birth<R: Rng>(p: &Person, care: &Care, rng: &mut R) -> NaiveDate {
    let b = p.birth;
    if b.day() <= 12 && b.day() != b.month() && rng.gen_bool(care.swap_day_month) {
        NaiveDate::from_ymd_opt(b.year(), b.day(), b.month()).unwrap_or(b)
    } else {
        b
    }
}

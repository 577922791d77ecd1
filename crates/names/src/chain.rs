//! Name chains: given name, father, grandfather, family name.

use crate::key::{units, NameKey, Particle, Unit};
use crate::similarity::jaro_winkler;

/// One part of a name chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamePart {
    /// The part's words, normalised (lower-case Latin without accents, or normalised Arabic),
    /// particles and articles included: `ben salah`, `al trabelsi`, `عبد الرحمن`.
    pub text: String,
    /// The part's phonetic key ([`crate::name_key`] of the part). A family name keeps its
    /// particle (`Ben Youssef` → `bnywsf`); a father's or grandfather's name does not
    /// (`ben Salah` as the father → `sla`).
    pub key: NameKey,
}

/// A person's name split into the parts of a Maghreb or Mashreq name chain
/// ("given [ben father [ben grandfather]] family"). Any part may be missing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameChain {
    /// The given name; several words when the name is compound (`Mohamed Amine` before a
    /// `ben`, `Mohamed-Amine` anywhere).
    pub given: Option<NamePart>,
    pub father: Option<NamePart>,
    pub grandfather: Option<NamePart>,
    pub family: Option<NamePart>,
    /// Further ancestors (a fourth `ben X`, or the middle parts of a long unlinked chain).
    pub others: Vec<NamePart>,
    /// The linking particles met, in order (`ben`, `bint`, `ould`).
    pub particles: Vec<Particle>,
}

impl NameChain {
    /// The parts present, in chain order: given, father, grandfather, others, family.
    pub fn parts(&self) -> impl Iterator<Item = &NamePart> + '_ {
        self.given
            .iter()
            .chain(self.father.iter())
            .chain(self.grandfather.iter())
            .chain(self.others.iter())
            .chain(self.family.iter())
    }
}

/// Splits a full name into its chain, in either script:
///
/// - `given ben father ben grandfather family` (Tunisia, the Maghreb): every `ben`/`bin`/
///   `ibn`/`bint`/`ould`/بن/ابن/بنت/ولد introduces an ancestor; what comes before the first
///   is the given name (all of it: `Mohamed Amine ben Salah` has the given name
///   `Mohamed Amine`); the words after the last ancestor are the family name. When nothing
///   follows the last `ben X`, that `ben X` is the family name (`Ahmed Ben Youssef`: Tunisian
///   family names are very often `Ben X`), the ones before it are the father and grandfather;
/// - without particles (the Mashreq): `given father grandfather family`: one word is the
///   given name, two are given and family, three given, father and family, four or more given,
///   father, grandfather, [others…], family;
/// - the family name first: the MRZ `TRABELSI<<MOHAMED<BEN<SALAH` (everything before `<<`) or
///   `Trabelsi, Mohamed ben Salah` (everything before the comma); the rest is read as above
///   without a family name;
/// - a single `<` is a space (`MOHAMED<BEN<SALAH<TRABELSI`); hyphenated words are one part
///   (`Mohamed-Amine`); compounds are one part (`Abd El Kader`, `Nour Eddine`, عبد الله);
///   articles stay in the part's text and leave its key (`Al-Trabelsi`).
///
/// Never fails: an empty name gives an empty chain.
pub fn split_chain(name: &str) -> NameChain {
    let units = merge_hyphenated(units(name));
    let mut chain = NameChain::default();
    if let Some(mark) = units
        .iter()
        .position(|u| u.after_family_mark)
        .filter(|&m| m > 0)
    {
        let (family, rest) = units.split_at(mark);
        chain.family = join(family, true);
        read_given_chain(rest, &mut chain, false);
    } else {
        read_given_chain(&units, &mut chain, true);
    }
    chain
}

/// Reads `given [ben father …] [family]`; `with_family` says whether a family name may be
/// at the end.
fn read_given_chain(units: &[Unit], chain: &mut NameChain, with_family: bool) {
    chain.particles.extend(units.iter().filter_map(|u| u.link));
    let Some(first_link) = units.iter().position(|u| u.link.is_some()) else {
        // No particles.
        let n = units.len();
        let ancestors_end = if with_family && n >= 2 { n - 1 } else { n };
        let mut it = units[..ancestors_end].iter();
        chain.given = it.next().map(part);
        chain.father = it.next().map(part);
        chain.grandfather = it.next().map(part);
        chain.others = it.map(part).collect();
        if with_family && n >= 2 {
            chain.family = units.last().map(part);
        }
        // Three words: given, father, family — not given, father, grandfather.
        return;
    };
    chain.given = join(&units[..first_link], true);
    let after = &units[first_link..];
    let mut ancestors: Vec<&Unit> = after.iter().filter(|u| u.link.is_some()).collect();
    let trailing: Vec<Unit> = after.iter().filter(|u| u.link.is_none()).cloned().collect();
    if with_family {
        if trailing.is_empty() {
            if let Some(last) = ancestors.pop() {
                chain.family = join(std::slice::from_ref(last), true);
            }
        } else {
            chain.family = join(&trailing, true);
        }
    } else if !trailing.is_empty() {
        // No family here (it came first): words after the ancestors are more given names
        // of the last ancestor; keep them as others so nothing is lost.
        chain.others.extend(trailing.iter().map(part));
    }
    let mut it = ancestors.into_iter();
    chain.father = it.next().map(part);
    chain.grandfather = it.next().map(part);
    let rest: Vec<NamePart> = it.map(part).collect();
    chain.others.splice(0..0, rest);
}

/// `Mohamed-Amine`: a unit joined by a hyphen to the previous one (neither linked) is part
/// of it.
fn merge_hyphenated(units: Vec<Unit>) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::with_capacity(units.len());
    for u in units {
        match out.last_mut() {
            Some(prev) if u.hyphenated && u.link.is_none() && !u.after_family_mark => {
                prev.key.push(' ');
                prev.key.push_str(&u.key);
                prev.text.push(' ');
                prev.text.push_str(&u.text);
            }
            _ => out.push(u),
        }
    }
    out
}

/// A part from one unit, without its linking particle in the key.
fn part(u: &Unit) -> NamePart {
    NamePart {
        text: strip_particle_text(u),
        key: NameKey::from_key(u.key.clone()),
    }
}

fn strip_particle_text(u: &Unit) -> String {
    if u.link.is_none() {
        return u.text.clone();
    }
    match u.text.split_once(' ') {
        Some((_, rest)) => rest.to_string(),
        None => u.text.clone(),
    }
}

/// Several units as one part; `with_link` keeps a particle in the key (`Ben Salah` as a
/// family name).
fn join(units: &[Unit], with_link: bool) -> Option<NamePart> {
    if units.is_empty() {
        return None;
    }
    let mut key = String::new();
    let mut text = String::new();
    for u in units {
        if !key.is_empty() {
            key.push(' ');
        }
        if !text.is_empty() {
            text.push(' ');
        }
        match (u.link, with_link) {
            (Some(l), true) => {
                key.push_str(l.key());
                crate::key::glue(&mut key, &u.key);
                text.push_str(&u.text);
            }
            _ => {
                key.push_str(&u.key);
                text.push_str(&strip_particle_text(u));
            }
        }
    }
    Some(NamePart {
        text,
        key: NameKey::from_key(key),
    })
}

/// How alike two chains are, part by part: `None` where either side lacks the part, `1.0`
/// for the same key, else the Jaro-Winkler similarity of the keys.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChainComparison {
    pub given: Option<f64>,
    pub father: Option<f64>,
    pub grandfather: Option<f64>,
    pub family: Option<f64>,
}

/// The similarity of two name parts: `1.0` for the same key, else the Jaro-Winkler
/// similarity of their keys.
pub fn part_similarity(a: &NamePart, b: &NamePart) -> f64 {
    key_similarity(&a.key, &b.key)
}

/// The similarity of two keys: `1.0` when equal, else their Jaro-Winkler similarity.
pub fn key_similarity(a: &NameKey, b: &NameKey) -> f64 {
    if a == b {
        1.0
    } else {
        jaro_winkler(a.as_str(), b.as_str())
    }
}

/// Compares two chains part by part. A family name written `Ben X` on one side and missing on
/// the other, where the other has `X` as father, is not guessed at: the linker sees the
/// father and family comparisons as they are.
pub fn compare_chains(a: &NameChain, b: &NameChain) -> ChainComparison {
    let cmp = |x: &Option<NamePart>, y: &Option<NamePart>| match (x, y) {
        (Some(x), Some(y)) => Some(part_similarity(x, y)),
        _ => None,
    };
    ChainComparison {
        given: cmp(&a.given, &b.given),
        father: cmp(&a.father, &b.father),
        grandfather: cmp(&a.grandfather, &b.grandfather),
        family: cmp(&a.family, &b.family),
    }
}

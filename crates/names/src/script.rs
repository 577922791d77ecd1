//! Which script a name is written in, and Latin names typed on an Arabic keyboard layout.

use crate::arabic::{is_arabic_block, is_arabic_letter};
use crate::latin::{fold_char, is_combining};
use crate::lexicon;

/// The script of a name, from its letters only (digits, punctuation and marks do not count).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Script {
    /// No letters at all (empty, digits, punctuation).
    None,
    Arabic,
    Latin,
    /// Letters of more than one script (`محمد Ben Ali`), or of Arabic/Latin and another.
    Mixed,
    /// Letters of another script only (Cyrillic, Greek…).
    Other,
}

/// Detects the script of a name.
pub fn detect_script(s: &str) -> Script {
    let (mut arabic, mut latin, mut other) = (false, false, false);
    for c in s.chars() {
        if c.is_ascii_alphabetic() || (!c.is_ascii() && fold_char(c, false).is_some()) {
            latin = true;
        } else if is_arabic_block(c) {
            arabic |= is_arabic_letter(c);
        } else if is_combining(c) {
            // Accents of a decomposed Latin letter.
        } else if !c.is_ascii() && c.is_alphabetic() {
            other = true;
        }
    }
    match (arabic, latin, other) {
        (false, false, false) => Script::None,
        (true, false, false) => Script::Arabic,
        (false, true, false) => Script::Latin,
        (false, false, true) => Script::Other,
        _ => Script::Mixed,
    }
}

/// The Latin keyboard a mistyped name was recovered for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Keyboard {
    /// Keys as labelled on a QWERTY keyboard (English, and the Arabic 101 layout's own
    /// labels).
    Qwerty,
    /// Keys as labelled on a French AZERTY keyboard (Maghreb offices): A/Q and Z/W swapped,
    /// M where QWERTY has `;`.
    Azerty,
}

/// A Latin name recovered from text typed on the Arabic layout by mistake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutRecovery {
    /// The recovered name, lower case (`mohamed`).
    pub text: String,
    pub keyboard: Keyboard,
    /// Every word of the recovered name is in the crate's list of frequent names.
    pub known_name: bool,
}

/// The Arabic (101) layout: the Arabic letter each QWERTY key gives, unshifted, then the
/// shifted keys that give letters (hamza forms).
const LAYOUT: [(char, char); 37] = [
    ('`', 'ذ'),
    ('q', 'ض'),
    ('w', 'ص'),
    ('e', 'ث'),
    ('r', 'ق'),
    ('t', 'ف'),
    ('y', 'غ'),
    ('u', 'ع'),
    ('i', 'ه'),
    ('o', 'خ'),
    ('p', 'ح'),
    ('[', 'ج'),
    (']', 'د'),
    ('a', 'ش'),
    ('s', 'س'),
    ('d', 'ي'),
    ('f', 'ب'),
    ('g', 'ل'),
    ('h', 'ا'),
    ('j', 'ت'),
    ('k', 'ن'),
    ('l', 'م'),
    (';', 'ك'),
    ('\'', 'ط'),
    ('z', 'ئ'),
    ('x', 'ء'),
    ('c', 'ؤ'),
    ('v', 'ر'),
    ('n', 'ى'),
    ('m', 'ة'),
    (',', 'و'),
    ('.', 'ز'),
    ('/', 'ظ'),
    ('h', 'أ'),
    ('n', 'آ'),
    ('y', 'إ'),
    ('b', 'ﻻ'),
];

fn key_of(c: char) -> Option<char> {
    LAYOUT.iter().find(|&&(_, a)| a == c).map(|&(k, _)| k)
}

fn azerty(k: char) -> Option<char> {
    match k {
        'a' => Some('q'),
        'q' => Some('a'),
        'w' => Some('z'),
        'z' => Some('w'),
        ';' => Some('m'),
        'm' => None,
        c if c.is_ascii_lowercase() => Some(c),
        _ => None,
    }
}

/// Detects a Latin name typed while the keyboard was set to the Arabic layout (`ةخاشةثي` is
/// `mohamed` typed on QWERTY keys) and recovers it.
///
/// Returns `Some` only when the text is Arabic letters that the layout maps back to Latin
/// letters making a pronounceable name, and either the Arabic is not plausible Arabic (ة or
/// ى inside a word, a word starting with ء, ئ or ؤ…) or every recovered word is a frequent
/// name. `لا` is tried both as the one key B and as the two keys G and H.
pub fn recover_arabic_layout(s: &str) -> Option<LayoutRecovery> {
    let words: Vec<Vec<char>> = s
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().collect())
        .collect();
    if words.is_empty() || words.iter().flatten().any(|&c| !is_arabic_letter(c)) {
        return None;
    }
    let implausible = words.iter().any(|w| implausible_arabic(w));
    let mut best: Option<LayoutRecovery> = None;
    for keyboard in [Keyboard::Qwerty, Keyboard::Azerty] {
        let mut text = String::new();
        let mut known = true;
        for (wi, w) in words.iter().enumerate() {
            let Some(latin) = recover_word(w, keyboard) else {
                known = false;
                text.clear();
                break;
            };
            known &= latin.1;
            if wi > 0 {
                text.push(' ');
            }
            text.push_str(&latin.0);
        }
        if text.is_empty() {
            continue;
        }
        if !(implausible || known) {
            continue;
        }
        let better = match &best {
            None => true,
            Some(b) => known && !b.known_name,
        };
        if better {
            best = Some(LayoutRecovery {
                text,
                keyboard,
                known_name: known,
            });
        }
    }
    best
}

/// The best Latin reading of one word on `keyboard`, and whether it is a frequent name.
fn recover_word(w: &[char], keyboard: Keyboard) -> Option<(String, bool)> {
    // Each لا is either the key B or the keys G H: at most 2^3 readings.
    let pairs: Vec<usize> = (0..w.len().saturating_sub(1))
        .filter(|&i| w[i] == 'ل' && matches!(w[i + 1], 'ا' | 'أ' | 'إ' | 'آ'))
        .take(3)
        .collect();
    let mut best: Option<(String, bool)> = None;
    for mask in 0u32..(1 << pairs.len()) {
        let mut out = String::new();
        let mut i = 0;
        let mut ok = true;
        while i < w.len() {
            let as_b = pairs
                .iter()
                .position(|&p| p == i)
                .is_some_and(|bit| mask & (1 << bit) != 0);
            let key = if as_b {
                i += 1;
                Some('b')
            } else if w[i] == 'ﻻ' {
                Some('b')
            } else {
                key_of(w[i])
            };
            i += 1;
            let key = match (key, keyboard) {
                (Some(k), Keyboard::Qwerty) => Some(k).filter(char::is_ascii_lowercase),
                (Some(k), Keyboard::Azerty) => azerty(k),
                (None, _) => None,
            };
            match key {
                Some(k) => out.push(k),
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if !ok || !pronounceable(&out) {
            continue;
        }
        let known = lexicon::is_known(&out);
        let better = match &best {
            None => true,
            Some(b) => known && !b.1,
        };
        if better {
            best = Some((out, known));
        }
    }
    best
}

/// Looks like a name in Latin letters: a vowel, no more than three consonants or three
/// vowels in a row, at least two letters.
fn pronounceable(w: &str) -> bool {
    let vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    let b = w.as_bytes();
    if b.len() < 2 || !b.iter().copied().any(vowel) {
        return false;
    }
    let (mut cons, mut vows) = (0, 0);
    for &c in b {
        if vowel(c) {
            vows += 1;
            cons = 0;
        } else {
            cons += 1;
            vows = 0;
        }
        if cons > 3 || vows > 3 {
            return false;
        }
    }
    true
}

/// Arabic spelling no Arabic name has: ة or ى before the end of a word, a word starting with
/// ء, ئ, ؤ, ة or ى, the same letter three times in a row.
fn implausible_arabic(w: &[char]) -> bool {
    let n = w.len();
    w.iter().enumerate().any(|(i, &c)| {
        (i + 1 < n && matches!(c, 'ة' | 'ى'))
            || (i == 0 && matches!(c, 'ء' | 'ئ' | 'ؤ' | 'ة' | 'ى'))
            || (i >= 2 && c == w[i - 1] && c == w[i - 2])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts() {
        let check = |s: &str, expected: Script| assert_eq!(detect_script(s), expected, "{s:?}");
        check("محمد", Script::Arabic);
        check("مُحَمَّد", Script::Arabic);
        check("Mohamed Ben Ali", Script::Latin);
        check("MOHAMED<BEN<ALI", Script::Latin);
        check("Hélène", Script::Latin);
        check("Çelik", Script::Latin);
        check("محمد Ben", Script::Mixed);
        check("Дмитрий", Script::Other);
        check("Дмитрий Ivanov", Script::Mixed);
        check("123", Script::None);
        check("", Script::None);
        check("  - ", Script::None);
        check("١٢٣", Script::None);
        check("ﻣﺤﻤﺪ", Script::Arabic);
    }
}

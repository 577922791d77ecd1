//! Arabic-script normalisation.

use crate::latin::{is_invisible, push_sep};

/// What one character becomes before the lossy steps of [`normalize_arabic`]:
///
/// - `Skip`: tashkeel (harakat, tanween, shadda, sukun, superscript alef, Quranic marks) and
///   tatweel; invisible characters;
/// - `Letter(c)`: alef forms folded to `ا`, Persian/Urdu/Maghreb letters folded to the Arabic
///   letter they stand for, presentation forms (old PDFs) folded to the base letter; `ة`, `ى`,
///   `ء`, `ؤ`, `ئ` are kept here (the phonetic key needs them);
/// - `Pair`: the lam-alef ligatures; `Word`: the ligature ﷲ (Allah) as `الله`;
/// - `Digit`: Arabic-Indic and Eastern Arabic-Indic digits as ASCII;
/// - `Space`: Arabic punctuation (، ؛ ؟ ۔) and whitespace;
/// - `Other`: anything else, kept as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Base {
    Skip,
    Letter(char),
    Pair(char, char),
    Word(&'static str),
    Digit(char),
    Space,
    Other(char),
}

pub(crate) fn base(c: char) -> Base {
    match c {
        // Tashkeel: Quranic marks, harakat/tanween/shadda/sukun and the rest of the block's
        // combining marks, superscript alef, Quranic annotation signs; tatweel.
        '\u{0610}'..='\u{061A}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{06D6}'..='\u{06DC}'
        | '\u{06DF}'..='\u{06E4}'
        | '\u{06E7}'
        | '\u{06E8}'
        | '\u{06EA}'..='\u{06ED}'
        | '\u{08D3}'..='\u{08FF}'
        | '\u{0640}'
        | '\u{FE70}'..='\u{FE7F}' => Base::Skip,
        c if is_invisible(c) => Base::Skip,
        'أ' | 'إ' | 'آ' | 'ٱ' | 'ٲ' | 'ٳ' | 'ٵ' => Base::Letter('ا'),
        'پ' => Base::Letter('ب'),
        'چ' => Base::Letter('ج'),
        'ژ' => Base::Letter('ز'),
        // گ is /g/: in Persian, Kurdish, Iraqi and Gulf usage it stands where Arabic writes ك
        // or ق, which the phonetic key merges anyway.
        'گ' | 'ک' | 'ڪ' | 'ڭ' => Base::Letter('ك'),
        'ی' | 'ې' | 'ۍ' | 'ێ' => Base::Letter('ي'),
        'ۀ' | 'ہ' | 'ھ' | 'ە' => Base::Letter('ه'),
        'ۃ' => Base::Letter('ة'),
        'ڤ' | 'ڥ' => Base::Letter('ف'),
        // ڨ (Algeria, Tunisia) and ڧ write the /g/ of ق.
        'ڨ' | 'ڧ' => Base::Letter('ق'),
        'ٹ' => Base::Letter('ت'),
        'ڈ' => Base::Letter('د'),
        'ڑ' => Base::Letter('ر'),
        'ں' => Base::Letter('ن'),
        'ۆ' | 'ۇ' | 'ۈ' | 'ۋ' | 'ۏ' => Base::Letter('و'),
        'ٸ' => Base::Letter('ئ'),
        'ٶ' => Base::Letter('ؤ'),
        '٠'..='٩' => Base::Digit(char::from(b'0' + (c as u32 - 0x0660) as u8)),
        '۰'..='۹' => Base::Digit(char::from(b'0' + (c as u32 - 0x06F0) as u8)),
        '،' | '؛' | '؟' | '۔' | '٪' | '٫' | '٬' => Base::Space,
        '\u{FE80}'..='\u{FEFC}' => presentation(c),
        '\u{FDF2}' => Base::Word("الله"),
        c if c.is_whitespace() => Base::Space,
        c if is_arabic_letter(c) => Base::Letter(c),
        c => Base::Other(c),
    }
}

/// Arabic Presentation Forms-B (U+FE80–U+FEFC): each letter's isolated, final, initial and
/// medial shapes, in order, folded to the base letter (alef forms to `ا`).
fn presentation(c: char) -> Base {
    const SHAPES: [(u32, char); 36] = [
        (0xFE80, 'ء'),
        (0xFE81, 'ا'), // آ
        (0xFE83, 'ا'), // أ
        (0xFE85, 'ؤ'),
        (0xFE87, 'ا'), // إ
        (0xFE89, 'ئ'),
        (0xFE8D, 'ا'),
        (0xFE8F, 'ب'),
        (0xFE93, 'ة'),
        (0xFE95, 'ت'),
        (0xFE99, 'ث'),
        (0xFE9D, 'ج'),
        (0xFEA1, 'ح'),
        (0xFEA5, 'خ'),
        (0xFEA9, 'د'),
        (0xFEAB, 'ذ'),
        (0xFEAD, 'ر'),
        (0xFEAF, 'ز'),
        (0xFEB1, 'س'),
        (0xFEB5, 'ش'),
        (0xFEB9, 'ص'),
        (0xFEBD, 'ض'),
        (0xFEC1, 'ط'),
        (0xFEC5, 'ظ'),
        (0xFEC9, 'ع'),
        (0xFECD, 'غ'),
        (0xFED1, 'ف'),
        (0xFED5, 'ق'),
        (0xFED9, 'ك'),
        (0xFEDD, 'ل'),
        (0xFEE1, 'م'),
        (0xFEE5, 'ن'),
        (0xFEE9, 'ه'),
        (0xFEED, 'و'),
        (0xFEEF, 'ى'),
        (0xFEF1, 'ي'),
    ];
    let u = c as u32;
    if u >= 0xFEF5 {
        return Base::Pair('ل', 'ا');
    }
    let mut letter = 'ء';
    for &(start, l) in &SHAPES {
        if u >= start {
            letter = l;
        }
    }
    Base::Letter(letter)
}

/// True for the letters of the Arabic script (base block, supplement, extended-A and the
/// presentation forms), not for its digits, punctuation or marks.
pub(crate) fn is_arabic_letter(c: char) -> bool {
    matches!(c,
        '\u{0620}'..='\u{063F}'
        | '\u{0641}'..='\u{064A}'
        | '\u{066E}'..='\u{066F}'
        | '\u{0671}'..='\u{06D3}'
        | '\u{06D5}'
        | '\u{06EE}'..='\u{06EF}'
        | '\u{06FA}'..='\u{06FC}'
        | '\u{06FF}'
        | '\u{0750}'..='\u{077F}'
        | '\u{08A0}'..='\u{08C9}'
        | '\u{FB50}'..='\u{FDFF}'
        | '\u{FE80}'..='\u{FEFC}')
}

/// True for any character of the Arabic blocks (letters, marks, digits, punctuation).
pub(crate) fn is_arabic_block(c: char) -> bool {
    matches!(c,
        '\u{0600}'..='\u{06FF}'
        | '\u{0750}'..='\u{077F}'
        | '\u{0870}'..='\u{08FF}'
        | '\u{FB50}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFF}')
}

/// The lossy letter folds of [`normalize_arabic`] applied after [`base`].
pub(crate) fn fold_letter(c: char) -> Option<char> {
    match c {
        'ى' => Some('ي'),
        'ة' => Some('ه'),
        'ؤ' => Some('و'),
        'ئ' => Some('ي'),
        'ء' => None,
        c => Some(c),
    }
}

/// Normalises a name written in Arabic script, for display-independent comparison.
///
/// - tashkeel removed: fatha, damma, kasra, tanween, shadda, sukun, superscript (dagger)
///   alef, Quranic marks; tatweel (ـ) removed;
/// - alef forms `أ إ آ ٱ` → `ا`;
/// - `ى` (alef maqsura) → `ي`;
/// - `ة` (ta marbuta) → `ه`: the choice of most Arabic search engines. In names ة is only
///   ever final and pronounced like a final ه (فاطمة / فاطمه are both written); mapping it
///   to ت would split those. The phonetic key ([`crate::name_key`]) still reads the original
///   ة as a final vowel;
/// - hamza carriers: `ؤ` → `و`, `ئ` → `ي`; a standalone `ء` is dropped;
/// - Persian, Urdu and Maghreb letters: `پ` → `ب`, `چ` → `ج` (Iraqi and Gulf usage: چ is /tʃ/,
///   closest to ج), `ژ` → `ز`, `گ` → `ك` (a /g/, written where Arabic has ك or ق), `ک` → `ك`,
///   `ی` → `ي`, `ۀ ہ ھ` → `ه`, `ڤ` → `ف` (the /v/ of the Mashreq; in the Maghreb ڤ often
///   writes /g/, which this crate cannot tell apart), `ڨ` → `ق` (the Algerian and Tunisian /g/);
/// - Arabic presentation forms (from old PDF exports) folded to their letters, lam-alef
///   ligatures to `لا`;
/// - Arabic-Indic (٠–٩) and Eastern Arabic-Indic (۰–۹) digits → ASCII digits;
/// - zero-width characters and direction marks removed; Arabic punctuation (، ؛ ؟) and all
///   whitespace collapsed to single spaces, none at either end.
///
/// Characters of other scripts are kept as they are.
pub fn normalize_arabic(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        match base(c) {
            Base::Skip => {}
            Base::Space => space = true,
            Base::Letter(l) => {
                if let Some(f) = fold_letter(l) {
                    push_sep(&mut out, &mut space);
                    out.push(f);
                }
            }
            Base::Pair(a, b) => {
                push_sep(&mut out, &mut space);
                out.push(a);
                out.push(b);
            }
            Base::Word(w) => {
                push_sep(&mut out, &mut space);
                out.push_str(w);
            }
            Base::Digit(d) | Base::Other(d) => {
                push_sep(&mut out, &mut space);
                out.push(d);
            }
        }
    }
    out
}

//! Latin-script normalisation: case folding, accents removed, punctuation and the MRZ filler
//! turned into spaces, whitespace collapsed.

/// What one non-ASCII Latin character becomes.
///
/// `phonetic` asks for the transliteration value of the letters of the scholarly Arabic
/// romanisations (ISO 233, ALA-LC, DIN 31635): `š` is `sh`, `ḫ` is `kh`, `ṯ` is `th`, `ç` is `s`…
/// Without it, accents are simply removed (`š` is `s`, `ç` is `c`). `None`: not a Latin letter
/// this table knows (the caller keeps it or drops it).
pub(crate) fn fold_char(c: char, phonetic: bool) -> Option<&'static str> {
    if phonetic {
        let special = match c {
            'ç' | 'Ç' => "s",
            'š' | 'Š' => "sh",
            'ǧ' | 'Ǧ' => "j",
            'ḫ' | 'Ḫ' | 'ẖ' => "kh",
            'ġ' | 'Ġ' => "gh",
            'ṯ' | 'Ṯ' | 'þ' | 'Þ' => "th",
            'ḏ' | 'Ḏ' | 'ð' | 'Ð' | 'ẓ' | 'Ẓ' => "dh",
            _ => "",
        };
        if !special.is_empty() {
            return Some(special);
        }
    }
    let s = match c {
        'À'..='Å' | 'à'..='å' | 'Ā'..='ą' | 'Ǎ' | 'ǎ' | 'Ạ' | 'ạ' | 'Ả' | 'ả' => {
            "a"
        }
        'Æ' | 'æ' => "ae",
        'Ç' | 'ç' | 'Ć'..='č' => "c",
        'Ď'..='đ' | 'Ḍ' | 'ḍ' | 'Ḏ' | 'ḏ' | 'ð' | 'Ð' => "d",
        'È'..='Ë' | 'è'..='ë' | 'Ē'..='ě' | 'Ẹ' | 'ẹ' | 'Ẽ' | 'ẽ' => "e",
        'Ĝ'..='ģ' | 'Ǧ' | 'ǧ' => "g",
        'Ĥ'..='ħ' | 'Ḥ' | 'ḥ' | 'Ḫ' | 'ḫ' | 'ẖ' => "h",
        'Ì'..='Ï' | 'ì'..='ï' | 'Ĩ'..='ı' | 'Ǐ' | 'ǐ' | 'Ị' | 'ị' => "i",
        'Ĳ' | 'ĳ' => "ij",
        'Ĵ' | 'ĵ' => "j",
        'Ķ' | 'ķ' | 'ĸ' => "k",
        'Ĺ'..='ł' => "l",
        'Ñ' | 'ñ' | 'Ń'..='ŋ' => "n",
        'Ò'..='Ö' | 'Ø' | 'ò'..='ö' | 'ø' | 'Ō'..='ő' | 'Ǒ' | 'ǒ' | 'Ọ' | 'ọ' => "o",
        'Œ' | 'œ' => "oe",
        'Ŕ'..='ř' => "r",
        'Ś'..='š' | 'Ṣ' | 'ṣ' | 'ſ' => "s",
        'ß' | 'ẞ' => "ss",
        'Ţ'..='ŧ' | 'Ṭ' | 'ṭ' | 'Ṯ' | 'ṯ' => "t",
        'Þ' | 'þ' => "th",
        'Ù'..='Ü' | 'ù'..='ü' | 'Ũ'..='ų' | 'Ǔ' | 'ǔ' | 'Ụ' | 'ụ' => "u",
        'Ŵ' | 'ŵ' => "w",
        'Ý' | 'ý' | 'ÿ' | 'Ŷ' | 'ŷ' | 'Ÿ' => "y",
        'Ź'..='ž' | 'Ẓ' | 'ẓ' => "z",
        _ => return None,
    };
    Some(s)
}

/// Apostrophes and the signs romanisations use for ʿayn and hamza. Removed from Latin names
/// (`Ma'moun` → `mamoun`); inside a phonetic key they only separate letters.
pub(crate) fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '’' | '‘' | '`' | '´' | 'ʼ' | 'ʻ' | 'ʽ' | 'ʾ' | 'ʿ' | 'ˈ' | '′'
    )
}

/// Combining marks (what a decomposed `é` leaves after its `e`).
pub(crate) fn is_combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// Characters that are nothing at all: zero-width spaces and joiners, direction marks and
/// embeddings, the byte-order mark, soft hyphens, the Arabic letter mark.
pub(crate) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
    )
}

/// Normalises a name written in Latin script.
///
/// - letters are lower-cased and their accents removed (`É` → `e`, `ç` → `c`, `ß` → `ss`,
///   `Œ` → `oe`, `ḥ` → `h`), decomposed accents (combining marks) too;
/// - apostrophes and ʿayn/hamza signs are removed (`Ma'moun` → `mamoun`, `Saʿid` → `said`);
/// - hyphens, dots, commas, underscores, `<` (the MRZ filler) and every other punctuation or
///   symbol become a space; digits are kept;
/// - zero-width characters and direction marks are removed;
/// - whitespace is collapsed to single spaces, with none at either end.
///
/// Characters of other scripts (Arabic, Cyrillic…) are kept lower-cased, so a mixed field
/// loses nothing; use [`crate::normalize_name`] to normalise both scripts at once.
pub fn normalize_latin(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            push_sep(&mut out, &mut space);
            out.push(c.to_ascii_lowercase());
        } else if is_apostrophe(c) || is_combining(c) || is_invisible(c) {
            continue;
        } else if let Some(f) = fold_char(c, false) {
            push_sep(&mut out, &mut space);
            out.push_str(f);
        } else if c.is_alphanumeric() {
            push_sep(&mut out, &mut space);
            out.extend(c.to_lowercase());
        } else {
            space = true;
        }
    }
    out
}

/// Pushes the pending space, if any, unless the output is still empty.
pub(crate) fn push_sep(out: &mut String, space: &mut bool) {
    if *space && !out.is_empty() {
        out.push(' ');
    }
    *space = false;
}

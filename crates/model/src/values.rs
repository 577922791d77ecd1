//! Value parsers: one raw string in, its canonical form (or a reason a data officer can act on)
//! out. Called by [`crate::validate`] once per field; allocation is limited to the returned value.

use std::borrow::Cow;
use std::cell::RefCell;

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{Datelike, Months, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::codes::{self, ascii_digit, Codelist, Sex};
use crate::kind::FieldType;

/// What a parser returns: the canonical value (borrowed from the input or a codelist when it
/// already is canonical) and, possibly, a warning about it.
pub(crate) struct Parsed1<'a> {
    pub value: Cow<'a, str>,
    pub warning: Option<String>,
}

impl<'a> From<Cow<'a, str>> for Parsed1<'a> {
    fn from(value: Cow<'a, str>) -> Self {
        Parsed1 {
            value,
            warning: None,
        }
    }
}

impl From<String> for Parsed1<'_> {
    fn from(value: String) -> Self {
        Cow::<str>::Owned(value).into()
    }
}

impl<'a> From<&'a str> for Parsed1<'a> {
    fn from(value: &'a str) -> Self {
        Cow::Borrowed(value).into()
    }
}

pub(crate) struct Env<'a> {
    pub today: NaiveDate,
    pub date_format: Option<&'a str>,
    pub datetime_format: Option<&'a str>,
}

/// Parses `raw` (already trimmed, non-empty) as a value of type `ty`.
pub(crate) fn parse_value<'a>(
    ty: FieldType,
    raw: &'a str,
    env: &Env<'_>,
) -> Result<Parsed1<'a>, String> {
    match ty {
        FieldType::Id => Ok(clean_text(raw).into()),
        FieldType::Text | FieldType::Name => Ok(collapse_text(raw).into()),
        FieldType::Date => date_field(raw, env, DateRule::Any),
        FieldType::PastDate => date_field(raw, env, DateRule::Past),
        FieldType::BirthDate => date_field(raw, env, DateRule::Birth),
        FieldType::PartialBirthDate => partial_birth_date(raw, env),
        FieldType::DateTime => date_time(raw, env),
        FieldType::Month => month(raw, env),
        FieldType::Year => year(raw, env.today),
        FieldType::Country => codes::country(raw)
            .map(|c| c.alpha3().into())
            .map_err(|e| e.reason()),
        FieldType::Currency => currency(raw),
        FieldType::Sex => sex(raw),
        FieldType::Isco => isco(raw),
        FieldType::Isic => isic(raw),
        FieldType::Count => integer(raw, 0, u64::MAX, "a count (a whole number, 0 or more)"),
        FieldType::Age => integer(raw, 0, 130, "an age in completed years (0 to 130)"),
        FieldType::Amount => number(
            raw,
            Comma::Ambiguous,
            Some(0.0),
            None,
            "an amount (0 or more)",
        ),
        FieldType::Percent => number(
            raw,
            Comma::Ambiguous,
            Some(0.0),
            Some(100.0),
            "a percentage (0 to 100)",
        ),
        FieldType::Weight => weight(raw),
        FieldType::Latitude => number(
            raw,
            Comma::Decimal,
            Some(-90.0),
            Some(90.0),
            "a latitude in decimal degrees (-90 to 90)",
        ),
        FieldType::Longitude => number(
            raw,
            Comma::Decimal,
            Some(-180.0),
            Some(180.0),
            "a longitude in decimal degrees (-180 to 180)",
        ),
        FieldType::DocumentNumber => Ok(document_number(raw).into()),
        FieldType::Phone => phone(raw),
        FieldType::Code(list) => code(list, raw),
        FieldType::CodeList(list) => code_list(list, raw),
    }
}

// ---------------------------------------------------------------- text

/// `s.trim()`, without looking at Unicode tables when both ends are ASCII and not whitespace.
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    let solid = |b: Option<&u8>| b.is_some_and(|&b| (0x21..0x80).contains(&b));
    let b = s.as_bytes();
    if solid(b.first()) && solid(b.last()) {
        s
    } else {
        s.trim()
    }
}

/// Zero-width characters, bidi controls and BOM that copy-paste leaves in Arabic data.
#[inline]
fn is_invisible(c: char) -> bool {
    if c.is_ascii() {
        // The ASCII controls except the whitespace ones (tab, line feed, VT, FF, CR), and DEL.
        return matches!(c, '\0'..='\u{08}' | '\u{0E}'..='\u{1F}' | '\u{7F}');
    }
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}')
        || (c.is_control() && !c.is_whitespace())
}

/// True when `s` has a character [`is_invisible`] removes.
#[inline]
fn has_invisible(s: &str) -> bool {
    // Printable ASCII needs no look at each character.
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return false;
    }
    s.chars().any(is_invisible)
}

fn clean_text(s: &str) -> Cow<'_, str> {
    if has_invisible(s) {
        Cow::Owned(
            s.chars()
                .filter(|c| !is_invisible(*c))
                .collect::<String>()
                .trim()
                .to_owned(),
        )
    } else {
        Cow::Borrowed(s)
    }
}

/// True when [`collapse_text`] would give `s` back unchanged: no invisible characters, no
/// whitespace but single spaces between words.
fn is_collapsed(s: &str) -> bool {
    let mut after_space = true;
    for c in s.chars() {
        if c == ' ' {
            if after_space {
                return false;
            }
            after_space = true;
        } else if c.is_whitespace() || is_invisible(c) {
            return false;
        } else {
            after_space = false;
        }
    }
    !after_space || s.is_empty()
}

/// Trimmed, invisible characters removed, each run of whitespace → one space.
pub(crate) fn collapse_text(s: &str) -> Cow<'_, str> {
    if is_collapsed(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for word in s.split(char::is_whitespace) {
        let word: Cow<'_, str> = clean_text(word);
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    Cow::Owned(out)
}

/// The writing system of a name: `arabic`, `latin`, `mixed` or `other`.
pub fn name_script(name: &str) -> &'static str {
    let (mut arabic, mut latin, mut other) = (false, false, false);
    // Only alphabetic characters count. Whether one is alphabetic is only asked (from the
    // Unicode tables) while its script has not been seen yet: afterwards the answer changes
    // nothing.
    for c in name.chars() {
        if c.is_ascii() {
            latin |= c.is_ascii_alphabetic();
            continue;
        }
        let seen = match c {
            '\u{0600}'..='\u{06FF}'
            | '\u{0750}'..='\u{077F}'
            | '\u{08A0}'..='\u{08FF}'
            | '\u{FB50}'..='\u{FDFF}'
            | '\u{FE70}'..='\u{FEFF}' => &mut arabic,
            '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => &mut latin,
            _ => &mut other,
        };
        if !*seen && c.is_alphabetic() {
            *seen = true;
        }
    }
    match (arabic, latin, other) {
        (true, false, false) => "arabic",
        (false, true, false) => "latin",
        (false, false, _) => "other",
        _ => "mixed",
    }
}

fn document_number(s: &str) -> Cow<'_, str> {
    // Printable ASCII without spaces: only upper-casing can change it.
    if s.bytes().all(|b| (0x21..0x7f).contains(&b)) {
        return if s.bytes().any(|b| b.is_ascii_lowercase()) {
            Cow::Owned(s.to_ascii_uppercase())
        } else {
            Cow::Borrowed(s)
        };
    }
    s.chars()
        .filter(|c| !c.is_whitespace() && !is_invisible(*c))
        .flat_map(|c| ascii_digit(c).unwrap_or(c).to_uppercase())
        .collect::<String>()
        .into()
}

/// True when `raw` already is a canonical phone number: an optional leading `+`, then 4 to 15
/// ASCII digits, not starting with `00`.
fn is_canonical_phone(raw: &str) -> bool {
    let digits = raw.strip_prefix('+').unwrap_or(raw);
    (4..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !raw.starts_with("00")
}

fn phone(raw: &str) -> Result<Parsed1<'_>, String> {
    if is_canonical_phone(raw) {
        return Ok(raw.into());
    }
    let mut out = String::with_capacity(raw.len());
    for (i, c) in raw.chars().enumerate() {
        match c {
            '+' if i == 0 => out.push('+'),
            ' ' | '-' | '.' | '(' | ')' | '/' | '\u{00A0}' => {}
            c if c.is_ascii_digit() => out.push(c),
            c if ascii_digit(c).is_some() => out.extend(ascii_digit(c)),
            c if is_invisible(c) => {}
            _ => {
                return Err(format!(
                    "'{raw}' is not a phone number; expected digits with an optional leading + (spaces, dashes and brackets are allowed)"
                ))
            }
        }
    }
    if let Some(rest) = out.strip_prefix("00") {
        out = format!("+{rest}");
    }
    let digits = out.bytes().filter(u8::is_ascii_digit).count();
    if digits < 4 {
        return Err(format!(
            "'{raw}' is not a phone number; it has fewer than 4 digits"
        ));
    }
    if digits > 15 {
        return Err(format!(
            "'{raw}' has {digits} digits; a phone number has at most 15 (ITU-T E.164)"
        ));
    }
    Ok(out.into())
}

// ---------------------------------------------------------------- codes

fn sex(raw: &str) -> Result<Parsed1<'_>, String> {
    match Sex::parse(raw) {
        Some(s) => Ok(s.code().into()),
        None if raw.bytes().all(|b| b.is_ascii_digit()) => Err(format!(
            "'{raw}' is not a sex code; use M, F or X (numeric codes such as 1/2 differ between institutions and are not guessed: map them in the source's mapping file)"
        )),
        None => Err(format!(
            "'{raw}' is not a sex code; use M, F or X (male/female, homme/femme, ذكر/أنثى are also accepted)"
        )),
    }
}

fn currency(raw: &str) -> Result<Parsed1<'_>, String> {
    if let Some(c) = codes::CURRENCY.parse(raw) {
        return Ok(c.code.into());
    }
    let key = codes::normalize(raw);
    let key = if key.is_empty() { raw } else { key.as_str() };
    if let Some((_, code)) = codes::CURRENCY_ALIASES.iter().find(|(a, _)| *a == key) {
        return Ok((*code).into());
    }
    if raw.len() == 3 && raw.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!(
            "'{raw}' is not one of the ISO 4217 currencies marsad knows ({}); ask the observatory to add it",
            codes::CURRENCY.code_summary()
        ));
    }
    Err(format!(
        "'{raw}' is not a known currency; use an ISO 4217 code such as USD, EUR or TND"
    ))
}

fn isco(raw: &str) -> Result<Parsed1<'_>, String> {
    let digits = to_ascii_digits(raw);
    if !digits.is_empty() && digits.len() <= 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(digits.into());
    }
    if let Some(c) = codes::ISCO08_MAJOR.parse(raw) {
        return Ok(c.code.into());
    }
    Err(format!(
        "'{raw}' is not an ISCO-08 code; give the major group (0-9) or a sub-major, minor or unit group code of 2 to 4 digits"
    ))
}

fn isic(raw: &str) -> Result<Parsed1<'_>, String> {
    let b = raw.as_bytes();
    if b.len() == 1 && b[0].is_ascii_alphabetic() {
        if let Some(c) = codes::ISIC4_SECTION.get(&raw.to_ascii_uppercase()) {
            return Ok(c.code.into());
        }
    }
    let digits = to_ascii_digits(raw);
    if (2..=4).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
        let division = digits.get(..2).and_then(|d| d.parse::<u8>().ok());
        if let Some(section) = division.and_then(codes::isic_section_of_division) {
            return Ok(Parsed1 {
                value: section.code.into(),
                warning: Some(format!(
                    "'{raw}' is an ISIC Rev.4 division or class; stored as its section {} ({})",
                    section.code, section.en
                )),
            });
        }
    }
    if let Some(c) = codes::ISIC4_SECTION.parse(raw) {
        return Ok(c.code.into());
    }
    Err(format!(
        "'{raw}' is not an ISIC Rev.4 section; use a letter from A to U"
    ))
}

fn code(list: &'static Codelist, raw: &str) -> Result<Parsed1<'static>, String> {
    match list.parse(raw) {
        Some(c) => Ok(c.code.into()),
        None => Err(format!(
            "'{raw}' is not a valid {} code; use one of: {}",
            list.title,
            list.code_summary()
        )),
    }
}

fn code_list(list: &'static Codelist, raw: &str) -> Result<Parsed1<'static>, String> {
    let mut found: Vec<&'static str> = Vec::new();
    let mut bad: Vec<&str> = Vec::new();
    for item in raw.split(';').map(str::trim).filter(|i| !i.is_empty()) {
        match list.parse(item) {
            Some(c) => found.push(c.code),
            None => bad.push(item),
        }
    }
    if !bad.is_empty() {
        let quoted: Vec<String> = bad.iter().map(|b| format!("'{b}'")).collect();
        return Err(format!(
            "{} {} not a valid {} code; separate codes with ; and use: {}",
            quoted.join(", "),
            if bad.len() == 1 { "is" } else { "are" },
            list.title,
            list.code_summary()
        ));
    }
    found.sort_unstable();
    found.dedup();
    Ok(found.join(";").into())
}

// ---------------------------------------------------------------- numbers

fn to_ascii_digits(s: &str) -> Cow<'_, str> {
    if s.is_ascii() {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.chars().map(|c| ascii_digit(c).unwrap_or(c)).collect())
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Comma {
    /// A single comma is always a decimal separator (coordinates).
    Decimal,
    /// Commas are thousands separators (whole numbers).
    Thousands,
    /// `1,5` is a decimal comma; `1,234` is ambiguous and rejected.
    Ambiguous,
}

/// Reads a decimal number into canonical text (`.` decimal separator, no leading `+`, no leading
/// or trailing zeros) and its value.
fn decimal(raw: &str, comma: Comma) -> Result<(String, f64), String> {
    let s = to_ascii_digits(raw);
    let s: String = s
        .chars()
        .filter(|c| !matches!(c, ' ' | '\u{00A0}' | '\u{202F}' | '\'' | '\u{066C}'))
        .map(|c| if c == '\u{066B}' { '.' } else { c })
        .collect();
    let not_a_number = || format!("'{raw}' is not a number");
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s.as_str()),
    };
    if body.is_empty()
        || !body
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
    {
        return Err(not_a_number());
    }
    let commas = body.matches(',').count();
    let dots = body.matches('.').count();
    let grouped = |sep: char, s: &str| -> bool {
        let mut parts = s.split(sep);
        let first_ok = parts.next().is_some_and(|p| (1..=3).contains(&p.len()));
        first_ok && parts.all(|p| p.len() == 3)
    };
    let (int_part, frac_part): (String, &str) = match (commas, dots) {
        (0, 0) => (body.to_owned(), ""),
        (0, 1) => {
            let (i, f) = body.split_once('.').unwrap_or((body, ""));
            (i.to_owned(), f)
        }
        (0, _) if grouped('.', body) => (body.replace('.', ""), ""),
        (1, 0) => {
            let (i, f) = body.split_once(',').unwrap_or((body, ""));
            match comma {
                Comma::Decimal => (i.to_owned(), f),
                Comma::Thousands if f.len() == 3 && (1..=3).contains(&i.len()) => (format!("{i}{f}"), ""),
                Comma::Thousands => return Err(format!("'{raw}' is not a whole number")),
                Comma::Ambiguous if f.len() == 3 => {
                    return Err(format!(
                        "'{raw}' is ambiguous (thousands or decimals?); write it without thousands separators and with . for decimals, e.g. {i}{f} or {i}.{f}"
                    ))
                }
                Comma::Ambiguous => (i.to_owned(), f),
            }
        }
        (_, 0) if comma != Comma::Decimal && grouped(',', body) => (body.replace(',', ""), ""),
        (_, 1) if body.rfind('.') > body.rfind(',') => {
            let (i, f) = body.rsplit_once('.').unwrap_or((body, ""));
            if !grouped(',', i) {
                return Err(not_a_number());
            }
            (i.replace(',', ""), f)
        }
        (1, _) if body.rfind(',') > body.rfind('.') => {
            let (i, f) = body.rsplit_once(',').unwrap_or((body, ""));
            if !grouped('.', i) {
                return Err(not_a_number());
            }
            (i.replace('.', ""), f)
        }
        _ => return Err(not_a_number()),
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(not_a_number());
    }
    let int_trim = int_part.trim_start_matches('0');
    let frac_trim = frac_part.trim_end_matches('0');
    let mut canonical = String::with_capacity(int_trim.len() + frac_trim.len() + 3);
    let is_zero = int_trim.is_empty() && frac_trim.is_empty();
    if neg && !is_zero {
        canonical.push('-');
    }
    canonical.push_str(if int_trim.is_empty() { "0" } else { int_trim });
    if !frac_trim.is_empty() {
        canonical.push('.');
        canonical.push_str(frac_trim);
    }
    let value: f64 = canonical.parse().map_err(|_| not_a_number())?;
    Ok((canonical, value))
}

fn number(
    raw: &str,
    comma: Comma,
    min: Option<f64>,
    max: Option<f64>,
    what: &str,
) -> Result<Parsed1<'static>, String> {
    let (canonical, value) = decimal(raw, comma).map_err(|e| format!("{e}; expected {what}"))?;
    if min.is_some_and(|m| value < m) || max.is_some_and(|m| value > m) {
        return Err(format!("'{raw}' is out of range; expected {what}"));
    }
    Ok(canonical.into())
}

fn integer(raw: &str, min: u64, max: u64, what: &str) -> Result<Parsed1<'static>, String> {
    let (canonical, value) =
        decimal(raw, Comma::Thousands).map_err(|e| format!("{e}; expected {what}"))?;
    if canonical.contains('.') {
        return Err(format!("'{raw}' is not a whole number; expected {what}"));
    }
    if value < 0.0 {
        return Err(format!("'{raw}' is negative; expected {what}"));
    }
    match canonical.parse::<u64>() {
        Ok(v) if (min..=max).contains(&v) => Ok(canonical.into()),
        _ => Err(format!("'{raw}' is out of range; expected {what}")),
    }
}

fn weight(raw: &str) -> Result<Parsed1<'static>, String> {
    let what = "a survey weight greater than 0";
    let (canonical, value) =
        decimal(raw, Comma::Decimal).map_err(|e| format!("{e}; expected {what}"))?;
    if value <= 0.0 {
        return Err(format!("'{raw}' is not greater than 0; expected {what}"));
    }
    Ok(canonical.into())
}

// ---------------------------------------------------------------- dates

#[derive(Clone, Copy)]
enum DateRule {
    /// 1900 to today + 100 years.
    Any,
    /// 1900 to today.
    Past,
    /// today − 120 years to today.
    Birth,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|n| n.pred_opt()).map_or(31, |d| d.day())
}

/// Why `year-month-day` is not a date, or the date.
fn ymd(raw: &str, year: i32, month: u32, day: u32) -> Result<NaiveDate, String> {
    if !(1..=12).contains(&month) {
        return Err(format!(
            "'{raw}' is not a valid date (there is no month {month})"
        ));
    }
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(|| {
        let name = MONTHS.get(month as usize - 1).copied().unwrap_or("");
        format!(
            "'{raw}' is not a valid date ({name} {year} has {} days)",
            days_in_month(year, month)
        )
    })
}

/// `dd/mm/yyyy` for `%d/%m/%Y`: the strftime format in words a data officer reads.
pub fn human_format(fmt: &str) -> String {
    let mut out = String::with_capacity(fmt.len() + 4);
    let mut chars = fmt.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = chars.next();
        if matches!(spec, Some('-' | '_' | '0')) {
            spec = chars.next();
        }
        let token = match spec {
            Some('d') | Some('e') => "dd",
            Some('m') => "mm",
            Some('Y') => "yyyy",
            Some('y') => "yy",
            Some('H') => "HH",
            Some('M') => "MM",
            Some('S') => "SS",
            Some('b') | Some('h') => "mon",
            Some('B') => "month",
            Some('F') => "yyyy-mm-dd",
            Some('T') => "HH:MM:SS",
            Some('R') => "HH:MM",
            Some('j') => "ddd",
            Some('%') | None => "%",
            Some(other) => {
                out.push('%');
                out.push(other);
                continue;
            }
        };
        out.push_str(token);
    }
    out
}

/// How many parsed formats a thread keeps (a source has one or two; a mapping a few more).
const FORMAT_CACHE: usize = 16;

thread_local! {
    /// Formats already turned into chrono items, so a format is parsed once, not once per value.
    static FORMATS: RefCell<Vec<(String, Vec<Item<'static>>)>> = const { RefCell::new(Vec::new()) };
}

fn parse_with(raw: &str, fmt: &str) -> Result<Parsed, ()> {
    let mut p = Parsed::new();
    let cached = FORMATS.with(|cell| {
        let mut cache = cell.try_borrow_mut().ok()?;
        let i = match cache.iter().position(|(f, _)| f == fmt) {
            Some(i) => i,
            None => {
                if cache.len() >= FORMAT_CACHE {
                    cache.clear();
                }
                // The same items, in the same order, as parsing the format on the fly gives
                // (`Item::Error` included), so the outcome cannot differ.
                let items = StrftimeItems::new(fmt).map(Item::to_owned).collect();
                cache.push((fmt.to_owned(), items));
                cache.len() - 1
            }
        };
        let (_, items) = cache.get(i)?;
        Some(chrono::format::parse(&mut p, raw, items.iter()))
    });
    match cached {
        Some(result) => result.map_err(|_| ())?,
        None => chrono::format::parse(&mut p, raw, StrftimeItems::new(fmt)).map_err(|_| ())?,
    }
    Ok(p)
}

/// `YYYY-MM-DD` (exactly, ASCII digits) as a valid date; `None` for anything else.
fn strict_iso_date(s: &str) -> Option<NaiveDate> {
    match iso_parts(s) {
        Some((y, Some(m), Some(d))) => NaiveDate::from_ymd_opt(y, m, d),
        _ => None,
    }
}

fn date_with_format(raw: &str, fmt: &str) -> Result<NaiveDate, String> {
    // An ISO format and a valid ISO date: chrono would read the same numbers.
    if matches!(fmt, "%Y-%m-%d" | "%F") {
        if let Some(date) = strict_iso_date(raw) {
            return Ok(date);
        }
    }
    let mismatch = || {
        format!(
            "'{raw}' does not match the date format {} ({fmt})",
            human_format(fmt)
        )
    };
    let p = parse_with(raw, fmt).map_err(|_| mismatch())?;
    match p.to_naive_date() {
        Ok(d) => Ok(d),
        Err(_) => match (p.year(), p.month(), p.day()) {
            (Some(y), Some(m), Some(d)) => ymd(raw, y, m, d),
            _ => Err(mismatch()),
        },
    }
}

/// Splits `YYYY-MM-DD`, `YYYY-MM` or `YYYY` (ASCII digits) into numbers.
fn iso_parts(s: &str) -> Option<(i32, Option<u32>, Option<u32>)> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(digits(0..4)?).ok()?;
    match b.len() {
        4 => Some((year, None, None)),
        7 if b[4] == b'-' => Some((year, Some(digits(5..7)?), None)),
        10 if b[4] == b'-' && b[7] == b'-' => {
            Some((year, Some(digits(5..7)?), Some(digits(8..10)?)))
        }
        _ => None,
    }
}

fn iso_date(raw: &str, s: &str) -> Result<NaiveDate, String> {
    // Spreadsheet exports often append a midnight time to dates.
    let s = s
        .strip_suffix("T00:00:00")
        .or_else(|| s.strip_suffix(" 00:00:00"))
        .or_else(|| s.strip_suffix(" 00:00"))
        .unwrap_or(s);
    match iso_parts(s) {
        Some((y, Some(m), Some(d))) => ymd(raw, y, m, d),
        _ => Err(format!(
            "'{raw}' is not a date in the form YYYY-MM-DD; if the source writes dates another way, set its date format in the mapping file"
        )),
    }
}

fn check_range(raw: &str, date: NaiveDate, rule: DateRule, today: NaiveDate) -> Result<(), String> {
    let min = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN);
    match rule {
        DateRule::Any | DateRule::Past if date < min => {
            Err(format!("'{raw}' is before 1900; check the year"))
        }
        DateRule::Past | DateRule::Birth if date > today => {
            Err(format!("'{raw}' is in the future (today is {today})"))
        }
        DateRule::Any
            if today
                .checked_add_months(Months::new(1200))
                .is_some_and(|max| date > max) =>
        {
            Err(format!(
                "'{raw}' is more than 100 years after today ({today}); check the year"
            ))
        }
        DateRule::Birth
            if today
                .checked_sub_months(Months::new(1440))
                .is_some_and(|min| date < min) =>
        {
            Err(format!(
                "'{raw}' is more than 120 years before today ({today}); check the year"
            ))
        }
        _ => Ok(()),
    }
}

/// `date` as `YYYY-MM-DD` (what chrono's `%Y-%m-%d` writes) for the years 0 to 9999; `None`
/// outside them (chrono then writes a sign).
fn iso_date_bytes(date: NaiveDate) -> Option<[u8; 10]> {
    let y = u32::try_from(date.year()).ok().filter(|y| *y <= 9999)?;
    let (m, d) = (date.month(), date.day());
    let digit = |n: u32| b'0' + (n % 10) as u8;
    Some([
        digit(y / 1000),
        digit(y / 100),
        digit(y / 10),
        digit(y),
        b'-',
        digit(m / 10),
        digit(m),
        b'-',
        digit(d / 10),
        digit(d),
    ])
}

/// The canonical text of a date: `raw` itself when it already is that text.
fn date_value(raw: &str, date: NaiveDate) -> Cow<'_, str> {
    match iso_date_bytes(date) {
        Some(iso) if iso == raw.as_bytes() => Cow::Borrowed(raw),
        Some(iso) => match std::str::from_utf8(&iso) {
            Ok(iso) => Cow::Owned(iso.to_owned()),
            Err(_) => Cow::Owned(date.format("%Y-%m-%d").to_string()),
        },
        None => Cow::Owned(date.format("%Y-%m-%d").to_string()),
    }
}

/// `dt` as `YYYY-MM-DDTHH:MM:SS`, what chrono's `%Y-%m-%dT%H:%M:%S` writes.
fn iso_date_time_text(dt: NaiveDateTime) -> String {
    match iso_date_bytes(dt.date()).and_then(|d| std::str::from_utf8(&d).ok().map(str::to_owned)) {
        Some(mut out) => {
            let (h, m, s) = (dt.hour(), dt.minute(), dt.second());
            // chrono writes a leap second (nanosecond ≥ 1e9) as second 60.
            let s = s + dt.nanosecond() / 1_000_000_000;
            for (sep, n) in [('T', h), (':', m), (':', s)] {
                out.push(sep);
                out.push(char::from(b'0' + (n / 10 % 10) as u8));
                out.push(char::from(b'0' + (n % 10) as u8));
            }
            out
        }
        None => dt.format("%Y-%m-%dT%H:%M:%S").to_string(),
    }
}

fn date_field<'a>(raw: &'a str, env: &Env<'_>, rule: DateRule) -> Result<Parsed1<'a>, String> {
    let s = to_ascii_digits(raw);
    let date = match env.date_format {
        Some(fmt) => date_with_format(&s, fmt)
            .map_err(|e| e.replace(&format!("'{s}'"), &format!("'{raw}'")))?,
        None => iso_date(raw, &s)?,
    };
    check_range(raw, date, rule, env.today)?;
    Ok(date_value(raw, date).into())
}

fn partial_birth_date<'a>(raw: &'a str, env: &Env<'_>) -> Result<Parsed1<'a>, String> {
    let s = to_ascii_digits(raw);
    let parts = iso_parts(&s);
    let full = match (env.date_format, parts) {
        // ISO partial dates are accepted whatever the source's format.
        (_, Some((y, Some(m), None))) => {
            let d = ymd(raw, y, m, 1).map_err(|_| format!("'{raw}' is not a valid month (there is no month {m})"))?;
            return partial_check(raw, d, last_of_month(d), env.today, format!("{y:04}-{m:02}"));
        }
        (_, Some((y, None, None))) => {
            let first = NaiveDate::from_ymd_opt(y, 1, 1).ok_or_else(|| format!("'{raw}' is not a valid year"))?;
            let last = NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(first);
            return partial_check(raw, first, last, env.today, format!("{y:04}"));
        }
        (Some(fmt), _) => date_with_format(&s, fmt)?,
        (None, _) => iso_date(raw, &s).map_err(|e| {
            if e.contains("not a date in the form") {
                format!("'{raw}' is not a birth date in the form YYYY-MM-DD, YYYY-MM or YYYY; if the source writes dates another way, set its date format in the mapping file")
            } else {
                e
            }
        })?,
    };
    check_range(raw, full, DateRule::Birth, env.today)?;
    Ok(date_value(raw, full).into())
}

fn last_of_month(d: NaiveDate) -> NaiveDate {
    NaiveDate::from_ymd_opt(d.year(), d.month(), days_in_month(d.year(), d.month())).unwrap_or(d)
}

/// A partial birth date is in the future when its first possible day is, too old when its last is.
fn partial_check(
    raw: &str,
    first: NaiveDate,
    last: NaiveDate,
    today: NaiveDate,
    value: String,
) -> Result<Parsed1<'static>, String> {
    if first > today {
        return Err(format!("'{raw}' is in the future (today is {today})"));
    }
    if today
        .checked_sub_months(Months::new(1440))
        .is_some_and(|min| last < min)
    {
        return Err(format!(
            "'{raw}' is more than 120 years before today ({today}); check the year"
        ));
    }
    Ok(value.into())
}

fn date_time(raw: &str, env: &Env<'_>) -> Result<Parsed1<'static>, String> {
    let s = to_ascii_digits(raw);
    let mut warning = None;
    let dt = match env.datetime_format {
        Some(fmt) => {
            let mismatch = || {
                format!(
                    "'{raw}' does not match the date-time format {} ({fmt})",
                    human_format(fmt)
                )
            };
            let p = parse_with(&s, fmt).map_err(|_| mismatch())?;
            match p.to_naive_datetime_with_offset(0) {
                Ok(dt) => dt,
                Err(_) => match (p.year(), p.month(), p.day()) {
                    (Some(y), Some(m), Some(d)) => {
                        ymd(raw, y, m, d)?;
                        return Err(mismatch());
                    }
                    _ => return Err(mismatch()),
                },
            }
        }
        None => {
            let (dt, offset_dropped) = iso_date_time(raw, &s)?;
            if offset_dropped {
                warning = Some(format!(
                    "'{raw}' has a time zone; stored as the local time written ({}), without the zone",
                    dt.format("%Y-%m-%dT%H:%M:%S")
                ));
            }
            dt
        }
    };
    check_range(raw, dt.date(), DateRule::Past, env.today)?;
    Ok(Parsed1 {
        value: iso_date_time_text(dt).into(),
        warning,
    })
}

fn iso_date_time(raw: &str, s: &str) -> Result<(NaiveDateTime, bool), String> {
    let shape = || {
        format!(
        "'{raw}' is not a date-time in the form YYYY-MM-DDTHH:MM:SS; if the source writes them another way, set its date-time format in the mapping file"
    )
    };
    let (date_part, time_part) = match (s.get(..10), s.get(10..)) {
        (Some(d), Some(t)) if t.starts_with(['T', ' ']) => (d, &t[1..]),
        _ => return Err(shape()),
    };
    let date = iso_date(raw, date_part)?;
    let mut time = time_part;
    let mut offset = false;
    if let Some(t) = time.strip_suffix(['Z', 'z']) {
        time = t;
        offset = true;
    } else if let Some(pos) = time.rfind(['+', '-']) {
        time = &time[..pos];
        offset = true;
    }
    if let Some((t, frac)) = time.split_once('.') {
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(shape());
        }
        time = t;
    }
    let t = NaiveTime::parse_from_str(time, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(time, "%H:%M"))
        .map_err(|_| {
            if time.len() >= 5 && time.as_bytes().get(2) == Some(&b':') {
                format!(
                    "'{raw}' does not have a valid time of day (HH:MM:SS, 00:00:00 to 23:59:59)"
                )
            } else {
                shape()
            }
        })?;
    Ok((date.and_time(t), offset))
}

fn month(raw: &str, env: &Env<'_>) -> Result<Parsed1<'static>, String> {
    let s = to_ascii_digits(raw);
    let (y, m) = match env.date_format {
        Some(fmt) => {
            let mismatch = || {
                format!(
                    "'{raw}' does not match the month format {} ({fmt})",
                    human_format(fmt)
                )
            };
            let p = parse_with(&s, fmt).map_err(|_| mismatch())?;
            match (p.year(), p.month()) {
                (Some(y), Some(m)) => (y, m),
                _ => return Err(mismatch()),
            }
        }
        None => match iso_parts(&s) {
            Some((y, Some(m), None)) => (y, m),
            _ => return Err(format!("'{raw}' is not a month in the form YYYY-MM")),
        },
    };
    let first = NaiveDate::from_ymd_opt(y, m, 1)
        .ok_or_else(|| format!("'{raw}' is not a valid month (there is no month {m})"))?;
    if first > env.today {
        return Err(format!("'{raw}' is in the future (today is {})", env.today));
    }
    if y < 1900 {
        return Err(format!("'{raw}' is before 1900; check the year"));
    }
    Ok(format!("{y:04}-{m:02}").into())
}

fn year(raw: &str, today: NaiveDate) -> Result<Parsed1<'static>, String> {
    let s = to_ascii_digits(raw);
    match iso_parts(&s) {
        Some((y, None, None)) if y < 1900 => Err(format!("'{raw}' is before 1900; check the year")),
        Some((y, None, None)) if y > today.year() => {
            Err(format!("'{raw}' is in the future (today is {today})"))
        }
        Some((y, None, None)) => Ok(format!("{y:04}").into()),
        _ => Err(format!("'{raw}' is not a year (four digits, e.g. 2019)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(date_format: Option<&'static str>) -> Env<'static> {
        Env {
            today: NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
            date_format,
            datetime_format: None,
        }
    }

    fn run(ty: FieldType, input: &str, fmt: Option<&'static str>) -> Result<String, String> {
        parse_value(ty, input, &env(fmt)).map(|p| p.value.into_owned())
    }

    /// `expected`: `Ok(canonical)` or `Err(substring of the reason)`.
    fn check(ty: FieldType, input: &str, expected: Result<&str, &str>) {
        check_fmt(ty, input, None, expected);
    }

    fn check_fmt(
        ty: FieldType,
        input: &str,
        fmt: Option<&'static str>,
        expected: Result<&str, &str>,
    ) {
        let got = run(ty, input, fmt);
        match (&got, expected) {
            (Ok(v), Ok(e)) => assert_eq!(v, e, "{ty:?} {input:?}"),
            (Err(r), Err(e)) => {
                assert!(r.contains(e), "{ty:?} {input:?}: reason {r:?} lacks {e:?}")
            }
            _ => panic!("{ty:?} {input:?} with {fmt:?}: got {got:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn dates_iso() {
        use FieldType::Date as D;
        check(D, "2023-02-28", Ok("2023-02-28"));
        check(
            D,
            "2023-02-30",
            Err("'2023-02-30' is not a valid date (February 2023 has 28 days)"),
        );
        check(D, "2024-02-29", Ok("2024-02-29"));
        check(D, "2023-02-29", Err("February 2023 has 28 days"));
        check(D, "1900-02-29", Err("February 1900 has 28 days"));
        check(D, "2000-02-29", Ok("2000-02-29"));
        check(D, "2023-04-31", Err("April 2023 has 30 days"));
        check(D, "2023-13-01", Err("there is no month 13"));
        check(D, "2023-00-10", Err("there is no month 0"));
        check(
            D,
            "13/25/2020",
            Err("'13/25/2020' is not a date in the form YYYY-MM-DD"),
        );
        check(D, "2023-1-5", Err("not a date in the form YYYY-MM-DD"));
        check(D, "٢٠٢٣-٠٥-٠١", Ok("2023-05-01"));
        check(D, "2023-05-01 00:00:00", Ok("2023-05-01"));
        check(D, "2080-01-01", Ok("2080-01-01"));
        check(D, "1850-01-01", Err("before 1900"));
        check(D, "2200-01-01", Err("more than 100 years after today"));
        check(FieldType::PastDate, "2025-06-01", Ok("2025-06-01"));
        check(
            FieldType::PastDate,
            "2025-06-02",
            Err("'2025-06-02' is in the future (today is 2025-06-01)"),
        );
    }

    #[test]
    fn dates_with_format() {
        use FieldType::Date as D;
        check_fmt(
            D,
            "13/25/2020",
            Some("%d/%m/%Y"),
            Err("'13/25/2020' does not match the date format dd/mm/yyyy (%d/%m/%Y)"),
        );
        check_fmt(D, "25/12/2020", Some("%d/%m/%Y"), Ok("2020-12-25"));
        check_fmt(D, "12/25/2020", Some("%m/%d/%Y"), Ok("2020-12-25"));
        check_fmt(D, "05/12/2020", Some("%d/%m/%Y"), Ok("2020-12-05"));
        check_fmt(D, "05/12/2020", Some("%m/%d/%Y"), Ok("2020-05-12"));
        check_fmt(
            D,
            "30/02/2023",
            Some("%d/%m/%Y"),
            Err("February 2023 has 28 days"),
        );
        check_fmt(D, "29/02/2024", Some("%d/%m/%Y"), Ok("2024-02-29"));
        check_fmt(
            D,
            "29/02/2023",
            Some("%d/%m/%Y"),
            Err("February 2023 has 28 days"),
        );
        check_fmt(
            D,
            "2020-12-25",
            Some("%d/%m/%Y"),
            Err("does not match the date format dd/mm/yyyy"),
        );
        check_fmt(D, "25.12.2020", Some("%d.%m.%Y"), Ok("2020-12-25"));
        check_fmt(D, "٢٥/١٢/٢٠٢٠", Some("%d/%m/%Y"), Ok("2020-12-25"));
    }

    #[test]
    fn birth_dates() {
        use FieldType::PartialBirthDate as P;
        check(P, "1985-03-12", Ok("1985-03-12"));
        check(P, "1985-03", Ok("1985-03"));
        check(P, "1985", Ok("1985"));
        check(P, "1985-13", Err("there is no month 13"));
        check(P, "2026", Err("in the future"));
        check(P, "2025-07", Err("in the future"));
        check(P, "2025-06", Ok("2025-06"));
        check(P, "1905-06-02", Ok("1905-06-02"));
        check(
            P,
            "1905-05-31",
            Err("more than 120 years before today (2025-06-01)"),
        );
        check(P, "1904", Err("more than 120 years"));
        check(P, "2025-06-02", Err("in the future"));
        check(
            P,
            "12/03/1985",
            Err("not a birth date in the form YYYY-MM-DD, YYYY-MM or YYYY"),
        );
        check_fmt(P, "12/03/1985", Some("%d/%m/%Y"), Ok("1985-03-12"));
        check_fmt(P, "1985", Some("%d/%m/%Y"), Ok("1985"));
        check(
            FieldType::BirthDate,
            "1985",
            Err("not a date in the form YYYY-MM-DD"),
        );
        check(FieldType::BirthDate, "2030-01-01", Err("in the future"));
    }

    #[test]
    fn date_times() {
        use FieldType::DateTime as T;
        check(T, "2024-03-01T10:15:00", Ok("2024-03-01T10:15:00"));
        check(T, "2024-03-01 10:15:00", Ok("2024-03-01T10:15:00"));
        check(T, "2024-03-01 10:15", Ok("2024-03-01T10:15:00"));
        check(T, "2024-03-01T10:15:00.123", Ok("2024-03-01T10:15:00"));
        check(T, "2024-03-01T10:15:00+01:00", Ok("2024-03-01T10:15:00"));
        check(T, "2024-03-01T25:15:00", Err("valid time of day"));
        check(T, "2023-02-29T10:00:00", Err("February 2023 has 28 days"));
        check(
            T,
            "2024-03-01",
            Err("not a date-time in the form YYYY-MM-DDTHH:MM:SS"),
        );
        check(T, "2026-01-01T00:00:00", Err("in the future"));
        let e = Env {
            datetime_format: Some("%d/%m/%Y %H:%M"),
            ..env(None)
        };
        let got = parse_value(T, "01/03/2024 10:15", &e).map(|p| p.value);
        assert_eq!(got.as_deref(), Ok("2024-03-01T10:15:00"));
        let got = parse_value(T, "2024-03-01 10:15", &e).map(|p| p.value);
        assert_eq!(got, Err("'2024-03-01 10:15' does not match the date-time format dd/mm/yyyy HH:MM (%d/%m/%Y %H:%M)".into()));
    }

    #[test]
    fn months_and_years() {
        check(FieldType::Month, "2024-01", Ok("2024-01"));
        check(FieldType::Month, "2024-13", Err("no month 13"));
        check(FieldType::Month, "2025-07", Err("in the future"));
        check(
            FieldType::Month,
            "2024-01-01",
            Err("not a month in the form YYYY-MM"),
        );
        check_fmt(FieldType::Month, "03/2024", Some("%m/%Y"), Ok("2024-03"));
        check(FieldType::Year, "2019", Ok("2019"));
        check(FieldType::Year, "2026", Err("in the future"));
        check(FieldType::Year, "19", Err("not a year"));
    }

    #[test]
    fn numbers() {
        check(FieldType::Count, "12", Ok("12"));
        check(FieldType::Count, "012", Ok("12"));
        check(FieldType::Count, "0", Ok("0"));
        check(FieldType::Count, "1,234", Ok("1234"));
        check(FieldType::Count, "1 234", Ok("1234"));
        check(FieldType::Count, "-3", Err("'-3' is negative"));
        check(FieldType::Count, "2.5", Err("not a whole number"));
        check(FieldType::Count, "abc", Err("'abc' is not a number"));
        check(FieldType::Age, "131", Err("out of range"));
        check(FieldType::Age, "٤٥", Ok("45"));
        check(FieldType::Amount, "1234.50", Ok("1234.5"));
        check(FieldType::Amount, "1234,50", Ok("1234.5"));
        check(FieldType::Amount, "1,234.50", Ok("1234.5"));
        check(FieldType::Amount, "1.234,50", Ok("1234.5"));
        check(FieldType::Amount, "1 234,5", Ok("1234.5"));
        check(FieldType::Amount, "1,234", Err("ambiguous"));
        check(FieldType::Amount, "+100", Ok("100"));
        check(FieldType::Amount, "100.00", Ok("100"));
        check(FieldType::Amount, "0.0", Ok("0"));
        check(FieldType::Amount, "-5", Err("out of range"));
        check(FieldType::Amount, "1.2.3", Err("not a number"));
        check(FieldType::Percent, "6.5", Ok("6.5"));
        check(FieldType::Percent, "101", Err("out of range"));
        check(FieldType::Weight, "0", Err("not greater than 0"));
        check(FieldType::Weight, "-1", Err("not greater than 0"));
        check(FieldType::Weight, "152.75", Ok("152.75"));
        check(FieldType::Latitude, "36,806", Ok("36.806"));
        check(FieldType::Latitude, "-33.5", Ok("-33.5"));
        check(FieldType::Latitude, "91", Err("out of range"));
        check(FieldType::Longitude, "-180", Ok("-180"));
        check(FieldType::Longitude, "180.5", Err("out of range"));
    }

    #[test]
    fn text_phone_document() {
        check(FieldType::Name, "  محمد   بن\tعلي ", Ok("محمد بن علي"));
        check(FieldType::Text, "a\u{200F}b  c", Ok("ab c"));
        check(FieldType::DocumentNumber, "ab 12 345", Ok("AB12345"));
        check(FieldType::Phone, "+216 20 123 456", Ok("+21620123456"));
        check(FieldType::Phone, "00216-20-123-456", Ok("+21620123456"));
        check(FieldType::Phone, "(071) 123 456", Ok("071123456"));
        check(FieldType::Phone, "٠٢١٦٢٠١٢٣٤٥٦", Ok("021620123456"));
        check(FieldType::Phone, "12ab", Err("not a phone number"));
        check(FieldType::Phone, "12", Err("fewer than 4 digits"));
        check(FieldType::Phone, "1234567890123456", Err("at most 15"));
    }

    #[test]
    fn scripts() {
        let check =
            |name: &str, expected: &str| assert_eq!(name_script(name), expected, "{name:?}");
        check("محمد", "arabic");
        check("Mohamed Ben Ali", "latin");
        check("Hélène", "latin");
        check("محمد Ben", "mixed");
        check("Дмитрий", "other");
        check("123", "other");
    }

    #[test]
    fn codes_and_classifications() {
        check(FieldType::Sex, "femme", Ok("F"));
        check(FieldType::Sex, "1", Err("not guessed"));
        check(
            FieldType::Sex,
            "Q",
            Err("'Q' is not a sex code; use M, F or X"),
        );
        check(FieldType::Currency, "usd", Ok("USD"));
        check(FieldType::Currency, "Dinar tunisien", Ok("TND"));
        check(FieldType::Currency, "€", Ok("EUR"));
        check(FieldType::Currency, "DT", Ok("TND"));
        check(
            FieldType::Currency,
            "XYZ",
            Err("not one of the ISO 4217 currencies"),
        );
        check(
            FieldType::Currency,
            "dollars of Mars",
            Err("not a known currency"),
        );
        check(FieldType::Isco, "7", Ok("7"));
        check(FieldType::Isco, "9112", Ok("9112"));
        check(FieldType::Isco, "Elementary occupations", Ok("9"));
        check(FieldType::Isco, "91120", Err("not an ISCO-08 code"));
        check(FieldType::Isic, "f", Ok("F"));
        check(FieldType::Isic, "4711", Ok("G"));
        check(FieldType::Isic, "Construction", Ok("F"));
        check(FieldType::Isic, "V", Err("not an ISIC Rev.4 section"));
        check(FieldType::Isic, "04", Err("not an ISIC Rev.4 section"));
        check(FieldType::Country, "Tunisie", Ok("TUN"));
        check(FieldType::Country, "Tunisa", Err("'Tunisa' is not a known country; use an ISO 3166-1 code (e.g. TUN) or a name in Arabic, French or English"));
        let list = FieldType::CodeList(&codes::ASSISTANCE);
        check(list, "training;cash", Ok("cash;training"));
        check(list, "cash; Cash ;training;", Ok("cash;training"));
        check(
            list,
            "cash;money;gold",
            Err("'money', 'gold' are not a valid reintegration assistance code"),
        );
        check(
            FieldType::Code(&codes::DIRECTION),
            "sideways",
            Err("'sideways' is not a valid border crossing direction code; use one of: in, out"),
        );
    }

    #[test]
    fn human_formats() {
        assert_eq!(human_format("%d/%m/%Y"), "dd/mm/yyyy");
        assert_eq!(human_format("%m/%d/%y %H:%M"), "mm/dd/yy HH:MM");
        assert_eq!(human_format("%F"), "yyyy-mm-dd");
    }
}

/// Differential tests: every fast path against the straightforward code it replaced (kept here
/// as the reference) or against chrono, on many generated strings.
#[cfg(test)]
mod fast_paths {
    use super::*;

    /// Deterministic xorshift64*: the cases are the same on every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }

        /// A string of up to `max` characters drawn from `pool`.
        fn string(&mut self, pool: &[char], max: usize) -> String {
            let n = self.below(max + 1);
            (0..n).map(|_| pool[self.below(pool.len())]).collect()
        }
    }

    /// Characters around every boundary the fast paths draw: ASCII controls, whitespace,
    /// invisible characters, Arabic letters, marks, digits and punctuation, Latin letters with
    /// and without accents, other scripts.
    const POOL: &[char] = &[
        'a',
        'Z',
        'x',
        '0',
        '9',
        ' ',
        ' ',
        '\t',
        '\n',
        '\u{0B}',
        '\u{0C}',
        '\r',
        '\0',
        '\u{1}',
        '\u{1F}',
        '\u{7F}',
        '-',
        '.',
        '"',
        '\\',
        '+',
        '(',
        '/',
        '\u{85}',
        '\u{A0}',
        '\u{9F}',
        '\u{D7}',
        '\u{F7}',
        'é',
        'Ç',
        'ß',
        'ł',
        '\u{1E9E}',
        'ạ',
        'ي',
        'م',
        'ح',
        'د',
        'ة',
        'ى',
        '\u{064B}',
        '\u{0670}',
        '\u{0640}',
        '\u{060C}',
        '\u{061C}',
        '\u{0660}',
        '\u{0669}',
        '\u{06F5}',
        '\u{0750}',
        '\u{08A0}',
        '\u{FB50}',
        '\u{FDFC}',
        '\u{FE70}',
        '\u{FEFF}',
        '\u{200B}',
        '\u{200D}',
        '\u{200F}',
        '\u{202A}',
        '\u{202E}',
        '\u{2066}',
        '\u{2069}',
        '\u{2028}',
        '\u{3000}',
        '\u{1680}',
        'Д',
        'ж',
        '中',
        '\u{1F600}',
    ];

    // ------------------------------------------------ the code the fast paths replaced

    fn old_is_invisible(c: char) -> bool {
        matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}')
            || (c.is_control() && !c.is_whitespace())
    }

    fn old_clean_text(s: &str) -> String {
        if s.chars().any(old_is_invisible) {
            s.chars()
                .filter(|c| !old_is_invisible(*c))
                .collect::<String>()
                .trim()
                .to_owned()
        } else {
            s.to_owned()
        }
    }

    fn old_collapse_text(s: &str) -> String {
        let mut out = String::new();
        for word in s.split(char::is_whitespace) {
            let word = old_clean_text(word);
            if word.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&word);
        }
        out
    }

    fn old_name_script(name: &str) -> &'static str {
        let (mut arabic, mut latin, mut other) = (false, false, false);
        for c in name.chars().filter(|c| c.is_alphabetic()) {
            match c {
                '\u{0600}'..='\u{06FF}'
                | '\u{0750}'..='\u{077F}'
                | '\u{08A0}'..='\u{08FF}'
                | '\u{FB50}'..='\u{FDFF}'
                | '\u{FE70}'..='\u{FEFF}' => arabic = true,
                'a'..='z' | 'A'..='Z' | '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => {
                    latin = true
                }
                _ => other = true,
            }
        }
        match (arabic, latin, other) {
            (true, false, false) => "arabic",
            (false, true, false) => "latin",
            (false, false, _) => "other",
            _ => "mixed",
        }
    }

    fn old_document_number(s: &str) -> String {
        s.chars()
            .filter(|c| !c.is_whitespace() && !old_is_invisible(*c))
            .flat_map(|c| ascii_digit(c).unwrap_or(c).to_uppercase())
            .collect()
    }

    fn old_iso_parts(s: &str) -> Option<(i32, Option<u32>, Option<u32>)> {
        let b = s.as_bytes();
        let digits = |r: std::ops::Range<usize>| -> Option<u32> {
            let part = b.get(r)?;
            if part.iter().all(u8::is_ascii_digit) {
                std::str::from_utf8(part).ok()?.parse().ok()
            } else {
                None
            }
        };
        let year = i32::try_from(digits(0..4)?).ok()?;
        match b.len() {
            4 => Some((year, None, None)),
            7 if b[4] == b'-' => Some((year, Some(digits(5..7)?), None)),
            10 if b[4] == b'-' && b[7] == b'-' => {
                Some((year, Some(digits(5..7)?), Some(digits(8..10)?)))
            }
            _ => None,
        }
    }

    /// `date_with_format` as it was: chrono parses the format for every value.
    fn old_date_with_format(raw: &str, fmt: &str) -> Result<NaiveDate, String> {
        let mismatch = || {
            format!(
                "'{raw}' does not match the date format {} ({fmt})",
                human_format(fmt)
            )
        };
        let mut p = Parsed::new();
        chrono::format::parse(&mut p, raw, StrftimeItems::new(fmt)).map_err(|_| mismatch())?;
        match p.to_naive_date() {
            Ok(d) => Ok(d),
            Err(_) => match (p.year(), p.month(), p.day()) {
                (Some(y), Some(m), Some(d)) => ymd(raw, y, m, d),
                _ => Err(mismatch()),
            },
        }
    }

    // ------------------------------------------------ the pins

    #[test]
    fn text_fast_paths_match_the_unicode_code() {
        let mut rng = Rng(1);
        for _ in 0..50_000 {
            let s = rng.string(POOL, 8);
            for c in s.chars() {
                assert_eq!(is_invisible(c), old_is_invisible(c), "{c:?}");
            }
            assert_eq!(trim(&s), s.trim(), "{s:?}");
            assert_eq!(clean_text(&s), old_clean_text(&s), "{s:?}");
            assert_eq!(collapse_text(&s), old_collapse_text(&s), "{s:?}");
            assert_eq!(name_script(&s), old_name_script(&s), "{s:?}");
            assert_eq!(document_number(&s), old_document_number(&s), "{s:?}");
        }
        for c in (0..0x3000).filter_map(char::from_u32) {
            assert_eq!(is_invisible(c), old_is_invisible(c), "{c:?}");
            let s = c.to_string();
            assert_eq!(name_script(&s), old_name_script(&s), "{c:?}");
            assert_eq!(trim(&s), s.trim(), "{c:?}");
        }
    }

    #[test]
    fn canonical_phone_fast_path_matches_the_general_reader() {
        let pool = ['+', '0', '0', '1', '2', '9', ' ', '-', '٣', 'a'];
        let mut rng = Rng(2);
        for _ in 0..50_000 {
            let s = rng.string(&pool, 18);
            if is_canonical_phone(&s) {
                // The general reader (what ran before the fast path) keeps it as it is.
                let mut out = String::new();
                for (i, c) in s.chars().enumerate() {
                    match c {
                        '+' if i == 0 => out.push('+'),
                        c if c.is_ascii_digit() => out.push(c),
                        _ => panic!("{s:?}"),
                    }
                }
                assert!(!out.starts_with("00"), "{s:?}");
                assert_eq!(out, s);
            }
            let _ = phone(&s);
        }
        assert!(!is_canonical_phone("00216"));
        assert!(!is_canonical_phone("+123"));
        assert!(is_canonical_phone("+1234"));
        assert!(is_canonical_phone("123456789012345"));
        assert!(!is_canonical_phone("1234567890123456"));
    }

    /// Strings shaped like dates, most of them nearly ISO.
    fn date_like(rng: &mut Rng) -> String {
        let pool = ['0', '1', '2', '3', '9', '-', '/', ' ', '+', 'T', '٢'];
        if rng.below(4) == 0 {
            return rng.string(&pool, 12);
        }
        let y = rng.below(10_000);
        let m = rng.below(14);
        let d = rng.below(33);
        let mut s = format!("{y:04}-{m:02}-{d:02}");
        if rng.below(5) == 0 {
            // Damage one byte.
            let i = rng.below(s.len());
            let c = pool[rng.below(pool.len())];
            s = s
                .chars()
                .enumerate()
                .map(|(j, x)| if j == i { c } else { x })
                .collect();
        }
        s
    }

    #[test]
    fn iso_date_fast_path_matches_chrono() {
        let mut rng = Rng(3);
        for _ in 0..100_000 {
            let s = date_like(&mut rng);
            assert_eq!(iso_parts(&s), old_iso_parts(&s), "{s:?}");
            if let Some(d) = strict_iso_date(&s) {
                assert_eq!(NaiveDate::parse_from_str(&s, "%Y-%m-%d"), Ok(d), "{s:?}");
            }
            for fmt in ["%Y-%m-%d", "%F", "%d/%m/%Y"] {
                assert_eq!(
                    date_with_format(&s, fmt),
                    old_date_with_format(&s, fmt),
                    "{s:?} {fmt}"
                );
            }
        }
    }

    #[test]
    fn date_text_matches_chrono_format() {
        let mut rng = Rng(4);
        let check = |d: NaiveDate| {
            let text = d.format("%Y-%m-%d").to_string();
            assert_eq!(date_value("", d), text);
            assert_eq!(date_value(&text, d), text);
            if (0..=9999).contains(&d.year()) {
                assert!(matches!(date_value(&text, d), Cow::Borrowed(_)), "{text}");
            }
            for (h, mi, s, nano) in [
                (0, 0, 0, 0),
                (23, 59, 59, 999),
                (9, 5, 7, 0),
                (23, 59, 59, 1_500_000_000),
            ] {
                if let Some(dt) = d.and_hms_nano_opt(h, mi, s, nano) {
                    assert_eq!(
                        iso_date_time_text(dt),
                        dt.format("%Y-%m-%dT%H:%M:%S").to_string()
                    );
                }
            }
        };
        for y in [
            -10_000, -1, 0, 1, 99, 999, 1000, 1900, 2025, 9999, 10_000, 12_345,
        ] {
            for (m, d) in [(1, 1), (2, 28), (12, 31)] {
                check(NaiveDate::from_ymd_opt(y, m, d).unwrap());
            }
        }
        for _ in 0..20_000 {
            let days = i32::try_from(rng.below(4_000_000)).unwrap() - 1_000_000;
            if let Some(d) = NaiveDate::from_num_days_from_ce_opt(days) {
                check(d);
            }
        }
    }

    #[test]
    fn cached_formats_parse_like_fresh_ones() {
        let formats = [
            "%d/%m/%Y",
            "%m/%d/%Y",
            "%d.%m.%Y",
            "%Y%m%d",
            "%d %b %Y",
            "%e/%m/%y",
            "%Q",
            "%",
            "%d/%m/%Y %H:%M",
            "%F %T",
            "%m/%Y",
            " %d-%m-%Y ",
        ];
        let pool = [
            '0', '1', '2', '3', '9', '/', '.', '-', ' ', ':', 'J', 'a', 'n',
        ];
        let mut rng = Rng(5);
        // More formats than the cache holds, so it is also emptied and refilled.
        let many: Vec<String> = (0..FORMAT_CACHE + 5)
            .map(|i| format!("%d/%m/%Y{i}"))
            .collect();
        for n in 0..30_000 {
            let s = rng.string(&pool, 16);
            let fmt = if n % 3 == 0 {
                many[rng.below(many.len())].as_str()
            } else {
                formats[rng.below(formats.len())]
            };
            let mut fresh = Parsed::new();
            let fresh_result =
                chrono::format::parse(&mut fresh, &s, StrftimeItems::new(fmt)).map(|_| fresh);
            assert_eq!(parse_with(&s, fmt).ok(), fresh_result.ok(), "{s:?} {fmt:?}");
        }
    }
}

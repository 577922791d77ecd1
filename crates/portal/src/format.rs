//! Numbers and dates the way each language writes them.
//!
//! - English: `1,234,567.5`; French: `1 234 567,5` (narrow no-break space between thousands);
//!   Arabic: `1,234,567.5` with Western digits (as in the Maghreb and in official statistics of
//!   most of the region) or `١٬٢٣٤٬٥٦٧٫٥` with Eastern Arabic digits and Arabic separators when the
//!   reader chooses them ([`Digits::Arabic`]).
//! - Dates: `30 November 2026`, `30 novembre 2026`, `30 نوفمبر 2026`; months `2026-03` as
//!   `March 2026`, `mars 2026`, `مارس 2026`.

use chrono::{Datelike, NaiveDate};
use marsad_model::Lang;

/// Which digits Arabic pages use (a reader's choice; other languages always use Western digits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Digits {
    #[default]
    Latin,
    Arabic,
}

impl Digits {
    /// `latn` or `arab` (the Unicode numbering-system names).
    pub fn as_str(self) -> &'static str {
        match self {
            Digits::Latin => "latn",
            Digits::Arabic => "arab",
        }
    }

    pub fn parse(s: &str) -> Option<Digits> {
        match s {
            "latn" => Some(Digits::Latin),
            "arab" => Some(Digits::Arabic),
            _ => None,
        }
    }
}

/// A language and the reader's choice of digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locale {
    pub lang: Lang,
    pub digits: Digits,
}

impl Locale {
    pub fn new(lang: Lang) -> Locale {
        Locale {
            lang,
            digits: Digits::Latin,
        }
    }

    pub fn with_digits(mut self, digits: Digits) -> Locale {
        self.digits = digits;
        self
    }

    /// `rtl` for Arabic, `ltr` otherwise.
    pub fn dir(&self) -> &'static str {
        match self.lang {
            Lang::Ar => "rtl",
            Lang::Fr | Lang::En => "ltr",
        }
    }

    fn eastern(&self) -> bool {
        self.lang == Lang::Ar && self.digits == Digits::Arabic
    }

    fn group_separator(&self) -> &'static str {
        match self.lang {
            Lang::Fr => "\u{202f}",
            Lang::Ar if self.eastern() => "\u{66c}",
            Lang::Ar | Lang::En => ",",
        }
    }

    fn decimal_separator(&self) -> &'static str {
        match self.lang {
            Lang::Fr => ",",
            Lang::Ar if self.eastern() => "\u{66b}",
            Lang::Ar | Lang::En => ".",
        }
    }

    /// Converts the ASCII digits of `s` to the locale's digits.
    pub fn digits_of(&self, s: &str) -> String {
        if !self.eastern() {
            return s.to_owned();
        }
        s.chars()
            .map(|c| match c.to_digit(10) {
                Some(d) => char::from_u32(0x660 + d).unwrap_or(c),
                None => c,
            })
            .collect()
    }

    /// An integer with thousands grouped: `12,345`, `12 345`, `١٢٬٣٤٥`.
    pub fn integer(&self, n: i64) -> String {
        let digits = n.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if n < 0 {
            out.push(if self.lang == Lang::Ar {
                '\u{2212}'
            } else {
                '-'
            });
        }
        let sep = self.group_separator();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push_str(sep);
            }
            out.push(c);
        }
        self.digits_of(&out)
    }

    /// A number with `places` decimals, grouped; not-a-number and infinities as `…`.
    pub fn decimal(&self, x: f64, places: usize) -> String {
        if !x.is_finite() {
            return "…".to_owned();
        }
        let text = format!("{:.*}", places, x.abs());
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (text.as_str(), None),
        };
        let whole: i64 = whole.parse().unwrap_or(0);
        let negative = x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
        let mut out = self.integer(if negative { -whole } else { whole });
        if negative && whole == 0 {
            out.insert(
                0,
                if self.lang == Lang::Ar {
                    '\u{2212}'
                } else {
                    '-'
                },
            );
        }
        if let Some(f) = frac {
            out.push_str(self.decimal_separator());
            out.push_str(&self.digits_of(f));
        }
        out
    }

    /// A share in percent: `12.5 %` (French and Arabic put a space before the sign; English
    /// does not).
    pub fn percent(&self, x: f64, places: usize) -> String {
        let n = self.decimal(x, places);
        match self.lang {
            Lang::En => format!("{n}%"),
            Lang::Fr => format!("{n}\u{202f}%"),
            Lang::Ar if self.eastern() => format!("{n}\u{66a}"),
            Lang::Ar => format!("{n}\u{a0}%"),
        }
    }

    /// `30 November 2026`.
    pub fn date(&self, d: NaiveDate) -> String {
        let day = self.digits_of(&d.day().to_string());
        let year = self.digits_of(&d.year().to_string());
        format!("{day} {} {year}", self.month_name(d.month()))
    }

    /// `March 2026` for month 3 of 2026.
    pub fn month(&self, year: i32, month: u32) -> String {
        let year = self.digits_of(&year.to_string());
        format!("{} {year}", self.month_name(month))
    }

    /// A year in the locale's digits (no grouping).
    pub fn year(&self, year: i32) -> String {
        self.digits_of(&year.to_string())
    }

    /// The month's name (1 = January); an out-of-range month as its number.
    pub fn month_name(&self, month: u32) -> String {
        let names: &[&str; 12] = match self.lang {
            Lang::En => &[
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
            ],
            Lang::Fr => &[
                "janvier",
                "février",
                "mars",
                "avril",
                "mai",
                "juin",
                "juillet",
                "août",
                "septembre",
                "octobre",
                "novembre",
                "décembre",
            ],
            // The names used in the Maghreb and Egypt (the Levant's Syriac names differ).
            Lang::Ar => &[
                "يناير",
                "فبراير",
                "مارس",
                "أبريل",
                "مايو",
                "يونيو",
                "يوليو",
                "أغسطس",
                "سبتمبر",
                "أكتوبر",
                "نوفمبر",
                "ديسمبر",
            ],
        };
        match month.checked_sub(1).and_then(|i| names.get(i as usize)) {
            Some(name) => (*name).to_owned(),
            None => self.digits_of(&month.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(lang: Lang) -> Locale {
        Locale::new(lang)
    }

    #[test]
    fn integers_are_grouped_per_language() {
        let cases = [
            (Lang::En, 0, "0"),
            (Lang::En, 999, "999"),
            (Lang::En, 1000, "1,000"),
            (Lang::En, 1_234_567, "1,234,567"),
            (Lang::En, -1_234, "-1,234"),
            (Lang::Fr, 1_234_567, "1\u{202f}234\u{202f}567"),
            (Lang::Fr, 12, "12"),
            (Lang::Ar, 1_234_567, "1,234,567"),
            (Lang::Ar, -5, "\u{2212}5"),
        ];
        for (lang, n, want) in cases {
            assert_eq!(l(lang).integer(n), want, "{lang:?} {n}");
        }
        let eastern = l(Lang::Ar).with_digits(Digits::Arabic);
        assert_eq!(eastern.integer(1_234_567), "١٬٢٣٤٬٥٦٧");
        assert_eq!(eastern.integer(2026), "٢٬٠٢٦");
        assert_eq!(eastern.year(2026), "٢٠٢٦");
        // The choice of digits only applies to Arabic.
        assert_eq!(l(Lang::Fr).with_digits(Digits::Arabic).integer(10), "10");
    }

    #[test]
    fn decimals_and_percentages_per_language() {
        assert_eq!(l(Lang::En).decimal(1234.5678, 2), "1,234.57");
        assert_eq!(l(Lang::Fr).decimal(1234.5678, 1), "1\u{202f}234,6");
        assert_eq!(l(Lang::En).decimal(-0.25, 2), "-0.25");
        assert_eq!(l(Lang::En).decimal(-0.001, 2), "0.00");
        assert_eq!(l(Lang::En).decimal(f64::NAN, 2), "…");
        assert_eq!(
            l(Lang::Ar).with_digits(Digits::Arabic).decimal(12.5, 1),
            "١٢٫٥"
        );
        assert_eq!(l(Lang::En).percent(12.5, 1), "12.5%");
        assert_eq!(l(Lang::Fr).percent(12.5, 1), "12,5\u{202f}%");
        assert_eq!(
            l(Lang::Ar).with_digits(Digits::Arabic).percent(12.5, 1),
            "١٢٫٥٪"
        );
    }

    #[test]
    fn dates_and_months_per_language() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default();
        assert_eq!(l(Lang::En).date(d), "30 November 2026");
        assert_eq!(l(Lang::Fr).date(d), "30 novembre 2026");
        assert_eq!(l(Lang::Ar).date(d), "30 نوفمبر 2026");
        assert_eq!(
            l(Lang::Ar).with_digits(Digits::Arabic).date(d),
            "٣٠ نوفمبر ٢٠٢٦"
        );
        assert_eq!(l(Lang::Fr).month(2026, 8), "août 2026");
        assert_eq!(l(Lang::En).month_name(13), "13");
        assert_eq!(l(Lang::En).month_name(0), "0");
    }

    #[test]
    fn direction_follows_the_language() {
        assert_eq!(l(Lang::Ar).dir(), "rtl");
        assert_eq!(l(Lang::Fr).dir(), "ltr");
        assert_eq!(l(Lang::En).dir(), "ltr");
    }
}

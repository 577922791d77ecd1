//! What a file really is: format sniffing from content, and character encoding detection.

use encoding_rs::Encoding;

use crate::IngestError;

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Empty,
    /// A ZIP container: an XLSX workbook (or another Office Open XML file).
    Zip,
    /// An OLE2 compound file: a legacy XLS workbook (or another old Office file).
    Ole2,
    Pdf,
    /// Text whose first non-blank character opens a JSON object.
    JsonLines,
    Text,
    /// Not text in any encoding marsad reads (images, executables, ...).
    Binary,
}

impl Sniffed {
    pub fn describe(self) -> &'static str {
        match self {
            Sniffed::Empty => "an empty file (0 bytes)",
            Sniffed::Zip => "an Excel workbook (ZIP container)",
            Sniffed::Ole2 => "a legacy Excel workbook (XLS)",
            Sniffed::Pdf => "a PDF document",
            Sniffed::JsonLines => "JSON Lines text",
            Sniffed::Text => "delimited text (CSV)",
            Sniffed::Binary => "a binary file that is not text",
        }
    }
}

/// Looks at the first bytes (a few KiB) of a file.
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.is_empty() {
        return Sniffed::Empty;
    }
    if head.starts_with(b"PK\x03\x04") {
        return Sniffed::Zip;
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Sniffed::Ole2;
    }
    if head.starts_with(b"%PDF") {
        return Sniffed::Pdf;
    }
    let encoding = detect_encoding(head);
    let (text, _, _) = encoding.decode(head);
    let text = text.trim_start_matches('\u{feff}');
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{0c}'))
        .count();
    if controls * 20 > text.chars().count().max(1) {
        return Sniffed::Binary;
    }
    if text.trim_start().starts_with('{') {
        Sniffed::JsonLines
    } else {
        Sniffed::Text
    }
}

/// An encoding named in a mapping; `auto` (or nothing) means detect.
pub fn encoding_by_name(name: &str) -> Result<Option<&'static Encoding>, IngestError> {
    let name = name.trim().to_ascii_lowercase();
    if name == "auto" || name.is_empty() {
        return Ok(None);
    }
    Encoding::for_label(name.as_bytes())
        .map(Some)
        .ok_or_else(|| IngestError::Mapping {
            reason: format!(
                "[file].encoding '{name}' is not a known encoding; use auto, utf-8, utf-16le, \
                 utf-16be, windows-1256 or iso-8859-6"
            ),
        })
}

/// Guesses the encoding of text from its first bytes: a byte-order mark, then UTF-16 without
/// one, then UTF-8, then the legacy code pages (Windows-1256, ISO-8859-6, ...) by statistics.
pub fn detect_encoding(head: &[u8]) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(head) {
        return encoding;
    }
    if let Some(encoding) = utf16_without_bom(head) {
        return encoding;
    }
    if is_utf8_prefix(head) {
        return encoding_rs::UTF_8;
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(head, false);
    detector.guess(None, chardetng::Utf8Detection::Deny)
}

fn utf16_without_bom(head: &[u8]) -> Option<&'static Encoding> {
    let sample = &head[..head.len().min(4096) & !1];
    if sample.len() < 4 {
        return None;
    }
    let pairs = sample.len() / 2;
    let even_nul = sample.iter().step_by(2).filter(|b| **b == 0).count();
    let odd_nul = sample
        .iter()
        .skip(1)
        .step_by(2)
        .filter(|b| **b == 0)
        .count();
    if odd_nul * 10 > pairs * 3 && even_nul * 10 < pairs {
        Some(encoding_rs::UTF_16LE)
    } else if even_nul * 10 > pairs * 3 && odd_nul * 10 < pairs {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    }
}

/// Valid UTF-8, allowing the sample to end in the middle of a character.
fn is_utf8_prefix(head: &[u8]) -> bool {
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_encoding(bytes: &[u8], expected: &'static Encoding) {
        assert_eq!(detect_encoding(bytes).name(), expected.name(), "{bytes:?}");
    }

    #[test]
    fn detects_encodings() {
        let arabic = "الاسم,اللقب,تاريخ الولادة\nمحمد,الطرابلسي,1980-01-02\nفاطمة,بن علي,1975-05-06\nعبد الرحمن,الشاذلي,1990-12-31\n";
        check_encoding(arabic.as_bytes(), encoding_rs::UTF_8);
        check_encoding(b"\xEF\xBB\xBFname\n", encoding_rs::UTF_8);
        check_encoding(b"\xFF\xFEn\x00a\x00", encoding_rs::UTF_16LE);
        let (le, _, _) = encoding_rs::UTF_16LE.encode(arabic);
        // encoding_rs does not encode into UTF-16; build it by hand.
        let _ = le;
        let utf16le: Vec<u8> = "record_id,given_name\n1,Ali\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        check_encoding(&utf16le, encoding_rs::UTF_16LE);
        let utf16be: Vec<u8> = "record_id,given_name\n1,Ali\n"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        check_encoding(&utf16be, encoding_rs::UTF_16BE);
        let (cp1256, _, _) = encoding_rs::WINDOWS_1256.encode(arabic);
        check_encoding(&cp1256, encoding_rs::WINDOWS_1256);
        let (iso, _, _) = encoding_rs::ISO_8859_6.encode(arabic);
        assert_eq!(
            detect_encoding(&iso).decode(&iso).0,
            arabic,
            "ISO-8859-6 Arabic must decode back"
        );
    }

    #[test]
    fn sniffs_formats() {
        assert_eq!(sniff(b""), Sniffed::Empty);
        assert_eq!(sniff(b"PK\x03\x04rest"), Sniffed::Zip);
        assert_eq!(sniff(b"%PDF-1.7\n"), Sniffed::Pdf);
        assert_eq!(sniff(b"  {\"a\": 1}\n"), Sniffed::JsonLines);
        assert_eq!(sniff(b"a,b\n1,2\n"), Sniffed::Text);
        assert_eq!(sniff(b"\xEF\xBB\xBFa,b\n"), Sniffed::Text);
        assert_eq!(
            sniff(&[0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0, 0, 1, 2, 3, 0, 0]),
            Sniffed::Binary
        );
    }
}

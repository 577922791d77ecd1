//! Content-type sniffing: what a file really is, from its first bytes (magic numbers, the entry
//! names of zip-based office files, the shape of text), and the allow-list that accepts or refuses
//! it with an error naming what was found.
//!
//! Hand-written rather than the `infer` crate: the list is short, every rule is visible here, and
//! the zip inspection (DOCX/XLSX/PPTX by their `word/`, `xl/`, `ppt/` entries, ODF by the stored
//! `mimetype` entry, macros by `vbaProject.bin`) and the text rules (CSV, HTML and SVG told apart
//! from plain text, since a browser would run their scripts) are ours anyway. Executables and
//! archives are recognised so that refusing them can say what they are. Sniffing looks at the
//! first [`SNIFF_LEN`] bytes at most.

use std::fmt;

use crate::error::VaultError;

/// How many leading bytes sniffing looks at.
pub const SNIFF_LEN: usize = 64 * 1024;

macro_rules! kinds {
    ($($kind:ident => $name:literal, $short:literal, $mime:literal, $desc:literal, [$($ext:literal),*];)*) => {
        /// What a file's content is.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ContentKind {
            $(
                #[doc = $desc]
                $kind,
            )*
        }

        impl ContentKind {
            /// Every kind.
            pub const ALL: &'static [ContentKind] = &[$(ContentKind::$kind),*];

            /// The configuration token (`pdf`, `docx`, `windows-exe`, …).
            pub fn name(self) -> &'static str {
                match self { $(ContentKind::$kind => $name,)* }
            }

            /// A short label for lists (`PDF`, `DOCX`).
            pub fn short_name(self) -> &'static str {
                match self { $(ContentKind::$kind => $short,)* }
            }

            /// The media type to serve it with.
            pub fn mime(self) -> &'static str {
                match self { $(ContentKind::$kind => $mime,)* }
            }

            /// A phrase for messages ("a PDF document").
            pub fn description(self) -> &'static str {
                match self { $(ContentKind::$kind => $desc,)* }
            }

            /// File extensions that may carry it (lower case, no dot).
            pub fn extensions(self) -> &'static [&'static str] {
                match self { $(ContentKind::$kind => &[$($ext),*],)* }
            }
        }
    };
}

kinds! {
    Pdf => "pdf", "PDF", "application/pdf", "a PDF document", ["pdf"];
    Png => "png", "PNG", "image/png", "a PNG image", ["png"];
    Jpeg => "jpeg", "JPEG", "image/jpeg", "a JPEG image", ["jpg", "jpeg", "jpe", "jfif"];
    Tiff => "tiff", "TIFF", "image/tiff", "a TIFF image", ["tif", "tiff"];
    Gif => "gif", "GIF", "image/gif", "a GIF image", ["gif"];
    WebP => "webp", "WebP", "image/webp", "a WebP image", ["webp"];
    Heic => "heic", "HEIC", "image/heic", "a HEIC/HEIF image", ["heic", "heif", "hif"];
    Avif => "avif", "AVIF", "image/avif", "an AVIF image", ["avif"];
    Docx => "docx", "DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "a Word document (DOCX)", ["docx"];
    Xlsx => "xlsx", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "an Excel workbook (XLSX)", ["xlsx"];
    Pptx => "pptx", "PPTX", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "a PowerPoint presentation (PPTX)", ["pptx"];
    OfficeMacros => "office-macros", "Office with macros", "application/vnd.ms-office.vbaProject", "an Office document with macros", ["docm", "xlsm", "pptm"];
    Odt => "odt", "ODT", "application/vnd.oasis.opendocument.text", "an OpenDocument text (ODT)", ["odt"];
    Ods => "ods", "ODS", "application/vnd.oasis.opendocument.spreadsheet", "an OpenDocument spreadsheet (ODS)", ["ods"];
    Odp => "odp", "ODP", "application/vnd.oasis.opendocument.presentation", "an OpenDocument presentation (ODP)", ["odp"];
    LegacyOffice => "legacy-office", "DOC/XLS", "application/x-ole-storage", "a legacy Office file (DOC/XLS/PPT/MSG)", ["doc", "xls", "ppt", "msg"];
    Rtf => "rtf", "RTF", "application/rtf", "an RTF document", ["rtf"];
    Zip => "zip", "ZIP", "application/zip", "a zip archive", ["zip"];
    Gzip => "gzip", "GZIP", "application/gzip", "a gzip archive", ["gz", "tgz"];
    SevenZip => "7z", "7Z", "application/x-7z-compressed", "a 7-Zip archive", ["7z"];
    Rar => "rar", "RAR", "application/vnd.rar", "a RAR archive", ["rar"];
    Mp4 => "mp4", "MP4", "video/mp4", "an MP4/QuickTime video", ["mp4", "m4v", "mov", "3gp"];
    Text => "text", "text", "text/plain; charset=utf-8", "plain text", ["txt", "text", "csv", "tsv", "log", "md"];
    Csv => "csv", "CSV", "text/csv", "a CSV table", ["csv", "tsv", "txt"];
    Html => "html", "HTML", "text/html", "an HTML page", ["html", "htm", "xhtml"];
    Svg => "svg", "SVG", "image/svg+xml", "an SVG image (may hold scripts)", ["svg"];
    Xml => "xml", "XML", "application/xml", "an XML document", ["xml"];
    WindowsExe => "windows-exe", "Windows executable", "application/vnd.microsoft.portable-executable", "a Windows executable", ["exe", "dll", "scr", "com", "sys"];
    Elf => "elf", "ELF executable", "application/x-executable", "a Linux (ELF) executable", ["elf", "so", "bin"];
    MachO => "mach-o", "Mach-O/Java executable", "application/x-mach-binary", "a Mach-O or Java executable", ["dylib", "class"];
    Script => "script", "script", "text/x-shellscript", "a script (#!)", ["sh", "py", "pl"];
    Empty => "empty", "empty", "application/octet-stream", "empty", [];
    Unknown => "unknown", "unknown", "application/octet-stream", "of an unrecognised type", [];
}

impl fmt::Display for ContentKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl ContentKind {
    /// The kind of a configuration token.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }
}

/// What the first bytes of a file are. `head` should hold the first [`SNIFF_LEN`] bytes (or the
/// whole file when shorter); more is ignored.
pub fn sniff(head: &[u8]) -> ContentKind {
    let head = &head[..head.len().min(SNIFF_LEN)];
    if head.is_empty() {
        return ContentKind::Empty;
    }
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(b"%PDF-") {
        ContentKind::Pdf
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        ContentKind::Png
    } else if starts(b"\xff\xd8\xff") {
        ContentKind::Jpeg
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        ContentKind::Gif
    } else if starts(b"II*\0") || starts(b"MM\0*") || starts(b"II+\0") || starts(b"MM\0+") {
        ContentKind::Tiff
    } else if starts(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        ContentKind::WebP
    } else if head.get(4..8) == Some(b"ftyp") {
        iso_media(head)
    } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        zip_kind(head)
    } else if starts(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") {
        ContentKind::LegacyOffice
    } else if starts(b"{\\rtf") {
        ContentKind::Rtf
    } else if starts(b"\x1f\x8b") {
        ContentKind::Gzip
    } else if starts(b"7z\xbc\xaf\x27\x1c") {
        ContentKind::SevenZip
    } else if starts(b"Rar!\x1a\x07") {
        ContentKind::Rar
    } else if starts(b"MZ") {
        ContentKind::WindowsExe
    } else if starts(b"\x7fELF") {
        ContentKind::Elf
    } else if [
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
        b"\xca\xfe\xba\xbe",
    ]
    .iter()
    .any(|m| starts(*m))
    {
        ContentKind::MachO
    } else if starts(b"#!") {
        ContentKind::Script
    } else {
        text_kind(head)
    }
}

/// ISO base media (`ftyp` box): HEIF/HEIC, AVIF or a video.
fn iso_media(head: &[u8]) -> ContentKind {
    let box_len = head
        .get(..4)
        .and_then(|b| <[u8; 4]>::try_from(b).ok())
        .map_or(0, |b| u32::from_be_bytes(b) as usize)
        .clamp(16, head.len().max(16));
    let major = head.get(8..12).unwrap_or_default();
    let compatible: Vec<&[u8]> = head
        .get(16..box_len.min(head.len()))
        .unwrap_or_default()
        .chunks_exact(4)
        .collect();
    let heic = |b: &[u8]| {
        matches!(
            b,
            b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"hevm" | b"hevs"
        )
    };
    let avif = |b: &[u8]| matches!(b, b"avif" | b"avis");
    if heic(major) {
        ContentKind::Heic
    } else if avif(major) {
        ContentKind::Avif
    } else if matches!(major, b"mif1" | b"msf1") {
        if compatible.iter().any(|b| avif(b)) {
            ContentKind::Avif
        } else {
            ContentKind::Heic
        }
    } else if compatible.iter().any(|b| heic(b)) {
        ContentKind::Heic
    } else {
        ContentKind::Mp4
    }
}

/// Zip-based formats, from the entry names of the local file headers found in `head`.
fn zip_kind(head: &[u8]) -> ContentKind {
    let mut names: Vec<&[u8]> = Vec::new();
    let mut odf: Option<ContentKind> = None;
    let mut at = 0;
    while let Some(found) = find(&head[at..], b"PK\x03\x04") {
        let start = at + found;
        at = start + 4;
        let Some(fixed) = head.get(start..start + 30) else {
            break;
        };
        let name_len = usize::from(u16::from_le_bytes([fixed[26], fixed[27]]));
        let extra_len = usize::from(u16::from_le_bytes([fixed[28], fixed[29]]));
        let Some(name) = head.get(start + 30..start + 30 + name_len) else {
            break;
        };
        if names.is_empty() && name == b"mimetype" {
            let data = start + 30 + name_len + extra_len;
            let content = head
                .get(data..head.len().min(data + 60))
                .unwrap_or_default();
            odf = if content.starts_with(b"application/vnd.oasis.opendocument.text") {
                Some(ContentKind::Odt)
            } else if content.starts_with(b"application/vnd.oasis.opendocument.spreadsheet") {
                Some(ContentKind::Ods)
            } else if content.starts_with(b"application/vnd.oasis.opendocument.presentation") {
                Some(ContentKind::Odp)
            } else {
                None
            };
        }
        names.push(name);
    }
    if names.iter().any(|n| n.ends_with(b"vbaProject.bin")) {
        return ContentKind::OfficeMacros;
    }
    if let Some(kind) = odf {
        return kind;
    }
    let has = |prefix: &[u8]| names.iter().any(|n| n.starts_with(prefix));
    if has(b"word/") {
        ContentKind::Docx
    } else if has(b"xl/") {
        ContentKind::Xlsx
    } else if has(b"ppt/") {
        ContentKind::Pptx
    } else {
        ContentKind::Zip
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Text (UTF-8, UTF-16 with a byte-order mark, or an 8-bit code page such as Windows-1256), told
/// apart into CSV, HTML, SVG and XML; anything with NUL or other control bytes is unknown binary.
fn text_kind(head: &[u8]) -> ContentKind {
    if head.starts_with(b"\xff\xfe") || head.starts_with(b"\xfe\xff") {
        return ContentKind::Text;
    }
    let body = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let binary = body
        .iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c | 0x1b) || b == 0x7f);
    if binary {
        return ContentKind::Unknown;
    }
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    let lower: Vec<u8> = body[start..body.len().min(start + 4096)].to_ascii_lowercase();
    let lower = lower.as_slice();
    if lower.starts_with(b"<!doctype html") || lower.starts_with(b"<html") {
        return ContentKind::Html;
    }
    if lower.starts_with(b"<svg") || (lower.starts_with(b"<") && find(lower, b"<svg").is_some()) {
        return ContentKind::Svg;
    }
    if lower.starts_with(b"<?xml") {
        return ContentKind::Xml;
    }
    if find(lower, b"<script").is_some() || find(lower, b"<iframe").is_some() {
        return ContentKind::Html;
    }
    if looks_like_csv(body) {
        ContentKind::Csv
    } else {
        ContentKind::Text
    }
}

/// At least two complete lines, each with the same non-zero number of one delimiter.
fn looks_like_csv(body: &[u8]) -> bool {
    let complete = match body.iter().rposition(|&b| b == b'\n') {
        Some(end) => &body[..end],
        None => return false,
    };
    let lines: Vec<&[u8]> = complete
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .take(20)
        .collect();
    if lines.len() < 2 {
        return false;
    }
    [b',', b';', b'\t', b'|'].iter().any(|&d| {
        let first = lines[0].iter().filter(|&&b| b == d).count();
        first > 0
            && lines
                .iter()
                .all(|l| l.iter().filter(|&&b| b == d).count() == first)
    })
}

/// The content types accepted somewhere (attachments of a case file, say).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowList(Vec<ContentKind>);

impl AllowList {
    /// Accepts exactly these kinds (plus CSV when plain text is accepted).
    pub fn new(kinds: impl IntoIterator<Item = ContentKind>) -> Self {
        let mut kinds: Vec<ContentKind> = kinds.into_iter().collect();
        kinds.sort();
        kinds.dedup();
        Self(kinds)
    }

    /// Case-file attachments: scans and photos (PDF, PNG, JPEG, TIFF, GIF, WebP, HEIC), office
    /// documents without macros (DOCX, XLSX, ODT, ODS) and plain text or CSV.
    pub fn documents() -> Self {
        use ContentKind::*;
        Self::new([
            Pdf, Png, Jpeg, Tiff, Gif, WebP, Heic, Docx, Xlsx, Odt, Ods, Text, Csv,
        ])
    }

    /// Parses configuration tokens (`["pdf", "png", "text"]`).
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut kinds = Vec::new();
        for name in names {
            kinds.push(ContentKind::from_name(name).ok_or_else(|| {
                let known: Vec<&str> = ContentKind::ALL.iter().map(|k| k.name()).collect();
                format!("unknown content type {name:?}; known: {}", known.join(", "))
            })?);
        }
        Ok(Self::new(kinds))
    }

    /// The accepted kinds.
    pub fn kinds(&self) -> &[ContentKind] {
        &self.0
    }

    /// Whether a kind is accepted.
    pub fn allows(&self, kind: ContentKind) -> bool {
        self.0.contains(&kind) || (kind == ContentKind::Csv && self.0.contains(&ContentKind::Text))
    }

    /// Accepts the kind or says what it is and what would be accepted.
    pub fn check(&self, kind: ContentKind) -> Result<(), VaultError> {
        if self.allows(kind) {
            Ok(())
        } else {
            Err(VaultError::TypeNotAllowed {
                detected: kind,
                allowed: self.0.clone(),
            })
        }
    }
}

/// Checks a claimed file name against the detected kind: a name with an extension must use one of
/// the kind's extensions (`scan.pdf` holding a JPEG, or `invoice.pdf` holding a Windows
/// executable, is refused). A name without an extension claims nothing.
pub fn check_claimed_name(kind: ContentKind, file_name: &str) -> Result<(), VaultError> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let Some((_, ext)) = base.rsplit_once('.') else {
        return Ok(());
    };
    let ext = ext.trim().to_ascii_lowercase();
    if ext.is_empty() || kind.extensions().contains(&ext.as_str()) {
        return Ok(());
    }
    Err(VaultError::TypeMismatch {
        claimed: ext,
        detected: kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ContentKind::*;

    fn zip_entry(name: &str, data: &[u8]) -> Vec<u8> {
        let mut out = b"PK\x03\x04".to_vec();
        out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]); // version, flags, method, time, date
        out.extend_from_slice(&[0; 4]); // crc
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn ftyp(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let len = 16 + 4 * compatible.len();
        let mut out = (len as u32).to_be_bytes().to_vec();
        out.extend_from_slice(b"ftyp");
        out.extend_from_slice(major);
        out.extend_from_slice(&[0, 0, 0, 0]);
        compatible.iter().for_each(|b| out.extend_from_slice(*b));
        out
    }

    fn check(input: &[u8], expected: ContentKind) {
        assert_eq!(
            sniff(input),
            expected,
            "{:?}",
            String::from_utf8_lossy(&input[..input.len().min(40)])
        );
    }

    #[test]
    fn magic_numbers() {
        check(b"", Empty);
        check(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", Pdf);
        check(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Png);
        check(b"\xff\xd8\xff\xe0\0\x10JFIF\0", Jpeg);
        check(b"GIF89a\x01\0\x01\0", Gif);
        check(b"II*\0\x08\0\0\0", Tiff);
        check(b"MM\0*\0\0\0\x08", Tiff);
        check(b"RIFF\x24\0\0\0WEBPVP8 ", WebP);
        check(b"RIFF\x24\0\0\0WAVEfmt ", Unknown);
        check(&ftyp(b"heic", &[b"mif1", b"heic"]), Heic);
        check(&ftyp(b"mif1", &[b"mif1", b"heic"]), Heic);
        check(&ftyp(b"avif", &[b"avif", b"mif1"]), Avif);
        check(&ftyp(b"isom", &[b"isom", b"mp41"]), Mp4);
        check(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0", LegacyOffice);
        check(b"{\\rtf1\\ansi", Rtf);
        check(b"\x1f\x8b\x08\0", Gzip);
        check(b"7z\xbc\xaf\x27\x1c\0\x04", SevenZip);
        check(b"Rar!\x1a\x07\x01\0", Rar);
        check(b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff", WindowsExe);
        check(b"\x7fELF\x02\x01\x01\0", Elf);
        check(b"\xcf\xfa\xed\xfe\x07\0\0\x01", MachO);
        check(b"#!/bin/sh\nrm -rf /\n", Script);
        check(b"\0\0\0\0binary", Unknown);
    }

    #[test]
    fn zip_based_office_files() {
        let docx = [
            zip_entry("[Content_Types].xml", b"<Types/>"),
            zip_entry("_rels/.rels", b"<Relationships/>"),
            zip_entry("word/document.xml", b"<w:document/>"),
        ]
        .concat();
        check(&docx, Docx);
        let xlsx = [
            zip_entry("[Content_Types].xml", b"<Types/>"),
            zip_entry("xl/workbook.xml", b"<workbook/>"),
        ]
        .concat();
        check(&xlsx, Xlsx);
        check(
            &[
                zip_entry("[Content_Types].xml", b""),
                zip_entry("ppt/presentation.xml", b""),
            ]
            .concat(),
            Pptx,
        );
        let docm = [docx.clone(), zip_entry("word/vbaProject.bin", b"\xd0\xcf")].concat();
        check(&docm, OfficeMacros);
        check(
            &zip_entry("mimetype", b"application/vnd.oasis.opendocument.text"),
            Odt,
        );
        check(
            &zip_entry(
                "mimetype",
                b"application/vnd.oasis.opendocument.spreadsheet",
            ),
            Ods,
        );
        check(&zip_entry("notes.txt", b"hello"), Zip);
        check(b"PK\x05\x06\0\0\0\0", Zip);
        // A truncated header is still a zip.
        check(&docx[..20], Zip);
    }

    #[test]
    fn text_shapes() {
        check(b"hello\nworld\n", Text);
        check("مرحبا بالعالم\n".as_bytes(), Text);
        check(b"\xef\xbb\xbfname,age\nAli,3\n", Csv);
        check(b"a;b;c\r\n1;2;3\r\n4;5;6\r\n", Csv);
        check(b"a\tb\n1\t2\n", Csv);
        check(b"a,b\n1,2,3\n", Text);
        check(b"one line, with a comma\n", Text);
        // Windows-1256 Arabic bytes are text too.
        check(b"\xe3\xd1\xcd\xc8\xc7 \xc8\xc7\xe1\xda\xc7\xe1\xe3\n", Text);
        check(b"\xff\xfeh\0i\0", Text);
        check(b"<!DOCTYPE html><html><body>x</body></html>", Html);
        check(b"  <html>", Html);
        check(
            b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\"/>",
            Svg,
        );
        check(b"<svg onload=alert(1)>", Svg);
        check(b"<?xml version=\"1.0\"?><root/>", Xml);
        check(b"hi <script>alert(1)</script>", Html);
        check(b"text with a \x01 control byte", Unknown);
    }

    #[test]
    fn allow_list_names_what_it_refuses() {
        let allow = AllowList::documents();
        assert!(allow.check(Pdf).is_ok());
        assert!(allow.check(Csv).is_ok());
        let err = allow.check(WindowsExe).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("a Windows executable"), "{text}");
        assert!(text.contains("PDF, PNG"), "{text}");
        assert!(allow
            .check(Empty)
            .unwrap_err()
            .to_string()
            .contains("empty"));
        assert!(!allow.allows(OfficeMacros));
        assert!(!allow.allows(Svg));
        assert!(AllowList::new([Text]).allows(Csv));
        assert!(!AllowList::new([Csv]).allows(Text));
        assert_eq!(
            AllowList::from_names(["pdf", " PNG "]).unwrap(),
            AllowList::new([Png, Pdf])
        );
        assert!(AllowList::from_names(["pdf", "exe"])
            .unwrap_err()
            .contains("windows-exe"));
    }

    #[test]
    fn claimed_names() {
        assert!(check_claimed_name(Pdf, "passport.PDF").is_ok());
        assert!(check_claimed_name(Jpeg, "photo.jpeg").is_ok());
        assert!(check_claimed_name(Jpeg, "no-extension").is_ok());
        assert!(check_claimed_name(Csv, "table.txt").is_ok());
        let err = check_claimed_name(WindowsExe, "invoice.pdf").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the file is named as pdf but its content is a Windows executable (application/vnd.microsoft.portable-executable)"
        );
        assert!(check_claimed_name(Png, "dir\\scan.pdf").is_err());
    }

    #[test]
    fn every_kind_has_a_unique_name() {
        for k in ContentKind::ALL {
            assert_eq!(ContentKind::from_name(k.name()), Some(*k));
        }
    }
}

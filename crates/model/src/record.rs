//! The canonical record: what validation produces and the store keeps.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use sha2::{Digest, Sha256};

use crate::kind::{RecordKind, PERSON_NAME_FIELDS};

/// A validated record in canonical form: every value is the canonical text of its field type.
///
/// The values (`record_id` included) live in one string; `entries` says where each one is, in
/// field name order. A record is built once and then only read, so this costs two allocations
/// per record instead of one per value plus the nodes of a map.
#[derive(Clone)]
pub struct CanonicalRecord {
    kind: RecordKind,
    /// Every non-empty canonical value, one after another.
    text: String,
    /// Where each value is in `text`, sorted by field name (which is slot order).
    entries: Vec<Entry>,
    /// Where `record_id` is in `text` (never empty).
    record_id: (usize, usize),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    name: &'static str,
    start: usize,
    end: usize,
}

/// A stored record that cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("stored record is not a JSON object of strings: {0}")]
    Json(String),
    #[error("stored {kind} record has the unknown field '{field}'")]
    UnknownField { kind: RecordKind, field: String },
    #[error("stored {kind} record has no record_id")]
    MissingRecordId { kind: RecordKind },
}

/// Every name a record of one kind can hold (its fields, `record_id` included, and its derived
/// fields), in name order: the position of a name is its slot.
pub(crate) struct Layout {
    names: Vec<&'static str>,
    /// The slot of each of `kind.fields()`, in the same order.
    spec_slots: Vec<usize>,
    /// The slots of each name field of [`PERSON_NAME_FIELDS`] and of its script, when the kind
    /// has both.
    script_slots: Vec<(usize, usize)>,
}

impl Layout {
    fn new(kind: RecordKind) -> Layout {
        let mut names: Vec<&'static str> = kind
            .fields()
            .iter()
            .map(|f| f.name)
            .chain(kind.derived_fields().iter().copied())
            .collect();
        names.sort_unstable();
        names.dedup();
        let spec_slots = kind
            .fields()
            .iter()
            .map(|f| names.binary_search(&f.name).unwrap_or(usize::MAX))
            .collect();
        let script_slots = PERSON_NAME_FIELDS
            .iter()
            .filter_map(|(name, script)| {
                Some((
                    names.binary_search(name).ok()?,
                    names.binary_search(script).ok()?,
                ))
            })
            .collect();
        Layout {
            names,
            spec_slots,
            script_slots,
        }
    }

    pub(crate) fn of(kind: RecordKind) -> &'static Layout {
        static LAYOUTS: LazyLock<[Layout; RecordKind::ALL.len()]> =
            LazyLock::new(|| RecordKind::ALL.map(Layout::new));
        // `ALL` lists the kinds in declaration order (pinned by a test).
        &LAYOUTS[kind as usize]
    }

    fn slot(&self, name: &str) -> Option<usize> {
        // Names usually come from the same static tables as `names`: compare addresses first.
        let same = |n: &&str| n.as_ptr() == name.as_ptr() && n.len() == name.len();
        match self.names.iter().position(same) {
            Some(slot) => Some(slot),
            None => self.names.binary_search(&name).ok(),
        }
    }
}

/// Most names (fields, derived fields, `record_id`) a kind has: the builder's slot array.
const MAX_SLOTS: usize = 32;

/// Collects the canonical values of one record, in any order, each in its slot; the record then
/// lists them in slot order, which is name order.
pub(crate) struct RecordBuilder {
    kind: RecordKind,
    layout: &'static Layout,
    text: String,
    /// `(start, end)` in `text` of the value of each slot; only meaningful when its bit is set in
    /// `present`.
    spans: [(usize, usize); MAX_SLOTS],
    present: u32,
}

impl RecordBuilder {
    /// `text_capacity`: about how many bytes the values will take.
    pub(crate) fn new(kind: RecordKind, text_capacity: usize) -> RecordBuilder {
        RecordBuilder {
            kind,
            layout: Layout::of(kind),
            text: String::with_capacity(text_capacity),
            spans: [(0, 0); MAX_SLOTS],
            present: 0,
        }
    }

    /// Sets the value of the `i`-th field of `kind.fields()` (an empty value is not stored).
    pub(crate) fn set_spec(&mut self, i: usize, value: &str) {
        if let Some(&slot) = self.layout.spec_slots.get(i) {
            self.set_slot(slot, value);
        }
    }

    /// Sets the value of the field or derived field `name` (an empty value is not stored; a
    /// name the kind does not have is ignored).
    pub(crate) fn set(&mut self, name: &str, value: &str) {
        if let Some(slot) = self.layout.slot(name) {
            self.set_slot(slot, value);
        }
    }

    fn bit(slot: usize) -> u32 {
        u32::try_from(slot)
            .ok()
            .and_then(|s| 1u32.checked_shl(s))
            .unwrap_or(0)
    }

    fn set_slot(&mut self, slot: usize, value: &str) {
        let bit = Self::bit(slot);
        let Some(span) = self.spans.get_mut(slot) else {
            return;
        };
        self.present &= !bit;
        if value.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(value);
        *span = (start, self.text.len());
        self.present |= bit;
    }

    fn value(&self, slot: usize) -> Option<&str> {
        if self.present & Self::bit(slot) == 0 {
            return None;
        }
        let &(start, end) = self.spans.get(slot)?;
        self.text.get(start..end)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.value(self.layout.slot(name)?)
    }

    /// Sets the derived `<name>_script` of each name field (see [`PERSON_NAME_FIELDS`]) the
    /// record has, to `script(name)`; true when it has at least one name.
    pub(crate) fn set_scripts(&mut self, script: fn(&str) -> &'static str) -> bool {
        let mut any_name = false;
        for &(name_slot, script_slot) in &self.layout.script_slots {
            if let Some(v) = self.value(name_slot) {
                any_name = true;
                let s = script(v);
                self.set_slot(script_slot, s);
            }
        }
        any_name
    }

    pub(crate) fn contains_key(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The record; `None` when it has no `record_id`.
    pub(crate) fn finish(self) -> Option<CanonicalRecord> {
        let mut entries = Vec::with_capacity(self.present.count_ones() as usize);
        let mut record_id = None;
        let mut rest = self.present;
        while rest != 0 {
            let slot = rest.trailing_zeros() as usize;
            rest &= rest - 1;
            let (Some(&name), Some(&(start, end))) =
                (self.layout.names.get(slot), self.spans.get(slot))
            else {
                continue;
            };
            if name == "record_id" {
                record_id = Some((start, end));
            }
            entries.push(Entry { name, start, end });
        }
        Some(CanonicalRecord {
            kind: self.kind,
            text: self.text,
            entries,
            record_id: record_id?,
        })
    }
}

impl CanonicalRecord {
    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    pub fn record_id(&self) -> &str {
        self.text
            .get(self.record_id.0..self.record_id.1)
            .unwrap_or_default()
    }

    fn value(&self, e: &Entry) -> &str {
        self.text.get(e.start..e.end).unwrap_or_default()
    }

    /// The canonical value of a field (including `record_id` and derived fields); `None` when
    /// unknown (empty).
    pub fn get(&self, field: &str) -> Option<&str> {
        self.entries
            .binary_search_by(|e| e.name.cmp(field))
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|e| self.value(e))
    }

    /// The non-empty fields in name order, `record_id` included.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        self.entries.iter().map(|e| (e.name, self.value(e)))
    }

    /// The canonical JSON object: keys sorted, only non-empty fields, `record_id` included, all
    /// values strings, no whitespace, non-ASCII written as UTF-8, only `"` `\` and control
    /// characters escaped. Equal records give byte-identical JSON.
    pub fn to_json(&self) -> String {
        // Each entry adds `"name":"value",`; escapes are rare and only make the string grow.
        let names: usize = self.entries.iter().map(|e| e.name.len() + 6).sum();
        let mut out = String::with_capacity(2 + names + self.text.len());
        out.push('{');
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            // Field names are identifiers (`[a-z0-9_]`, pinned by a test): nothing to escape.
            out.push('"');
            out.push_str(k);
            out.push_str("\":");
            push_json_string(&mut out, v);
        }
        out.push('}');
        out
    }

    /// Lower-case hex SHA-256 of [`CanonicalRecord::to_json`]: equal content, equal hash.
    pub fn content_hash(&self) -> String {
        hex_lower(&Sha256::digest(self.to_json().as_bytes()))
    }

    /// Reads back a record written by [`CanonicalRecord::to_json`]. The values are trusted (they
    /// were validated before being stored); only the field names are checked.
    pub fn from_json(kind: RecordKind, json: &str) -> Result<CanonicalRecord, RecordError> {
        let map: BTreeMap<String, String> =
            serde_json::from_str(json).map_err(|e| RecordError::Json(e.to_string()))?;
        let layout = Layout::of(kind);
        let mut builder = RecordBuilder::new(kind, json.len());
        for (k, v) in map {
            let slot = layout.slot(&k).ok_or_else(|| RecordError::UnknownField {
                kind,
                field: k.clone(),
            })?;
            builder.set_slot(slot, &v);
        }
        builder
            .finish()
            .ok_or(RecordError::MissingRecordId { kind })
    }
}

impl PartialEq for CanonicalRecord {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.iter().eq(other.iter())
    }
}

impl Eq for CanonicalRecord {}

/// The same text as the `Debug` of the former `{ kind, record_id, values: BTreeMap }` struct.
impl fmt::Debug for CanonicalRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Values<'a>(&'a CanonicalRecord);
        impl fmt::Debug for Values<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().filter(|(k, _)| *k != "record_id"))
                    .finish()
            }
        }
        f.debug_struct("CanonicalRecord")
            .field("kind", &self.kind)
            .field("record_id", &self.record_id())
            .field("values", &Values(self))
            .finish()
    }
}

/// Lower-case hex of `bytes`.
fn hex_lower(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// True for the bytes [`push_json_string`] escapes: `"`, `\` and the C0 controls.
#[inline]
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// True when some byte of `bytes` [`needs_escape`]; eight bytes per step (SWAR: a byte of a
/// word is below `n` when subtracting `n` from it borrows into its top bit).
fn any_needs_escape(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const TOPS: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & TOPS;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        if below(x, 0x20)
            | below(x ^ (ONES * u64::from(b'"')), 1)
            | below(x ^ (ONES * u64::from(b'\\')), 1)
            != 0
        {
            return true;
        }
    }
    chunks.remainder().iter().any(|&b| needs_escape(b))
}

fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    // Most values need no escape: check eight bytes at a time, copy in one go.
    if !any_needs_escape(bytes) {
        out.push_str(s);
        out.push('"');
        return;
    }
    // Copy runs of bytes that need no escape in one go; only ASCII bytes are ever escaped, so
    // run boundaries always fall on character boundaries.
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            out.push_str("\\u00");
            out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
            out.push(char::from(b"0123456789abcdef"[usize::from(b & 0x0f)]));
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(pairs: &[(&'static str, &str)]) -> CanonicalRecord {
        let mut b = RecordBuilder::new(RecordKind::Person, 0);
        b.set("record_id", "P-1");
        for (k, v) in pairs {
            b.set(k, v);
        }
        b.finish().unwrap()
    }

    fn check(pairs: &[(&'static str, &str)], expected: &str) {
        assert_eq!(record(pairs).to_json(), expected);
    }

    #[test]
    fn json_canonical_form() {
        check(&[], r#"{"record_id":"P-1"}"#);
        check(
            &[("sex", "F"), ("family_name", "Ben Ali")],
            r#"{"family_name":"Ben Ali","record_id":"P-1","sex":"F"}"#,
        );
        check(
            &[("address", "a\"b\\c\nd\u{1}")],
            r#"{"address":"a\"b\\c\nd\u0001","record_id":"P-1"}"#,
        );
        check(
            &[("given_name", "محمد")],
            r#"{"given_name":"محمد","record_id":"P-1"}"#,
        );
        check(&[("sex", "M")], r#"{"record_id":"P-1","sex":"M"}"#);
    }

    #[test]
    fn json_round_trips_and_is_valid_json() {
        let r = record(&[
            ("given_name", "Hélène \"H\""),
            ("given_name_script", "latin"),
            ("sex", "F"),
        ]);
        let json = r.to_json();
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(parsed["given_name"], "Hélène \"H\"");
        assert_eq!(
            CanonicalRecord::from_json(RecordKind::Person, &json).unwrap(),
            r
        );
        assert!(matches!(
            CanonicalRecord::from_json(RecordKind::Person, r#"{"record_id":"1","colour":"red"}"#),
            Err(RecordError::UnknownField { .. })
        ));
        assert!(matches!(
            CanonicalRecord::from_json(RecordKind::Person, r#"{"sex":"F"}"#),
            Err(RecordError::MissingRecordId { .. })
        ));
        assert!(CanonicalRecord::from_json(RecordKind::Person, "[1]").is_err());
    }

    #[test]
    fn hash_is_deterministic_and_content_sensitive() {
        let a = record(&[("sex", "F"), ("family_name", "Trabelsi")]);
        let b = record(&[("family_name", "Trabelsi"), ("sex", "F")]);
        assert_eq!(a.content_hash(), b.content_hash());
        assert_eq!(a.content_hash().len(), 64);
        assert!(a
            .content_hash()
            .bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        let c = record(&[("family_name", "Trabelsi"), ("sex", "M")]);
        assert_ne!(a.content_hash(), c.content_hash());
        // Pinned: changing the canonical form changes every stored hash.
        assert_eq!(
            record(&[]).content_hash(),
            hex::encode(Sha256::digest(br#"{"record_id":"P-1"}"#))
        );
    }

    /// `push_json_string` as it was: one byte at a time.
    fn old_push_json_string(out: &mut String, s: &str) {
        out.push('"');
        let bytes = s.as_bytes();
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            let escape = match b {
                b'"' => "\\\"",
                b'\\' => "\\\\",
                b'\n' => "\\n",
                b'\r' => "\\r",
                b'\t' => "\\t",
                0..=0x1f => "",
                _ => continue,
            };
            out.push_str(&s[start..i]);
            if escape.is_empty() {
                out.push_str(&format!("\\u{b:04x}"));
            } else {
                out.push_str(escape);
            }
            start = i + 1;
        }
        out.push_str(&s[start..]);
        out.push('"');
    }

    #[test]
    fn json_escaping_matches_the_byte_by_byte_writer() {
        let pool = [
            'a',
            ' ',
            '"',
            '\\',
            '\n',
            '\r',
            '\t',
            '\0',
            '\u{1}',
            '\u{1f}',
            '\u{7f}',
            'é',
            'م',
            '\u{2028}',
            '\u{1F600}',
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            let mut s = String::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let mut y = x;
            for _ in 0..(y % 12) {
                y /= 7;
                s.push(pool[(y % pool.len() as u64) as usize]);
            }
            let (mut new, mut old) = (String::new(), String::new());
            push_json_string(&mut new, &s);
            old_push_json_string(&mut old, &s);
            assert_eq!(new, old, "{s:?}");
            let back: String = serde_json::from_str(&new).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn hex_matches_the_hex_crate() {
        for data in [&b""[..], b"\x00\x0f\xf0\xff", b"record"] {
            assert_eq!(hex_lower(data), hex::encode(data));
        }
        let r = record(&[("sex", "F"), ("given_name", "محمد")]);
        assert_eq!(
            r.content_hash(),
            hex::encode(Sha256::digest(r.to_json().as_bytes()))
        );
    }

    #[test]
    fn layouts_list_every_field_of_their_kind_in_name_order() {
        for kind in RecordKind::ALL {
            let layout = Layout::of(kind);
            let mut expected: Vec<&str> = kind
                .fields()
                .iter()
                .map(|f| f.name)
                .chain(kind.derived_fields().iter().copied())
                .collect();
            expected.sort_unstable();
            assert_eq!(layout.names, expected, "{kind}");
            assert!(layout.names.contains(&"record_id"), "{kind}");
            assert!(
                layout.names.len() <= MAX_SLOTS,
                "{kind}: more names than slots"
            );
            for name in &layout.names {
                assert!(
                    name.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                    "{kind}: {name} would need escaping in JSON"
                );
            }
            for (spec, &slot) in kind.fields().iter().zip(&layout.spec_slots) {
                assert_eq!(layout.names[slot], spec.name, "{kind}");
            }
        }
    }

    #[test]
    fn equality_and_debug_ignore_the_order_values_were_set_in() {
        let a = record(&[("sex", "F"), ("family_name", "Trabelsi")]);
        let b = record(&[("family_name", "Trabelsi"), ("sex", "F")]);
        assert_eq!(a, b);
        assert_ne!(a, record(&[("family_name", "Trabelsi")]));
        assert_ne!(a, record(&[("family_name", "Trabelsi"), ("sex", "M")]));
        // Pinned: the text the derived Debug of `{ kind, record_id, values: BTreeMap }` gave.
        let expected = r#"CanonicalRecord { kind: Person, record_id: "P-1", values: {"family_name": "Trabelsi", "sex": "F"} }"#;
        assert_eq!(format!("{a:?}"), expected);
        assert_eq!(format!("{b:?}"), expected);
        assert_eq!(a.get("record_id"), Some("P-1"));
        assert_eq!(a.get("sex"), Some("F"));
        assert_eq!(a.get("colour"), None);
        assert_eq!(a.record_id(), "P-1");
        // Setting a value again replaces it; setting it empty removes it.
        let mut c = RecordBuilder::new(RecordKind::Person, 0);
        c.set("record_id", "P-1");
        c.set("sex", "M");
        c.set("family_name", "X");
        c.set("sex", "F");
        c.set("family_name", "");
        c.set("family_name", "Trabelsi");
        assert_eq!(c.finish().unwrap(), a);
    }
}

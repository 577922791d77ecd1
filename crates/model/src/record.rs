//! The canonical record: what validation produces and the store keeps.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::kind::RecordKind;

/// A validated record in canonical form: every value is the canonical text of its field type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalRecord {
    kind: RecordKind,
    record_id: String,
    /// Canonical values by field name (never `record_id`, never empty).
    values: BTreeMap<&'static str, String>,
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

impl CanonicalRecord {
    pub(crate) fn new(
        kind: RecordKind,
        record_id: String,
        values: BTreeMap<&'static str, String>,
    ) -> Self {
        CanonicalRecord {
            kind,
            record_id,
            values,
        }
    }

    pub fn kind(&self) -> RecordKind {
        self.kind
    }

    pub fn record_id(&self) -> &str {
        &self.record_id
    }

    /// The canonical value of a field (including `record_id` and derived fields); `None` when
    /// unknown (empty).
    pub fn get(&self, field: &str) -> Option<&str> {
        if field == "record_id" {
            return Some(&self.record_id);
        }
        self.values.get(field).map(String::as_str)
    }

    /// The non-empty fields in name order, `record_id` included.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> + '_ {
        let mut id = Some(("record_id", self.record_id.as_str()));
        let mut rest = self.values.iter().map(|(k, v)| (*k, v.as_str())).peekable();
        std::iter::from_fn(move || match (id, rest.peek()) {
            (Some(i), Some(&(k, _))) if i.0 < k => id.take(),
            (Some(_), None) => id.take(),
            _ => rest.next(),
        })
    }

    /// The canonical JSON object: keys sorted, only non-empty fields, `record_id` included, all
    /// values strings, no whitespace, non-ASCII written as UTF-8, only `"` `\` and control
    /// characters escaped. Equal records give byte-identical JSON.
    pub fn to_json(&self) -> String {
        let mut out = String::with_capacity(
            32 + self
                .values
                .iter()
                .map(|(k, v)| k.len() + v.len() + 6)
                .sum::<usize>(),
        );
        out.push('{');
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_json_string(&mut out, k);
            out.push(':');
            push_json_string(&mut out, v);
        }
        out.push('}');
        out
    }

    /// Lower-case hex SHA-256 of [`CanonicalRecord::to_json`]: equal content, equal hash.
    pub fn content_hash(&self) -> String {
        hex::encode(Sha256::digest(self.to_json().as_bytes()))
    }

    /// Reads back a record written by [`CanonicalRecord::to_json`]. The values are trusted (they
    /// were validated before being stored); only the field names are checked.
    pub fn from_json(kind: RecordKind, json: &str) -> Result<CanonicalRecord, RecordError> {
        let map: BTreeMap<String, String> =
            serde_json::from_str(json).map_err(|e| RecordError::Json(e.to_string()))?;
        let mut record_id = None;
        let mut values = BTreeMap::new();
        for (k, v) in map {
            if k == "record_id" {
                record_id = Some(v);
                continue;
            }
            let name = kind
                .fields()
                .iter()
                .map(|f| f.name)
                .chain(kind.derived_fields().iter().copied())
                .find(|n| *n == k)
                .ok_or_else(|| RecordError::UnknownField {
                    kind,
                    field: k.clone(),
                })?;
            if !v.is_empty() {
                values.insert(name, v);
            }
        }
        let record_id = record_id
            .filter(|r| !r.is_empty())
            .ok_or(RecordError::MissingRecordId { kind })?;
        Ok(CanonicalRecord {
            kind,
            record_id,
            values,
        })
    }
}

fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    // Copy runs of bytes that need no escape in one go; only ASCII bytes are ever escaped, so
    // run boundaries always fall on character boundaries.
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

#[cfg(test)]
mod tests {
    use super::*;

    fn record(pairs: &[(&'static str, &str)]) -> CanonicalRecord {
        let values = pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        CanonicalRecord::new(RecordKind::Person, "P-1".into(), values)
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
}

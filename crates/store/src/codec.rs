//! Encodings shared by both backends: quarantine keys and issues as JSON text, timestamps as
//! text (SQLite), status names, and limits.

use serde_json::{json, Value};

use crate::{Issue, QuarantineStatus, Result, StoreError, SubmissionStatus, Timestamp};

/// Default and largest page size for [`crate::QuarantineFilter::limit`].
pub(crate) const QUARANTINE_DEFAULT_LIMIT: u32 = 100;
pub(crate) const QUARANTINE_MAX_LIMIT: u32 = 10_000;
/// Largest page size for `records` and `submissions`.
pub(crate) const PAGE_MAX_LIMIT: u32 = 10_000;

pub(crate) fn quarantine_limit(limit: Option<u32>) -> i64 {
    i64::from(
        limit
            .unwrap_or(QUARANTINE_DEFAULT_LIMIT)
            .min(QUARANTINE_MAX_LIMIT),
    )
}

pub(crate) fn page_limit(limit: u32) -> i64 {
    i64::from(limit.min(PAGE_MAX_LIMIT))
}

pub(crate) fn corrupt(what: &'static str, detail: String) -> StoreError {
    StoreError::Database {
        context: what,
        source: detail.into(),
    }
}

/// `[["person","TN1"], ...]`
pub(crate) fn keys_to_json(keys: &[(String, String)]) -> String {
    Value::Array(keys.iter().map(|(k, r)| json!([k, r])).collect()).to_string()
}

pub(crate) fn keys_from_json(text: &str) -> Result<Vec<(String, String)>> {
    let bad = || corrupt("reading quarantine keys", format!("malformed keys: {text}"));
    let value: Value = serde_json::from_str(text).map_err(|_| bad())?;
    let Value::Array(items) = value else {
        return Err(bad());
    };
    items
        .iter()
        .map(|item| match item.as_array().map(|a| a.as_slice()) {
            Some([Value::String(k), Value::String(r)]) => Ok((k.clone(), r.clone())),
            _ => Err(bad()),
        })
        .collect()
}

/// `[{"row":1,"field":"sex","reason":"..."}, ...]`
pub(crate) fn issues_to_json(issues: &[Issue]) -> String {
    Value::Array(
        issues
            .iter()
            .map(|i| json!({"row": i.row, "field": i.field, "reason": i.reason}))
            .collect(),
    )
    .to_string()
}

pub(crate) fn issues_from_json(text: &str) -> Result<Vec<Issue>> {
    let bad = || {
        corrupt(
            "reading quarantine issues",
            format!("malformed issues: {text}"),
        )
    };
    let value: Value = serde_json::from_str(text).map_err(|_| bad())?;
    let Value::Array(items) = value else {
        return Err(bad());
    };
    items
        .iter()
        .map(|item| {
            let row = item.get("row").and_then(Value::as_u64).ok_or_else(bad)?;
            let field = match item.get("field") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => return Err(bad()),
            };
            let reason = item
                .get("reason")
                .and_then(Value::as_str)
                .ok_or_else(bad)?
                .to_owned();
            Ok(Issue { row, field, reason })
        })
        .collect()
}

/// Timestamps are stored as RFC 3339 UTC text with microseconds in SQLite (sorts as text).
pub(crate) fn ts_to_text(ts: &Timestamp) -> String {
    ts.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub(crate) fn ts_from_text(text: &str) -> Result<Timestamp> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|_| {
            corrupt(
                "reading a timestamp",
                format!("malformed timestamp: {text}"),
            )
        })
}

pub(crate) fn submission_status(text: &str) -> Result<SubmissionStatus> {
    SubmissionStatus::parse(text)
        .ok_or_else(|| corrupt("reading a submission", format!("unknown status {text}")))
}

pub(crate) fn quarantine_status(text: &str) -> Result<QuarantineStatus> {
    QuarantineStatus::parse(text)
        .ok_or_else(|| corrupt("reading quarantine", format!("unknown status {text}")))
}

/// Record versions of submission `s` have ids in `(s << 32, (s + 1) << 32)`, assigned in staging
/// order: a submission's rows are one primary-key range, so no index on `submission_id` is kept
/// up to date row by row, and its rows are read back in staging order by a range scan.
pub(crate) fn version_range(id: crate::SubmissionId) -> Result<(i64, i64)> {
    if !(1..=i64::from(i32::MAX)).contains(&id.0) {
        return Err(StoreError::Invalid(format!(
            "submission id {} is outside the supported range",
            id.0
        )));
    }
    Ok((id.0 << 32, (id.0 + 1) << 32))
}

/// A content hash as stored: the 32 bytes of a lower-case hex SHA-256 (the API's form).
pub(crate) type HashBytes = [u8; 32];

pub(crate) fn hash_from_hex(hex: &str) -> Result<HashBytes> {
    /// Value of each lower-case hex digit; 0xff for every other byte.
    const NIBBLE: [u8; 256] = {
        let mut t = [0xff; 256];
        let mut i = 0;
        while i < 10 {
            t[b'0' as usize + i] = i as u8;
            i += 1;
        }
        let mut i = 0;
        while i < 6 {
            t[b'a' as usize + i] = 10 + i as u8;
            i += 1;
        }
        t
    };
    let text = hex.as_bytes();
    let mut out = [0u8; 32];
    let mut bad = text.len() != 64;
    if !bad {
        for (o, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
            let (hi, lo) = (NIBBLE[usize::from(pair[0])], NIBBLE[usize::from(pair[1])]);
            bad |= (hi | lo) == 0xff;
            *o = (hi << 4) | (lo & 0xf);
        }
    }
    if bad {
        return Err(StoreError::Invalid(format!(
            "not a lower-case hex SHA-256: {hex:?}"
        )));
    }
    Ok(out)
}

pub(crate) fn hash_to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// Converts a stored non-negative integer.
pub(crate) fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// Converts a count or row number for storage (values above `i64::MAX` cannot occur in files).
pub(crate) fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        let keys = vec![("person".to_owned(), "TN\"1".to_owned())];
        assert_eq!(keys_from_json(&keys_to_json(&keys)).unwrap(), keys);
        assert_eq!(keys_from_json("[]").unwrap(), vec![]);
        assert!(keys_from_json("{}").is_err());
    }

    #[test]
    fn hash_round_trip() {
        let hex = "00ff10a9".repeat(8);
        let bytes = hash_from_hex(&hex).unwrap();
        assert_eq!(bytes[..4], [0x00, 0xff, 0x10, 0xa9]);
        assert_eq!(hash_to_hex(&bytes), hex);
        for bad in [
            "",
            "00",
            &"0F".repeat(32),
            &"g0".repeat(32),
            &"00".repeat(33),
        ] {
            assert!(hash_from_hex(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn version_ranges_do_not_overlap() {
        let (lo, hi) = version_range(crate::SubmissionId(1)).unwrap();
        assert_eq!((lo, hi), (1 << 32, 2 << 32));
        assert_eq!(version_range(crate::SubmissionId(2)).unwrap().0, hi);
        assert!(version_range(crate::SubmissionId(0)).is_err());
        assert!(version_range(crate::SubmissionId(i64::from(i32::MAX) + 1)).is_err());
    }

    #[test]
    fn issues_round_trip() {
        let issues = vec![
            Issue {
                row: 3,
                field: Some("sex".into()),
                reason: "bad".into(),
            },
            Issue {
                row: 0,
                field: None,
                reason: "header".into(),
            },
        ];
        assert_eq!(issues_from_json(&issues_to_json(&issues)).unwrap(), issues);
    }
}

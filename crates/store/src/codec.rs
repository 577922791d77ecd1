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

//! Mapping files: how one source's columns become canonical fields (format in `docs/mappings.md`).

use std::collections::BTreeMap;

use marsad_model::RecordKind;
use serde::Deserialize;

use crate::IngestError;

/// The file-level settings of a mapping.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub format: Option<String>,
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub sheet: Option<String>,
    pub header_row: Option<u32>,
    pub date_format: Option<String>,
    pub datetime_format: Option<String>,
}

/// How one canonical field gets its value.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum FieldSource {
    Column(String),
    Spec(FieldSpec),
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSpec {
    pub column: Option<String>,
    pub columns: Option<Vec<String>>,
    pub separator: Option<String>,
    pub value: Option<String>,
    #[serde(default)]
    pub map: BTreeMap<String, String>,
    pub format: Option<String>,
    pub default: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRecordMapping {
    kind: String,
    fields: BTreeMap<String, FieldSource>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    #[serde(default)]
    file: FileSettings,
    record: Vec<RawRecordMapping>,
}

/// Where a field's value comes from, after checking.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    Column(String),
    Columns {
        columns: Vec<String>,
        separator: String,
    },
    Constant(String),
}

/// One canonical field of one record, fully resolved.
#[derive(Debug, Clone)]
pub struct FieldRule {
    pub field: &'static str,
    pub origin: Origin,
    /// Source value (trimmed, as written) -> canonical value. Keys are matched case-insensitively.
    pub map: Vec<(String, String)>,
    pub format: Option<String>,
    pub default: Option<String>,
}

impl FieldRule {
    /// The source column to name in errors, when the value comes from exactly one column.
    pub fn column(&self) -> Option<&str> {
        match &self.origin {
            Origin::Column(c) => Some(c),
            _ => None,
        }
    }

    /// Applies the code map to a trimmed value.
    pub fn map_value<'a>(&'a self, value: &'a str) -> &'a str {
        if self.map.is_empty() {
            return value;
        }
        self.map
            .iter()
            .find(|(from, _)| from.eq_ignore_ascii_case(value) || from == value)
            .map(|(_, to)| to.as_str())
            .unwrap_or(value)
    }
}

/// The rules for one canonical record kind a row yields.
#[derive(Debug, Clone)]
pub struct RecordRule {
    pub kind: RecordKind,
    pub fields: Vec<FieldRule>,
}

/// A parsed, checked mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub file: FileSettings,
    pub records: Vec<RecordRule>,
    /// True for the built-in mapping of the canonical person CSV.
    pub canonical_person: bool,
}

/// The canonical person CSV columns (contract, DESIGN.md).
pub const PERSON_CSV_COLUMNS: [&str; 16] = [
    "source",
    "record_id",
    "given_name",
    "family_name",
    "father_name",
    "mother_name",
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "document_type",
    "document_number",
    "phone",
    "address",
    "locality",
    "postcode",
];

impl Mapping {
    /// Parses a mapping file's text, checking kinds, field names and each field's origin.
    pub fn parse(text: &str) -> Result<Mapping, IngestError> {
        let raw: RawMapping = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|span| {
                let before = &text[..span.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!(" (line {line}, column {column})")
            });
            IngestError::Mapping {
                reason: format!("{}{}", e.message().trim(), at.unwrap_or_default()),
            }
        })?;
        if raw.record.is_empty() {
            return Err(mapping_error("the mapping has no [[record]] section"));
        }
        if let Some(format) = &raw.file.format {
            if !matches!(format.as_str(), "csv" | "xlsx" | "xls" | "jsonl") {
                return Err(mapping_error(format!(
                    "[file].format '{format}' is not one of csv, xlsx, jsonl"
                )));
            }
        }
        if let Some(encoding) = &raw.file.encoding {
            crate::text::encoding_by_name(encoding)?;
        }
        if let Some(d) = &raw.file.delimiter {
            if d.len() != 1 && d != "\\t" {
                return Err(mapping_error(format!(
                    "[file].delimiter '{d}' must be one ASCII character (or \\t)"
                )));
            }
        }
        let mut records = Vec::new();
        for (i, rec) in raw.record.into_iter().enumerate() {
            let kind = RecordKind::parse(&rec.kind).ok_or_else(|| {
                mapping_error(format!(
                    "record {} has unknown kind '{}'; known kinds: {}",
                    i + 1,
                    rec.kind,
                    RecordKind::ALL.map(|k| k.as_str()).join(", ")
                ))
            })?;
            let mut fields = Vec::new();
            for (name, source) in rec.fields {
                let spec = kind.field(&name).ok_or_else(|| {
                    mapping_error(format!(
                        "record {} ({}) maps unknown field '{name}'; its fields are: {}",
                        i + 1,
                        kind.as_str(),
                        kind.fields()
                            .iter()
                            .map(|f| f.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
                fields.push(field_rule(spec.name, source).map_err(|reason| {
                    mapping_error(format!("{}.{name}: {reason}", kind.as_str()))
                })?);
            }
            if !fields.iter().any(|f| f.field == "record_id") {
                return Err(mapping_error(format!(
                    "record {} ({}) does not map record_id",
                    i + 1,
                    kind.as_str()
                )));
            }
            records.push(RecordRule { kind, fields });
        }
        Ok(Mapping {
            file: raw.file,
            records,
            canonical_person: false,
        })
    }

    /// The built-in mapping of the canonical person CSV: each column to the field of its name.
    pub fn canonical_person() -> Mapping {
        let fields = PERSON_CSV_COLUMNS
            .iter()
            .filter(|c| **c != "source")
            .filter_map(|c| RecordKind::Person.field(c))
            .map(|spec| FieldRule {
                field: spec.name,
                origin: Origin::Column(spec.name.to_string()),
                map: Vec::new(),
                format: None,
                default: None,
            })
            .collect();
        Mapping {
            file: FileSettings {
                format: Some("csv".into()),
                ..FileSettings::default()
            },
            records: vec![RecordRule {
                kind: RecordKind::Person,
                fields,
            }],
            canonical_person: true,
        }
    }

    /// Every source column some rule reads.
    pub fn columns(&self) -> impl Iterator<Item = &str> {
        self.records
            .iter()
            .flat_map(|r| r.fields.iter())
            .flat_map(|f| match &f.origin {
                Origin::Column(c) => vec![c.as_str()],
                Origin::Columns { columns, .. } => columns.iter().map(String::as_str).collect(),
                Origin::Constant(_) => Vec::new(),
            })
    }
}

fn field_rule(field: &'static str, source: FieldSource) -> Result<FieldRule, String> {
    let spec = match source {
        FieldSource::Column(column) => FieldSpec {
            column: Some(column),
            ..FieldSpec::default()
        },
        FieldSource::Spec(spec) => spec,
    };
    let origin = match (spec.column, spec.columns, spec.value) {
        (Some(c), None, None) if !c.trim().is_empty() => Origin::Column(c.trim().to_string()),
        (None, Some(cs), None) if !cs.is_empty() => Origin::Columns {
            columns: cs.into_iter().map(|c| c.trim().to_string()).collect(),
            separator: spec.separator.unwrap_or_else(|| " ".into()),
        },
        (None, None, Some(v)) => Origin::Constant(v),
        _ => return Err("give exactly one of column, columns or value".into()),
    };
    Ok(FieldRule {
        field,
        origin,
        map: spec.map.into_iter().collect(),
        format: spec.format,
        default: spec.default,
    })
}

fn mapping_error(reason: impl Into<String>) -> IngestError {
    IngestError::Mapping {
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let doc = include_str!("../../../docs/mappings.md");
        let start = doc.find("```toml").unwrap() + "```toml".len();
        let end = start + doc[start..].find("```").unwrap();
        let mapping = Mapping::parse(&doc[start..end]).unwrap();
        assert_eq!(mapping.records.len(), 2);
        assert_eq!(mapping.records[1].kind, RecordKind::BorderCrossing);
        let direction = mapping.records[1]
            .fields
            .iter()
            .find(|f| f.field == "direction")
            .unwrap();
        assert_eq!(direction.map_value("E"), "in");
        assert_eq!(direction.map_value("e"), "in");
        assert_eq!(direction.map_value("X"), "X");
    }

    #[test]
    fn example_mappings_stay_valid() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path).unwrap();
                Mapping::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                seen += 1;
            }
        }
        assert!(seen >= 9, "{seen} example mappings");
    }

    fn check_error(text: &str, expected: &str) {
        let err = Mapping::parse(text).unwrap_err().to_string();
        assert!(
            err.contains(expected),
            "{err:?} does not contain {expected:?}"
        );
    }

    #[test]
    fn mapping_errors_name_the_problem() {
        check_error("", "record");
        check_error(
            "[[record]]\nkind = \"person\"\n",
            "missing field `fields` (line 1, column 1)",
        );
        check_error("[file]\nformat = csv\n", "(line 2, column 10)");
        check_error(
            "[[record]]\nkind = \"persons\"\n[record.fields]\nrecord_id = \"ID\"\n",
            "unknown kind 'persons'",
        );
        check_error(
            "[[record]]\nkind = \"person\"\n[record.fields]\nrecord_id = \"ID\"\nfirst_name = \"P\"\n",
            "unknown field 'first_name'",
        );
        check_error(
            "[[record]]\nkind = \"person\"\n[record.fields]\ngiven_name = \"P\"\n",
            "does not map record_id",
        );
        check_error(
            "[[record]]\nkind = \"person\"\n[record.fields]\nrecord_id = { column = \"A\", value = \"x\" }\n",
            "exactly one of",
        );
        check_error(
            "[file]\nformat = \"pdf\"\n[[record]]\nkind = \"person\"\n[record.fields]\nrecord_id = \"ID\"\n",
            "'pdf'",
        );
        check_error(
            "[file]\nencoding = \"latin-9000\"\n[[record]]\nkind = \"person\"\n[record.fields]\nrecord_id = \"ID\"\n",
            "latin-9000",
        );
    }
}

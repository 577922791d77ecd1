//! Content negotiation: an `Accept` header (with q-values and wildcards) or a `format=`
//! parameter → the [`Format`] to write, for a data or a structure answer. `format=` wins over
//! `Accept`. Defaults: SDMX-ML 2.1 structure-specific data, SDMX-ML 2.1 structure.

use crate::error::SdmxError;

/// What the answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// `data` queries.
    Data,
    /// Structure and `availableconstraint` queries.
    Structure,
}

/// A message format this crate writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// SDMX-ML 2.1 StructureSpecificData.
    StructureSpecificData,
    /// SDMX-ML 2.1 GenericData.
    GenericData,
    /// SDMX-JSON 1.0 data.
    DataJson,
    /// SDMX-CSV 1.0.
    DataCsv,
    /// SDMX-ML 2.1 Structure.
    StructureXml,
}

impl Format {
    /// The `Content-Type` of an answer in this format.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::StructureSpecificData => {
                "application/vnd.sdmx.structurespecificdata+xml; version=2.1; charset=utf-8"
            }
            Format::GenericData => {
                "application/vnd.sdmx.genericdata+xml; version=2.1; charset=utf-8"
            }
            Format::DataJson => "application/vnd.sdmx.data+json; version=1.0.0; charset=utf-8",
            Format::DataCsv => "application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8",
            Format::StructureXml => {
                "application/vnd.sdmx.structure+xml; version=2.1; charset=utf-8"
            }
        }
    }

    /// The file extension of `marsad export sdmx`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::StructureSpecificData | Format::GenericData | Format::StructureXml => "xml",
            Format::DataJson => "json",
            Format::DataCsv => "csv",
        }
    }

    /// True for the XML formats (errors are then SDMX-ML error messages).
    pub fn is_xml(self) -> bool {
        matches!(
            self,
            Format::StructureSpecificData | Format::GenericData | Format::StructureXml
        )
    }
}

fn default_for(answer: Answer) -> Format {
    match answer {
        Answer::Data => Format::StructureSpecificData,
        Answer::Structure => Format::StructureXml,
    }
}

/// The format named by a `format=` value: `structurespecificdata`, `genericdata`, `jsondata`,
/// `csv`/`csvfile`, `structure` (and a few spellings of each).
fn from_param(value: &str, answer: Answer) -> Option<Format> {
    let f = match value.to_ascii_lowercase().as_str() {
        "structurespecificdata" | "structurespecific" | "xml" | "sdmx-ml" => match answer {
            Answer::Data => Format::StructureSpecificData,
            Answer::Structure => Format::StructureXml,
        },
        "genericdata" | "generic" => Format::GenericData,
        "jsondata" | "json" | "sdmx-json" => Format::DataJson,
        "csv" | "csvfile" | "sdmx-csv" => Format::DataCsv,
        "structure" => Format::StructureXml,
        _ => return None,
    };
    let fits = match answer {
        Answer::Data => f != Format::StructureXml,
        Answer::Structure => f == Format::StructureXml,
    };
    fits.then_some(f)
}

/// One media range → a format, if it names one we write for this answer. `version` is the
/// range's `version` parameter, which must match when given.
fn from_range(range: &str, version: Option<&str>, answer: Answer) -> Option<Format> {
    let v = |want: &str| version.is_none_or(|v| v == want);
    let data = answer == Answer::Data;
    match range {
        "application/vnd.sdmx.structurespecificdata+xml" if data && v("2.1") => {
            Some(Format::StructureSpecificData)
        }
        "application/vnd.sdmx.genericdata+xml" if data && v("2.1") => Some(Format::GenericData),
        "application/vnd.sdmx.data+json" if data && (v("1.0.0") || v("1.0")) => {
            Some(Format::DataJson)
        }
        "application/vnd.sdmx.data+csv" if data && (v("1.0.0") || v("1.0")) => {
            Some(Format::DataCsv)
        }
        "application/vnd.sdmx.structure+xml" if !data && v("2.1") => Some(Format::StructureXml),
        "application/json" if data => Some(Format::DataJson),
        "text/csv" if data => Some(Format::DataCsv),
        "text/*" if data => Some(Format::DataCsv),
        "application/xml" | "text/xml" | "application/*" | "*/*" => Some(default_for(answer)),
        _ => None,
    }
}

/// Picks the format of an answer from `format=` (if given) or `Accept` (absent or empty =
/// default). No acceptable format → [`SdmxError::NotAcceptable`] listing what is offered.
pub fn negotiate(
    accept: Option<&str>,
    format_param: Option<&str>,
    answer: Answer,
) -> Result<Format, SdmxError> {
    let offered = match answer {
        Answer::Data => "application/vnd.sdmx.structurespecificdata+xml;version=2.1, application/vnd.sdmx.genericdata+xml;version=2.1, application/vnd.sdmx.data+json;version=1.0.0, application/vnd.sdmx.data+csv;version=1.0.0, application/xml, application/json, text/csv",
        Answer::Structure => "application/vnd.sdmx.structure+xml;version=2.1, application/xml",
    };
    if let Some(p) = format_param {
        return from_param(p, answer).ok_or_else(|| {
            SdmxError::NotAcceptable(format!(
                "format='{p}' cannot be produced for this query; offered: {}",
                match answer {
                    Answer::Data => "structurespecificdata, genericdata, jsondata, csv",
                    Answer::Structure => "structure",
                }
            ))
        });
    }
    let accept = match accept.map(str::trim) {
        None | Some("") => return Ok(default_for(answer)),
        Some(a) => a,
    };
    // (q in thousandths, position, format)
    let mut candidates: Vec<(u16, usize, Option<Format>)> = Vec::new();
    for (pos, item) in accept.split(',').enumerate() {
        let mut parts = item.split(';');
        let range = parts.next().unwrap_or("").trim().to_ascii_lowercase();
        if range.is_empty() {
            continue;
        }
        let mut q: u16 = 1000;
        let mut version = None;
        for p in parts {
            let Some((k, v)) = p.split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches('"');
            match k.trim().to_ascii_lowercase().as_str() {
                "q" => q = parse_q(v).unwrap_or(0),
                "version" => version = Some(v.to_owned()),
                _ => {}
            }
        }
        candidates.push((q, pos, from_range(&range, version.as_deref(), answer)));
    }
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    candidates
        .into_iter()
        .find_map(|(q, _, f)| if q > 0 { f } else { None })
        .ok_or_else(|| {
            SdmxError::NotAcceptable(format!(
                "cannot produce any of '{accept}'; offered: {offered}"
            ))
        })
}

/// A q-value `0`, `1`, `0.5`, `0.123` in thousandths.
fn parse_q(v: &str) -> Option<u16> {
    let f: f64 = v.parse().ok()?;
    if !(0.0..=1.0).contains(&f) {
        return None;
    }
    // f is in [0, 1], so the product fits a u16
    Some((f * 1000.0).round() as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        accept: Option<&str>,
        format: Option<&str>,
        answer: Answer,
        expected: Result<Format, u16>,
    ) {
        let got = negotiate(accept, format, answer).map_err(|e| e.code());
        assert_eq!(got, expected, "Accept: {accept:?}, format={format:?}");
    }

    #[test]
    fn negotiation_cases() {
        use Answer::{Data as D, Structure as S};
        use Format::*;
        check(None, None, D, Ok(StructureSpecificData));
        check(None, None, S, Ok(StructureXml));
        check(Some(""), None, D, Ok(StructureSpecificData));
        check(Some("*/*"), None, D, Ok(StructureSpecificData));
        check(Some("application/xml"), None, D, Ok(StructureSpecificData));
        check(Some("application/json"), None, D, Ok(DataJson));
        check(Some("text/csv"), None, D, Ok(DataCsv));
        check(
            Some("application/vnd.sdmx.genericdata+xml;version=2.1"),
            None,
            D,
            Ok(GenericData),
        );
        check(
            Some("application/vnd.sdmx.structurespecificdata+xml; version=2.1"),
            None,
            D,
            Ok(StructureSpecificData),
        );
        check(
            Some("application/vnd.sdmx.data+json;version=1.0.0"),
            None,
            D,
            Ok(DataJson),
        );
        check(
            Some("application/vnd.sdmx.data+json;version=2.0.0"),
            None,
            D,
            Err(406),
        );
        check(
            Some("application/vnd.sdmx.data+json;version=2.0.0, */*;q=0.1"),
            None,
            D,
            Ok(StructureSpecificData),
        );
        check(
            Some("application/vnd.sdmx.data+csv;version=1.0.0;q=0.9, application/json;q=0.5"),
            None,
            D,
            Ok(DataCsv),
        );
        check(
            Some("application/json;q=0.5, text/csv"),
            None,
            D,
            Ok(DataCsv),
        );
        check(
            Some("text/csv;q=0, application/json;q=0.2"),
            None,
            D,
            Ok(DataJson),
        );
        check(Some("text/html"), None, D, Err(406));
        check(Some("text/csv;q=0"), None, D, Err(406));
        check(Some("APPLICATION/JSON"), None, D, Ok(DataJson));
        check(
            Some("application/vnd.sdmx.structure+xml;version=2.1"),
            None,
            S,
            Ok(StructureXml),
        );
        check(Some("application/json"), None, S, Err(406));
        check(
            Some("application/json, application/xml;q=0.8"),
            None,
            S,
            Ok(StructureXml),
        );
        check(Some("text/csv"), Some("jsondata"), D, Ok(DataJson));
        check(None, Some("genericdata"), D, Ok(GenericData));
        check(None, Some("csvfile"), D, Ok(DataCsv));
        check(None, Some("structure"), D, Err(406));
        check(None, Some("jsondata"), S, Err(406));
        check(None, Some("xml"), S, Ok(StructureXml));
        check(Some("text/csv;q=2"), None, D, Err(406));
    }
}

//! SDMX 2.1 RESTful queries, parsed from the path after `/sdmx/2.1/` and the decoded query
//! parameters:
//!
//! - structure: `{dataflow|datastructure|codelist|conceptscheme|contentconstraint}/{agencyID}/
//!   {resourceID}/{version}` (each `all` by default, version `latest`; `+` separates
//!   alternatives) with `references` and `detail`;
//! - data: `data/{flowRef}/{key}/{providerRef}` with `startPeriod`, `endPeriod`,
//!   `dimensionAtObservation`, `detail`, `firstNObservations`, `lastNObservations`;
//! - availability: `availableconstraint/{flowRef}/{key}/{providerRef}/{componentID}` with
//!   `startPeriod`, `endPeriod`, `mode`, `references`.
//!
//! `format=` is accepted everywhere (see [`crate::negotiate`]). Errors are [`SdmxError::Syntax`]
//! (140) naming the part at fault; meaning against the structures is checked by
//! [`crate::select`].

use crate::error::SdmxError;
use crate::model::{is_valid_id, Class, TIME_PERIOD};
use crate::period::TimePeriod;

/// A parsed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Structure(StructureQuery),
    Data(DataQuery),
    Availability(AvailabilityQuery),
}

/// `all` or a list of alternatives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    All,
    AnyOf(Vec<String>),
}

impl Selector {
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Selector::All => true,
            Selector::AnyOf(list) => list.iter().any(|v| v == value),
        }
    }
}

/// Which versions of an artefact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionSelector {
    All,
    Latest,
    AnyOf(Vec<String>),
}

/// Which referenced artefacts come with the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum References {
    None,
    Parents,
    ParentsAndSiblings,
    Children,
    Descendants,
    All,
    /// Only referenced artefacts of this class.
    Only(Class),
}

/// How much of each artefact is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StructureDetail {
    Full,
    AllStubs,
    ReferenceStubs,
    AllCompleteStubs,
    ReferenceCompleteStubs,
    ReferencePartial,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StructureQuery {
    pub resource: Class,
    pub agency: Selector,
    pub id: Selector,
    pub version: VersionSelector,
    pub references: References,
    pub detail: StructureDetail,
}

/// `ID`, `AGENCY,ID` or `AGENCY,ID,VERSION`; `None` is any agency / the latest version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowRef {
    pub agency: Option<String>,
    pub id: String,
    pub version: Option<String>,
}

/// The series key pattern: one entry per dimension, empty = any code; or all series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPattern {
    All,
    Dimensions(Vec<Vec<String>>),
}

impl KeyPattern {
    /// True when `key` (the codes of the key dimensions, in order) matches. The caller has
    /// checked the pattern's length against the structure.
    pub fn matches(&self, key: &[String]) -> bool {
        match self {
            KeyPattern::All => true,
            KeyPattern::Dimensions(parts) => parts
                .iter()
                .zip(key)
                .all(|(alts, code)| alts.is_empty() || alts.contains(code)),
        }
    }
}

/// The data provider part of the path: `all`, `ID` or `AGENCY,ID`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderRef {
    All,
    Provider { agency: Option<String>, id: String },
}

/// Which dimension is attached to the observations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DimensionAtObservation {
    /// `TIME_PERIOD`, the default: time series.
    Time,
    /// `AllDimensions`: a flat list of observations.
    All,
    /// Cross-sections on another dimension.
    Dimension(String),
}

impl DimensionAtObservation {
    pub fn as_str(&self) -> &str {
        match self {
            DimensionAtObservation::Time => TIME_PERIOD,
            DimensionAtObservation::All => "AllDimensions",
            DimensionAtObservation::Dimension(d) => d,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataDetail {
    Full,
    DataOnly,
    SeriesKeysOnly,
    NoData,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataQuery {
    pub flow: FlowRef,
    pub key: KeyPattern,
    pub provider: ProviderRef,
    pub start_period: Option<TimePeriod>,
    pub end_period: Option<TimePeriod>,
    pub dimension_at_observation: DimensionAtObservation,
    pub detail: DataDetail,
    pub first_n_observations: Option<usize>,
    pub last_n_observations: Option<usize>,
}

/// `exact`: the codes present in the data matching the whole query; `available`: for each
/// dimension, the codes that would give data given the selections on the other dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AvailabilityMode {
    Exact,
    Available,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AvailabilityQuery {
    pub flow: FlowRef,
    pub key: KeyPattern,
    pub provider: ProviderRef,
    /// The one dimension asked for; `None` for all.
    pub component: Option<String>,
    pub start_period: Option<TimePeriod>,
    pub end_period: Option<TimePeriod>,
    pub mode: AvailabilityMode,
    pub references: References,
}

const COMMON_PARAMS: &[&str] = &["format"];
/// Standard SDMX 2.1 parameters this service does not implement (501, not 140).
const UNSUPPORTED_PARAMS: &[&str] = &["updatedAfter", "includeHistory"];

impl Request {
    /// Parses `path` (after `/sdmx/2.1/`, no leading slash needed; `%XX` escapes decoded) and
    /// the query parameters (already decoded).
    pub fn parse(path: &str, params: &[(&str, &str)]) -> Result<Request, SdmxError> {
        let path = path.trim_matches('/');
        let segments: Vec<String> = path
            .split('/')
            .map(percent_decode)
            .collect::<Result<_, _>>()?;
        let Some((resource, rest)) = segments.split_first() else {
            return Err(SdmxError::Syntax("empty path".into()));
        };
        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
        let structure = match resource.as_str() {
            "data" => return parse_data(&rest, params).map(Request::Data),
            "availableconstraint" => {
                return parse_availability(&rest, params).map(Request::Availability)
            }
            "dataflow" => Class::Dataflow,
            "datastructure" => Class::DataStructure,
            "codelist" => Class::Codelist,
            "conceptscheme" => Class::ConceptScheme,
            "contentconstraint" => Class::ContentConstraint,
            "categoryscheme" | "categorisation" | "hierarchicalcodelist" | "metadataflow"
            | "metadatastructure" | "organisationscheme" | "agencyscheme" | "dataproviderscheme"
            | "dataconsumerscheme" | "organisationunitscheme" | "provisionagreement"
            | "structureset" | "process" | "reportingtaxonomy" | "attachmentconstraint"
            | "structure" | "schema" | "metadata" => {
                return Err(SdmxError::NotImplemented(format!(
                    "resource '{resource}' is not offered; this service has dataflow, datastructure, codelist, conceptscheme, contentconstraint, data and availableconstraint"
                )))
            }
            other => {
                return Err(SdmxError::Syntax(format!(
                    "unknown resource '{other}'; expected dataflow, datastructure, codelist, conceptscheme, contentconstraint, data or availableconstraint"
                )))
            }
        };
        parse_structure(structure, &rest, params).map(Request::Structure)
    }
}

fn percent_decode(s: &str) -> Result<String, SdmxError> {
    if !s.contains('%') {
        return Ok(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(b) = hex else {
                return Err(SdmxError::Syntax(format!("bad percent escape in '{s}'")));
            };
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| SdmxError::Syntax(format!("'{s}' is not UTF-8")))
}

fn too_many(kind: &str, segments: &[&str], max: usize) -> Result<(), SdmxError> {
    if segments.len() > max {
        return Err(SdmxError::Syntax(format!(
            "a {kind} query has at most {max} path parts after the resource, got '{}'",
            segments.join("/")
        )));
    }
    Ok(())
}

fn check_params(params: &[(&str, &str)], allowed: &[&str]) -> Result<(), SdmxError> {
    for (name, _) in params {
        if UNSUPPORTED_PARAMS.contains(name) {
            return Err(SdmxError::NotImplemented(format!(
                "parameter '{name}' is not supported: marsad keeps no revision history"
            )));
        }
        if !allowed.contains(name) && !COMMON_PARAMS.contains(name) {
            let mut all: Vec<&str> = allowed.to_vec();
            all.extend(COMMON_PARAMS);
            return Err(SdmxError::Syntax(format!(
                "unknown parameter '{name}'; accepted: {}",
                all.join(", ")
            )));
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for (name, _) in params {
        if seen.contains(name) {
            return Err(SdmxError::Syntax(format!(
                "parameter '{name}' is given twice"
            )));
        }
        seen.push(name);
    }
    Ok(())
}

fn param<'a>(params: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    params.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
}

fn id_list(what: &str, s: &str, allow_dots: bool) -> Result<Selector, SdmxError> {
    if s == "all" || s == "*" {
        return Ok(Selector::All);
    }
    let mut out = Vec::new();
    for part in s.split('+') {
        let ok = if allow_dots {
            is_valid_id(&part.replace('.', "_"))
        } else {
            is_valid_id(part)
        };
        if !ok {
            return Err(SdmxError::Syntax(format!(
                "{what} '{part}' is not a valid id"
            )));
        }
        out.push(part.to_owned());
    }
    Ok(Selector::AnyOf(out))
}

fn is_version(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

fn parse_references(s: &str) -> Result<References, SdmxError> {
    Ok(match s {
        "none" => References::None,
        "parents" => References::Parents,
        "parentsandsiblings" => References::ParentsAndSiblings,
        "children" => References::Children,
        "descendants" => References::Descendants,
        "all" => References::All,
        "dataflow" => References::Only(Class::Dataflow),
        "datastructure" => References::Only(Class::DataStructure),
        "codelist" => References::Only(Class::Codelist),
        "conceptscheme" => References::Only(Class::ConceptScheme),
        "contentconstraint" => References::Only(Class::ContentConstraint),
        other => {
            return Err(SdmxError::Syntax(format!(
                "references='{other}'; expected none, parents, parentsandsiblings, children, descendants, all, or a resource (dataflow, datastructure, codelist, conceptscheme, contentconstraint)"
            )))
        }
    })
}

fn parse_structure(
    resource: Class,
    segments: &[&str],
    params: &[(&str, &str)],
) -> Result<StructureQuery, SdmxError> {
    too_many("structure", segments, 3)?;
    check_params(params, &["references", "detail"])?;
    let seg = |i: usize, default: &'static str| segments.get(i).copied().unwrap_or(default);
    let agency = id_list("agencyID", seg(0, "all"), true)?;
    let id = id_list("resourceID", seg(1, "all"), false)?;
    let version = match seg(2, "latest") {
        "latest" | "+" | "~" => VersionSelector::Latest,
        "all" | "*" => VersionSelector::All,
        v => {
            let parts: Vec<&str> = v.split('+').collect();
            if let Some(bad) = parts.iter().find(|p| !is_version(p)) {
                return Err(SdmxError::Syntax(format!(
                    "version '{bad}' is not a version like 1.0, 'latest' or 'all'"
                )));
            }
            VersionSelector::AnyOf(parts.into_iter().map(str::to_owned).collect())
        }
    };
    let references = param(params, "references").map_or(Ok(References::None), parse_references)?;
    let detail = match param(params, "detail").unwrap_or("full") {
        "full" => StructureDetail::Full,
        "allstubs" => StructureDetail::AllStubs,
        "referencestubs" => StructureDetail::ReferenceStubs,
        "allcompletestubs" => StructureDetail::AllCompleteStubs,
        "referencecompletestubs" => StructureDetail::ReferenceCompleteStubs,
        "referencepartial" => StructureDetail::ReferencePartial,
        other => {
            return Err(SdmxError::Syntax(format!(
                "detail='{other}'; expected full, allstubs, referencestubs, allcompletestubs, referencecompletestubs or referencepartial"
            )))
        }
    };
    Ok(StructureQuery {
        resource,
        agency,
        id,
        version,
        references,
        detail,
    })
}

/// Parses a flowRef: `ID`, `AGENCY,ID`, `AGENCY,ID,VERSION` (`all`/`latest` as wildcards).
pub fn parse_flow_ref(s: &str) -> Result<FlowRef, SdmxError> {
    let parts: Vec<&str> = s.split(',').collect();
    let (agency, id, version) = match parts.as_slice() {
        [id] => (None, *id, None),
        [agency, id] => (Some(*agency), *id, None),
        [agency, id, version] => (Some(*agency), *id, Some(*version)),
        _ => {
            return Err(SdmxError::Syntax(format!(
                "flowRef '{s}' must be ID, AGENCY,ID or AGENCY,ID,VERSION"
            )))
        }
    };
    if !is_valid_id(id) || id == "all" {
        return Err(SdmxError::Syntax(format!(
            "flowRef '{s}': dataflow id '{id}' is not valid"
        )));
    }
    let agency = match agency {
        None | Some("all") => None,
        Some(a) if is_valid_id(&a.replace('.', "_")) => Some(a.to_owned()),
        Some(a) => {
            return Err(SdmxError::Syntax(format!(
                "flowRef '{s}': agency '{a}' is not valid"
            )))
        }
    };
    let version = match version {
        None | Some("latest") | Some("all") => None,
        Some(v) if is_version(v) => Some(v.to_owned()),
        Some(v) => {
            return Err(SdmxError::Syntax(format!(
                "flowRef '{s}': version '{v}' is not valid"
            )))
        }
    };
    Ok(FlowRef {
        agency,
        id: id.to_owned(),
        version,
    })
}

/// Parses a key: `all`, or dot-separated parts, each empty (any code) or codes joined by `+`.
pub fn parse_key(s: &str) -> Result<KeyPattern, SdmxError> {
    if s == "all" || s.is_empty() {
        return Ok(KeyPattern::All);
    }
    let mut parts = Vec::new();
    for (i, part) in s.split('.').enumerate() {
        let mut alts = Vec::new();
        if !part.is_empty() {
            for code in part.split('+') {
                if !is_valid_id(code) {
                    return Err(SdmxError::Syntax(format!(
                        "key '{s}': part {} has an invalid code '{code}'",
                        i + 1
                    )));
                }
                alts.push(code.to_owned());
            }
        }
        parts.push(alts);
    }
    Ok(KeyPattern::Dimensions(parts))
}

fn parse_provider(s: Option<&str>) -> Result<ProviderRef, SdmxError> {
    match s {
        None | Some("all") => Ok(ProviderRef::All),
        Some(p) => {
            let parts: Vec<&str> = p.split(',').collect();
            let ok = |x: &str| is_valid_id(&x.replace('.', "_"));
            match parts.as_slice() {
                [id] if ok(id) => Ok(ProviderRef::Provider {
                    agency: None,
                    id: (*id).to_owned(),
                }),
                [agency, id] if ok(agency) && ok(id) => Ok(ProviderRef::Provider {
                    agency: Some((*agency).to_owned()),
                    id: (*id).to_owned(),
                }),
                _ => Err(SdmxError::Syntax(format!(
                    "providerRef '{p}' must be 'all', ID or AGENCY,ID"
                ))),
            }
        }
    }
}

fn parse_period(name: &str, params: &[(&str, &str)]) -> Result<Option<TimePeriod>, SdmxError> {
    match param(params, name) {
        None => Ok(None),
        Some(v) => TimePeriod::parse(v).map(Some).ok_or_else(|| {
            SdmxError::Syntax(format!(
                "{name}='{v}' is not a period (YYYY, YYYY-Sn, YYYY-Qn, YYYY-MM or YYYY-MM-DD)"
            ))
        }),
    }
}

fn check_period_order(start: Option<TimePeriod>, end: Option<TimePeriod>) -> Result<(), SdmxError> {
    if let (Some(s), Some(e)) = (start, end) {
        if s.start() > e.end() {
            return Err(SdmxError::Semantic(format!(
                "startPeriod {s} is after endPeriod {e}"
            )));
        }
    }
    Ok(())
}

fn parse_count(name: &str, params: &[(&str, &str)]) -> Result<Option<usize>, SdmxError> {
    match param(params, name) {
        None => Ok(None),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if n > 0 && v.bytes().all(|b| b.is_ascii_digit()) => Ok(Some(n)),
            _ => Err(SdmxError::Syntax(format!(
                "{name}='{v}' is not a positive whole number"
            ))),
        },
    }
}

fn parse_data(segments: &[&str], params: &[(&str, &str)]) -> Result<DataQuery, SdmxError> {
    too_many("data", segments, 3)?;
    check_params(
        params,
        &[
            "startPeriod",
            "endPeriod",
            "dimensionAtObservation",
            "detail",
            "firstNObservations",
            "lastNObservations",
        ],
    )?;
    let Some(flow) = segments.first() else {
        return Err(SdmxError::Syntax(
            "a data query needs a flowRef: data/{flowRef}/{key}/{providerRef}".into(),
        ));
    };
    let flow = parse_flow_ref(flow)?;
    let key = parse_key(segments.get(1).copied().unwrap_or("all"))?;
    let provider = parse_provider(segments.get(2).copied())?;
    let start_period = parse_period("startPeriod", params)?;
    let end_period = parse_period("endPeriod", params)?;
    check_period_order(start_period, end_period)?;
    let dimension_at_observation = match param(params, "dimensionAtObservation") {
        None | Some(TIME_PERIOD) => DimensionAtObservation::Time,
        Some("AllDimensions") => DimensionAtObservation::All,
        Some(d) if is_valid_id(d) => DimensionAtObservation::Dimension(d.to_owned()),
        Some(d) => {
            return Err(SdmxError::Syntax(format!(
                "dimensionAtObservation='{d}' is not TIME_PERIOD, AllDimensions or a dimension id"
            )))
        }
    };
    let detail = match param(params, "detail").unwrap_or("full") {
        "full" => DataDetail::Full,
        "dataonly" => DataDetail::DataOnly,
        "serieskeysonly" => DataDetail::SeriesKeysOnly,
        "nodata" => DataDetail::NoData,
        other => {
            return Err(SdmxError::Syntax(format!(
                "detail='{other}'; expected full, dataonly, serieskeysonly or nodata"
            )))
        }
    };
    Ok(DataQuery {
        flow,
        key,
        provider,
        start_period,
        end_period,
        dimension_at_observation,
        detail,
        first_n_observations: parse_count("firstNObservations", params)?,
        last_n_observations: parse_count("lastNObservations", params)?,
    })
}

fn parse_availability(
    segments: &[&str],
    params: &[(&str, &str)],
) -> Result<AvailabilityQuery, SdmxError> {
    too_many("availableconstraint", segments, 4)?;
    check_params(params, &["startPeriod", "endPeriod", "mode", "references"])?;
    let Some(flow) = segments.first() else {
        return Err(SdmxError::Syntax(
            "an availability query needs a flowRef: availableconstraint/{flowRef}/{key}/{providerRef}/{componentID}".into(),
        ));
    };
    let flow = parse_flow_ref(flow)?;
    let key = parse_key(segments.get(1).copied().unwrap_or("all"))?;
    let provider = parse_provider(segments.get(2).copied())?;
    let component = match segments.get(3).copied() {
        None | Some("all") => None,
        Some(c) if is_valid_id(c) => Some(c.to_owned()),
        Some(c) => return Err(SdmxError::Syntax(format!("componentID '{c}' is not valid"))),
    };
    let start_period = parse_period("startPeriod", params)?;
    let end_period = parse_period("endPeriod", params)?;
    check_period_order(start_period, end_period)?;
    let mode = match param(params, "mode").unwrap_or("exact") {
        "exact" => AvailabilityMode::Exact,
        "available" => AvailabilityMode::Available,
        other => {
            return Err(SdmxError::Syntax(format!(
                "mode='{other}'; expected exact or available"
            )))
        }
    };
    let references = param(params, "references").map_or(Ok(References::None), parse_references)?;
    Ok(AvailabilityQuery {
        flow,
        key,
        provider,
        component,
        start_period,
        end_period,
        mode,
        references,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use expect_test::{expect, Expect};

    fn check(path: &str, params: &[(&str, &str)], expected: Expect) {
        let got = match Request::parse(path, params) {
            Ok(r) => format!("{r:?}"),
            Err(e) => format!("{} {e}", e.code()),
        };
        expected.assert_eq(&got);
    }

    #[test]
    fn structure_queries() {
        check(
            "dataflow",
            &[],
            expect![[
                r#"Structure(StructureQuery { resource: Dataflow, agency: All, id: All, version: Latest, references: None, detail: Full })"#
            ]],
        );
        check(
            "dataflow/MARSAD/WORKERS_PLACED/1.0",
            &[("references", "all")],
            expect![[
                r#"Structure(StructureQuery { resource: Dataflow, agency: AnyOf(["MARSAD"]), id: AnyOf(["WORKERS_PLACED"]), version: AnyOf(["1.0"]), references: All, detail: Full })"#
            ]],
        );
        check(
            "/codelist/all/CL_SEX+CL_AGE/all/",
            &[("detail", "allstubs")],
            expect![[
                r#"Structure(StructureQuery { resource: Codelist, agency: All, id: AnyOf(["CL_SEX", "CL_AGE"]), version: All, references: None, detail: AllStubs })"#
            ]],
        );
        check(
            "datastructure/MARSAD/DSD_X/latest",
            &[("references", "codelist")],
            expect![[
                r#"Structure(StructureQuery { resource: DataStructure, agency: AnyOf(["MARSAD"]), id: AnyOf(["DSD_X"]), version: Latest, references: Only(Codelist), detail: Full })"#
            ]],
        );
        check(
            "codelist/MARSAD/CL_SEX/1.x",
            &[],
            expect!["140 Syntax error: version '1.x' is not a version like 1.0, 'latest' or 'all'"],
        );
        check(
            "codelist/MARSAD/CL SEX",
            &[],
            expect!["140 Syntax error: resourceID 'CL SEX' is not a valid id"],
        );
        check("codelist/a/b/1.0/extra", &[], expect!["140 Syntax error: a structure query has at most 3 path parts after the resource, got 'a/b/1.0/extra'"]);
        check("dataflow", &[("references", "cousins")], expect!["140 Syntax error: references='cousins'; expected none, parents, parentsandsiblings, children, descendants, all, or a resource (dataflow, datastructure, codelist, conceptscheme, contentconstraint)"]);
        check("dataflow", &[("detail", "some")], expect!["140 Syntax error: detail='some'; expected full, allstubs, referencestubs, allcompletestubs, referencecompletestubs or referencepartial"]);
        check(
            "dataflow",
            &[("refs", "all")],
            expect![
                "140 Syntax error: unknown parameter 'refs'; accepted: references, detail, format"
            ],
        );
        check("categoryscheme", &[], expect!["501 Not implemented: resource 'categoryscheme' is not offered; this service has dataflow, datastructure, codelist, conceptscheme, contentconstraint, data and availableconstraint"]);
        check("dataflows", &[], expect!["140 Syntax error: unknown resource 'dataflows'; expected dataflow, datastructure, codelist, conceptscheme, contentconstraint, data or availableconstraint"]);
        check("", &[], expect!["140 Syntax error: unknown resource ''; expected dataflow, datastructure, codelist, conceptscheme, contentconstraint, data or availableconstraint"]);
    }

    #[test]
    fn data_queries() {
        check(
            "data/WORKERS_PLACED",
            &[],
            expect![[
                r#"Data(DataQuery { flow: FlowRef { agency: None, id: "WORKERS_PLACED", version: None }, key: All, provider: All, start_period: None, end_period: None, dimension_at_observation: Time, detail: Full, first_n_observations: None, last_n_observations: None })"#
            ]],
        );
        check(
            "data/MARSAD,WORKERS_PLACED,1.0/A.TUN+MAR..F/all",
            &[
                ("startPeriod", "2020-Q3"),
                ("endPeriod", "2022"),
                ("dimensionAtObservation", "AllDimensions"),
                ("detail", "dataonly"),
                ("lastNObservations", "2"),
            ],
            expect![[
                r#"Data(DataQuery { flow: FlowRef { agency: Some("MARSAD"), id: "WORKERS_PLACED", version: Some("1.0") }, key: Dimensions([["A"], ["TUN", "MAR"], [], ["F"]]), provider: All, start_period: Some(Quarter(2020, 3)), end_period: Some(Year(2022)), dimension_at_observation: All, detail: DataOnly, first_n_observations: None, last_n_observations: Some(2) })"#
            ]],
        );
        check(
            "data/MARSAD,X/all/MARSAD,NSO",
            &[("dimensionAtObservation", "SEX")],
            expect![[
                r#"Data(DataQuery { flow: FlowRef { agency: Some("MARSAD"), id: "X", version: None }, key: All, provider: Provider { agency: Some("MARSAD"), id: "NSO" }, start_period: None, end_period: None, dimension_at_observation: Dimension("SEX"), detail: Full, first_n_observations: None, last_n_observations: None })"#
            ]],
        );
        check(
            "data/X/A.T%2BN",
            &[],
            expect![[
                r#"Data(DataQuery { flow: FlowRef { agency: None, id: "X", version: None }, key: Dimensions([["A"], ["T", "N"]]), provider: All, start_period: None, end_period: None, dimension_at_observation: Time, detail: Full, first_n_observations: None, last_n_observations: None })"#
            ]],
        );
        check("data", &[], expect!["140 Syntax error: a data query needs a flowRef: data/{flowRef}/{key}/{providerRef}"]);
        check(
            "data/A,B,C,D",
            &[],
            expect![
                "140 Syntax error: flowRef 'A,B,C,D' must be ID, AGENCY,ID or AGENCY,ID,VERSION"
            ],
        );
        check(
            "data/MARSAD,X,one",
            &[],
            expect!["140 Syntax error: flowRef 'MARSAD,X,one': version 'one' is not valid"],
        );
        check(
            "data/X/A.T!N",
            &[],
            expect!["140 Syntax error: key 'A.T!N': part 2 has an invalid code 'T!N'"],
        );
        check(
            "data/X/A..+F",
            &[],
            expect!["140 Syntax error: key 'A..+F': part 3 has an invalid code ''"],
        );
        check("data/X", &[("startPeriod", "2020-13")], expect!["140 Syntax error: startPeriod='2020-13' is not a period (YYYY, YYYY-Sn, YYYY-Qn, YYYY-MM or YYYY-MM-DD)"]);
        check(
            "data/X",
            &[("startPeriod", "2021"), ("endPeriod", "2020-12")],
            expect!["150 Semantic error: startPeriod 2021 is after endPeriod 2020-12"],
        );
        check(
            "data/X",
            &[("startPeriod", "2020-12-31"), ("endPeriod", "2020")],
            expect![[
                r#"Data(DataQuery { flow: FlowRef { agency: None, id: "X", version: None }, key: All, provider: All, start_period: Some(Day(2020-12-31)), end_period: Some(Year(2020)), dimension_at_observation: Time, detail: Full, first_n_observations: None, last_n_observations: None })"#
            ]],
        );
        check(
            "data/X",
            &[("firstNObservations", "0")],
            expect!["140 Syntax error: firstNObservations='0' is not a positive whole number"],
        );
        check(
            "data/X",
            &[("detail", "all")],
            expect![
                "140 Syntax error: detail='all'; expected full, dataonly, serieskeysonly or nodata"
            ],
        );
        check(
            "data/X",
            &[("startPeriod", "2020"), ("startPeriod", "2021")],
            expect!["140 Syntax error: parameter 'startPeriod' is given twice"],
        );
        check("data/X/all/all/extra", &[], expect!["140 Syntax error: a data query has at most 3 path parts after the resource, got 'X/all/all/extra'"]);
        check(
            "data/X/all/a,b,c",
            &[],
            expect!["140 Syntax error: providerRef 'a,b,c' must be 'all', ID or AGENCY,ID"],
        );
        check(
            "data/X/%ZZ",
            &[],
            expect!["140 Syntax error: bad percent escape in '%ZZ'"],
        );
    }

    #[test]
    fn availability_queries() {
        check(
            "availableconstraint/X/A../all/SEX",
            &[("mode", "available")],
            expect![[
                r#"Availability(AvailabilityQuery { flow: FlowRef { agency: None, id: "X", version: None }, key: Dimensions([["A"], [], []]), provider: All, component: Some("SEX"), start_period: None, end_period: None, mode: Available, references: None })"#
            ]],
        );
        check(
            "availableconstraint/X",
            &[("mode", "sometimes")],
            expect!["140 Syntax error: mode='sometimes'; expected exact or available"],
        );
    }

    #[test]
    fn key_matching() {
        let p = parse_key("A.TUN+MAR.").unwrap();
        let k = |s: &str| s.split('.').map(str::to_owned).collect::<Vec<_>>();
        assert!(p.matches(&k("A.TUN.F")));
        assert!(p.matches(&k("A.MAR.M")));
        assert!(!p.matches(&k("A.DZA.M")));
        assert!(!p.matches(&k("Q.TUN.M")));
        assert!(parse_key("all").unwrap().matches(&k("Q.X.Y")));
    }
}

//! One SDMX 2.1 REST exchange as a pure function: path, parameters and `Accept` in; status,
//! content type and body out. The server's handler is a thin adapter around [`respond`]; it
//! owns HTTP, this crate owns the meaning.

use marsad_model::Lang;

use crate::dataset::Dataset;
use crate::error::SdmxError;
use crate::model::Structures;
use crate::negotiate::{negotiate, Answer, Format};
use crate::query::Request;
use crate::select::{
    availability, find_dataflow, select_data, select_structures, StructureSelection,
};
use crate::write::{write_data, write_error, write_structure, DataMessage, Header};

/// What the server sends back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

/// Everything a request is answered from.
#[derive(Debug, Clone, Copy)]
pub struct Service<'a> {
    pub structures: &'a Structures,
    /// One data set per dataflow that has data.
    pub datasets: &'a [Dataset],
    /// Header of the answer (id, test flag, preparation time, sender).
    pub header: &'a Header,
    /// Language of the names in SDMX-JSON.
    pub lang: Lang,
}

/// Answers `path` (after `/sdmx/2.1/`) with decoded query `params` and the `Accept` header.
/// Errors are answered in the negotiated format when there is one, else as SDMX-ML.
pub fn respond(
    svc: &Service<'_>,
    path: &str,
    params: &[(&str, &str)],
    accept: Option<&str>,
) -> Response {
    let kind = if path.trim_start_matches('/').starts_with("data/") {
        Answer::Data
    } else {
        Answer::Structure
    };
    let format_param = params.iter().find(|(k, _)| *k == "format").map(|(_, v)| *v);
    let format = match negotiate(accept, format_param, kind) {
        Ok(f) => f,
        Err(e) => return error(Format::StructureXml, &e),
    };
    match answer(svc, path, params, format) {
        Ok(body) => Response {
            status: 200,
            content_type: format.media_type(),
            body,
        },
        Err(e) => error(format, &e),
    }
}

fn error(format: Format, e: &SdmxError) -> Response {
    let (content_type, body) = write_error(format, e);
    Response {
        status: e.http_status(),
        content_type,
        body,
    }
}

fn answer(
    svc: &Service<'_>,
    path: &str,
    params: &[(&str, &str)],
    format: Format,
) -> Result<String, SdmxError> {
    match Request::parse(path, params)? {
        Request::Structure(q) => {
            let sel = select_structures(svc.structures, &q)?;
            Ok(write_structure(svc.header, &sel))
        }
        Request::Availability(q) => {
            let (flow, _) = find_dataflow(svc.structures, &q.flow)?;
            let ds = dataset_of(svc, &flow.artefact)?;
            let constraint = availability(svc.structures, ds, &q)?;
            let mut structures = Structures {
                constraints: vec![constraint],
                ..Structures::default()
            };
            if q.references != crate::query::References::None {
                let refs = crate::query::StructureQuery {
                    resource: crate::model::Class::Dataflow,
                    agency: crate::query::Selector::AnyOf(vec![flow.artefact.agency.clone()]),
                    id: crate::query::Selector::AnyOf(vec![flow.artefact.id.clone()]),
                    version: crate::query::VersionSelector::AnyOf(vec![flow
                        .artefact
                        .version
                        .clone()]),
                    references: crate::query::References::Descendants,
                    detail: crate::query::StructureDetail::Full,
                };
                structures.merge(select_structures(svc.structures, &refs)?.structures);
            }
            Ok(write_structure(
                svc.header,
                &StructureSelection::full(structures),
            ))
        }
        Request::Data(q) => {
            let (flow, dsd) = find_dataflow(svc.structures, &q.flow)?;
            let ds = dataset_of(svc, &flow.artefact)?;
            let selected = select_data(ds, dsd, &q)?;
            let msg = DataMessage::new(
                svc.header,
                svc.structures,
                &selected,
                &q.dimension_at_observation,
                svc.lang,
            )?;
            write_data(format, &msg)
        }
    }
}

fn dataset_of<'a>(
    svc: &Service<'a>,
    flow: &crate::model::ArtefactRef,
) -> Result<&'a Dataset, SdmxError> {
    svc.datasets
        .iter()
        .find(|d| &d.flow == flow)
        .ok_or_else(|| SdmxError::NoResults(format!("no data published for {flow}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn check(
        path: &str,
        params: &[(&str, &str)],
        accept: Option<&str>,
        expected: (u16, &str, &str),
    ) {
        let (s, data) = crate::sample::sample().unwrap();
        let header = Header {
            id: "R1".into(),
            test: false,
            prepared: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            sender: "MARSAD".into(),
        };
        let svc = Service {
            structures: &s,
            datasets: &data,
            header: &header,
            lang: Lang::En,
        };
        let r = respond(&svc, path, params, accept);
        assert_eq!(r.status, expected.0, "{path}: {}", r.body);
        assert_eq!(r.content_type, expected.1, "{path}");
        assert!(
            r.body.contains(expected.2),
            "{path}: {} lacks {}",
            r.body,
            expected.2
        );
    }

    #[test]
    fn exchanges() {
        let ss = "application/vnd.sdmx.structurespecificdata+xml; version=2.1; charset=utf-8";
        let st = "application/vnd.sdmx.structure+xml; version=2.1; charset=utf-8";
        let xml = "application/xml; charset=utf-8";
        check(
            "data/WORKERS_PLACED/..F.QAT",
            &[],
            None,
            (
                200,
                ss,
                r#"<Obs TIME_PERIOD="2022" OBS_STATUS="A" CONF_STATUS="C"/>"#,
            ),
        );
        check(
            "data/WORKERS_PLACED",
            &[],
            Some("text/csv"),
            (
                200,
                "application/vnd.sdmx.data+csv; version=1.0.0; charset=utf-8",
                "DATAFLOW,FREQ",
            ),
        );
        check(
            "data/WORKERS_PLACED",
            &[("format", "jsondata")],
            Some("text/csv"),
            (
                200,
                "application/vnd.sdmx.data+json; version=1.0.0; charset=utf-8",
                "\"dataSets\"",
            ),
        );
        check(
            "data/WORKERS_PLACED/A.TUN..DZA",
            &[],
            Some("application/json"),
            (404, "application/json; charset=utf-8", "\"code\": 100"),
        );
        check(
            "data/WORKERS_PLACED/A.TUN",
            &[],
            None,
            (400, xml, "code=\"140\""),
        );
        check(
            "data/WORKERS_PLACED",
            &[],
            Some("text/html"),
            (406, xml, "code=\"406\""),
        );
        check(
            "dataflow/MARSAD/all/latest",
            &[("references", "all")],
            None,
            (200, st, "<str:Codelist id=\"CL_AGE\""),
        );
        check(
            "codelist/MARSAD/CL_NOPE",
            &[],
            None,
            (
                404,
                xml,
                "No results found: no Codelist matches agency MARSAD, id CL_NOPE",
            ),
        );
        check(
            "availableconstraint/IMMIGRANT_STOCK/..TN11...",
            &[],
            None,
            (200, st, "<com:Value>TN11</com:Value>"),
        );
        check(
            "availableconstraint/IMMIGRANT_STOCK",
            &[("references", "all")],
            None,
            (200, st, "<str:DataStructure id=\"DSD_IMMIGRANT_STOCK\""),
        );
        check(
            "schema/dataflow/MARSAD/X",
            &[],
            None,
            (501, xml, "code=\"501\""),
        );
    }
}

//! Message writers: SDMX-ML 2.1 (structure, structure-specific data, generic data, errors),
//! SDMX-JSON 1.0 data and SDMX-CSV 1.0, each into a `String`. The header's preparation time is a
//! parameter ([`Header::prepared`]), never the clock, so the same input gives the same bytes.

mod csv;
mod json;
mod ml;

use chrono::{DateTime, Utc};
use marsad_model::Lang;

use crate::dataset::Dataset;
use crate::error::SdmxError;
use crate::model::{DataStructure, Dataflow, Structures, TIME_PERIOD};
use crate::negotiate::Format;
use crate::query::DimensionAtObservation;

pub use self::csv::write_csv;
pub use self::json::{write_error_json, write_json};
pub use self::ml::{write_error_xml, write_generic, write_structure, write_structure_specific};

/// The header of every message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The message id (an SDMX id: letters, digits, `_`, `-`, `@`, `$`).
    pub id: String,
    pub test: bool,
    pub prepared: DateTime<Utc>,
    /// The sender id, usually the agency.
    pub sender: String,
}

impl Header {
    /// `2026-11-30T08:00:00Z`.
    pub fn prepared_text(&self) -> String {
        self.prepared.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }
}

/// A data set ready to be written: its dataflow, structure, and the dimension at observation
/// level, all checked.
#[derive(Debug, Clone, Copy)]
pub struct DataMessage<'a> {
    pub header: &'a Header,
    pub structures: &'a Structures,
    pub flow: &'a Dataflow,
    pub dsd: &'a DataStructure,
    pub dataset: &'a Dataset,
    pub dimension_at_observation: &'a DimensionAtObservation,
    /// The language of names in SDMX-JSON.
    pub lang: Lang,
}

impl<'a> DataMessage<'a> {
    /// Checks that the data set's dataflow and structure are in `structures` and that the
    /// dimension at observation belongs to the structure (else 150 Semantic error).
    pub fn new(
        header: &'a Header,
        structures: &'a Structures,
        dataset: &'a Dataset,
        dimension_at_observation: &'a DimensionAtObservation,
        lang: Lang,
    ) -> Result<DataMessage<'a>, SdmxError> {
        let flow = structures.dataflow(&dataset.flow).ok_or_else(|| {
            SdmxError::Semantic(format!(
                "dataflow {} is not in the structures",
                dataset.flow
            ))
        })?;
        let dsd = structures
            .data_structure(&dataset.structure)
            .ok_or_else(|| {
                SdmxError::Semantic(format!(
                    "data structure {} is not in the structures",
                    dataset.structure
                ))
            })?;
        if let DimensionAtObservation::Dimension(d) = dimension_at_observation {
            if dsd.dimension_index(d).is_none() {
                return Err(SdmxError::Semantic(format!(
                    "dimensionAtObservation='{d}' is not a dimension of {}",
                    dsd.artefact.id
                )));
            }
        }
        Ok(DataMessage {
            header,
            structures,
            flow,
            dsd,
            dataset,
            dimension_at_observation,
            lang,
        })
    }

    /// The ids of all dimensions, `TIME_PERIOD` last.
    fn all_dimensions(&self) -> Vec<&'a str> {
        let mut ids: Vec<&str> = self.dsd.dimensions.iter().map(|d| d.id.as_str()).collect();
        ids.push(TIME_PERIOD);
        ids
    }
}

/// Writes `msg` in a data format; [`Format::StructureXml`] is not a data format (150).
pub fn write_data(format: Format, msg: &DataMessage<'_>) -> Result<String, SdmxError> {
    match format {
        Format::StructureSpecificData => Ok(write_structure_specific(msg)),
        Format::GenericData => Ok(write_generic(msg)),
        Format::DataJson => Ok(write_json(msg)),
        Format::DataCsv => Ok(write_csv(msg)),
        Format::StructureXml => Err(SdmxError::Semantic(
            "a data message cannot be written as a structure message".into(),
        )),
    }
}

/// An error body in the answer's format: SDMX-ML for XML, SDMX-JSON for JSON, one line of text
/// for CSV. Returns the content type and the body.
pub fn write_error(format: Format, error: &SdmxError) -> (&'static str, String) {
    match format {
        Format::DataJson => ("application/json; charset=utf-8", write_error_json(error)),
        Format::DataCsv => (
            "text/plain; charset=utf-8",
            format!("{} {}\n", error.code(), error),
        ),
        _ => ("application/xml; charset=utf-8", write_error_xml(error)),
    }
}

/// A number as SDMX messages write it: whole numbers without a decimal point, others in the
/// shortest form that reads back to the same value.
pub fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        // |v| < 1e15, so the conversion is exact
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// An observation seen through the dimension at observation level.
struct ViewObs<'a> {
    /// Codes of the observation-level dimensions.
    key: Vec<String>,
    value: Option<f64>,
    attributes: Vec<(&'a str, &'a str)>,
}

/// A series seen through the dimension at observation level (one group for `AllDimensions`).
struct ViewSeries<'a> {
    /// Codes of the series-level dimensions.
    key: Vec<String>,
    attributes: Vec<(&'a str, &'a str)>,
    observations: Vec<ViewObs<'a>>,
}

/// The data regrouped for `dimensionAtObservation`: indices (into all dimensions, time last)
/// of the series- and observation-level dimensions, and the groups. For anything but
/// `TIME_PERIOD`, series attributes are repeated on each observation.
struct View<'a> {
    series_dims: Vec<usize>,
    obs_dims: Vec<usize>,
    series: Vec<ViewSeries<'a>>,
}

fn pairs(list: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    list.iter().map(|(a, b)| (a.as_str(), b.as_str()))
}

fn view<'a>(msg: &DataMessage<'a>) -> View<'a> {
    let n = msg.dsd.dimensions.len();
    let ds = msg.dataset;
    match msg.dimension_at_observation {
        DimensionAtObservation::Time => View {
            series_dims: (0..n).collect(),
            obs_dims: vec![n],
            series: ds
                .series
                .iter()
                .map(|s| ViewSeries {
                    key: s.key.clone(),
                    attributes: pairs(&s.attributes).collect(),
                    observations: s
                        .observations
                        .iter()
                        .map(|o| ViewObs {
                            key: vec![o.period.to_string()],
                            value: o.value,
                            attributes: pairs(&o.attributes).collect(),
                        })
                        .collect(),
                })
                .collect(),
        },
        other => {
            let at = match other {
                DimensionAtObservation::Dimension(d) => msg.dsd.dimension_index(d),
                _ => None,
            };
            let (series_dims, obs_dims): (Vec<usize>, Vec<usize>) = match at {
                Some(i) => ((0..=n).filter(|j| *j != i).collect(), vec![i]),
                None => (Vec::new(), (0..=n).collect()),
            };
            let mut groups: Vec<ViewSeries<'a>> = Vec::new();
            let mut index: std::collections::HashMap<Vec<String>, usize> =
                std::collections::HashMap::new();
            for s in &ds.series {
                for o in &s.observations {
                    let mut full = s.key.clone();
                    full.push(o.period.to_string());
                    let pick = |dims: &[usize]| -> Vec<String> {
                        dims.iter().filter_map(|i| full.get(*i).cloned()).collect()
                    };
                    let skey = pick(&series_dims);
                    let gi = match index.get(&skey) {
                        Some(&gi) => gi,
                        None => {
                            groups.push(ViewSeries {
                                key: skey.clone(),
                                attributes: Vec::new(),
                                observations: Vec::new(),
                            });
                            index.insert(skey, groups.len() - 1);
                            groups.len() - 1
                        }
                    };
                    let obs = ViewObs {
                        key: pick(&obs_dims),
                        value: o.value,
                        attributes: pairs(&s.attributes).chain(pairs(&o.attributes)).collect(),
                    };
                    if let Some(g) = groups.get_mut(gi) {
                        g.observations.push(obs);
                    }
                }
            }
            View {
                series_dims,
                obs_dims,
                series: groups,
            }
        }
    }
}

#[cfg(test)]
mod tests;

/// The files of `marsad export sdmx`, as (relative path, contents): `structure.xml` (every
/// artefact, with one actual content constraint per data set), and per dataflow
/// `data/{ID}.ss.xml` (structure-specific), `data/{ID}.generic.xml`, `data/{ID}.json` and
/// `data/{ID}.csv`. The client check script reads this layout.
pub fn export_files(
    header: &Header,
    structures: &Structures,
    datasets: &[Dataset],
) -> Result<Vec<(String, String)>, SdmxError> {
    let mut all = structures.clone();
    for ds in datasets {
        let flow = structures.dataflow(&ds.flow).ok_or_else(|| {
            SdmxError::Semantic(format!("dataflow {} is not in the structures", ds.flow))
        })?;
        let q = crate::query::AvailabilityQuery {
            flow: crate::query::FlowRef {
                agency: Some(flow.artefact.agency.clone()),
                id: flow.artefact.id.clone(),
                version: Some(flow.artefact.version.clone()),
            },
            key: crate::query::KeyPattern::All,
            provider: crate::query::ProviderRef::All,
            component: None,
            start_period: None,
            end_period: None,
            mode: crate::query::AvailabilityMode::Exact,
            references: crate::query::References::None,
        };
        match crate::select::availability(structures, ds, &q) {
            Ok(c) => all.constraints.push(c),
            Err(SdmxError::NoResults(_)) => {}
            Err(e) => return Err(e),
        }
    }
    let mut files = vec![(
        "structure.xml".to_owned(),
        write_structure(header, &crate::select::StructureSelection::full(all)),
    )];
    let time = DimensionAtObservation::Time;
    for ds in datasets {
        let msg = DataMessage::new(header, structures, ds, &time, Lang::En)?;
        let id = &msg.flow.artefact.id;
        files.push((format!("data/{id}.ss.xml"), write_structure_specific(&msg)));
        files.push((format!("data/{id}.generic.xml"), write_generic(&msg)));
        files.push((format!("data/{id}.json"), write_json(&msg)));
        files.push((format!("data/{id}.csv"), write_csv(&msg)));
    }
    Ok(files)
}

//! Data sets: series keyed by the values of the dimensions, observations by `TIME_PERIOD`, each
//! with an optional `OBS_VALUE` and its attributes. A suppressed observation has no value but
//! keeps its `CONF_STATUS`, so a user sees that the cell exists and why it is empty.
//!
//! [`Dataset::from_cells`] is how the statistics crate hands over a table: one [`Cell`] per
//! observation, every dimension named, attributes at any level (series- and data-set-level
//! ones are lifted and must agree).

use std::collections::HashMap;

use crate::error::BuildError;
use crate::model::{ArtefactRef, AttachmentLevel, DataStructure, Structures};
use crate::period::TimePeriod;

/// The attribute whose non-`F` values mark a cell as withheld.
pub const CONF_STATUS: &str = "CONF_STATUS";

/// One observation.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    pub period: TimePeriod,
    /// `None` for a missing or suppressed value.
    pub value: Option<f64>,
    /// Observation-level attributes, in the DSD's attribute order.
    pub attributes: Vec<(String, String)>,
}

/// A time series: the codes of the key dimensions in DSD order, its attributes, its
/// observations in period order.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub key: Vec<String>,
    pub attributes: Vec<(String, String)>,
    pub observations: Vec<Observation>,
}

/// The data of one dataflow.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub flow: ArtefactRef,
    pub structure: ArtefactRef,
    pub attributes: Vec<(String, String)>,
    pub series: Vec<Series>,
}

/// One cell of a statistical table, before grouping into series.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub period: TimePeriod,
    pub value: Option<f64>,
    /// Dimension id → code, any order; every dimension but `TIME_PERIOD` must be given.
    pub dimensions: Vec<(String, String)>,
    /// Attribute id → code, any level.
    pub attributes: Vec<(String, String)>,
}

impl Cell {
    pub fn new(period: TimePeriod, value: Option<f64>) -> Cell {
        Cell {
            period,
            value,
            dimensions: Vec::new(),
            attributes: Vec::new(),
        }
    }

    pub fn dim(mut self, id: impl Into<String>, code: impl Into<String>) -> Cell {
        self.dimensions.push((id.into(), code.into()));
        self
    }

    pub fn attr(mut self, id: impl Into<String>, code: impl Into<String>) -> Cell {
        self.attributes.push((id.into(), code.into()));
        self
    }
}

impl Dataset {
    /// Groups cells into series for dataflow `flow`, checking that every dimension is given
    /// once, every code is in its codelist, series- and data-set-level attributes agree, no
    /// (key, period) repeats, values are finite and no confidential cell (`CONF_STATUS` other
    /// than `F`) carries a value. Series keep the order of their first cell; observations are
    /// sorted by period.
    pub fn from_cells(
        structures: &Structures,
        flow: &ArtefactRef,
        cells: impl IntoIterator<Item = Cell>,
    ) -> Result<Dataset, BuildError> {
        let dataflow = structures
            .dataflow(flow)
            .ok_or_else(|| BuildError::UnknownDataflow(flow.to_string()))?;
        let dsd = structures
            .data_structure(&dataflow.structure)
            .ok_or_else(|| BuildError::UnknownDataStructure(dataflow.structure.to_string()))?;
        let checker = CodeChecker::new(structures, dsd)?;
        let sname = dsd.artefact.id.clone();

        let mut ds = Dataset {
            flow: flow.clone(),
            structure: dsd.artefact.clone(),
            attributes: Vec::new(),
            series: Vec::new(),
        };
        let mut index: HashMap<Vec<String>, usize> = HashMap::new();
        let mut seen: std::collections::HashSet<(usize, TimePeriod)> =
            std::collections::HashSet::new();

        for cell in cells {
            let mut key: Vec<Option<String>> = vec![None; dsd.dimensions.len()];
            for (id, code) in &cell.dimensions {
                let i = dsd
                    .dimension_index(id)
                    .ok_or_else(|| BuildError::UnknownComponent {
                        structure: sname.clone(),
                        component: id.clone(),
                    })?;
                if key[i].is_some() {
                    return Err(BuildError::DuplicateComponent {
                        structure: sname.clone(),
                        component: id.clone(),
                    });
                }
                checker.check(id, code)?;
                key[i] = Some(code.clone());
            }
            let key: Vec<String> = key
                .into_iter()
                .zip(&dsd.dimensions)
                .map(|(k, d)| {
                    k.ok_or_else(|| BuildError::MissingDimension {
                        structure: sname.clone(),
                        dimension: d.id.clone(),
                    })
                })
                .collect::<Result<_, _>>()?;
            let key_str = key.join(".");
            let period_str = cell.period.to_string();
            if cell.value.is_some_and(|v| !v.is_finite()) {
                return Err(BuildError::NonFiniteValue {
                    structure: sname.clone(),
                    key: key_str,
                    period: period_str,
                });
            }

            let mut obs_attrs = Vec::new();
            let mut series_attrs = Vec::new();
            for (id, code) in &cell.attributes {
                let attr = dsd
                    .attribute(id)
                    .ok_or_else(|| BuildError::UnknownComponent {
                        structure: sname.clone(),
                        component: id.clone(),
                    })?;
                checker.check(id, code)?;
                if id == CONF_STATUS && code != "F" && cell.value.is_some() {
                    return Err(BuildError::ConfidentialValue {
                        structure: sname.clone(),
                        key: key_str,
                        period: period_str,
                        status: code.clone(),
                    });
                }
                match attr.level {
                    AttachmentLevel::Observation => obs_attrs.push((id.clone(), code.clone())),
                    AttachmentLevel::Series => series_attrs.push((id.clone(), code.clone())),
                    AttachmentLevel::DataSet => put_attr(
                        &mut ds.attributes,
                        id,
                        code,
                        &sname,
                        AttachmentLevel::DataSet,
                    )?,
                }
            }

            let si = match index.get(&key) {
                Some(&i) => i,
                None => {
                    ds.series.push(Series {
                        key: key.clone(),
                        attributes: Vec::new(),
                        observations: Vec::new(),
                    });
                    let i = ds.series.len() - 1;
                    index.insert(key, i);
                    i
                }
            };
            if !seen.insert((si, cell.period)) {
                return Err(BuildError::DuplicateObservation {
                    structure: sname.clone(),
                    key: key_str,
                    period: period_str,
                });
            }
            let Some(series) = ds.series.get_mut(si) else {
                continue; // si was just taken from ds.series
            };
            for (id, code) in &series_attrs {
                put_attr(
                    &mut series.attributes,
                    id,
                    code,
                    &sname,
                    AttachmentLevel::Series,
                )?;
            }
            series.observations.push(Observation {
                period: cell.period,
                value: cell.value,
                attributes: obs_attrs,
            });
        }

        let order = |list: &mut Vec<(String, String)>| {
            list.sort_by_key(|(id, _)| dsd.attributes.iter().position(|a| &a.id == id));
        };
        order(&mut ds.attributes);
        for s in &mut ds.series {
            order(&mut s.attributes);
            for o in &mut s.observations {
                order(&mut o.attributes);
            }
            s.observations.sort_by_key(|o| o.period.sort_key());
        }
        Ok(ds)
    }

    /// Number of observations over all series.
    pub fn observation_count(&self) -> usize {
        self.series.iter().map(|s| s.observations.len()).sum()
    }
}

fn put_attr(
    list: &mut Vec<(String, String)>,
    id: &str,
    code: &str,
    structure: &str,
    level: AttachmentLevel,
) -> Result<(), BuildError> {
    match list.iter().find(|(i, _)| i == id) {
        Some((_, v)) if v != code => Err(BuildError::ConflictingAttribute {
            structure: structure.to_owned(),
            attribute: id.to_owned(),
            level: level.as_str(),
            first: v.clone(),
            second: code.to_owned(),
        }),
        Some(_) => Ok(()),
        None => {
            list.push((id.to_owned(), code.to_owned()));
            Ok(())
        }
    }
}

/// Component id → the set of its codes, for coded components.
struct CodeChecker<'a> {
    lists: HashMap<&'a str, (&'a str, std::collections::HashSet<&'a str>)>,
}

impl<'a> CodeChecker<'a> {
    fn new(structures: &'a Structures, dsd: &'a DataStructure) -> Result<Self, BuildError> {
        let mut lists = HashMap::new();
        let coded = dsd
            .dimensions
            .iter()
            .map(|d| (d.id.as_str(), Some(&d.codelist)))
            .chain(
                dsd.attributes
                    .iter()
                    .map(|a| (a.id.as_str(), a.codelist.as_ref())),
            );
        for (id, cl) in coded {
            let Some(cl) = cl else { continue };
            let list = structures
                .codelist(cl)
                .ok_or_else(|| BuildError::UnknownCodelist(cl.to_string()))?;
            let codes = list.codes.iter().map(|c| c.id.as_str()).collect();
            lists.insert(id, (list.artefact.id.as_str(), codes));
        }
        Ok(CodeChecker { lists })
    }

    fn check(&self, component: &str, code: &str) -> Result<(), BuildError> {
        match self.lists.get(component) {
            Some((_, codes)) if codes.contains(code) => Ok(()),
            Some((list, _)) => Err(BuildError::UnknownCode {
                component: component.to_owned(),
                code: code.to_owned(),
                codelist: (*list).to_owned(),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample;

    fn base() -> Cell {
        Cell::new(TimePeriod::Year(2023), Some(5.0))
            .dim("FREQ", "A")
            .dim("REF_AREA", "TUN")
            .dim("SEX", "F")
            .dim("COUNTERPART_AREA", "FRA")
            .attr("UNIT_MEASURE", "PS")
            .attr("OBS_STATUS", "A")
    }

    fn check(cells: Vec<Cell>, expected: &str) {
        let s = standard_structures();
        let flow = ArtefactRef::new("MARSAD", "WORKERS_PLACED", "1.0");
        let got = match Dataset::from_cells(&s, &flow, cells) {
            Ok(ds) => format!(
                "ok: {} series, {} obs",
                ds.series.len(),
                ds.observation_count()
            ),
            Err(e) => e.to_string(),
        };
        assert_eq!(got, expected);
    }

    fn standard_structures() -> Structures {
        crate::standard::structures(&sample::options(), &sample::flows()).unwrap()
    }

    #[test]
    fn from_cells_cases() {
        check(vec![base()], "ok: 1 series, 1 obs");
        check(
            vec![base(), base().dim("SEX", "M")],
            "DSD_WORKERS_PLACED: SEX is given twice",
        );
        let mut no_sex = base();
        no_sex.dimensions.retain(|(d, _)| d != "SEX");
        check(
            vec![no_sex],
            "DSD_WORKERS_PLACED: a cell lacks dimension SEX",
        );
        check(
            vec![base().dim("AGE", "_T")],
            "DSD_WORKERS_PLACED: 'AGE' is not a dimension or attribute of it",
        );
        let mut bad_code = base();
        bad_code.dimensions[2].1 = "X".into();
        check(vec![bad_code], "SEX: code 'X' is not in codelist CL_SEX");
        check(
            vec![base().attr("OBS_STATUS", "Z")],
            "OBS_STATUS: code 'Z' is not in codelist CL_OBS_STATUS",
        );
        check(
            vec![base(), base()],
            "DSD_WORKERS_PLACED: two cells for key A.TUN.F.FRA and period 2023",
        );
        let mut other_unit = base();
        other_unit.period = TimePeriod::Year(2022);
        other_unit.attributes[0].1 = "USD".into();
        check(
            vec![base(), other_unit],
            "DSD_WORKERS_PLACED: attribute UNIT_MEASURE attached to the series has two values: 'PS' and 'USD'",
        );
        check(
            vec![base().attr("CONF_STATUS", "C")],
            "DSD_WORKERS_PLACED: key A.TUN.F.FRA period 2023 is confidential (CONF_STATUS=C) but carries a value; a suppressed cell must have none",
        );
        let mut suppressed = base().attr("CONF_STATUS", "D");
        suppressed.value = None;
        check(vec![suppressed], "ok: 1 series, 1 obs");
        check(vec![base().attr("CONF_STATUS", "F")], "ok: 1 series, 1 obs");
        let mut nan = base();
        nan.value = Some(f64::NAN);
        check(
            vec![nan],
            "DSD_WORKERS_PLACED: key A.TUN.F.FRA period 2023: value is not a finite number",
        );
        let s = standard_structures();
        let err = Dataset::from_cells(&s, &ArtefactRef::new("MARSAD", "NOPE", "1.0"), vec![])
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "dataflow MARSAD:NOPE(1.0) is not in the structures"
        );
    }

    #[test]
    fn series_are_grouped_and_sorted() {
        let (_, data) = sample::sample().unwrap();
        let w = &data[0];
        let keys: Vec<String> = w.series.iter().map(|s| s.key.join(".")).collect();
        assert_eq!(
            keys,
            [
                "A.TUN.F.FRA",
                "A.TUN.M.FRA",
                "A.TUN._T.FRA",
                "A.TUN.F.QAT",
                "A.TUN.M.QAT"
            ]
        );
        let s = &w.series[3];
        assert_eq!(
            s.attributes,
            [
                ("UNIT_MEASURE".to_owned(), "PS".to_owned()),
                ("UNIT_MULT".to_owned(), "0".to_owned())
            ]
        );
        assert_eq!(s.observations[0].value, None);
        assert_eq!(
            s.observations[0].attributes,
            [
                ("OBS_STATUS".to_owned(), "A".to_owned()),
                ("CONF_STATUS".to_owned(), "C".to_owned())
            ]
        );
        // Out-of-order cells come back in period order.
        let mut late = base();
        late.period = TimePeriod::Year(2024);
        let mut early = base();
        early.period = TimePeriod::Year(2020);
        let st = standard_structures();
        let ds = Dataset::from_cells(
            &st,
            &ArtefactRef::new("MARSAD", "WORKERS_PLACED", "1.0"),
            vec![late, early],
        )
        .unwrap();
        let periods: Vec<String> = ds.series[0]
            .observations
            .iter()
            .map(|o| o.period.to_string())
            .collect();
        assert_eq!(periods, ["2020", "2024"]);
    }
}

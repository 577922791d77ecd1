//! The SDMX publication: structures and data sets built from protected tables, for the server's
//! `/sdmx/2.1/` and for `marsad export sdmx`.
//!
//! One dataflow per indicator that has data (a dataflow without observations would be an empty
//! promise to a partner's client), with the standard dimensions of `marsad-sdmx` (`FREQ`,
//! `REF_AREA`, then the indicator's disaggregations in the standard key order). Each indicator is
//! published, for each year with data, by year (`FREQ` `A`) and, when it is computed by month and
//! its months add up to the year (flows), by month too (`FREQ` `M`, periods `2025-01` …): the
//! total, each allowed disaggregation alone (the series `A.TUN.F._T._T`, `A.TUN._T.Y25T29._T`,
//! `M.TUN.F._T._T`, …) and the two-way cross-classifications of [`crate::joint::pairs`] (sex ×
//! age, sex × citizenship, sex × destination, …: `A.TUN.F.Y25T29._T`). All these tables of an
//! indicator and year are **protected jointly** as one linked system ([`crate::joint`]): a cell
//! shared by several tables (a margin, a year's total of months) has one status, and no
//! suppressed cell can be recovered or narrowed below its protection from all the published
//! tables together. Tables too large for the disclosure solver are left out (by month first,
//! two-way before one-way; the one-way tables by year are always there), never published
//! unprotected; `docs/sdmx.md` says which.
//!
//! Codes become SDMX codes: route, cause and exploitation codes upper-cased, governorates given
//! codes from their names (`GOV_` + the name in capitals when it is ASCII, else `GOV_n` in
//! order), anything not in its codelist `_U` (added to the unknowns before protection).
//! Dimensions whose codelist has no total (`FLOW`, `RESIDENCE`: immigration and emigration are
//! not added up) are in every table and never shown as `_T`.
//! Indicators over an input that is not in the records (remittances as a share of GDP) are
//! published for the years whose input was given ([`crate::inputs`]), protected as their
//! numerator; the other years have no observations.

use std::collections::BTreeMap;

use marsad_sdmx::standard::{self, FlowSpec, Options};
use marsad_sdmx::{ArtefactRef, Cell, Code, Dataset, Names, Structures, TimePeriod};
use marsad_stats::catalogue::IndicatorId;
use marsad_stats::dims::{Dim, Month, Period, TOTAL, UNKNOWN};

use crate::joint;
use crate::tables::Published;
use crate::Result;

/// The SDMX structures and one data set per published dataflow.
#[derive(Debug, Clone)]
pub struct Publication {
    pub structures: Structures,
    pub datasets: Vec<Dataset>,
    /// The tables left out because their indicator's linked system would have been larger than
    /// the disclosure solver is given (never published unprotected), e.g. `WORKERS_PLACED 2024:
    /// SEX × CITIZENSHIP by month`.
    pub omitted: Vec<String>,
}

/// Governorate names (as the records give them) → SDMX codes.
fn governorate_codes(published: &Published) -> BTreeMap<String, String> {
    let mut names: Vec<String> = Vec::new();
    for id in IndicatorId::ALL {
        if !id.def().allows(Dim::Governorate) || id.def().cube_of() != id {
            continue;
        }
        for year in published.years(id) {
            let q = marsad_stats::cube::Query::new(id, &[Dim::Governorate], &[Period::Year(year)]);
            if let Ok(t) = published.cubes.query(&q) {
                for c in &t.cells {
                    if let Some(code) = c.codes.first() {
                        if *code != TOTAL && *code != UNKNOWN && !names.iter().any(|n| n == code) {
                            names.push((*code).to_string());
                        }
                    }
                }
            }
        }
    }
    names.sort();
    let mut out = BTreeMap::new();
    let mut used: Vec<String> = Vec::new();
    for (i, name) in names.into_iter().enumerate() {
        let ascii: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        let mut code = if name.is_ascii() && ascii.chars().any(|c| c.is_ascii_alphanumeric()) {
            format!("GOV_{ascii}")
        } else {
            format!("GOV_{}", i + 1)
        };
        if used.contains(&code) {
            code = format!("GOV_{}", i + 1);
        }
        used.push(code.clone());
        out.insert(name, code);
    }
    out
}

fn flow_spec(id: IndicatorId) -> FlowSpec {
    let def = id.def();
    let mut dimensions = vec!["FREQ".to_string(), "REF_AREA".to_string()];
    for (sdmx_dim, _) in standard::DIMENSIONS {
        if def.dims.iter().any(|d| d.id() == *sdmx_dim) {
            dimensions.push((*sdmx_dim).to_string());
        }
    }
    FlowSpec {
        id: id.as_str().to_string(),
        names: Names::new(def.label.ar, def.label.fr, def.label.en),
        dimensions,
    }
}

/// The SDMX structures and data sets of everything published.
pub fn sdmx_structures(published: &Published) -> Result<Publication> {
    let govs = governorate_codes(published);
    let opts = Options {
        governorates: govs
            .iter()
            .map(|(name, code)| Code::new(code, Names::new(name, name, name)).with_parent("_T"))
            .collect(),
        ..Options::default()
    };
    let ids: Vec<IndicatorId> = IndicatorId::ALL
        .into_iter()
        .filter(|&id| !published.years(id).is_empty())
        .collect();
    let all_specs: Vec<FlowSpec> = ids.iter().map(|&id| flow_spec(id)).collect();
    // First with every candidate, to know the codelists; then only flows with observations.
    let candidate = standard::structures(&opts, &all_specs)?;
    let mut kept = Vec::new();
    let mut cells_of = Vec::new();
    let mut omitted = Vec::new();
    for &id in &ids {
        let cells = indicator_cells(published, &candidate, &opts, &govs, id, &mut omitted)?;
        if !cells.is_empty() {
            kept.push(flow_spec(id));
            cells_of.push((id, cells));
        }
    }
    let mut structures = standard::structures(&opts, &kept)?;
    // Each dataflow says which of its tables were left out (an SDMX annotation).
    for flow in &mut structures.dataflows {
        let prefix = format!("{} ", flow.artefact.id);
        flow.omitted = omitted
            .iter()
            .filter_map(|o| o.strip_prefix(&prefix))
            .map(String::from)
            .collect();
    }
    let mut datasets = Vec::new();
    for (id, cells) in cells_of {
        let flow = ArtefactRef::new(&opts.agency, id.as_str(), &opts.version);
        datasets.push(Dataset::from_cells(&structures, &flow, cells)?);
    }
    Ok(Publication {
        structures,
        datasets,
        omitted,
    })
}

/// The SDMX code of a cube code, or `_U` when it is not in the dimension's codelist.
fn sdmx_code(
    structures: &Structures,
    opts: &Options,
    govs: &BTreeMap<String, String>,
    dim: Dim,
    code: &str,
) -> String {
    let mapped = match dim {
        Dim::Route | Dim::Cause | Dim::Exploitation => standard::sdmx_code(code),
        Dim::Governorate => govs.get(code).cloned().unwrap_or_else(|| UNKNOWN.into()),
        _ => code.to_string(),
    };
    let list = standard::dimension_codelist(dim.id())
        .map(|cl| ArtefactRef::new(&opts.agency, cl, &opts.version))
        .and_then(|r| structures.codelist(&r));
    match list {
        Some(cl) if cl.code(&mapped).is_some() => mapped,
        Some(cl) if cl.code(UNKNOWN).is_some() => UNKNOWN.to_string(),
        // A dimension without `_U` (FLOW, RESIDENCE): the cell is not published.
        _ => String::new(),
    }
}

/// True when the dimension's codelist has no total: its codes must not be added up (FLOW:
/// immigration and emigration), so every published table is disaggregated by it.
fn without_total(structures: &Structures, opts: &Options, dim: Dim) -> bool {
    standard::dimension_codelist(dim.id())
        .map(|cl| ArtefactRef::new(&opts.agency, cl, &opts.version))
        .and_then(|r| structures.codelist(&r))
        .is_none_or(|cl| cl.code(TOTAL).is_none())
}

/// Every observation of one indicator: for each year, the parts of [`crate::joint`] (the
/// total, each allowed dimension alone, the two-way tables, by year and, for flows, by month),
/// protected jointly; the parts left out for size are added to `omitted`.
fn indicator_cells(
    published: &Published,
    structures: &Structures,
    opts: &Options,
    govs: &BTreeMap<String, String>,
    id: IndicatorId,
    omitted: &mut Vec<String>,
) -> Result<Vec<Cell>> {
    let def = id.def();
    let ref_area = published.settings.ref_area.clone();
    let map = |d: Dim, c: &str| sdmx_code(structures, opts, govs, d, c);
    let fixed: Vec<Dim> = def
        .dims
        .iter()
        .copied()
        .filter(|&d| without_total(structures, opts, d))
        .collect();
    let mut out = Vec::new();
    for year in published.years(id) {
        let joint = joint::protect_year(published, id, year, &fixed, &map)?;
        omitted.extend(
            joint
                .omitted
                .iter()
                .map(|p| format!("{} {year}: {}", id.as_str(), p.describe())),
        );
        for cell in joint.cells {
            let (freq, time) = match cell.period {
                Period::Month(m) => ("M", TimePeriod::Month(m.year(), month_number(m))),
                _ => ("A", TimePeriod::Year(year)),
            };
            let mut c = Cell::new(time, cell.value)
                .dim("FREQ", freq)
                .dim("REF_AREA", ref_area.as_str());
            for (d, code) in def.dims.iter().zip(cell.codes) {
                c = c.dim(d.id(), code);
            }
            c = c
                .attr("UNIT_MEASURE", def.unit.code())
                .attr("UNIT_MULT", def.unit_mult.to_string())
                .attr("OBS_STATUS", cell.obs_status.code())
                .attr("CONF_STATUS", cell.conf_status.code());
            out.push(c);
        }
    }
    Ok(out)
}

/// The month of the year, 1 to 12.
fn month_number(m: Month) -> u8 {
    u8::try_from(m.month()).unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use marsad_sdmx::{respond, Header, Service};

    fn get(publication: &Publication, path: &str, params: &[(&str, &str)]) -> (u16, String) {
        let header = Header {
            id: "TEST".into(),
            test: true,
            prepared: chrono::DateTime::UNIX_EPOCH,
            sender: "MARSAD".into(),
        };
        let svc = Service {
            structures: &publication.structures,
            datasets: &publication.datasets,
            header: &header,
            lang: marsad_model::Lang::En,
        };
        let r = respond(&svc, path, params, None);
        (r.status, r.body)
    }

    /// SDMX-CSV rows as `KEY PERIOD VALUE CONF_STATUS`.
    fn rows(csv: &str) -> Vec<Vec<String>> {
        let mut lines = csv.lines();
        let head: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
        let col = |name: &str| head.iter().position(|h| *h == name).unwrap();
        let (freq, sex, time, value, conf) = (
            col("FREQ"),
            col("SEX"),
            col("TIME_PERIOD"),
            col("OBS_VALUE"),
            col("CONF_STATUS"),
        );
        lines
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                [freq, sex, time, value, conf]
                    .iter()
                    .map(|&i| f[i].to_string())
                    .collect()
            })
            .collect()
    }

    /// A partner's client learns from the structures which tables were left out for size.
    #[test]
    fn dataflows_name_the_tables_left_out() {
        let area = standard::codelist(&Options::default(), "CL_AREA").unwrap();
        let codes: Vec<&str> = area
            .codes
            .iter()
            .map(|c| c.id.as_str())
            .filter(|c| c.len() == 3 && *c != "TUN")
            .take(120)
            .collect();
        assert_eq!(codes.len(), 120);
        let p = crate::joint::tests::with_citizenships(40, &codes);
        let publication = sdmx_structures(&p).unwrap();
        let flow = publication
            .structures
            .dataflows
            .iter()
            .find(|f| f.artefact.id == "RESIDENCE_PERMITS")
            .unwrap();
        assert!(
            flow.omitted
                .iter()
                .any(|o| o == "2025: CITIZENSHIP by month"),
            "{:?}",
            flow.omitted
        );
        assert!(publication
            .omitted
            .iter()
            .any(|o| o == "RESIDENCE_PERMITS 2025: CITIZENSHIP by month"));
    }

    #[test]
    fn monthly_series_are_selected_by_key_and_period() {
        let p = crate::joint::tests::published(30);
        let publication = sdmx_structures(&p).unwrap();
        // FREQ.REF_AREA.SEX.AGE.CITIZENSHIP
        let (status, csv) = get(
            &publication,
            "data/RESIDENCE_PERMITS/M.TUN.F..",
            &[("format", "csv")],
        );
        assert_eq!(status, 200, "{csv}");
        let monthly = rows(&csv);
        assert!(monthly.len() > 12, "{csv}");
        assert!(monthly.iter().all(|r| r[0] == "M" && r[1] == "F"), "{csv}");
        assert!(monthly.iter().any(|r| r[2] == "2025-01"));
        assert!(monthly.iter().any(|r| r[2] == "2025-12"));
        // Withheld cells are there, without a value.
        assert!(
            monthly.iter().any(|r| r[3].is_empty() && r[4] == "C"),
            "{csv}"
        );
        assert!(monthly.iter().all(|r| r[3].is_empty() == (r[4] != "F")));
        // The annual series are still there, under their keys.
        let (status, csv) = get(
            &publication,
            "data/RESIDENCE_PERMITS/A.TUN.F._T._T",
            &[("format", "csv")],
        );
        assert_eq!(status, 200, "{csv}");
        let annual = rows(&csv);
        assert_eq!(annual.len(), 1, "{csv}");
        assert_eq!(annual[0][..3], ["A", "F", "2025"]);
        // Months by period, an annual startPeriod included (periods select by overlap).
        let (_, csv) = get(
            &publication,
            "data/RESIDENCE_PERMITS/M.TUN.._T._T",
            &[("startPeriod", "2025-11"), ("format", "csv")],
        );
        let periods: Vec<String> = rows(&csv).into_iter().map(|r| r[2].clone()).collect();
        assert!(!periods.is_empty(), "{csv}");
        assert!(
            periods.iter().all(|p| p == "2025-11" || p == "2025-12"),
            "{periods:?}"
        );
        let (status, csv) = get(
            &publication,
            "data/RESIDENCE_PERMITS/M.TUN._T._T._T",
            &[
                ("startPeriod", "2025"),
                ("endPeriod", "2025"),
                ("format", "csv"),
            ],
        );
        assert_eq!(status, 200, "{csv}");
        assert_eq!(rows(&csv).len(), 12, "{csv}");
        // Availability reports both frequencies.
        let (status, xml) = get(&publication, "availableconstraint/RESIDENCE_PERMITS", &[]);
        assert_eq!(status, 200, "{xml}");
        let freq = xml
            .split("id=\"FREQ\"")
            .nth(1)
            .and_then(|s| s.split("</").next())
            .unwrap_or_default()
            .to_string();
        assert!(xml.contains(">M<") && xml.contains(">A<"), "{freq}\n{xml}");
        // Stocks stay annual.
        let (status, body) = get(&publication, "data/IMMIGRANT_STOCK/M......", &[]);
        assert_eq!(status, 404, "{body}");
    }
}

//! The SDMX publication: structures and data sets built from protected tables, for the server's
//! `/sdmx/2.1/` and for `marsad export sdmx`.
//!
//! One dataflow per indicator that has data (a dataflow without observations would be an empty
//! promise to a partner's client), with the standard dimensions of `marsad-sdmx` (`FREQ`,
//! `REF_AREA`, then the indicator's disaggregations in the standard key order). Each indicator is
//! published by year at its allowed disaggregations one at a time with the total (the series
//! `A.TUN.F._T._T`, `A.TUN._T.Y25T29._T`, …): every such table is protected on its own, then
//! the tables are **protected jointly** for the cells they share (the grand total): a cell
//! suppressed in one table is suppressed in all, so no table reveals what another hides.
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
use marsad_stats::dims::{Dim, Period, TOTAL, UNKNOWN};
use marsad_stats::disclosure::ConfStatus;

use crate::tables::{ProtectedCell, Published};
use crate::Result;

/// The SDMX structures and one data set per published dataflow.
#[derive(Debug, Clone)]
pub struct Publication {
    pub structures: Structures,
    pub datasets: Vec<Dataset>,
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
    for &id in &ids {
        let cells = indicator_cells(published, &candidate, &opts, &govs, id)?;
        if !cells.is_empty() {
            kept.push(flow_spec(id));
            cells_of.push((id, cells));
        }
    }
    let structures = standard::structures(&opts, &kept)?;
    let mut datasets = Vec::new();
    for (id, cells) in cells_of {
        let flow = ArtefactRef::new(&opts.agency, id.as_str(), &opts.version);
        datasets.push(Dataset::from_cells(&structures, &flow, cells)?);
    }
    Ok(Publication {
        structures,
        datasets,
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

fn rank(c: ConfStatus) -> u8 {
    match c {
        ConfStatus::Free => 0,
        ConfStatus::Secondary => 1,
        ConfStatus::Primary => 2,
    }
}

/// Every observation of one indicator: by year, each allowed dimension alone and the total,
/// protected per table and then jointly.
fn indicator_cells(
    published: &Published,
    structures: &Structures,
    opts: &Options,
    govs: &BTreeMap<String, String>,
    id: IndicatorId,
) -> Result<Vec<Cell>> {
    let def = id.def();
    let ref_area = published.settings.ref_area.clone();
    let map = |d: Dim, c: &str| sdmx_code(structures, opts, govs, d, c);
    // (year, full key in catalogue dimension order) → cell.
    let mut merged: BTreeMap<(i32, Vec<String>), ProtectedCell> = BTreeMap::new();
    for year in published.years(id) {
        let period = Period::Year(year);
        let fixed: Vec<Dim> = def
            .dims
            .iter()
            .copied()
            .filter(|&d| without_total(structures, opts, d))
            .collect();
        let mut tables: Vec<Vec<Dim>> = vec![fixed.clone()];
        for &d in def.dims.iter().filter(|d| !fixed.contains(d)) {
            let mut t = fixed.clone();
            t.push(d);
            tables.push(t);
        }
        for dims in tables {
            for cell in published.period_table(id, &dims, period, &map)? {
                let hidden_margin = cell
                    .codes
                    .iter()
                    .zip(&dims)
                    .any(|(c, d)| c.is_empty() || (c == TOTAL && fixed.contains(d)));
                if hidden_margin {
                    continue;
                }
                let key: Vec<String> = def
                    .dims
                    .iter()
                    .map(|d| {
                        dims.iter()
                            .position(|x| x == d)
                            .and_then(|i| cell.codes.get(i).cloned())
                            .unwrap_or_else(|| TOTAL.to_string())
                    })
                    .collect();
                match merged.entry((year, key)) {
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert(cell);
                    }
                    std::collections::btree_map::Entry::Occupied(mut o) => {
                        let held = o.get_mut();
                        if rank(cell.conf_status) > rank(held.conf_status) {
                            held.conf_status = cell.conf_status;
                            held.value = None;
                            held.units = None;
                        }
                    }
                }
            }
        }
    }
    let mut out = Vec::with_capacity(merged.len());
    for ((year, key), cell) in merged {
        let mut c = Cell::new(TimePeriod::Year(year), cell.value)
            .dim("FREQ", "A")
            .dim("REF_AREA", ref_area.as_str());
        for (d, code) in def.dims.iter().zip(key) {
            c = c.dim(d.id(), code);
        }
        c = c
            .attr("UNIT_MEASURE", def.unit.code())
            .attr("UNIT_MULT", def.unit_mult.to_string())
            .attr("OBS_STATUS", cell.obs_status.code())
            .attr("CONF_STATUS", cell.conf_status.code());
        out.push(c);
    }
    Ok(out)
}

//! The published cube in memory and disclosure-protected tables.
//!
//! [`Published::load`] reads the cube the store keeps. [`Published::table`] aggregates an
//! indicator to the requested dimensions for each requested period (with every `_T` margin)
//! and protects each period's table before anything is returned. These are the tables asked
//! for freely (JSON API, explorer, portal, downloads): any combination of dimensions, in any
//! order of requests, so they must stay safe *together* — suppression decided one request at a
//! time cannot be (a cell hidden in one table could be recovered from another that overlaps
//! it), so they are protected as statistical offices' table builders protect theirs:
//!
//! - counts: the **cell key method** ([`marsad_stats::disclosure::cellkey`]). Every unit of
//!   the cube has a secret record key (see [`crate::refresh`]), every cell keeps the sum of
//!   its contributions' keys, and a cell's published count is its count perturbed by the
//!   indicator's table ([`ptable_of`]: nothing between 1 and the minimum frequency, up to
//!   `±perturbation` above it, unbiased) chosen by that key. The same persons always give the
//!   same figure, whichever table and request they appear in, so asking again or asking an
//!   overlapping table gives nothing new; margins are perturbed from their own keys, so a
//!   table does not add up exactly (flagged `perturbed`). The perturbation is drawn for a
//!   cell's unweighted contributions; a survey estimate (or a count of several events per
//!   unit) moves in proportion. An indicator with no frequency rule and no perturbation
//!   (public aggregates) is published as counted;
//! - amounts (`Amount`, and shares of an input such as remittances over GDP, whose numerator
//!   is an amount): the cells of the SDMX publication's tables ([`crate::joint`]): every table
//!   of the indicator and year, by year and by month, suppressed jointly (primary suppression
//!   below the minimum frequency, status `C`; secondary, status `D`, so that no `C` cell can
//!   be recovered or narrowed below its protection from all of them together), so any set of
//!   requests shows only what the publication shows; quarters and tables left out of the
//!   publication for size are refused. A share's cells are divided by the input of the period
//!   ([`crate::inputs`]), a period without the input having no cells;
//! - ratios and means (not additive, so not recoverable from margins): primary suppression.
//!
//! A suppressed cell is returned without a value and without its count, never as a zero. An
//! amount with a dominance rule (remittances: a cell is sensitive when its two largest flows
//! make more than 85 % of it) is protected with each cell's largest contributions, read from
//! the units of its records (aggregates, each a unit of its own: [`Published::contributions`]).
//! The SDMX publication ([`crate::publish`]) is a fixed set of tables and is protected by
//! suppression, all its tables of an indicator and year jointly.

use std::collections::BTreeMap;

use marsad_stats::catalogue::{Indicator, IndicatorId, Measure};
use marsad_stats::cube::{CubeRow, Cubes, ObsStatus, Query, Sums, SCALE};
use marsad_stats::dims::{Dim, Period, TOTAL};
use marsad_stats::disclosure::cellkey::{self, PTable};
use marsad_stats::disclosure::{ConfStatus, Cost, FrequencyRule, Rules, ZeroPolicy};
use marsad_store::{Store, Timestamp};

use crate::settings::Settings;
use crate::{FiguresError, Result};

/// The largest table (cells, margins included) the secondary suppression is asked to protect.
pub const MAX_CELLS: usize = 1_500;

/// The cube as last refreshed, with the settings it was computed with.
#[derive(Debug, Clone, Default)]
pub struct Published {
    pub cubes: Cubes,
    pub settings: Settings,
    pub refreshed_at: Option<Timestamp>,
    pub cells: u64,
    /// Each contribution to the indicators whose amounts have a dominance rule (their records
    /// are aggregates, each a unit of its own: remittance flows), for the rule to read the
    /// largest contributions of every cell; an indicator absent here is protected without it.
    pub contributions: BTreeMap<IndicatorId, Vec<Contribution>>,
}

/// One record's contribution to an amount: its month, its code for each of the indicator's
/// dimensions (catalogue order) and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    pub month: marsad_stats::dims::Month,
    pub codes: Vec<String>,
    pub value: f64,
}

/// A table asked for: an indicator, dimensions (each with its `_T` margin) and periods (none:
/// every year with data).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TableRequest {
    pub indicator: IndicatorId,
    pub dims: Vec<Dim>,
    pub periods: Vec<Period>,
}

impl TableRequest {
    /// Reads an indicator id, dimension ids and periods as a user writes them.
    pub fn parse(indicator: &str, dims: &[&str], periods: &[&str]) -> Result<TableRequest> {
        let id = IndicatorId::parse(indicator)
            .ok_or_else(|| FiguresError::UnknownIndicator(indicator.to_string()))?;
        let def = id.def();
        let mut out = Vec::new();
        for d in dims.iter().map(|d| d.trim()).filter(|d| !d.is_empty()) {
            let dim = Dim::parse(d).filter(|x| def.allows(*x)).ok_or_else(|| {
                FiguresError::UnknownDimension {
                    indicator: id,
                    dim: d.to_string(),
                    allowed: def
                        .dims
                        .iter()
                        .map(|x| x.id())
                        .collect::<Vec<_>>()
                        .join(", "),
                }
            })?;
            if !out.contains(&dim) {
                out.push(dim);
            }
        }
        let periods = periods
            .iter()
            .map(|p| p.trim())
            .filter(|p| !p.is_empty())
            .map(|p| Period::parse(p).ok_or_else(|| FiguresError::BadPeriod(p.to_string())))
            .collect::<Result<Vec<_>>>()?;
        Ok(TableRequest {
            indicator: id,
            dims: out,
            periods,
        })
    }
}

/// One published cell.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtectedCell {
    pub period: Period,
    /// One code per dimension of the table, `_T` for a margin.
    pub codes: Vec<String>,
    /// `None` when suppressed (or when a ratio's denominator is zero).
    pub value: Option<f64>,
    /// Contributing units; `None` when suppressed.
    pub units: Option<u64>,
    pub obs_status: ObsStatus,
    pub conf_status: ConfStatus,
    /// The value was perturbed by the cell key method (counts of tables asked freely).
    pub perturbed: bool,
}

/// A protected table.
#[derive(Debug, Clone, PartialEq)]
pub struct ProtectedTable {
    pub indicator: IndicatorId,
    pub dims: Vec<Dim>,
    pub periods: Vec<Period>,
    pub cells: Vec<ProtectedCell>,
}

impl ProtectedTable {
    /// The cell of `period` with these codes.
    pub fn get(&self, period: Period, codes: &[&str]) -> Option<&ProtectedCell> {
        self.cells.iter().find(|c| {
            c.period == period && c.codes.iter().map(String::as_str).eq(codes.iter().copied())
        })
    }
}

impl Published {
    /// Reads the cube the store keeps (empty before the first refresh).
    pub fn load(store: &dyn Store) -> Result<Published> {
        let Some(state) = store.stats_state()? else {
            return Ok(Published::default());
        };
        let mut rows = Vec::new();
        let mut after: Option<(String, String, String)> = None;
        loop {
            let page = store.stats_cells(after.as_ref(), 10_000)?;
            let Some(last) = page.last() else { break };
            after = Some((
                last.indicator.clone(),
                last.period.clone(),
                last.key.clone(),
            ));
            rows.extend(page.into_iter().map(|c| CubeRow {
                indicator: c.indicator,
                period: c.period,
                key: c.key,
                sums: Sums {
                    value: c.value,
                    denominator: c.denominator,
                    units: c.units,
                    provisional: c.provisional,
                    estimated: c.estimated,
                    // Kept in 0..2³² by the store.
                    key: c.ckey as u32,
                },
            }));
        }
        Ok(Published {
            cubes: Cubes::from_rows(&rows)?,
            settings: Settings::from_json(&state.settings)?,
            refreshed_at: Some(state.refreshed_at),
            cells: state.cells,
            contributions: contributions(store)?,
        })
    }

    /// The years an indicator has data for (for an indicator over an input, such as
    /// remittances as a share of GDP: the years of its numerator whose input was given).
    pub fn years(&self, id: IndicatorId) -> Vec<i32> {
        let mut y: Vec<i32> = self
            .cubes
            .months(id.def().cube_of())
            .into_iter()
            .map(|m| m.year())
            .collect();
        y.dedup();
        if let Measure::PerInput { input, .. } = id.def().measure {
            let given = self.settings.input_values(input);
            y.retain(|&year| given.contains_key(&Period::Year(year)));
        }
        y
    }

    /// The protected table of `req`.
    pub fn table(&self, req: &TableRequest) -> Result<ProtectedTable> {
        let periods = if req.periods.is_empty() {
            self.years(req.indicator)
                .into_iter()
                .map(Period::Year)
                .collect()
        } else {
            req.periods.clone()
        };
        let def = req.indicator.def();
        let mut cells = Vec::new();
        if matches!(def.measure, Measure::Amount | Measure::PerInput { .. }) {
            cells = self.joint_cells(req.indicator, &req.dims, &periods)?;
        } else {
            for &period in &periods {
                cells.extend(
                    self.period_table(req.indicator, &req.dims, period, &|_, c| c.to_string())?,
                );
            }
        }
        Ok(ProtectedTable {
            indicator: req.indicator,
            dims: req.dims.clone(),
            periods,
            cells,
        })
    }

    /// The cells of an amount's tables as the SDMX publication protects them: every table of
    /// an indicator and year (by year and by month, each disaggregation) suppressed jointly
    /// ([`crate::joint`]), so no request, nor any set of requests, can recover a cell another
    /// hides, and the figures are the publication's. Periods other than years and months (a
    /// quarter is one more table linked to the months) are refused, as are tables the joint
    /// protection left out for size.
    fn joint_cells(
        &self,
        id: IndicatorId,
        dims: &[Dim],
        periods: &[Period],
    ) -> Result<Vec<ProtectedCell>> {
        let def = id.def();
        let at: Vec<Option<usize>> = def
            .dims
            .iter()
            .map(|d| dims.iter().position(|x| x == d))
            .collect();
        let mut years: BTreeMap<i32, crate::joint::Joint> = BTreeMap::new();
        let mut out = Vec::new();
        for &period in periods {
            let year = match period {
                Period::Year(y) => y,
                Period::Month(m) => m.year(),
                Period::Quarter(..) => {
                    return Err(FiguresError::NotPublished {
                        indicator: id,
                        period: period.code(),
                        reason: "amounts are published by year and by month".into(),
                    })
                }
            };
            let joint = match years.entry(year) {
                std::collections::btree_map::Entry::Occupied(o) => o.into_mut(),
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(crate::joint::protect_year(self, id, year, &[], &|_, c| {
                        c.to_string()
                    })?)
                }
            };
            let part = crate::joint::Part {
                dims: def
                    .dims
                    .iter()
                    .copied()
                    .filter(|d| dims.contains(d))
                    .collect(),
                monthly: matches!(period, Period::Month(_)),
            };
            if joint.omitted.contains(&part) {
                return Err(FiguresError::NotPublished {
                    indicator: id,
                    period: period.code(),
                    reason: format!(
                        "the table {} is too large to protect jointly with the others",
                        part.describe()
                    ),
                });
            }
            for c in joint.cells.iter().filter(|c| c.period == period) {
                // The cells of this table: a code for each dimension asked, `_T` for the others.
                if at
                    .iter()
                    .zip(&c.codes)
                    .any(|(k, code)| k.is_none() && code != TOTAL)
                {
                    continue;
                }
                let mut codes = vec![String::new(); dims.len()];
                for (k, code) in at.iter().zip(&c.codes) {
                    if let Some(k) = k {
                        codes[*k] = code.clone();
                    }
                }
                out.push(ProtectedCell { codes, ..c.clone() });
            }
        }
        Ok(out)
    }

    /// One period's protected table; `code` maps each cube code (by dimension) to the code
    /// published (cells whose codes map to the same are added together before protection).
    pub(crate) fn period_table(
        &self,
        id: IndicatorId,
        dims: &[Dim],
        period: Period,
        code: &dyn Fn(Dim, &str) -> String,
    ) -> Result<Vec<ProtectedCell>> {
        let def = id.def();
        if let Measure::PerInput {
            numerator,
            input,
            scale,
        } = def.measure
        {
            // The numerator's table, protected as the numerator is (an amount: a share of one
            // input is as recoverable from its margins as the amounts), then divided by the
            // input of the period. Without the input the cells are absent, never zero.
            let Some(&x) = self.settings.input_values(input).get(&period) else {
                return Ok(Vec::new());
            };
            let cells = self.protect(numerator, def, dims, period, code)?;
            return Ok(cells
                .into_iter()
                .map(|mut c| {
                    c.value = c.value.map(|v| f64::from(scale) * v / x);
                    c
                })
                .collect());
        }
        self.protect(id, def, dims, period, code)
    }

    /// One period's protected table of the cube of `id`, with the disclosure settings of
    /// `def` (the indicator published).
    fn protect(
        &self,
        id: IndicatorId,
        def: &Indicator,
        dims: &[Dim],
        period: Period,
        code: &dyn Fn(Dim, &str) -> String,
    ) -> Result<Vec<ProtectedCell>> {
        let q = Query::new(id, dims, &[period]);
        let table = self.cubes.query(&q)?;
        if !dims.is_empty() {
            match def.measure {
                Measure::Count => return Ok(perturbed(def, &table.cells, dims, period, code)),
                // Amounts by a dimension are the publication's cells (`joint_cells`), never
                // protected table by table: one request's suppression would not hold against
                // another.
                Measure::Amount | Measure::PerInput { .. } => {
                    return Err(FiguresError::NotPublished {
                        indicator: def.id,
                        period: period.code(),
                        reason: "amounts are published as the joint protection of their tables"
                            .into(),
                    })
                }
                _ => {}
            }
        }
        // Primary suppression only: ratios are not recoverable from margins, and a table
        // without dimensions is one cell.
        let threshold = u64::from(def.disclosure.min_frequency);
        Ok(table
            .cells
            .iter()
            .map(|c| {
                let units = u64::try_from(c.sums.units).unwrap_or(0);
                let hidden = units > 0 && units < threshold;
                ProtectedCell {
                    period,
                    codes: published_codes(&c.codes, dims, code),
                    value: if hidden { None } else { c.value },
                    units: (!hidden).then_some(units),
                    obs_status: c.status,
                    conf_status: if hidden {
                        ConfStatus::Primary
                    } else {
                        ConfStatus::Free
                    },
                    perturbed: false,
                }
            })
            .collect())
    }
}

/// A cube cell's codes as published: `_T` kept, the others through `code`.
fn published_codes(
    codes: &[&str],
    dims: &[Dim],
    code: &dyn Fn(Dim, &str) -> String,
) -> Vec<String> {
    codes
        .iter()
        .zip(dims)
        .map(|(x, d)| {
            if *x == TOTAL {
                TOTAL.to_string()
            } else {
                code(*d, x)
            }
        })
        .collect()
}

/// The contributions of every indicator with a dominance rule, read from the units of the
/// record kinds it is computed from (each record a unit of its own).
fn contributions(store: &dyn Store) -> Result<BTreeMap<IndicatorId, Vec<Contribution>>> {
    let mut out: BTreeMap<IndicatorId, Vec<Contribution>> = BTreeMap::new();
    let wanted: Vec<IndicatorId> = IndicatorId::ALL
        .into_iter()
        .filter(|id| id.def().disclosure.dominance.is_some() && id.def().cube_of() == *id)
        .collect();
    let mut kinds: Vec<&str> = wanted
        .iter()
        .flat_map(|id| id.def().record_kinds.iter().map(|k| k.as_str()))
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    for id in &wanted {
        out.insert(*id, Vec::new());
    }
    for kind in kinds {
        for (unit, text) in store.stats_record_units(kind)? {
            for row in crate::refresh::parse_facts(&unit, 0, &text)? {
                let fact = row.to_fact()?;
                let Some(list) = out.get_mut(&fact.indicator) else {
                    continue;
                };
                let def = fact.indicator.def();
                list.push(Contribution {
                    month: fact.month,
                    codes: fact.codes[..def.dims.len()]
                        .iter()
                        .map(|c| (*c).to_string())
                        .collect(),
                    value: (fact.sums.value as f64 / SCALE as f64).abs(),
                });
            }
        }
    }
    Ok(out)
}

/// The largest complete table (every combination of the codes present) a perturbed table is
/// filled out to with its zeros; beyond it only the cells with data are listed.
const MAX_FILLED: usize = 20_000;

/// A count table by the cell key method (the module docs): every cell, margins included,
/// perturbed by the indicator's table ([`ptable_of`]) from its own cell key, so the same
/// persons always give the same figure whatever table they are asked in; the units are not
/// shown (they are the count). An indicator with no frequency rule and no perturbation is
/// published as counted.
fn perturbed(
    def: &Indicator,
    cube_cells: &[marsad_stats::cube::Cell<'_>],
    dims: &[Dim],
    period: Period,
    code: &dyn Fn(Dim, &str) -> String,
) -> Vec<ProtectedCell> {
    let ptable = ptable_of(def);
    let exact = def.disclosure.perturbation == 0 && def.disclosure.min_frequency <= 1;
    let mut sums: BTreeMap<Vec<String>, Sums> = BTreeMap::new();
    for c in cube_cells {
        let codes = published_codes(&c.codes, dims, code);
        if !codes.iter().any(String::is_empty) {
            sums.entry(codes).or_default().add(&c.sums, 1);
        }
    }
    let mut lists: Vec<Vec<String>> = vec![Vec::new(); dims.len()];
    for key in sums.keys() {
        for (list, c) in lists.iter_mut().zip(key) {
            if !list.contains(c) {
                list.push(c.clone());
            }
        }
    }
    let complete: usize = lists.iter().map(Vec::len).product();
    if complete <= MAX_FILLED {
        let mut keys: Vec<Vec<String>> = vec![Vec::new()];
        for list in &lists {
            keys = keys
                .into_iter()
                .flat_map(|k| {
                    list.iter().map(move |c| {
                        let mut k = k.clone();
                        k.push(c.clone());
                        k
                    })
                })
                .collect();
        }
        for k in keys {
            sums.entry(k).or_default();
        }
    }
    let scale = SCALE as f64;
    sums.into_iter()
        .map(|(codes, s)| {
            let value = s.value as f64 / scale;
            let units = u64::try_from(s.units).unwrap_or(0);
            let mut cell = ProtectedCell {
                period,
                codes,
                value: Some(value),
                units: Some(units),
                obs_status: s.status(),
                conf_status: ConfStatus::Free,
                perturbed: false,
            };
            if exact || units == 0 {
                return cell;
            }
            // The perturbation is drawn for the unweighted count of contributions; a count
            // whose contributions are not one each (survey weights, several events of a
            // person) moves in proportion, so nothing is shown for fewer contributions than
            // the threshold whatever the weights.
            let d = ptable.perturbation(units, cellkey::key_fraction(s.key));
            let moved = units.saturating_add_signed(d);
            let v = if value == units as f64 {
                moved as f64
            } else {
                let v = value * moved as f64 / units as f64;
                if s.estimated > 0 {
                    v
                } else {
                    v.round()
                }
            };
            cell.value = Some(v);
            cell.units = None;
            cell.perturbed = true;
            cell
        })
        .collect()
}

/// The perturbation table of an indicator's counts: nothing published between 1 and its
/// minimum frequency, perturbations up to its `perturbation` ([`PTable::thresholded`]).
pub fn ptable_of(def: &Indicator) -> PTable {
    PTable::thresholded(
        u64::from(def.disclosure.min_frequency),
        u64::from(def.disclosure.perturbation),
    )
}

/// The rules an indicator's additive tables are protected by: primary suppression below its
/// minimum frequency (a protection interval as wide as the threshold when it is sensitive, else
/// up to 3), secondary suppression by value with clean-up; zeros published.
pub(crate) fn rules_of(def: &Indicator) -> Rules {
    let threshold = u64::from(def.disclosure.min_frequency);
    Rules {
        frequency: (threshold > 1).then_some(FrequencyRule {
            threshold,
            protection: if def.disclosure.sensitive {
                threshold as f64
            } else {
                3.0f64.min(threshold as f64)
            },
            protection_percent: 0.0,
        }),
        dominance: None,
        p_percent: None,
        zeros: ZeroPolicy::Publish,
        cost: Cost::Value,
        cleanup: true,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use marsad_stats::catalogue::IndicatorId;
    use marsad_stats::cube::{Cubes, Fact, Sums};
    use marsad_stats::dims::{Dim, Month, Period, TOTAL};

    use super::{ProtectedTable, Published, TableRequest};

    /// Residence permits in 2025: `n` persons with skewed sex, age and citizenship (many small
    /// cells), each with a random record key.
    fn published(n: u32) -> Published {
        const SEXES: [&str; 2] = ["F", "M"];
        const AGES: [&str; 4] = ["Y20T24", "Y25T29", "Y30T34", "Y35T39"];
        const CITIZENSHIPS: [&str; 6] = ["DZA", "FRA", "LBY", "SEN", "CIV", "SYR"];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut draw = |k: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % k
        };
        let mut facts = Vec::new();
        for _ in 0..n {
            let s = SEXES[usize::from(draw(3) == 0)];
            let a = AGES[draw(4).min(draw(4)) as usize];
            let c = CITIZENSHIPS[draw(6).min(draw(6)).min(draw(6)) as usize];
            let m = Month::new(2025, 1 + draw(12) as u32).unwrap();
            let key = draw(1 << 32) as u32;
            facts.push(
                Fact::new(IndicatorId::ResidencePermits, m, Sums::count(1).keyed(key))
                    .with(Dim::Sex, s)
                    .with(Dim::Age, a)
                    .with(Dim::Citizenship, c),
            );
        }
        let mut cubes = Cubes::new();
        cubes.apply(&facts, &[]).unwrap();
        Published {
            cubes,
            ..Published::default()
        }
    }

    /// A cell's identity whatever table it is asked in: its period and its codes other than
    /// `_T`, by dimension.
    fn cells_of(t: &ProtectedTable) -> Vec<(String, f64)> {
        t.cells
            .iter()
            .map(|c| {
                let mut id: Vec<String> = t
                    .dims
                    .iter()
                    .zip(&c.codes)
                    .filter(|(_, code)| *code != TOTAL)
                    .map(|(d, code)| format!("{}={code}", d.id()))
                    .collect();
                id.sort();
                (
                    format!("{}:{}", c.period.code(), id.join(";")),
                    c.value.unwrap(),
                )
            })
            .collect()
    }

    /// Overlapping requests (every subset of the three dimensions, in any order, by year and by
    /// month) cannot be played against one another: a cell has one value in all of them, and no
    /// value between 1 and the threshold is ever published. And the attacker's best tool
    /// against perturbation — a margin minus its other cells — rarely gives a small cell's
    /// true count, and never says when it does.
    #[test]
    fn overlapping_tables_agree_and_small_counts_stay_hidden() {
        let p = published(400);
        let truth = |dims: &[Dim], period: Period| {
            let q = marsad_stats::cube::Query::new(IndicatorId::ResidencePermits, dims, &[period]);
            p.cubes
                .query(&q)
                .unwrap()
                .cells
                .iter()
                .map(|c| {
                    (
                        c.codes.iter().map(|x| x.to_string()).collect::<Vec<_>>(),
                        c.value.unwrap_or(0.0),
                    )
                })
                .collect::<BTreeMap<_, _>>()
        };
        let asks: [&[&str]; 9] = [
            &["SEX"],
            &["AGE"],
            &["CITIZENSHIP"],
            &["SEX", "AGE"],
            &["CITIZENSHIP", "SEX"],
            &["AGE", "CITIZENSHIP"],
            &["SEX", "AGE", "CITIZENSHIP"],
            &["CITIZENSHIP", "AGE", "SEX"],
            &[],
        ];
        let mut seen: BTreeMap<String, f64> = BTreeMap::new();
        let (mut small, mut recovered) = (0, 0);
        for period in ["2025", "2025-03", "2025-07"] {
            for dims in asks {
                let req = TableRequest::parse("RESIDENCE_PERMITS", dims, &[period]).unwrap();
                let t = p.table(&req).unwrap();
                assert!(!t.cells.is_empty());
                for (id, v) in cells_of(&t) {
                    if !dims.is_empty() {
                        assert!(v == 0.0 || v >= 5.0, "{id} published as {v}");
                    }
                    // The total without dimensions is one cell under the frequency rule only.
                    if dims.is_empty() {
                        continue;
                    }
                    let was = *seen.entry(id.clone()).or_insert(v);
                    assert_eq!(was, v, "{id} differs between requests");
                }
                // Differencing along the last dimension of each line.
                if dims.is_empty() {
                    continue;
                }
                let exact = truth(&req.dims, req.periods[0]);
                let k = req.dims.len() - 1;
                // Per line: the margin's published value, and each part's published and true.
                type Line = (f64, Vec<(f64, f64)>);
                let mut lines: BTreeMap<Vec<String>, Line> = BTreeMap::new();
                for c in &t.cells {
                    let v = c.value.unwrap();
                    let n = exact.get(&c.codes).copied().unwrap_or(0.0);
                    let line = lines.entry(c.codes[..k].to_vec()).or_default();
                    if c.codes[k] == TOTAL {
                        line.0 = v;
                    } else {
                        line.1.push((v, n));
                    }
                }
                for (margin, parts) in lines.values() {
                    let sum: f64 = parts.iter().map(|x| x.0).sum();
                    for &(v, n) in parts {
                        if n > 0.0 && n < 5.0 {
                            small += 1;
                            recovered += usize::from(margin - (sum - v) == n);
                        }
                    }
                }
            }
        }
        assert!(small > 50, "the data have small cells: {small}");
        assert!(
            recovered * 4 < small,
            "differencing gave {recovered} of {small} small cells exactly"
        );
    }

    /// Remittances received in 2025 from four corridors, one to four flows a month each, a
    /// fifth corridor in two months only (small cells by month), and in April one flow from
    /// Germany that dwarfs the three others (a dominated cell); with the contributions.
    fn remittances() -> Published {
        let mut facts = Vec::new();
        facts.push(
            Fact::new(
                IndicatorId::RemittancesIn,
                Month::new(2025, 4).unwrap(),
                Sums::fixed(10_000 * 100_000),
            )
            .with(Dim::CounterpartArea, "DEU"),
        );
        for month in 1..=12 {
            let m = Month::new(2025, month).unwrap();
            let mut corridors = vec!["FRA", "ITA", "DEU", "SAU"];
            if month <= 2 {
                corridors.push("QAT");
            }
            for (k, c) in corridors.into_iter().enumerate() {
                for flow in 0..(1 + (month as usize + k) % 4) {
                    facts.push(
                        Fact::new(
                            IndicatorId::RemittancesIn,
                            m,
                            Sums::fixed(10_000 * (1_000 + 37 * flow as i64 + k as i64)),
                        )
                        .with(Dim::CounterpartArea, c),
                    );
                }
            }
        }
        let mut cubes = Cubes::new();
        cubes.apply(&facts, &[]).unwrap();
        let contributions = facts
            .iter()
            .map(|f| super::Contribution {
                month: f.month,
                codes: vec![f.codes[0].to_string()],
                value: f.sums.value as f64 / 10_000.0,
            })
            .collect();
        Published {
            cubes,
            contributions: [(IndicatorId::RemittancesIn, contributions)].into(),
            ..Published::default()
        }
    }

    /// The dominance rule (2, 85 %) of remittances: a cell where two flows make most of the
    /// amount is withheld although it has enough flows, and only when the contributions are
    /// known.
    #[test]
    fn a_dominated_amount_is_withheld() {
        let p = remittances();
        let ask = |p: &Published| {
            let req =
                TableRequest::parse("REMITTANCES_IN", &["COUNTERPART_AREA"], &["2025-04"]).unwrap();
            p.table(&req).unwrap()
        };
        let april = ask(&p);
        let deu = april
            .get(Period::Month(Month::new(2025, 4).unwrap()), &["DEU"])
            .unwrap();
        assert_eq!(deu.value, None, "{deu:?}");
        assert_eq!(
            deu.conf_status,
            marsad_stats::disclosure::ConfStatus::Primary
        );
        // Four flows: the frequency rule alone publishes it.
        let without = Published {
            contributions: Default::default(),
            ..p.clone()
        };
        let deu = ask(&without)
            .get(Period::Month(Month::new(2025, 4).unwrap()), &["DEU"])
            .cloned()
            .unwrap();
        assert!(deu.value.is_some(), "{deu:?}");
    }

    /// Amounts asked freely are the publication's jointly protected cells: asking the year and
    /// then each month never lets a suppressed month be worked out from the year and the other
    /// months, and every figure is the SDMX publication's.
    #[test]
    fn amounts_by_year_and_by_month_are_protected_together() {
        let p = remittances();
        let ask = |period: &str| {
            let req =
                TableRequest::parse("REMITTANCES_IN", &["COUNTERPART_AREA"], &[period]).unwrap();
            p.table(&req).unwrap()
        };
        let year = ask("2025");
        let months: Vec<ProtectedTable> = (1..=12).map(|m| ask(&format!("2025-{m:02}"))).collect();
        let joint =
            crate::joint::protect_year(&p, IndicatorId::RemittancesIn, 2025, &[], &|_, c| {
                c.to_string()
            })
            .unwrap();
        let mut suppressed = 0;
        for t in std::iter::once(&year).chain(&months) {
            for c in &t.cells {
                let same = joint
                    .cells
                    .iter()
                    .find(|j| j.period == c.period && j.codes == c.codes)
                    .unwrap_or_else(|| panic!("{c:?} is not in the publication"));
                assert_eq!(same, c);
                suppressed += usize::from(c.value.is_none());
            }
        }
        assert!(suppressed > 0, "the small months are suppressed");
        // No line — a corridor's months under its year, a month's corridors under its total —
        // with exactly one suppressed cell and its total published.
        let value = |t: &ProtectedTable, code: &str| {
            t.cells
                .iter()
                .find(|c| c.codes[0] == code)
                .and_then(|c| c.value)
        };
        for corridor in ["FRA", "ITA", "DEU", "SAU", "QAT", "_T"] {
            let hidden = months
                .iter()
                .filter(|m| {
                    m.cells.iter().any(|c| c.codes[0] == corridor) && value(m, corridor).is_none()
                })
                .count();
            if value(&year, corridor).is_some() {
                assert_ne!(hidden, 1, "{corridor}: one month hidden, the year shown");
            }
        }
        for m in &months {
            let hidden = m
                .cells
                .iter()
                .filter(|c| c.codes[0] != "_T" && c.value.is_none())
                .count();
            if value(m, "_T").is_some() {
                assert_ne!(
                    hidden, 1,
                    "{:?}: one corridor hidden, the total shown",
                    m.periods
                );
            }
        }
        // Quarters are not published for amounts: refused, naming why.
        let q = TableRequest::parse("REMITTANCES_IN", &["COUNTERPART_AREA"], &["2025-Q1"]).unwrap();
        let e = p.table(&q).unwrap_err().to_string();
        assert!(e.contains("2025-Q1") && e.contains("by month"), "{e}");
    }
}

//! Joint protection of the tables the SDMX publication holds for one indicator and one year.
//!
//! The publication shows, for a year, the total, each allowed disaggregation alone, the
//! two-way cross-classifications of [`pairs`] and, for an indicator computed by month whose
//! months add up to the year (flows: `freq` M, `time_aggregation` Sum), each of these by month
//! too. All of them are margins of one another: the one-way table by sex is a margin of sex ×
//! age and of sex × citizenship, and a year's cell is the sum of its twelve months. Protected
//! one by one, an attacker reading them together could narrow a cell one table hides (a
//! suppressed month from the year and the other months; a suppressed sex × age cell from the
//! sex × citizenship table's margins). So every table (a *part*) is given to the disclosure
//! module as a complete table — the months as one more dimension, `TIME_PERIOD`, whose total
//! is the year — and the parts are **linked** into one system
//! ([`marsad_stats::disclosure::Table::linked`]: a cell shared by two parts is one cell)
//! protected in one pass: a shared cell has one status, and the attacker's feasible range of
//! every suppressed cell is computed over all the tables together.
//!
//! Sizes: a part larger than [`MAX_CELLS`] is not published (the one-way tables by year must
//! fit, as before: they are the publication's contract), and parts are added to the system in
//! order — one-way by year, one-way by month, two-way by year, two-way by month — as long as
//! the linked system stays within [`MAX_JOINT_CELLS`]; a part that does not fit is left out of
//! the publication (never published unprotected) and listed in [`Joint::omitted`].
//!
//! Amounts with a dominance rule carry, in each cell, their largest contributions
//! ([`Published::contributions`]), and the rule is applied with the frequency rule (when a cell
//! with an amount has no known contribution, the rule is not applied to the indicator's year
//! rather than to some cells only).
//!
//! Ratios and means are not additive (not recoverable from margins): every part is protected by
//! primary suppression alone, period by period, as `tables` does.

use std::collections::{BTreeMap, HashMap};

use marsad_stats::catalogue::{IndicatorId, Measure, TimeAggregation};
use marsad_stats::cube::{Query, Sums, SCALE};
use marsad_stats::dims::{Dim, Freq, Month, Period, TOTAL};
use marsad_stats::disclosure::{self, ConfStatus, Dimension, DominanceRule, Rules};

use crate::tables::{ProtectedCell, Published, MAX_CELLS};
use crate::{FiguresError, Result};

/// The largest linked system (cells of all the parts of one indicator and year, months
/// included) given to the disclosure module at once: one table's worth (twice as much made the
/// demo's publication seven times slower for 7 % more observations).
pub const MAX_JOINT_CELLS: usize = MAX_CELLS;

/// The id of the time dimension in the linked system (the months, under the year `_T`).
const TIME: &str = "TIME_PERIOD";

/// The two-way cross-classifications published besides the one-way tables, among the free
/// dimensions (those with a total) of an indicator: sex by each other disaggregation (age,
/// citizenship, country of birth, destination or origin, governorate, occupation,
/// exploitation), and route by cause.
pub fn pairs(free: &[Dim]) -> Vec<(Dim, Dim)> {
    let mut out = Vec::new();
    if free.contains(&Dim::Sex) {
        for &d in free.iter().filter(|&&d| d != Dim::Sex) {
            out.push((Dim::Sex, d));
        }
    }
    if free.contains(&Dim::Route) && free.contains(&Dim::Cause) {
        out.push((Dim::Route, Dim::Cause));
    }
    out
}

/// One table of the publication: its dimensions (the fixed ones first) and whether by month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub dims: Vec<Dim>,
    pub monthly: bool,
}

impl Part {
    /// `SEX × AGE by month` style text.
    pub fn describe(&self) -> String {
        let dims: Vec<&str> = self.dims.iter().map(|d| d.id()).collect();
        let dims = if dims.is_empty() {
            "total".to_string()
        } else {
            dims.join(" × ")
        };
        format!(
            "{dims} {}",
            if self.monthly { "by month" } else { "by year" }
        )
    }
}

/// One published cell of an indicator's year: its `codes` are one per dimension of the indicator
/// (catalogue order), `_T` for a margin; its period the year or a month of it.
pub type JointCell = ProtectedCell;

/// What [`protect_year`] publishes, and what it left out for size.
#[derive(Debug, Clone, Default)]
pub struct Joint {
    pub cells: Vec<JointCell>,
    pub parts: Vec<Part>,
    pub omitted: Vec<Part>,
    /// Cells of the linked system given to the disclosure module (0 for ratios).
    pub system_cells: usize,
}

/// The months of `year` an indicator is published by: its months with data when it is computed
/// by month and its months add up to the year; none otherwise.
pub fn months(published: &Published, id: IndicatorId, year: i32) -> Vec<Month> {
    let def = id.def();
    if def.freq != Freq::M || def.time_aggregation != TimeAggregation::Sum {
        return Vec::new();
    }
    published
        .cubes
        .months(def.cube_of())
        .into_iter()
        .filter(|m| m.year() == year)
        .collect()
}

fn rank(c: ConfStatus) -> u8 {
    match c {
        ConfStatus::Free => 0,
        ConfStatus::Secondary => 1,
        ConfStatus::Primary => 2,
    }
}

/// The parts of an indicator's year, linked (or, for ratios and single cells, already
/// published).
enum Built {
    Done(Joint),
    System {
        joint: Joint,
        system: Box<disclosure::Table>,
        sums: HashMap<Vec<String>, Sums>,
        input: Option<(f64, f64)>,
        /// The dominance rule of the amounts, when their contributions are known (the cells
        /// then carry their largest ones).
        dominance: Option<DominanceRule>,
    },
}

fn build(
    published: &Published,
    id: IndicatorId,
    year: i32,
    fixed: &[Dim],
    code: &dyn Fn(Dim, &str) -> String,
) -> Result<Built> {
    let def = id.def();
    let free: Vec<Dim> = def
        .dims
        .iter()
        .copied()
        .filter(|d| !fixed.contains(d))
        .collect();
    let months = months(published, id, year);
    let with = |extra: &[Dim]| {
        let mut dims = fixed.to_vec();
        dims.extend_from_slice(extra);
        dims
    };
    // Candidates in order of priority.
    let mut candidates: Vec<(Part, bool)> = Vec::new();
    if free.is_empty() {
        candidates.push((
            Part {
                dims: with(&[]),
                monthly: false,
            },
            true,
        ));
    }
    for &d in &free {
        candidates.push((
            Part {
                dims: with(&[d]),
                monthly: false,
            },
            true,
        ));
    }
    if !months.is_empty() {
        candidates.push((
            Part {
                dims: with(&[]),
                monthly: true,
            },
            false,
        ));
        for &d in &free {
            candidates.push((
                Part {
                    dims: with(&[d]),
                    monthly: true,
                },
                false,
            ));
        }
    }
    let two_way = pairs(&free);
    for &(a, b) in &two_way {
        candidates.push((
            Part {
                dims: with(&[a, b]),
                monthly: false,
            },
            false,
        ));
    }
    if !months.is_empty() {
        for &(a, b) in &two_way {
            candidates.push((
                Part {
                    dims: with(&[a, b]),
                    monthly: true,
                },
                false,
            ));
        }
    }
    let additive = matches!(
        def.measure,
        Measure::Count | Measure::Amount | Measure::PerInput { .. }
    );
    if !additive {
        return ratio_cells(published, id, year, fixed, &months, candidates, code).map(Built::Done);
    }
    let input = match def.measure {
        Measure::PerInput { input, scale, .. } => {
            match published
                .settings
                .input_values(input)
                .get(&Period::Year(year))
            {
                Some(&x) => Some((f64::from(scale), x)),
                // Without the input the cells are absent, never zero.
                None => return Ok(Built::Done(Joint::default())),
            }
        }
        _ => None,
    };
    let cube = def.cube_of();
    let disclosure_err = |source| FiguresError::Disclosure {
        indicator: id,
        source,
    };
    // The dominance rule reads each cell's largest contributions (records of aggregates).
    let contributions = published.contributions.get(&cube);
    let dominance = def
        .disclosure
        .dominance
        .filter(|_| contributions.is_some())
        .map(|d| DominanceRule {
            n: usize::from(d.n),
            k: f64::from(d.k_percent),
        });
    let tops_of = |part: &Part| -> HashMap<Vec<String>, Vec<f64>> {
        let mut out: HashMap<Vec<String>, Vec<f64>> = HashMap::new();
        let (Some(list), Some(rule)) = (contributions, dominance) else {
            return out;
        };
        let cube_def = cube.def();
        'contribution: for c in list.iter().filter(|c| c.month.year() == year) {
            let mut key = Vec::with_capacity(part.dims.len() + 1);
            for d in &part.dims {
                let Some(x) = cube_def.position(*d).and_then(|i| c.codes.get(i)) else {
                    continue 'contribution;
                };
                let k = code(*d, x);
                if k.is_empty() {
                    continue 'contribution;
                }
                key.push(k);
            }
            if part.monthly {
                key.push(Period::Month(c.month).code());
            }
            out.entry(key).or_default().push(c.value);
        }
        for v in out.values_mut() {
            v.sort_by(|a, b| b.total_cmp(a));
            v.truncate(rule.n);
        }
        out
    };

    // The leaves of a part: codes as published (then the month), sums added up.
    let leaves_of = |part: &Part| -> Result<BTreeMap<Vec<String>, Sums>> {
        let periods: Vec<Period> = if part.monthly {
            months.iter().map(|&m| Period::Month(m)).collect()
        } else {
            vec![Period::Year(year)]
        };
        let table = published
            .cubes
            .query(&Query::new(cube, &part.dims, &periods))?;
        let mut out: BTreeMap<Vec<String>, Sums> = BTreeMap::new();
        for c in &table.cells {
            if c.codes.contains(&TOTAL) {
                continue;
            }
            let mut key: Vec<String> = c
                .codes
                .iter()
                .zip(&part.dims)
                .map(|(x, d)| code(*d, x))
                .collect();
            if key.iter().any(String::is_empty) {
                continue;
            }
            if part.monthly {
                key.push(c.period.code());
            }
            out.entry(key).or_default().add(&c.sums, 1);
        }
        Ok(out)
    };

    // The codes of each dimension: those of the year (the same list in every part, so that
    // shared cells are one).
    let mut lists: BTreeMap<Dim, Vec<String>> = BTreeMap::new();
    let mut any_leaves = false;
    for (part, _) in candidates
        .iter()
        .filter(|(p, required)| *required && !p.monthly)
    {
        for key in leaves_of(part)?.keys() {
            any_leaves = true;
            for (d, c) in part.dims.iter().zip(key) {
                let list = lists.entry(*d).or_default();
                if !list.contains(c) {
                    list.push(c.clone());
                }
            }
        }
    }
    if !any_leaves {
        return Ok(Built::Done(Joint::default()));
    }
    for list in lists.values_mut() {
        list.sort();
    }
    let month_codes: Vec<String> = months.iter().map(|m| m.code()).collect();
    let size = |part: &Part| -> usize {
        let mut n: usize = part
            .dims
            .iter()
            .map(|d| lists.get(d).map_or(1, |l| l.len() + 1))
            .product();
        if part.monthly {
            n = n.saturating_mul(month_codes.len() + 1);
        }
        n
    };

    // Each part as a complete disclosure table; the linked system grown part by part.
    let mut joint = Joint::default();
    let mut tables: Vec<disclosure::Table> = Vec::new();
    let mut part_leaves: Vec<BTreeMap<Vec<String>, Sums>> = Vec::new();
    let mut linked: Option<disclosure::Table> = None;
    // Whether every cell with an amount has its contributions (else no dominance rule: it
    // would be applied to some cells and not others).
    let mut complete = true;
    for (part, required) in candidates {
        let cells = size(&part);
        if cells > MAX_CELLS {
            if required {
                return Err(FiguresError::TableTooLarge {
                    indicator: id,
                    cells,
                    max: MAX_CELLS,
                });
            }
            joint.omitted.push(part);
            continue;
        }
        if part.dims.is_empty() && !part.monthly {
            if months.is_empty() {
                // An indicator without disaggregations, by year: one cell, primary suppression.
                return single_cell(published, id, year, code).map(Built::Done);
            }
            // The year's total is the margin of the table by month.
            joint.parts.push(part);
            continue;
        }
        let leaves = leaves_of(&part)?;
        let tops = tops_of(&part);
        complete &= dominance.is_none()
            || leaves
                .iter()
                .all(|(k, s)| s.value <= 0 || tops.contains_key(k));
        let mut dimensions = Vec::new();
        for d in &part.dims {
            let list = lists.get(d).cloned().unwrap_or_default();
            dimensions.push(Dimension::flat(d.id(), &list).map_err(disclosure_err)?);
        }
        if part.monthly {
            dimensions.push(Dimension::flat(TIME, &month_codes).map_err(disclosure_err)?);
        }
        let dcells = leaves
            .iter()
            .map(|(key, s)| disclosure::Cell {
                key: key.clone(),
                value: (s.value as f64 / SCALE as f64).max(0.0),
                count: u64::try_from(s.units).unwrap_or(0),
                top: tops.get(key).cloned().unwrap_or_default(),
            })
            .collect();
        let table = disclosure::Table::from_leaves(dimensions, dcells).map_err(disclosure_err)?;
        let mut trial = tables.clone();
        trial.push(table);
        let system = disclosure::Table::linked(&trial).map_err(disclosure_err)?;
        // The one-way tables by year are always published (as before the system was linked);
        // the others only while the system stays within the solver's size.
        if !required && system.len() > MAX_JOINT_CELLS {
            joint.omitted.push(part);
            continue;
        }
        tables = trial;
        linked = Some(system);
        part_leaves.push(leaves);
        joint.parts.push(part);
    }
    let Some(system) = linked else {
        return Ok(Built::Done(joint));
    };
    joint.system_cells = system.len();

    // The sums of every cell of the system (margins of each part's leaves), by system key.
    let sys_dims: Vec<String> = system
        .dimensions()
        .iter()
        .map(|d| d.id().to_string())
        .collect();
    let mut sums: HashMap<Vec<String>, Sums> = HashMap::new();
    for (table, leaves) in tables.iter().zip(&part_leaves) {
        let ids: Vec<&str> = table.dimensions().iter().map(|d| d.id()).collect();
        let mut local: HashMap<Vec<String>, Sums> = HashMap::new();
        for (key, s) in leaves {
            for mask in 0..(1usize << key.len()) {
                let k: Vec<String> = key
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        if mask & (1 << i) != 0 {
                            TOTAL.to_string()
                        } else {
                            c.clone()
                        }
                    })
                    .collect();
                local.entry(k).or_default().add(s, 1);
            }
        }
        for (k, s) in local {
            let full: Vec<String> = sys_dims
                .iter()
                .map(|d| {
                    ids.iter()
                        .position(|x| x == d)
                        .map_or(TOTAL.to_string(), |i| k[i].clone())
                })
                .collect();
            sums.entry(full).or_insert(s);
        }
    }
    Ok(Built::System {
        joint,
        system: Box::new(system),
        sums,
        input,
        dominance: dominance.filter(|_| complete),
    })
}

/// The rules an indicator's cells are protected by (as `tables` protects a table).
pub fn rules(id: IndicatorId) -> Rules {
    crate::tables::rules_of(id.def())
}

/// The linked system of one additive indicator and year (every published part, months
/// included), as given to the disclosure module; `None` for ratios and indicators without
/// cells. For audits.
pub fn linked_system(
    published: &Published,
    id: IndicatorId,
    year: i32,
    fixed: &[Dim],
    code: &dyn Fn(Dim, &str) -> String,
) -> Result<Option<disclosure::Table>> {
    Ok(match build(published, id, year, fixed, code)? {
        Built::System { system, .. } => Some(*system),
        Built::Done(_) => None,
    })
}

/// The protected cells of one indicator and year: every part (see the module docs), the
/// dimensions without a total (`fixed`) in every part and never shown at `_T`; `code` maps a
/// cube code to its published code (empty: no place for it, the cell is left out).
pub fn protect_year(
    published: &Published,
    id: IndicatorId,
    year: i32,
    fixed: &[Dim],
    code: &dyn Fn(Dim, &str) -> String,
) -> Result<Joint> {
    let (mut joint, system, sums, input, dominance) = match build(published, id, year, fixed, code)?
    {
        Built::Done(joint) => return Ok(joint),
        Built::System {
            joint,
            system,
            sums,
            input,
            dominance,
        } => (joint, system, sums, input, dominance),
    };
    let def = id.def();
    let disclosure_err = |source| FiguresError::Disclosure {
        indicator: id,
        source,
    };
    let sys_dims: Vec<String> = system
        .dimensions()
        .iter()
        .map(|d| d.id().to_string())
        .collect();
    let rules = Rules {
        dominance,
        ..rules(id)
    };
    let protected = disclosure::protect(&system, &rules).map_err(disclosure_err)?;
    let time_at = sys_dims.iter().position(|d| d == TIME);
    for i in 0..system.len() {
        let key: Vec<String> = system.key(i).iter().map(|c| (*c).to_string()).collect();
        let hidden_margin = key
            .iter()
            .zip(&sys_dims)
            .any(|(c, d)| c == TOTAL && fixed.iter().any(|f| f.id() == d));
        if hidden_margin {
            continue;
        }
        let period = match time_at.map(|t| key[t].as_str()) {
            Some(m) if m != TOTAL => Month::parse(m)
                .map(Period::Month)
                .ok_or_else(|| FiguresError::BadPeriod(m.to_string()))?,
            _ => Period::Year(year),
        };
        let out_key: Vec<String> = def
            .dims
            .iter()
            .map(|d| {
                sys_dims
                    .iter()
                    .position(|x| x == d.id())
                    .map_or(TOTAL.to_string(), |k| key[k].clone())
            })
            .collect();
        let s = sums.get(&key).copied().unwrap_or_default();
        let status = protected.status[i];
        let free = !status.is_suppressed();
        let value = s.value as f64 / SCALE as f64;
        joint.cells.push(JointCell {
            period,
            codes: out_key,
            value: free.then(|| match input {
                Some((scale, x)) => scale * value / x,
                None => value,
            }),
            units: free.then(|| u64::try_from(s.units).unwrap_or(0)),
            obs_status: s.status(),
            conf_status: status,
            perturbed: false,
        });
    }
    Ok(joint)
}

/// An indicator without disaggregations, by year: one cell, primary suppression only.
fn single_cell(
    published: &Published,
    id: IndicatorId,
    year: i32,
    code: &dyn Fn(Dim, &str) -> String,
) -> Result<Joint> {
    let mut joint = Joint::default();
    for c in published.period_table(id, &[], Period::Year(year), code)? {
        joint.cells.push(JointCell {
            period: c.period,
            codes: Vec::new(),
            value: c.value,
            units: c.units,
            obs_status: c.obs_status,
            conf_status: c.conf_status,
            perturbed: false,
        });
    }
    joint.parts.push(Part {
        dims: Vec::new(),
        monthly: false,
    });
    Ok(joint)
}

/// Ratios and means: every part, period by period, by primary suppression (`tables`).
fn ratio_cells(
    published: &Published,
    id: IndicatorId,
    year: i32,
    fixed: &[Dim],
    months: &[Month],
    candidates: Vec<(Part, bool)>,
    code: &dyn Fn(Dim, &str) -> String,
) -> Result<Joint> {
    let def = id.def();
    let mut joint = Joint::default();
    let mut merged: BTreeMap<(Period, Vec<String>), JointCell> = BTreeMap::new();
    for (part, _) in candidates {
        let periods: Vec<Period> = if part.monthly {
            months.iter().map(|&m| Period::Month(m)).collect()
        } else {
            vec![Period::Year(year)]
        };
        for period in periods {
            for cell in published.period_table(id, &part.dims, period, code)? {
                let hidden_margin = cell
                    .codes
                    .iter()
                    .zip(&part.dims)
                    .any(|(c, d)| c.is_empty() || (c == TOTAL && fixed.contains(d)));
                if hidden_margin {
                    continue;
                }
                let key: Vec<String> = def
                    .dims
                    .iter()
                    .map(|d| {
                        part.dims
                            .iter()
                            .position(|x| x == d)
                            .and_then(|i| cell.codes.get(i).cloned())
                            .unwrap_or_else(|| TOTAL.to_string())
                    })
                    .collect();
                let new = JointCell {
                    period,
                    codes: key.clone(),
                    value: cell.value,
                    units: cell.units,
                    obs_status: cell.obs_status,
                    conf_status: cell.conf_status,
                    perturbed: false,
                };
                match merged.entry((period, key)) {
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert(new);
                    }
                    std::collections::btree_map::Entry::Occupied(mut o) => {
                        let held = o.get_mut();
                        if rank(new.conf_status) > rank(held.conf_status) {
                            *held = new;
                        }
                    }
                }
            }
        }
        joint.parts.push(part);
    }
    joint.cells = merged.into_values().collect();
    Ok(joint)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use marsad_stats::cube::{Cubes, Fact};

    /// Residence permits and immigrant stocks in 2025: `n` persons a month with sex, age and
    /// citizenship drawn by a fixed generator, so that many monthly cells are small.
    pub(crate) fn published(n: u32) -> Published {
        with_citizenships(n, &["DZA", "FRA", "LBY", "SEN"])
    }

    pub(crate) fn with_citizenships(n: u32, citizenships: &[&str]) -> Published {
        const SEXES: [&str; 2] = ["F", "M"];
        const AGES: [&str; 3] = ["Y20T24", "Y25T29", "Y30T34"];
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut draw = |k: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 33) as usize) % k
        };
        let mut facts = Vec::new();
        // Every citizenship once in January.
        for &c in citizenships {
            for id in [IndicatorId::ResidencePermits, IndicatorId::ImmigrantStock] {
                facts.push(
                    Fact::new(id, Month::new(2025, 1).unwrap(), Sums::count(1))
                        .with(Dim::Sex, "F")
                        .with(Dim::Age, "Y25T29")
                        .with(Dim::Citizenship, c)
                        .with(Dim::CountryBirth, c)
                        .with(Dim::Governorate, "Tunis"),
                );
            }
        }
        for month in 1..=12 {
            let m = Month::new(2025, month).unwrap();
            for _ in 0..n {
                // Skewed draws: some combinations are rare.
                let s = SEXES[usize::from(draw(3) == 0)];
                let a = AGES[draw(3).min(draw(3))];
                let k = citizenships.len();
                let c = citizenships[draw(k).min(draw(k))];
                for id in [IndicatorId::ResidencePermits, IndicatorId::ImmigrantStock] {
                    facts.push(
                        Fact::new(id, m, Sums::count(1))
                            .with(Dim::Sex, s)
                            .with(Dim::Age, a)
                            .with(Dim::Citizenship, c)
                            .with(Dim::CountryBirth, c)
                            .with(Dim::Governorate, "Tunis"),
                    );
                }
            }
        }
        let mut cubes = Cubes::new();
        cubes.apply(&facts, &[]).unwrap();
        Published {
            cubes,
            ..Published::default()
        }
    }

    fn same(_: Dim, c: &str) -> String {
        c.to_string()
    }

    #[test]
    fn flows_are_published_by_month_and_the_months_add_up_to_the_year() {
        let p = published(30);
        let id = IndicatorId::ResidencePermits;
        assert_eq!(months(&p, id, 2025).len(), 12);
        // A stock is the value at the end of the year: not published by month.
        assert!(months(&p, IndicatorId::ImmigrantStock, 2025).is_empty());
        let joint = protect_year(&p, id, 2025, &[], &same).unwrap();
        assert!(joint.omitted.is_empty(), "{:?}", joint.omitted);
        assert!(joint.parts.contains(&Part {
            dims: vec![Dim::Sex, Dim::Age],
            monthly: true
        }));
        let monthly: Vec<&JointCell> = joint
            .cells
            .iter()
            .filter(|c| matches!(c.period, Period::Month(_)))
            .collect();
        assert!(monthly.len() > 12 * 10, "{}", monthly.len());
        // Every key by year equals the sum of its twelve months where all are published.
        let mut checked = 0;
        for year_cell in joint
            .cells
            .iter()
            .filter(|c| c.period == Period::Year(2025))
        {
            let months: Vec<&&JointCell> = monthly
                .iter()
                .filter(|c| c.codes == year_cell.codes)
                .collect();
            assert_eq!(months.len(), 12, "{:?}", year_cell.codes);
            if let (Some(year), true) = (year_cell.value, months.iter().all(|c| c.value.is_some()))
            {
                let sum: f64 = months.iter().filter_map(|c| c.value).sum();
                assert!(
                    (sum - year).abs() < 1e-9,
                    "{:?}: {sum} vs {year}",
                    year_cell.codes
                );
                checked += 1;
            }
        }
        assert!(checked > 3, "only {checked} keys fully published");
        // Some monthly cells are withheld (small), never published as zero.
        assert!(monthly
            .iter()
            .any(|c| c.conf_status == ConfStatus::Primary && c.value.is_none()));
    }

    /// The published statuses put back on the linked system of all the tables (months, year,
    /// one-way and two-way): the attacker's audit of `marsad_stats::disclosure` must find every
    /// cell with too few contributors unrecoverable from everything published together.
    #[test]
    fn no_suppressed_cell_can_be_recovered_from_all_the_tables_together() {
        let p = published(30);
        let id = IndicatorId::ResidencePermits;
        let joint = protect_year(&p, id, 2025, &[], &same).unwrap();
        let system = linked_system(&p, id, 2025, &[], &same).unwrap().unwrap();
        let dims: Vec<&str> = system.dimensions().iter().map(|d| d.id()).collect();
        let mut status = vec![ConfStatus::Secondary; system.len()];
        let mut seen = vec![false; system.len()];
        for cell in &joint.cells {
            let key: Vec<String> = dims
                .iter()
                .map(|d| {
                    if *d == TIME {
                        match cell.period {
                            Period::Month(m) => m.code(),
                            _ => TOTAL.to_string(),
                        }
                    } else {
                        id.def()
                            .dims
                            .iter()
                            .position(|x| x.id() == *d)
                            .map_or(TOTAL.to_string(), |i| cell.codes[i].clone())
                    }
                })
                .collect();
            let i = system.index(&key).unwrap();
            status[i] = cell.conf_status;
            seen[i] = true;
        }
        // Without dimensions lacking a total, every cell of the system is published.
        assert!(seen.iter().all(|s| *s));
        let rules = rules(id);
        let threshold = rules.frequency.unwrap().threshold;
        let audit = |status: &[ConfStatus]| -> Vec<String> {
            let ranges = disclosure::attacker_ranges(&system, status).unwrap();
            let mut exposed = Vec::new();
            for (i, range) in ranges.iter().enumerate() {
                let n = system.count(i);
                if n == 0 || n >= threshold {
                    continue;
                }
                let v = system.value(i);
                let need = 3.0f64;
                match *range {
                    Some((lo, hi)) if lo <= v - need.min(v) + 1e-6 && hi >= v + need - 1e-6 => {}
                    other => exposed.push(format!("{} = {v}: {other:?}", system.key_text(i))),
                }
            }
            exposed
        };
        let time = dims.iter().position(|d| *d == TIME).unwrap();
        let small_two_way_months = (0..system.len())
            .filter(|&i| {
                let key = system.key(i);
                status[i] == ConfStatus::Primary
                    && key[time] != TOTAL
                    && key.iter().filter(|c| **c != TOTAL).count() == 3
            })
            .count();
        assert!(
            small_two_way_months > 0,
            "no small cell in a two-way table by month"
        );
        let exposed = audit(&status);
        assert!(exposed.is_empty(), "{exposed:#?}");
        // The audit is not blind: publishing every cell but the small ones exposes them
        // (a month from the year and the other months, a cell from its margins).
        let naive: Vec<ConfStatus> = status
            .iter()
            .map(|&s| {
                if s == ConfStatus::Secondary {
                    ConfStatus::Free
                } else {
                    s
                }
            })
            .collect();
        assert!(!audit(&naive).is_empty());
    }

    #[test]
    fn tables_too_large_for_the_solver_are_left_out_and_said() {
        // 120 citizenships: by month, the table by citizenship has 121 × 13 cells and sex ×
        // citizenship 3 × 121 × 13, more than the solver is given; by year both fit.
        let codes: Vec<String> = (0..120).map(|i| format!("C{i:03}")).collect();
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        let p = with_citizenships(40, &codes);
        let id = IndicatorId::ResidencePermits;
        let joint = protect_year(&p, id, 2025, &[], &same).unwrap();
        let part = |dims: &[Dim], monthly| Part {
            dims: dims.to_vec(),
            monthly,
        };
        for left_out in [
            part(&[Dim::Citizenship], true),
            part(&[Dim::Sex, Dim::Citizenship], true),
        ] {
            assert!(joint.omitted.contains(&left_out), "{}", left_out.describe());
            assert!(!joint.parts.contains(&left_out));
        }
        for kept in [
            part(&[Dim::Citizenship], false),
            part(&[Dim::Sex, Dim::Citizenship], false),
            part(&[Dim::Sex, Dim::Age], true),
        ] {
            assert!(joint.parts.contains(&kept), "{}", kept.describe());
        }
        assert!(joint.system_cells <= MAX_JOINT_CELLS);
        // Nothing of what was left out is published: no month by citizenship.
        let cit = id.def().position(Dim::Citizenship).unwrap();
        assert!(!joint
            .cells
            .iter()
            .any(|c| matches!(c.period, Period::Month(_)) && c.codes[cit] != TOTAL));
        assert!(joint
            .cells
            .iter()
            .any(|c| c.period == Period::Year(2025) && c.codes[cit] == "C000"));
        assert_eq!(
            pairs(&[Dim::Sex, Dim::Age, Dim::Citizenship]),
            [(Dim::Sex, Dim::Age), (Dim::Sex, Dim::Citizenship)]
        );
        assert_eq!(pairs(&[Dim::Route, Dim::Cause]), [(Dim::Route, Dim::Cause)]);
    }
}

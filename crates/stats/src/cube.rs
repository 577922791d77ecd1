//! The materialised cube: one sparse table per indicator at the finest grain (month × every
//! allowed dimension), kept up to date incrementally, and queried to any subset of its
//! dimensions with every margin.
//!
//! **Keys.** Each dimension has a dictionary (code text → 16-bit id, `_U` is id 0); a cell's key
//! packs the month (16 bits, months since 1900) and the ids of the indicator's dimensions, 16
//! bits each in catalogue order, into a `u128`. Cells are partitioned by month, each month in
//! two parallel vectors (keys, sums), with one hash index: a query scans only the months of its
//! periods, sequentially, on several threads for a large cube (integer sums make the answer
//! the same whatever the number of threads).
//!
//! **Sums.** Every cell keeps [`Sums`]: `value` and `denominator` in fixed point (1/10 000), the
//! number of contributing `units` (what the disclosure module's frequency rule reads), and how
//! many contributions are `provisional` or `estimated` (the cell's `OBS_STATUS`). All are
//! integers, so adding facts and subtracting them again is exact: an incremental refresh gives
//! bit for bit what a recomputation from scratch gives (a test checks it on random sequences).
//! Ratios and means are computed from summed numerators and denominators at query time.
//!
//! **Incremental refresh.** [`Cubes::apply`] adds the facts of new record versions and
//! subtracts those of the versions they replace; a cell whose sums come back to zero is removed.
//!
//! **Queries.** [`Cubes::query`] aggregates to the requested dimensions, for the requested
//! periods (months roll up to quarters and years by the indicator's [`TimeAggregation`]), with
//! every margin as a `_T` cell, so a table always adds up.
//!
//! **Persistence.** [`CubeRow`] is the serialised form: one row per cell, `(indicator, period,
//! key, sums)` with the key as text (`SEX=F;AGE=Y25T29`), which one table holds the same way on
//! SQLite and PostgreSQL (all integers fit a 64-bit column). The dictionaries are not stored:
//! [`Cubes::from_rows`] rebuilds them, so the ids never leave memory.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::catalogue::{IndicatorId, Measure, TimeAggregation};
use crate::dims::{Dim, Month, Period, TOTAL, UNKNOWN};

/// Fixed-point scale of `value` and `denominator`: 1.0 is stored as 10 000.
pub const SCALE: i64 = 10_000;
/// Most dimensions an indicator may have (besides time): 7 × 16 bits + 16 bits of month fit a
/// `u128` key.
pub const MAX_DIMS: usize = 7;

const BITS: u32 = 16;
const MASK: u128 = 0xFFFF;
/// The id that stands for `_T` in query keys (never given to a code).
const TOTAL_ID: u16 = u16::MAX;

/// What a cell (or a fact) adds up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Sums {
    /// Count or amount, or the numerator of a ratio; fixed point (×[`SCALE`]).
    pub value: i64,
    /// Denominator of a ratio; fixed point (×[`SCALE`]); 0 for counts and amounts.
    pub denominator: i64,
    /// Contributing units: persons, events, records or incidents.
    pub units: i64,
    /// Contributions that are provisional (flows whose 16-month window is not complete).
    pub provisional: i64,
    /// Contributions that are sample estimates (survey weights).
    pub estimated: i64,
    /// The cell key: the sum, modulo 2³², of the record keys of the contributions (see
    /// [`crate::disclosure::cellkey`]); the caller sets each fact's from its unit's key.
    pub key: u32,
}

impl Sums {
    /// One unit contributing `value` (a whole number, e.g. 1 person).
    pub fn count(value: i64) -> Sums {
        Sums {
            value: value.saturating_mul(SCALE),
            units: 1,
            ..Sums::default()
        }
    }

    /// One unit contributing a fixed-point value.
    pub fn fixed(value: i64) -> Sums {
        Sums {
            value,
            units: 1,
            ..Sums::default()
        }
    }

    /// One unit contributing a fixed-point numerator and denominator.
    pub fn ratio(numerator: i64, denominator: i64) -> Sums {
        Sums {
            value: numerator,
            denominator,
            units: 1,
            ..Sums::default()
        }
    }

    pub fn provisional(mut self, yes: bool) -> Sums {
        self.provisional = i64::from(yes) * self.units;
        self
    }

    pub fn estimated(mut self, yes: bool) -> Sums {
        self.estimated = i64::from(yes) * self.units;
        self
    }

    pub fn is_zero(&self) -> bool {
        *self == Sums::default()
    }

    /// Adds `sign × other` (wrapping: adding then subtracting always gives back the start).
    pub fn add(&mut self, other: &Sums, sign: i64) {
        self.value = self.value.wrapping_add(other.value.wrapping_mul(sign));
        self.denominator = self
            .denominator
            .wrapping_add(other.denominator.wrapping_mul(sign));
        self.units = self.units.wrapping_add(other.units.wrapping_mul(sign));
        self.provisional = self
            .provisional
            .wrapping_add(other.provisional.wrapping_mul(sign));
        self.estimated = self
            .estimated
            .wrapping_add(other.estimated.wrapping_mul(sign));
        // Modulo 2³²: `sign as u32` is 2³² − 1 for −1, so subtracting a key adds its opposite.
        self.key = self.key.wrapping_add(other.key.wrapping_mul(sign as u32));
    }

    /// The contributions' record keys: `unit_key` once per unit counted (a unit counted twice
    /// in a cell adds its key twice; the cell key stays a function of who is in the cell).
    pub fn keyed(mut self, unit_key: u32) -> Sums {
        self.key = unit_key.wrapping_mul(self.units as u32);
        self
    }

    /// SDMX `OBS_STATUS`: provisional wins over estimated, else normal.
    pub fn status(&self) -> ObsStatus {
        if self.provisional > 0 {
            ObsStatus::Provisional
        } else if self.estimated > 0 {
            ObsStatus::Estimated
        } else {
            ObsStatus::Normal
        }
    }
}

/// SDMX `OBS_STATUS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObsStatus {
    /// `A`.
    Normal,
    /// `P`.
    Provisional,
    /// `E`.
    Estimated,
}

impl ObsStatus {
    pub fn code(self) -> &'static str {
        match self {
            ObsStatus::Normal => "A",
            ObsStatus::Provisional => "P",
            ObsStatus::Estimated => "E",
        }
    }
}

/// One contribution to an indicator at the finest grain: a month, a code for each of the
/// indicator's dimensions (in catalogue order, `_U` when unknown) and the sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fact<'a> {
    pub indicator: IndicatorId,
    pub month: Month,
    pub codes: [&'a str; MAX_DIMS],
    pub sums: Sums,
}

impl<'a> Fact<'a> {
    /// A fact with every dimension unknown.
    pub fn new(indicator: IndicatorId, month: Month, sums: Sums) -> Fact<'a> {
        Fact {
            indicator,
            month,
            codes: [UNKNOWN; MAX_DIMS],
            sums,
        }
    }

    /// Sets the code of `dim`; a dimension the indicator does not have is ignored (callers
    /// set what the record knows, the catalogue decides what is kept). An empty code is `_U`.
    pub fn with(mut self, dim: Dim, code: &'a str) -> Fact<'a> {
        if let Some(slot) = self
            .indicator
            .def()
            .position(dim)
            .and_then(|i| self.codes.get_mut(i))
        {
            *slot = if code.is_empty() { UNKNOWN } else { code };
        }
        self
    }

    /// The code of `dim` (`None` when the indicator does not have it).
    pub fn code(&self, dim: Dim) -> Option<&'a str> {
        let i = self.indicator.def().position(dim)?;
        self.codes.get(i).copied()
    }

    /// The fact as a row (a fact is a one-cell cube).
    pub fn to_row(&self) -> CubeRow {
        let def = self.indicator.def();
        CubeRow {
            indicator: self.indicator.as_str().to_string(),
            period: self.month.code(),
            key: key_text(def.dims.iter().copied().zip(self.codes.iter().copied())),
            sums: self.sums,
        }
    }
}

fn key_text<'s>(pairs: impl Iterator<Item = (Dim, &'s str)>) -> String {
    let mut key = String::new();
    for (dim, code) in pairs {
        if !key.is_empty() {
            key.push(';');
        }
        key.push_str(dim.id());
        key.push('=');
        key.push_str(code);
    }
    key
}

/// The serialised form of one cube cell (or one fact), for the store's single cube table:
/// `indicator` (catalogue id), `period` (`YYYY-MM`), `key` (`DIM=code` pairs joined by `;` in
/// catalogue order, e.g. `SEX=F;AGE=Y25T29;COUNTERPART_AREA=FRA`), and the five sums as 64-bit
/// integers (columns `value`, `denominator`, `units`, `provisional`, `estimated`). One table
/// serves both databases, e.g. `cube_cell(indicator TEXT, period TEXT, key TEXT, value BIGINT,
/// denominator BIGINT, units BIGINT, provisional BIGINT, estimated BIGINT, PRIMARY KEY
/// (indicator, period, key))`; rows from [`delta_rows`] are added to it cell by cell.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CubeRow {
    pub indicator: String,
    pub period: String,
    pub key: String,
    pub sums: Sums,
}

impl CubeRow {
    /// The fact (or cell) this row stands for, e.g. to subtract facts the store kept.
    pub fn to_fact(&self) -> Result<Fact<'_>, CubeError> {
        parse_row(self)
    }
}

impl PartialOrd for Sums {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Sums {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (
            self.value,
            self.denominator,
            self.units,
            self.provisional,
            self.estimated,
            self.key,
        )
            .cmp(&(
                other.value,
                other.denominator,
                other.units,
                other.provisional,
                other.estimated,
                other.key,
            ))
    }
}

/// The net change `added − removed` per cell, as rows (sums may be negative; cells whose net
/// change is zero are left out), in the order of [`Cubes::rows`]. This is what the store adds
/// to its cube table after an import — `INSERT … ON CONFLICT (indicator, period, key) DO UPDATE
/// SET value = value + excluded.value, …`, then deleting the rows whose sums are all zero —
/// without holding the whole cube in memory.
pub fn delta_rows(added: &[Fact], removed: &[Fact]) -> Result<Vec<CubeRow>, CubeError> {
    let mut delta = Cubes::new();
    delta.apply(added, removed)?;
    Ok(delta.rows())
}

/// Why facts or rows cannot go into the cube, or a query cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CubeError {
    #[error(
        "{indicator}: dimension {dim} has more than 65 534 distinct codes; '{code}' does not fit"
    )]
    DictionaryFull {
        indicator: IndicatorId,
        dim: Dim,
        code: String,
    },
    #[error(
        "{indicator} fact for {month}: {dim} is the total `_T`; facts are at the finest grain"
    )]
    TotalInFact {
        indicator: IndicatorId,
        month: String,
        dim: Dim,
    },
    #[error("{indicator} is derived from {numerator} and has no facts of its own")]
    DerivedIndicator {
        indicator: IndicatorId,
        numerator: IndicatorId,
    },
    #[error("cube row ({indicator}, {period}, {key}): {reason}")]
    BadRow {
        indicator: String,
        period: String,
        key: String,
        reason: String,
    },
    #[error(
        "query {indicator}: {dim} is not a disaggregation of this indicator (allowed: {allowed})"
    )]
    DimensionNotAllowed {
        indicator: IndicatorId,
        dim: Dim,
        allowed: String,
    },
    #[error("query {indicator}: {dim} is asked for twice")]
    RepeatedDimension { indicator: IndicatorId, dim: Dim },
    #[error("query {indicator}: no period asked for")]
    NoPeriod { indicator: IndicatorId },
    #[error("query {indicator}: the input {input} for {period} is needed and was not given")]
    MissingInput {
        indicator: IndicatorId,
        input: &'static str,
        period: String,
    },
}

/// Codes of one dimension ↔ 16-bit ids; `_U` is 0.
#[derive(Debug, Clone)]
struct Dictionary {
    codes: Vec<Box<str>>,
    ids: FxHashMap<Box<str>, u16>,
}

impl Dictionary {
    fn new() -> Dictionary {
        let mut d = Dictionary {
            codes: Vec::new(),
            ids: FxHashMap::default(),
        };
        d.codes.push(UNKNOWN.into());
        d.ids.insert(UNKNOWN.into(), 0);
        d
    }

    fn get(&self, code: &str) -> Option<u16> {
        self.ids.get(code).copied()
    }

    fn intern(&mut self, code: &str) -> Option<u16> {
        if let Some(id) = self.get(code) {
            return Some(id);
        }
        let id = u16::try_from(self.codes.len())
            .ok()
            .filter(|&id| id != TOTAL_ID)?;
        self.codes.push(code.into());
        self.ids.insert(code.into(), id);
        Some(id)
    }

    fn code(&self, id: u16) -> &str {
        if id == TOTAL_ID {
            return TOTAL;
        }
        self.codes.get(usize::from(id)).map_or(UNKNOWN, |c| c)
    }

    fn len(&self) -> usize {
        self.codes.len()
    }

    /// For each id, 1 + its position in code order (0 is left for `_T`).
    fn ranks(&self) -> Vec<u16> {
        let mut order: Vec<usize> = (0..self.codes.len()).collect();
        order.sort_by(|&a, &b| self.codes.get(a).cmp(&self.codes.get(b)));
        let mut ranks = vec![0u16; self.codes.len()];
        for (rank, id) in order.into_iter().enumerate() {
            if let Some(r) = ranks.get_mut(id) {
                *r = u16::try_from(rank + 1).unwrap_or(u16::MAX);
            }
        }
        ranks
    }
}

/// The cells of one month, in two parallel vectors.
#[derive(Debug, Clone, Default)]
struct Part {
    keys: Vec<u128>,
    sums: Vec<Sums>,
}

/// One indicator's cells, partitioned by month: a query reads only the months of its periods.
#[derive(Debug, Clone, Default)]
struct Cube {
    parts: BTreeMap<u16, Part>,
    /// Key → position in its month's part.
    index: FxHashMap<u128, u32>,
}

impl Cube {
    /// Adds `sign × sums` to the cell `key`; returns (created, deleted, negative).
    fn add(&mut self, key: u128, sums: &Sums, sign: i64) -> (bool, bool, bool) {
        use std::collections::hash_map::Entry;
        let month = month_of(key);
        match self.index.entry(key) {
            Entry::Occupied(e) => {
                let i = *e.get() as usize;
                let Some(part) = self.parts.get_mut(&month) else {
                    return (false, false, false);
                };
                let Some(cell) = part.sums.get_mut(i) else {
                    return (false, false, false);
                };
                cell.add(sums, sign);
                let negative = cell.units < 0;
                if !cell.is_zero() {
                    return (false, false, negative);
                }
                e.remove();
                part.keys.swap_remove(i);
                part.sums.swap_remove(i);
                if let (Some(&moved), Ok(i)) = (part.keys.get(i), u32::try_from(i)) {
                    self.index.insert(moved, i);
                }
                if part.keys.is_empty() {
                    self.parts.remove(&month);
                }
                (false, true, false)
            }
            Entry::Vacant(v) => {
                let mut cell = Sums::default();
                cell.add(sums, sign);
                if cell.is_zero() {
                    return (false, false, false);
                }
                let part = self.parts.entry(month).or_default();
                let Ok(i) = u32::try_from(part.keys.len()) else {
                    return (false, false, false);
                };
                v.insert(i);
                part.keys.push(key);
                part.sums.push(cell);
                (true, false, cell.units < 0)
            }
        }
    }
}

fn month_of(key: u128) -> u16 {
    (key & MASK) as u16
}

fn slot(key: u128, position: usize) -> u16 {
    ((key >> (BITS as usize * (position + 1))) & MASK) as u16
}

/// What [`Cubes::apply`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyReport {
    pub facts_added: usize,
    pub facts_removed: usize,
    pub cells_created: usize,
    pub cells_deleted: usize,
    /// Cells left with a negative number of units: facts were removed that had never been
    /// added (the caller's old facts were not the ones it applied). Zero when used as
    /// documented.
    pub negative_cells: usize,
}

/// The cubes of every indicator, with their shared dictionaries.
#[derive(Debug, Clone)]
pub struct Cubes {
    dicts: Vec<Dictionary>,
    cubes: Vec<Cube>,
}

impl Default for Cubes {
    fn default() -> Self {
        Cubes::new()
    }
}

impl Cubes {
    pub fn new() -> Cubes {
        Cubes {
            dicts: Dim::ALL.iter().map(|_| Dictionary::new()).collect(),
            cubes: IndicatorId::ALL.iter().map(|_| Cube::default()).collect(),
        }
    }

    /// Adds `added` and subtracts `removed` (the facts of the record versions they replace).
    /// Every fact is checked before anything changes: on error the cubes are as they were
    /// (dictionaries may have grown, which changes no figure).
    pub fn apply(&mut self, added: &[Fact], removed: &[Fact]) -> Result<ApplyReport, CubeError> {
        let mut keys = Vec::with_capacity(added.len() + removed.len());
        let mut new_per_indicator = vec![0usize; self.cubes.len()];
        for f in added {
            keys.push(self.encode(f)?);
            if let Some(n) = new_per_indicator.get_mut(f.indicator.index()) {
                *n += 1;
            }
        }
        for f in removed {
            keys.push(self.encode(f)?);
        }
        for (cube, n) in self.cubes.iter_mut().zip(new_per_indicator) {
            cube.index.reserve(n);
        }
        let mut report = ApplyReport {
            facts_added: added.len(),
            facts_removed: removed.len(),
            ..ApplyReport::default()
        };
        let signed = added
            .iter()
            .map(|f| (f, 1i64))
            .chain(removed.iter().map(|f| (f, -1i64)));
        for ((f, sign), key) in signed.zip(keys) {
            let Some(cube) = self.cubes.get_mut(f.indicator.index()) else {
                continue;
            };
            let (created, deleted, negative) = cube.add(key, &f.sums, sign);
            report.cells_created += usize::from(created);
            report.cells_deleted += usize::from(deleted);
            report.negative_cells += usize::from(negative);
        }
        Ok(report)
    }

    fn encode(&mut self, f: &Fact) -> Result<u128, CubeError> {
        let def = f.indicator.def();
        if let Measure::PerInput { numerator, .. } = def.measure {
            return Err(CubeError::DerivedIndicator {
                indicator: f.indicator,
                numerator,
            });
        }
        let mut key = u128::from(f.month.index());
        for (i, (&dim, &code)) in def.dims.iter().zip(f.codes.iter()).enumerate() {
            if code == TOTAL {
                return Err(CubeError::TotalInFact {
                    indicator: f.indicator,
                    month: f.month.code(),
                    dim,
                });
            }
            let code = if code.is_empty() { UNKNOWN } else { code };
            let dict = self.dict_mut(dim);
            let id = dict.intern(code).ok_or_else(|| CubeError::DictionaryFull {
                indicator: f.indicator,
                dim,
                code: code.to_string(),
            })?;
            key |= u128::from(id) << (BITS as usize * (i + 1));
        }
        Ok(key)
    }

    fn dict(&self, dim: Dim) -> &Dictionary {
        // One dictionary per `Dim::ALL` entry, made in `new`.
        &self.dicts[dim.index()]
    }

    fn dict_mut(&mut self, dim: Dim) -> &mut Dictionary {
        &mut self.dicts[dim.index()]
    }

    fn cube(&self, id: IndicatorId) -> &Cube {
        // One cube per `IndicatorId::ALL` entry, made in `new`.
        &self.cubes[id.index()]
    }

    /// Number of cells of an indicator's cube.
    pub fn cell_count(&self, id: IndicatorId) -> usize {
        self.cube(id).index.len()
    }

    /// The months an indicator has data for, in order.
    pub fn months(&self, id: IndicatorId) -> Vec<Month> {
        self.cube(id)
            .parts
            .keys()
            .map(|&m| Month::from_index(m))
            .collect()
    }

    /// Every cell of one indicator as rows, sorted by period, then codes in code order (by
    /// integer ranks: no string comparison).
    pub fn indicator_rows(&self, id: IndicatorId) -> Vec<CubeRow> {
        let def = id.def();
        let cube = self.cube(id);
        let ranks: Vec<Vec<u16>> = def.dims.iter().map(|&d| self.dict(d).ranks()).collect();
        let cells: Vec<(u128, Sums)> = cube
            .parts
            .values()
            .flat_map(|p| p.keys.iter().copied().zip(p.sums.iter().copied()))
            .collect();
        let mut order: Vec<(u128, usize)> = cells
            .iter()
            .enumerate()
            .map(|(i, &(key, _))| {
                let mut s = u128::from(month_of(key));
                for (j, r) in ranks.iter().enumerate() {
                    let rank = r.get(usize::from(slot(key, j))).copied().unwrap_or(0);
                    s = (s << BITS) | u128::from(rank);
                }
                (s, i)
            })
            .collect();
        order.sort_unstable();
        let dicts: Vec<(Dim, &Dictionary)> = def.dims.iter().map(|&d| (d, self.dict(d))).collect();
        order
            .into_iter()
            .filter_map(|(_, i)| {
                let &(key, sums) = cells.get(i)?;
                Some(CubeRow {
                    indicator: id.as_str().to_string(),
                    period: Month::from_index(month_of(key)).code(),
                    key: key_text(
                        dicts
                            .iter()
                            .enumerate()
                            .map(|(j, (d, dict))| (*d, dict.code(slot(key, j)))),
                    ),
                    sums,
                })
            })
            .collect()
    }

    /// Every cell of every indicator as rows, in catalogue order then as
    /// [`Cubes::indicator_rows`] (what the store keeps).
    pub fn rows(&self) -> Vec<CubeRow> {
        IndicatorId::ALL
            .iter()
            .flat_map(|&id| self.indicator_rows(id))
            .collect()
    }

    /// Cubes holding exactly `rows` (as written by [`Cubes::rows`]; dimensions missing from a
    /// key are `_U`, so rows written before a dimension was added still load).
    pub fn from_rows<'r>(rows: impl IntoIterator<Item = &'r CubeRow>) -> Result<Cubes, CubeError> {
        let mut cubes = Cubes::new();
        let facts = rows
            .into_iter()
            .map(parse_row)
            .collect::<Result<Vec<Fact>, CubeError>>()?;
        cubes.apply(&facts, &[])?;
        Ok(cubes)
    }

    /// Aggregates an indicator to `query.dims` for `query.periods`, with every margin (`_T`).
    pub fn query(&self, query: &Query) -> Result<Table<'_>, CubeError> {
        let def = query.indicator.def();
        let cube_id = def.cube_of();
        let cube_def = cube_id.def();
        let mut seen = Vec::new();
        for &dim in &query.dims {
            if !def.allows(dim) {
                return Err(not_allowed(query.indicator, dim));
            }
            if seen.contains(&dim) {
                return Err(CubeError::RepeatedDimension {
                    indicator: query.indicator,
                    dim,
                });
            }
            seen.push(dim);
        }
        let mut periods: Vec<Period> = Vec::new();
        for &p in &query.periods {
            if !periods.contains(&p) {
                periods.push(p);
            }
        }
        if periods.is_empty() {
            return Err(CubeError::NoPeriod {
                indicator: query.indicator,
            });
        }
        let cube = self.cube(cube_id);

        // Filters: for each position of the cube key, the ids it may take (None: any).
        let mut filters: Vec<(usize, Vec<bool>)> = Vec::new();
        for (dim, codes) in &query.filters {
            if !def.allows(*dim) {
                return Err(not_allowed(query.indicator, *dim));
            }
            if codes.iter().any(|c| c == TOTAL) {
                continue;
            }
            let dict = self.dict(*dim);
            let mut ok = vec![false; dict.len()];
            for c in codes {
                if let Some(id) = dict.get(c) {
                    if let Some(b) = ok.get_mut(usize::from(id)) {
                        *b = true;
                    }
                }
            }
            let Some(pos) = cube_def.position(*dim) else {
                continue;
            };
            filters.push((pos, ok));
        }

        // The months read and the periods (indices) each counts in.
        let month_periods = self.period_months(cube_id, &periods, def.time_aggregation);

        // Output positions in the cube key and the cardinality of each output dimension.
        let positions: Vec<usize> = query
            .dims
            .iter()
            .filter_map(|&d| cube_def.position(d))
            .collect();
        let cards: Vec<usize> = query.dims.iter().map(|&d| self.dict(d).len()).collect();
        let scan = Scan {
            filters: &filters,
            positions: &positions,
            periods: periods.len(),
            cards: &cards,
        };
        // Work: slices of the months read, with their periods.
        let mut work: Vec<Work> = Vec::new();
        let mut cells_read = 0usize;
        for (month, ps) in &month_periods {
            let Some(part) = cube.parts.get(month) else {
                continue;
            };
            for (k, v) in part.keys.chunks(CHUNK).zip(part.sums.chunks(CHUNK)) {
                cells_read += k.len();
                work.push((k, v, ps.as_slice()));
            }
        }
        let threads = match query.threads {
            0 if cells_read < PARALLEL_FROM => 1,
            0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(8)),
            t => t,
        };
        let agg = if threads <= 1 || work.len() <= 1 {
            scan.run(&work)
        } else {
            let per = work.len().div_ceil(threads);
            let parts: Vec<Aggregator> = std::thread::scope(|s| {
                let handles: Vec<_> = work
                    .chunks(per)
                    .map(|w| {
                        let scan = &scan;
                        s.spawn(move || scan.run(w))
                    })
                    .collect();
                handles.into_iter().filter_map(|h| h.join().ok()).collect()
            });
            let mut it = parts.into_iter();
            let mut first = it
                .next()
                .unwrap_or_else(|| Aggregator::new(periods.len(), &cards));
            for other in it {
                first.merge(&other);
            }
            first
        };

        // Margins: every total `_T` of every combination.
        let out = agg.with_margins();

        // Order: period as asked, then codes in code order with `_T` first (by integer ranks,
        // not by comparing strings).
        let ranks: Vec<Vec<u16>> = query.dims.iter().map(|&d| self.dict(d).ranks()).collect();
        let sort_key = |k: u128| -> u128 {
            let mut s = u128::from(month_of(k));
            for (j, r) in ranks.iter().enumerate() {
                let id = slot(k, j);
                let rank = if id == TOTAL_ID {
                    0
                } else {
                    r.get(usize::from(id)).copied().unwrap_or(u16::MAX)
                };
                s = (s << BITS) | u128::from(rank);
            }
            s
        };
        let mut sorted: Vec<(u128, u128, Sums)> =
            out.into_iter().map(|(k, v)| (sort_key(k), k, v)).collect();
        sorted.sort_unstable_by_key(|e| e.0);
        let dicts: Vec<&Dictionary> = query.dims.iter().map(|&d| self.dict(d)).collect();
        let mut cells = Vec::with_capacity(sorted.len());
        for (_, k, sums) in sorted {
            let period = periods
                .get(usize::from(month_of(k)))
                .copied()
                .unwrap_or(Period::Year(Month::FIRST_YEAR));
            let codes: Vec<&str> = dicts
                .iter()
                .enumerate()
                .map(|(j, dict)| dict.code(slot(k, j)))
                .collect();
            let value = cell_value(def.measure, &sums, period, query)?;
            cells.push(Cell {
                period,
                codes,
                status: sums.status(),
                sums,
                value,
            });
        }
        Ok(Table {
            indicator: query.indicator,
            dims: query.dims.clone(),
            periods,
            cells,
        })
    }

    /// The months with data that the periods read, each with the indices of the periods it
    /// counts in.
    fn period_months(
        &self,
        id: IndicatorId,
        periods: &[Period],
        aggregation: TimeAggregation,
    ) -> BTreeMap<u16, Vec<u16>> {
        let parts = &self.cube(id).parts;
        let mut map: BTreeMap<u16, Vec<u16>> = BTreeMap::new();
        for (pi, &p) in periods.iter().enumerate() {
            let Ok(pi) = u16::try_from(pi) else { continue };
            let (a, b) = p.months();
            let range = parts.range(a.index()..=b.index());
            match aggregation {
                TimeAggregation::Sum => {
                    for (&m, _) in range {
                        map.entry(m).or_default().push(pi);
                    }
                }
                TimeAggregation::EndOfPeriod => {
                    if let Some((&m, _)) = range.last() {
                        map.entry(m).or_default().push(pi);
                    }
                }
            }
        }
        map
    }
}

fn not_allowed(indicator: IndicatorId, dim: Dim) -> CubeError {
    CubeError::DimensionNotAllowed {
        indicator,
        dim,
        allowed: indicator
            .def()
            .dims
            .iter()
            .map(|d| d.id())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

fn cell_value(
    measure: Measure,
    sums: &Sums,
    period: Period,
    query: &Query,
) -> Result<Option<f64>, CubeError> {
    let scale_f = SCALE as f64;
    Ok(match measure {
        Measure::Count | Measure::Amount => Some(sums.value as f64 / scale_f),
        Measure::Ratio { scale } => (sums.denominator != 0)
            .then(|| f64::from(scale) * sums.value as f64 / sums.denominator as f64),
        Measure::PerInput { input, scale, .. } => {
            let Some(&x) = query.inputs.get(&period) else {
                return Err(CubeError::MissingInput {
                    indicator: query.indicator,
                    input,
                    period: period.code(),
                });
            };
            (x != 0.0).then(|| f64::from(scale) * sums.value as f64 / scale_f / x)
        }
    })
}

/// Cubes smaller than this are scanned on one thread unless the query asks for more.
const PARALLEL_FROM: usize = 200_000;

/// Cells per unit of work of a parallel scan.
const CHUNK: usize = 1 << 16;

/// A slice of one month's cells and the periods they count in.
type Work<'a> = (&'a [u128], &'a [Sums], &'a [u16]);

/// What one scan of the cells needs.
struct Scan<'a> {
    filters: &'a [(usize, Vec<bool>)],
    positions: &'a [usize],
    periods: usize,
    cards: &'a [usize],
}

impl Scan<'_> {
    fn run(&self, work: &[Work]) -> Aggregator {
        let mut agg = Aggregator::new(self.periods, self.cards);
        for &(keys, sums, ps) in work {
            for (&key, sums) in keys.iter().zip(sums) {
                if !self.filters.iter().all(|(pos, ok)| {
                    ok.get(usize::from(slot(key, *pos)))
                        .copied()
                        .unwrap_or(false)
                }) {
                    continue;
                }
                let mut codes = [0u16; MAX_DIMS];
                for (c, &pos) in codes.iter_mut().zip(self.positions) {
                    *c = slot(key, pos);
                }
                for &p in ps {
                    agg.add(p, &codes, sums);
                }
            }
        }
        agg
    }
}

/// Sums per (period, codes) at the grain asked for: a dense array when it is small enough
/// (each dimension with one more slot, its total, filled by one pass per dimension), otherwise
/// a hash map (totals by adding every cell to its 2^d margins).
enum Aggregator {
    Dense {
        /// Codes per dimension; slot `cards[j]` is the total.
        cards: Vec<usize>,
        strides: Vec<usize>,
        per_period: usize,
        sums: Vec<Sums>,
        hit: Vec<bool>,
    },
    Sparse {
        map: FxHashMap<u128, Sums>,
        d: usize,
    },
}

/// Largest dense aggregation array (cells; 40 bytes each, one array per scanning thread).
const DENSE_LIMIT: usize = 1 << 19;

impl Aggregator {
    fn new(periods: usize, cards: &[usize]) -> Aggregator {
        let per_period = cards
            .iter()
            .try_fold(1usize, |acc, &c| acc.checked_mul(c + 1));
        match per_period.and_then(|pp| pp.checked_mul(periods).map(|t| (pp, t))) {
            Some((per_period, total)) if total <= DENSE_LIMIT => {
                let mut strides = vec![1usize; cards.len()];
                let mut stride = 1;
                for (s, &c) in strides.iter_mut().zip(cards).rev() {
                    *s = stride;
                    stride *= c + 1;
                }
                Aggregator::Dense {
                    cards: cards.to_vec(),
                    strides,
                    per_period,
                    sums: vec![Sums::default(); total],
                    hit: vec![false; total],
                }
            }
            _ => Aggregator::Sparse {
                map: FxHashMap::default(),
                d: cards.len(),
            },
        }
    }

    #[inline]
    fn add(&mut self, period: u16, codes: &[u16; MAX_DIMS], sums: &Sums) {
        match self {
            Aggregator::Dense {
                strides,
                per_period,
                sums: cells,
                hit,
                ..
            } => {
                let mut i = usize::from(period) * *per_period;
                for (c, s) in codes.iter().zip(strides.iter()) {
                    i += usize::from(*c) * s;
                }
                if let (Some(cell), Some(h)) = (cells.get_mut(i), hit.get_mut(i)) {
                    cell.add(sums, 1);
                    *h = true;
                }
            }
            Aggregator::Sparse { map, d } => {
                let mut k = u128::from(period);
                for (j, &c) in codes.iter().take(*d).enumerate() {
                    k |= u128::from(c) << (BITS as usize * (j + 1));
                }
                map.entry(k).or_default().add(sums, 1);
            }
        }
    }

    /// Adds what `other` (built with the same shape) received.
    fn merge(&mut self, other: &Aggregator) {
        match (self, other) {
            (
                Aggregator::Dense { sums, hit, .. },
                Aggregator::Dense {
                    sums: o_sums,
                    hit: o_hit,
                    ..
                },
            ) => {
                for (((s, h), o), oh) in sums.iter_mut().zip(hit.iter_mut()).zip(o_sums).zip(o_hit)
                {
                    if *oh {
                        s.add(o, 1);
                        *h = true;
                    }
                }
            }
            (Aggregator::Sparse { map, .. }, Aggregator::Sparse { map: o_map, .. }) => {
                for (k, s) in o_map {
                    map.entry(*k).or_default().add(s, 1);
                }
            }
            _ => {}
        }
    }

    /// Every cell that received something and every margin, as (key, sums): the period index
    /// in the first 16 bits, then each dimension's code id (`TOTAL_ID` for `_T`).
    fn with_margins(self) -> Vec<(u128, Sums)> {
        match self {
            Aggregator::Dense {
                cards,
                strides,
                per_period,
                mut sums,
                mut hit,
            } => {
                let n = sums.len();
                for (&c, &st) in cards.iter().zip(&strides) {
                    let block = (c + 1) * st;
                    let mut base = 0;
                    while base + block <= n {
                        for digit in 0..c {
                            for inner in 0..st {
                                let src = base + digit * st + inner;
                                let dst = base + c * st + inner;
                                if hit.get(src).copied().unwrap_or(false) {
                                    let add = sums.get(src).copied().unwrap_or_default();
                                    if let (Some(t), Some(h)) =
                                        (sums.get_mut(dst), hit.get_mut(dst))
                                    {
                                        t.add(&add, 1);
                                        *h = true;
                                    }
                                }
                            }
                        }
                        base += block;
                    }
                }
                let per_period = per_period.max(1);
                sums.into_iter()
                    .zip(hit)
                    .enumerate()
                    .filter(|(_, (_, h))| *h)
                    .map(|(i, (s, _))| {
                        let mut key = (i / per_period) as u128;
                        let mut rest = i % per_period;
                        for (j, (&c, &st)) in cards.iter().zip(&strides).enumerate() {
                            let digit = rest / st;
                            rest %= st;
                            let id = if digit == c {
                                TOTAL_ID
                            } else {
                                u16::try_from(digit).unwrap_or(TOTAL_ID)
                            };
                            key |= u128::from(id) << (BITS as usize * (j + 1));
                        }
                        (key, s)
                    })
                    .collect()
            }
            Aggregator::Sparse { map, d } => {
                let mut out: FxHashMap<u128, Sums> = FxHashMap::default();
                for (k, sums) in &map {
                    for mask in 0u32..(1u32 << d) {
                        let mut key = *k;
                        for j in 0..d {
                            if mask & (1 << j) != 0 {
                                key |= u128::from(TOTAL_ID) << (BITS as usize * (j + 1));
                            }
                        }
                        out.entry(key).or_default().add(sums, 1);
                    }
                }
                out.into_iter().collect()
            }
        }
    }
}

fn parse_row(row: &CubeRow) -> Result<Fact<'_>, CubeError> {
    let bad = |reason: String| CubeError::BadRow {
        indicator: row.indicator.clone(),
        period: row.period.clone(),
        key: row.key.clone(),
        reason,
    };
    let id =
        IndicatorId::parse(&row.indicator).ok_or_else(|| bad("unknown indicator".to_string()))?;
    let month = Month::parse(&row.period)
        .filter(|_| row.period.len() == 7)
        .ok_or_else(|| bad("the period is not a month YYYY-MM".to_string()))?;
    let mut fact = Fact::new(id, month, row.sums);
    for part in row.key.split(';').filter(|p| !p.is_empty()) {
        let (d, c) = part
            .split_once('=')
            .ok_or_else(|| bad(format!("'{part}' is not DIM=code")))?;
        let dim = Dim::parse(d).ok_or_else(|| bad(format!("unknown dimension '{d}'")))?;
        if !id.def().allows(dim) {
            return Err(bad(format!("{dim} is not a dimension of {id}")));
        }
        fact = fact.with(dim, c);
    }
    Ok(fact)
}

/// A request for a table: the indicator, the dimensions to disaggregate by (each gets its `_T`
/// margin), filters (a dimension → the codes kept; `_T` among them means no filter; a filtered
/// dimension need not be disaggregated), the periods (years, quarters, months, in the order
/// the table lists them) and, for indicators over an input such as GDP, the input per period.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub indicator: IndicatorId,
    pub dims: Vec<Dim>,
    pub filters: Vec<(Dim, Vec<String>)>,
    pub periods: Vec<Period>,
    pub inputs: BTreeMap<Period, f64>,
    /// Threads to scan the cube with (0: one for a small cube, else as many as the machine
    /// has, at most 8). The answer is the same whatever the number: sums are integers.
    pub threads: usize,
}

impl Query {
    pub fn new(indicator: IndicatorId, dims: &[Dim], periods: &[Period]) -> Query {
        Query {
            indicator,
            dims: dims.to_vec(),
            filters: Vec::new(),
            periods: periods.to_vec(),
            inputs: BTreeMap::new(),
            threads: 0,
        }
    }

    pub fn filter(mut self, dim: Dim, codes: &[&str]) -> Query {
        self.filters
            .push((dim, codes.iter().map(|c| (*c).to_string()).collect()));
        self
    }

    pub fn input(mut self, period: Period, value: f64) -> Query {
        self.inputs.insert(period, value);
        self
    }
}

/// A query's answer: one cell per period and combination of codes (margins `_T` included),
/// sorted by period (in the order asked) then codes (`_T` first). Only combinations with data
/// are listed; an absent combination is zero.
#[derive(Debug, Clone, PartialEq)]
pub struct Table<'c> {
    pub indicator: IndicatorId,
    pub dims: Vec<Dim>,
    pub periods: Vec<Period>,
    pub cells: Vec<Cell<'c>>,
}

impl Table<'_> {
    /// The cell of `period` with exactly these codes (in `dims` order).
    pub fn get(&self, period: Period, codes: &[&str]) -> Option<&Cell<'_>> {
        self.cells
            .iter()
            .find(|c| c.period == period && c.codes.as_slice() == codes)
    }
}

/// One cell of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct Cell<'c> {
    pub period: Period,
    /// One code per dimension of the table, `_T` for a margin.
    pub codes: Vec<&'c str>,
    /// The figure: count, amount, ratio or share; `None` when a denominator is zero.
    pub value: Option<f64>,
    /// What the figure is computed from (`units` is what the frequency rule reads).
    pub sums: Sums,
    pub status: ObsStatus,
}

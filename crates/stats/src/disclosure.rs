//! Disclosure control for published tables: primary suppression by a minimum-frequency rule and by
//! dominance rules on magnitudes, then secondary suppression so that no primary-suppressed cell can
//! be recovered, or narrowed to less than its protection interval, from the published cells and
//! margins.
//!
//! A [`Table`] is complete: every combination of the codes of its dimensions, margins included. A
//! dimension is flat (every code under the total `_T`) or hierarchical (e.g. regions above
//! governorates, years above quarters above months); every parent equals the sum of its children
//! along every dimension, which is what an attacker knows, together with non-negativity.
//! Tables published together that share cells (a table by sex and one by sex and age; a year's
//! table and its months' tables, the months a dimension whose total is the year) are protected
//! as one **linked** table ([`Table::linked`]): the union of their cells, a shared cell once,
//! and every table's equations, so a suppressed cell is protected against an attacker reading
//! all of them together.
//!
//! **Primary suppression** ([`Rules`]): a cell whose count of contributors is below the frequency
//! threshold, or whose largest contributions dominate its value ((n,k) dominance or the p% rule), is
//! sensitive and gets a protection interval `[value - lower, value + upper]` that the attacker's
//! feasible range must cover (`lower` is capped at the value: non-negativity is public knowledge).
//! Zero cells follow [`ZeroPolicy`]: by default they are published (a zero has no contributor to
//! protect) and may serve as complements (they can only move up).
//!
//! **Secondary suppression**: for each sensitive cell `p` (largest protection first) and each
//! direction not yet protected by the complements chosen so far, a linear program looks for the
//! cheapest perturbation `y` of the table that keeps every additivity equation, keeps every cell
//! non-negative, moves `p` by its full protection and is free on cells already suppressed and costs
//! `w_j` per unit on published cells (`w_j` from [`Cost`]). The cells the perturbation touches are
//! suppressed (status D): afterwards the table with `y` added is consistent with everything
//! published, so the attacker's range for `p` reaches the protection bound. Suppressing more cells
//! only widens ranges, so protections once reached stay reached. This is the LP heuristic of Kelly,
//! Golden and Assad / Fischetti and Salazar for the cell suppression problem (not its exact
//! branch-and-cut). A clean-up pass then tries to publish each secondary cell again, most expensive
//! first, keeping it published when every sensitive cell is still protected.
//!
//! **Witnesses.** Whether a direction is already protected is decided by a small LP over the
//! suppressed cells only: a table consistent with everything published in which `p` sits at its
//! protection bound, changing the other suppressed cells as little as possible. That table (or the
//! perturbed one) is kept as the direction's *witness*. A witness stays valid when more cells are
//! suppressed, and when the clean-up publishes a cell whose witness value is its true value; only
//! the witnesses that moved the cell being published are looked for again. Least-change witnesses
//! touch few cells, so the clean-up solves a few LPs per secondary cell instead of two per sensitive
//! cell (two 2×12×10 tables with margins, 14 % of cells sensitive: 1,198 LPs instead of 11,594).
//!
//! Ranges are those of the linear relaxation: for integer counts in tables of three or more
//! dimensions the integer range can be narrower (the constraint matrix is no longer totally
//! unimodular); one- and two-dimensional tables, hierarchical or not, are exact.
//!
//! Every cell keeps its key and a [`ConfStatus`] (F free, C primary, D secondary); suppressed cells
//! are published without a value, never as zero.
//!
//! Scale: the perturbation and witness LPs are solved by `microlp`'s sparse revised simplex (LU
//! factorisation: the cost follows the non-zeros, not rows × columns); the attacker's ranges
//! ([`attacker_ranges`], a publisher's audit) by our own dense tableau simplex (module `lp`), so
//! an audit does not trust the solver that chose the pattern. In a release build, with 14 % of the
//! cells sensitive (random tables, `cargo run --release -p marsad-stats --example disclosure_loss
//! -- 2x12x10 2x30x10`): a 2×12×10 table with margins (429 cells) 0.06 s, 0.23 s with clean-up; a
//! 2×30×10 one (1,023 cells) 0.27 s, 0.72 s with clean-up. Tables of many thousands of cells
//! should be split into linked sub-tables first.
//!
//! [`cellkey`] offers the cell key method instead of suppression.

pub mod cellkey;
mod lp;

use std::collections::HashMap;

use lp::{Lp, LpOutcome};

/// The code of the total of every dimension.
pub const TOTAL: &str = "_T";

/// An error of disclosure control, naming the dimension, code or cell at fault.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DisclosureError {
    #[error("table has no dimensions")]
    NoDimensions,
    #[error("dimension `{dimension}`: code `{code}` appears twice")]
    DuplicateCode { dimension: String, code: String },
    #[error("dimension `{dimension}`: code `{code}` has parent `{parent}`, which is not a code of the dimension")]
    UnknownParent {
        dimension: String,
        code: String,
        parent: String,
    },
    #[error("dimension `{dimension}`: code `{code}` does not lead up to the total `_T`")]
    NotUnderTotal { dimension: String, code: String },
    #[error("cell {cell}: key has {found} codes, the table has {expected} dimensions")]
    KeyLength {
        cell: usize,
        expected: usize,
        found: usize,
    },
    #[error("cell {cell}: `{code}` is not a code of dimension `{dimension}`")]
    UnknownCode {
        cell: usize,
        dimension: String,
        code: String,
    },
    #[error("cell {key} is given twice")]
    DuplicateCell { key: String },
    #[error(
        "cell {key} is missing: a table must hold every combination of codes, margins included"
    )]
    MissingCell { key: String },
    #[error("cell {key}: value {value} must be finite and not negative")]
    BadValue { key: String, value: f64 },
    #[error("cell {key} is not the sum of its children along `{dimension}`: {what} is {found}, the children add up to {expected}")]
    NotAdditive {
        key: String,
        dimension: String,
        what: &'static str,
        found: f64,
        expected: f64,
    },
    #[error("cell {key}: a dominance rule is configured but the cell has no top contributions")]
    MissingContributions { key: String },
    #[error("statuses: {found} given for a table of {expected} cells")]
    StatusLength { expected: usize, found: usize },
    #[error("rule parameter `{parameter}` = {value} is out of range")]
    BadRule { parameter: &'static str, value: f64 },
    #[error("cell keys: {found} given for a table of {expected} cells")]
    KeysLength { expected: usize, found: usize },
    #[error("perturbation table: row for count {value}: {reason}")]
    PTable { value: u64, reason: String },
    #[error("linked tables: dimension `{dimension}` has other codes or another hierarchy in another table")]
    LinkedDimension { dimension: String },
    #[error("linked tables: cell {key} is {first} in one table and {second} in another")]
    LinkedCell {
        key: String,
        first: String,
        second: String,
    },
    #[error("the linear program for cell {key} did not solve ({outcome})")]
    Lp { key: String, outcome: String },
}

/// A dimension of a table: its id and its code hierarchy under `_T`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dimension {
    id: String,
    /// Codes, `_T` first.
    codes: Vec<String>,
    children: Vec<Vec<usize>>,
}

impl Dimension {
    /// A flat dimension: every code directly under `_T`.
    pub fn flat<S: AsRef<str>>(id: &str, codes: &[S]) -> Result<Dimension, DisclosureError> {
        let pairs: Vec<(&str, &str)> = codes.iter().map(|c| (c.as_ref(), TOTAL)).collect();
        Dimension::hierarchical(id, &pairs)
    }

    /// A hierarchical dimension from `(code, parent)` pairs; parents are codes of the dimension or
    /// `_T`, and every code leads up to `_T`.
    pub fn hierarchical<S: AsRef<str>, P: AsRef<str>>(
        id: &str,
        pairs: &[(S, P)],
    ) -> Result<Dimension, DisclosureError> {
        let mut codes = vec![TOTAL.to_string()];
        let mut index: HashMap<&str, usize> = HashMap::from([(TOTAL, 0)]);
        for (code, _) in pairs {
            let code = code.as_ref();
            if index.insert(code, codes.len()).is_some() {
                return Err(DisclosureError::DuplicateCode {
                    dimension: id.to_string(),
                    code: code.to_string(),
                });
            }
            codes.push(code.to_string());
        }
        let mut parent = vec![None; codes.len()];
        let mut children = vec![Vec::new(); codes.len()];
        for (k, (code, p)) in pairs.iter().enumerate() {
            let Some(&q) = index.get(p.as_ref()) else {
                return Err(DisclosureError::UnknownParent {
                    dimension: id.to_string(),
                    code: code.as_ref().to_string(),
                    parent: p.as_ref().to_string(),
                });
            };
            parent[k + 1] = Some(q);
            children[q].push(k + 1);
        }
        for (k, code) in codes.iter().enumerate().skip(1) {
            let mut at = k;
            let mut steps = 0;
            while let Some(p) = parent[at] {
                at = p;
                steps += 1;
                if steps > codes.len() {
                    break;
                }
            }
            if at != 0 {
                return Err(DisclosureError::NotUnderTotal {
                    dimension: id.to_string(),
                    code: code.clone(),
                });
            }
        }
        Ok(Dimension {
            id: id.to_string(),
            codes,
            children,
        })
    }

    /// The dimension id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The codes, `_T` first.
    pub fn codes(&self) -> &[String] {
        &self.codes
    }

    /// The leaf codes (those without children).
    pub fn leaves(&self) -> Vec<&str> {
        (0..self.codes.len())
            .filter(|&k| self.children[k].is_empty())
            .map(|k| self.codes[k].as_str())
            .collect()
    }
}

/// One cell of a table as given: a code per dimension, its value, its count of contributing units
/// and, for magnitude tables under a dominance rule, its largest contributions (any order).
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    pub key: Vec<String>,
    pub value: f64,
    pub count: u64,
    pub top: Vec<f64>,
}

/// A complete, additive table.
#[derive(Debug, Clone)]
pub struct Table {
    dims: Vec<Dimension>,
    strides: Vec<usize>,
    values: Vec<f64>,
    counts: Vec<u64>,
    /// Largest contributions, descending.
    tops: Vec<Vec<f64>>,
    /// Additivity equations: `(parent cell, children cells, dimension)`.
    equations: Vec<(usize, Vec<usize>, usize)>,
    /// A linked table ([`Table::linked`]) holds only some combinations of codes: each cell's
    /// coordinates, and the cell of each coordinate list. `None`: every combination, by stride.
    explicit: Option<Explicit>,
}

/// The cells of a linked table: each cell's coordinates, and the cell of each coordinate list.
type Explicit = (Vec<Vec<usize>>, HashMap<Vec<usize>, usize>);

impl Table {
    /// Builds a table from all its cells (margins included), checking completeness and additivity
    /// of values (to 1e-9 relative) and counts (exactly).
    pub fn new(dimensions: Vec<Dimension>, cells: Vec<Cell>) -> Result<Table, DisclosureError> {
        let mut table = Table::empty(dimensions)?;
        let size = table.values.len();
        let mut seen = vec![false; size];
        for (c, cell) in cells.into_iter().enumerate() {
            let i = table.locate(c, &cell.key)?;
            if seen[i] {
                return Err(DisclosureError::DuplicateCell {
                    key: table.key_text(i),
                });
            }
            seen[i] = true;
            if !(cell.value.is_finite() && cell.value >= 0.0) {
                return Err(DisclosureError::BadValue {
                    key: table.key_text(i),
                    value: cell.value,
                });
            }
            table.values[i] = cell.value;
            table.counts[i] = cell.count;
            let mut top = cell.top;
            top.sort_by(|a, b| b.total_cmp(a));
            table.tops[i] = top;
        }
        if let Some(i) = seen.iter().position(|s| !s) {
            return Err(DisclosureError::MissingCell {
                key: table.key_text(i),
            });
        }
        table.check_additive()?;
        Ok(table)
    }

    /// Builds a table from its leaf cells only (every dimension at a leaf code), adding up all
    /// margins; top contributions of a margin are the largest of its leaves' (contributors are
    /// assumed to fall in one leaf each). Leaf cells not given are zero.
    pub fn from_leaves(
        dimensions: Vec<Dimension>,
        cells: Vec<Cell>,
    ) -> Result<Table, DisclosureError> {
        let mut table = Table::empty(dimensions)?;
        let size = table.values.len();
        let mut seen = vec![false; size];
        for (c, cell) in cells.into_iter().enumerate() {
            let i = table.locate(c, &cell.key)?;
            let coords = table.coords(i);
            if let Some(d) =
                (0..table.dims.len()).find(|&d| !table.dims[d].children[coords[d]].is_empty())
            {
                return Err(DisclosureError::UnknownCode {
                    cell: c,
                    dimension: table.dims[d].id.clone(),
                    code: format!("{} (not a leaf)", table.dims[d].codes[coords[d]]),
                });
            }
            if seen[i] {
                return Err(DisclosureError::DuplicateCell {
                    key: table.key_text(i),
                });
            }
            seen[i] = true;
            if !(cell.value.is_finite() && cell.value >= 0.0) {
                return Err(DisclosureError::BadValue {
                    key: table.key_text(i),
                    value: cell.value,
                });
            }
            table.values[i] = cell.value;
            table.counts[i] = cell.count;
            table.tops[i] = cell.top;
        }
        // Aggregate dimension by dimension, children before parents (deepest codes first).
        let leaves: Vec<usize> = (0..size).filter(|&i| seen[i]).collect();
        let longest = table.tops.iter().map(Vec::len).max().unwrap_or(0);
        let mut tops: Vec<Vec<f64>> = vec![Vec::new(); size];
        for &leaf in &leaves {
            let targets = table.containing(leaf);
            let (v, n) = (table.values[leaf], table.counts[leaf]);
            let top = table.tops[leaf].clone();
            for t in targets {
                if t != leaf {
                    table.values[t] += v;
                    table.counts[t] += n;
                }
                tops[t].extend_from_slice(&top);
            }
        }
        for (i, mut top) in tops.into_iter().enumerate() {
            top.sort_by(|a, b| b.total_cmp(a));
            top.truncate(longest);
            table.tops[i] = top;
        }
        Ok(table)
    }

    /// The **linked** table of several complete tables of one data set that share cells (the
    /// one-way tables and the two-way tables of an indicator and their margins; a year's table and
    /// its months' tables): one system whose dimensions are every dimension of the parts (by id),
    /// whose cells are the union of the parts' cells (a part without a dimension sits at its
    /// total `_T`, so the cell `SEX=F` of a table by sex is the cell `SEX=F, AGE=_T` of a table by
    /// sex and age) and whose equations are every part's. Protecting it protects the tables
    /// jointly: a shared cell has one status, and no cell can be recovered from all the tables
    /// together ([`attacker_ranges`] audits the whole system). A dimension must be the same
    /// (codes and hierarchy) in every part that has it, and a shared cell must have the same
    /// value and count in every part.
    pub fn linked(parts: &[Table]) -> Result<Table, DisclosureError> {
        let mut dims: Vec<Dimension> = Vec::new();
        for part in parts {
            for dim in &part.dims {
                match dims.iter().find(|d| d.id == dim.id) {
                    Some(known) if known != dim => {
                        return Err(DisclosureError::LinkedDimension {
                            dimension: dim.id.clone(),
                        })
                    }
                    Some(_) => {}
                    None => dims.push(dim.clone()),
                }
            }
        }
        if dims.is_empty() {
            return Err(DisclosureError::NoDimensions);
        }
        let mut table = Table {
            dims,
            strides: Vec::new(),
            values: Vec::new(),
            counts: Vec::new(),
            tops: Vec::new(),
            equations: Vec::new(),
            explicit: Some((Vec::new(), HashMap::new())),
        };
        let mut coords_of: Vec<Vec<usize>> = Vec::new();
        let mut lookup: HashMap<Vec<usize>, usize> = HashMap::new();
        let mut seen_equations: std::collections::HashSet<(usize, Vec<usize>)> =
            std::collections::HashSet::new();
        for part in parts {
            // The position of each of the part's dimensions in the linked table.
            let at: Vec<usize> = part
                .dims
                .iter()
                .filter_map(|d| table.dims.iter().position(|x| x.id == d.id))
                .collect();
            let mut index = Vec::with_capacity(part.len());
            for i in 0..part.len() {
                let mut coords = vec![0usize; table.dims.len()];
                for (&u, k) in at.iter().zip(part.coords(i)) {
                    coords[u] = k;
                }
                let (v, n) = (part.values[i], part.counts[i]);
                let j = match lookup.get(&coords) {
                    Some(&j) => {
                        let scale = v.abs().max(table.values[j].abs()).max(1.0);
                        if (v - table.values[j]).abs() > 1e-9 * scale || n != table.counts[j] {
                            table.explicit = Some((coords_of.clone(), lookup.clone()));
                            return Err(DisclosureError::LinkedCell {
                                key: table.key_text(j),
                                first: format!("{} ({} units)", table.values[j], table.counts[j]),
                                second: format!("{v} ({n} units)"),
                            });
                        }
                        j
                    }
                    None => {
                        let j = coords_of.len();
                        lookup.insert(coords.clone(), j);
                        coords_of.push(coords);
                        table.values.push(v);
                        table.counts.push(n);
                        table.tops.push(part.tops[i].clone());
                        j
                    }
                };
                index.push(j);
            }
            for (p, kids, d) in &part.equations {
                let parent = index[*p];
                let children: Vec<usize> = kids.iter().map(|&k| index[k]).collect();
                if seen_equations.insert((parent, children.clone())) {
                    table
                        .equations
                        .push((parent, children, at.get(*d).copied().unwrap_or(0)));
                }
            }
        }
        table.explicit = Some((coords_of, lookup));
        Ok(table)
    }

    /// Every cell whose codes are, in each dimension, the code of cell `leaf` or one of its
    /// ancestors: the cells `leaf` adds up into (itself included).
    pub(crate) fn containing(&self, leaf: usize) -> Vec<usize> {
        if let Some((_, lookup)) = &self.explicit {
            // Every combination of the leaf's codes and their ancestors that the linked table
            // holds.
            let mut targets: Vec<Vec<usize>> = vec![Vec::new()];
            for (d, &k) in self.coords(leaf).iter().enumerate() {
                let dim = &self.dims[d];
                let mut chain = vec![k];
                let mut at = k;
                while let Some(p) = dim.children.iter().position(|ch| ch.contains(&at)) {
                    chain.push(p);
                    at = p;
                }
                targets = targets
                    .iter()
                    .flat_map(|t| {
                        chain.iter().map(move |&a| {
                            let mut t = t.clone();
                            t.push(a);
                            t
                        })
                    })
                    .collect();
            }
            return targets
                .iter()
                .filter_map(|c| lookup.get(c).copied())
                .collect();
        }
        let mut targets = vec![0usize];
        for (d, &k) in self.coords(leaf).iter().enumerate() {
            let dim = &self.dims[d];
            let mut chain = vec![k];
            let mut at = k;
            while let Some(p) = dim.children.iter().position(|ch| ch.contains(&at)) {
                chain.push(p);
                at = p;
            }
            targets = targets
                .iter()
                .flat_map(|&t| chain.iter().map(move |&a| t + a * self.strides[d]))
                .collect();
        }
        targets
    }

    fn empty(dims: Vec<Dimension>) -> Result<Table, DisclosureError> {
        if dims.is_empty() {
            return Err(DisclosureError::NoDimensions);
        }
        let mut strides = vec![1usize; dims.len()];
        for d in (0..dims.len().saturating_sub(1)).rev() {
            strides[d] = strides[d + 1] * dims[d + 1].codes.len();
        }
        let size = strides[0] * dims[0].codes.len();
        let mut table = Table {
            dims,
            strides,
            values: vec![0.0; size],
            counts: vec![0; size],
            tops: vec![Vec::new(); size],
            equations: Vec::new(),
            explicit: None,
        };
        let mut equations = Vec::new();
        for i in 0..size {
            let coords = table.coords(i);
            for (d, dim) in table.dims.iter().enumerate() {
                let ch = &dim.children[coords[d]];
                if !ch.is_empty() {
                    let base = i - coords[d] * table.strides[d];
                    let kids = ch.iter().map(|&c| base + c * table.strides[d]).collect();
                    equations.push((i, kids, d));
                }
            }
        }
        table.equations = equations;
        Ok(table)
    }

    fn locate(&self, c: usize, key: &[String]) -> Result<usize, DisclosureError> {
        if key.len() != self.dims.len() {
            return Err(DisclosureError::KeyLength {
                cell: c,
                expected: self.dims.len(),
                found: key.len(),
            });
        }
        let mut i = 0;
        for (d, code) in key.iter().enumerate() {
            let Some(k) = self.dims[d].codes.iter().position(|x| x == code) else {
                return Err(DisclosureError::UnknownCode {
                    cell: c,
                    dimension: self.dims[d].id.clone(),
                    code: code.clone(),
                });
            };
            i += k * self.strides[d];
        }
        Ok(i)
    }

    fn check_additive(&self) -> Result<(), DisclosureError> {
        for (p, kids, d) in &self.equations {
            let sum: f64 = kids.iter().map(|&k| self.values[k]).sum();
            let scale = self.values[*p].abs().max(sum.abs()).max(1.0);
            let what = if (sum - self.values[*p]).abs() > 1e-9 * scale {
                Some(("value", self.values[*p], sum))
            } else {
                let n: u64 = kids.iter().map(|&k| self.counts[k]).sum();
                (n != self.counts[*p]).then_some(("count", self.counts[*p] as f64, n as f64))
            };
            if let Some((what, found, expected)) = what {
                return Err(DisclosureError::NotAdditive {
                    key: self.key_text(*p),
                    dimension: self.dims[*d].id.clone(),
                    what,
                    found,
                    expected,
                });
            }
        }
        Ok(())
    }

    fn coords(&self, mut i: usize) -> Vec<usize> {
        if let Some((coords, _)) = &self.explicit {
            return coords.get(i).cloned().unwrap_or_default();
        }
        self.strides
            .iter()
            .map(|&stride| {
                let k = i / stride;
                i %= stride;
                k
            })
            .collect()
    }

    /// Number of cells, margins included.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the table has no cells (never, once built).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The dimensions.
    pub fn dimensions(&self) -> &[Dimension] {
        &self.dims
    }

    /// The codes of cell `i`, one per dimension.
    pub fn key(&self, i: usize) -> Vec<&str> {
        self.coords(i)
            .iter()
            .zip(&self.dims)
            .map(|(&k, d)| d.codes[k].as_str())
            .collect()
    }

    /// The index of the cell with these codes.
    pub fn index<S: AsRef<str>>(&self, key: &[S]) -> Option<usize> {
        if key.len() != self.dims.len() {
            return None;
        }
        if let Some((_, lookup)) = &self.explicit {
            let coords = key
                .iter()
                .zip(&self.dims)
                .map(|(code, dim)| dim.codes.iter().position(|x| x == code.as_ref()))
                .collect::<Option<Vec<usize>>>()?;
            return lookup.get(&coords).copied();
        }
        let mut i = 0;
        for (d, code) in key.iter().enumerate() {
            i += self.dims[d].codes.iter().position(|x| x == code.as_ref())? * self.strides[d];
        }
        Some(i)
    }

    /// Value of cell `i`.
    pub fn value(&self, i: usize) -> f64 {
        self.values[i]
    }

    /// Count of contributing units of cell `i`.
    pub fn count(&self, i: usize) -> u64 {
        self.counts[i]
    }

    /// The additivity equations as `(parent, children)`: `value(parent) = Σ value(children)`.
    pub fn equations(&self) -> impl Iterator<Item = (usize, &[usize])> {
        self.equations.iter().map(|(p, k, _)| (*p, k.as_slice()))
    }

    /// `SEX=F, AGE=_T` style text for cell `i`.
    pub fn key_text(&self, i: usize) -> String {
        self.key(i)
            .iter()
            .zip(&self.dims)
            .map(|(c, d)| format!("{}={}", d.id, c))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Minimum-frequency rule: a cell with `0 < count < threshold` is sensitive; its protection is
/// `max(protection, protection_percent% of its value)` both ways (down to at most zero).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrequencyRule {
    pub threshold: u64,
    pub protection: f64,
    pub protection_percent: f64,
}

/// (n,k) dominance: a cell whose `n` largest contributions exceed `k`% of its value is sensitive;
/// protection `100/k · (sum of the n largest) - value` both ways.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DominanceRule {
    pub n: usize,
    pub k: f64,
}

/// p% rule: a cell is sensitive when the second largest contributor could estimate the largest
/// contribution to within `p`% (`value - x1 - x2 < p/100 · x1`); protection `p/100 · x1 - (value
/// - x1 - x2)` both ways.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PPercentRule {
    pub p: f64,
}

/// How zero cells are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZeroPolicy {
    /// Zeros are published and may be suppressed as complements (default).
    Publish,
    /// Zeros of count are sensitive under the frequency rule (upward protection only): for tables
    /// where "nobody in this group" is itself disclosive.
    Protect,
}

/// The information lost by suppressing a cell, per unit of perturbation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cost {
    /// Every cell costs the same: minimise the number of suppressed cells.
    Cells,
    /// A cell costs its value (plus one): minimise the suppressed value (default).
    Value,
    /// A cell costs its count (plus one): minimise the suppressed contributors.
    Count,
}

/// The rules for one indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub frequency: Option<FrequencyRule>,
    pub dominance: Option<DominanceRule>,
    pub p_percent: Option<PPercentRule>,
    pub zeros: ZeroPolicy,
    pub cost: Cost,
    /// Try to publish secondary cells again after the LP pass (more LPs, fewer suppressions).
    pub cleanup: bool,
}

impl Default for Rules {
    /// Frequency threshold 5 with protection 3, zeros published, cost = value, clean-up on.
    fn default() -> Self {
        Rules {
            frequency: Some(FrequencyRule {
                threshold: 5,
                protection: 3.0,
                protection_percent: 0.0,
            }),
            dominance: None,
            p_percent: None,
            zeros: ZeroPolicy::Publish,
            cost: Cost::Value,
            cleanup: true,
        }
    }
}

/// The confidentiality status of a published cell (SDMX `CONF_STATUS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfStatus {
    /// F: free for publication.
    Free,
    /// C: confidential, primary suppression.
    Primary,
    /// D: secondary suppression (protects a primary cell).
    Secondary,
}

impl ConfStatus {
    /// The SDMX `CONF_STATUS` code.
    pub fn code(self) -> &'static str {
        match self {
            ConfStatus::Free => "F",
            ConfStatus::Primary => "C",
            ConfStatus::Secondary => "D",
        }
    }

    /// Whether the cell's value is withheld.
    pub fn is_suppressed(self) -> bool {
        self != ConfStatus::Free
    }
}

/// The interval the attacker's feasible range must cover around a sensitive cell.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Protection {
    /// Required distance below the value (at most the value).
    pub lower: f64,
    /// Required distance above the value.
    pub upper: f64,
}

/// Information lost by a suppression pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct SuppressionReport {
    pub cells: usize,
    pub primary: usize,
    pub secondary: usize,
    /// Sum of the values of secondary cells.
    pub secondary_value: f64,
    /// Sum of the values of all suppressed cells.
    pub suppressed_value: f64,
    /// Sum of the values of all cells (margins included), the denominator of the shares.
    pub total_value: f64,
    /// Linear programs solved.
    pub linear_programs: usize,
}

/// A protected table: one status per cell, the protection of sensitive cells, the report.
#[derive(Debug, Clone)]
pub struct Protected {
    pub status: Vec<ConfStatus>,
    pub protection: Vec<Option<Protection>>,
    pub report: SuppressionReport,
}

/// A cell as published: suppressed cells carry their status and no value.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedCell {
    pub key: Vec<String>,
    pub value: Option<f64>,
    pub count: Option<u64>,
    pub conf_status: ConfStatus,
}

impl Protected {
    /// The cells as they may be published.
    pub fn publish(&self, table: &Table) -> Vec<PublishedCell> {
        (0..table.len())
            .map(|i| {
                let free = !self.status[i].is_suppressed();
                PublishedCell {
                    key: table.key(i).into_iter().map(String::from).collect(),
                    value: free.then(|| table.values[i]),
                    count: free.then(|| table.counts[i]),
                    conf_status: self.status[i],
                }
            })
            .collect()
    }
}

fn check_rules(rules: &Rules) -> Result<(), DisclosureError> {
    let bad = |parameter, value: f64, ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(DisclosureError::BadRule { parameter, value })
        }
    };
    if let Some(f) = rules.frequency {
        bad(
            "frequency.protection",
            f.protection,
            f.protection.is_finite() && f.protection >= 0.0,
        )?;
        bad(
            "frequency.protection_percent",
            f.protection_percent,
            f.protection_percent.is_finite() && f.protection_percent >= 0.0,
        )?;
    }
    if let Some(d) = rules.dominance {
        bad("dominance.k", d.k, d.k > 0.0 && d.k <= 100.0)?;
        bad("dominance.n", d.n as f64, d.n >= 1)?;
    }
    if let Some(p) = rules.p_percent {
        bad("p_percent.p", p.p, p.p > 0.0 && p.p.is_finite())?;
    }
    Ok(())
}

/// The sensitive cells and their protections (primary suppression only).
pub fn primary(table: &Table, rules: &Rules) -> Result<Vec<Option<Protection>>, DisclosureError> {
    check_rules(rules)?;
    let mut out = vec![None; table.len()];
    for (i, slot) in out.iter_mut().enumerate() {
        let a = table.values[i];
        let n = table.counts[i];
        let mut level: f64 = 0.0;
        let mut sensitive = false;
        if let Some(f) = rules.frequency {
            if n < f.threshold && (n > 0 || rules.zeros == ZeroPolicy::Protect) {
                sensitive = true;
                level = level.max(f.protection.max(f.protection_percent / 100.0 * a));
            }
        }
        let magnitude = rules.dominance.is_some() || rules.p_percent.is_some();
        if magnitude && a > 0.0 {
            let top = &table.tops[i];
            if top.is_empty() {
                return Err(DisclosureError::MissingContributions {
                    key: table.key_text(i),
                });
            }
            if let Some(d) = rules.dominance {
                let s: f64 = top.iter().take(d.n).sum();
                if s > d.k / 100.0 * a {
                    sensitive = true;
                    level = level.max(s * 100.0 / d.k - a);
                }
            }
            if let Some(p) = rules.p_percent {
                let x1 = top[0];
                let x2 = top.get(1).copied().unwrap_or(0.0);
                let rest = a - x1 - x2;
                if rest < p.p / 100.0 * x1 {
                    sensitive = true;
                    level = level.max(p.p / 100.0 * x1 - rest);
                }
            }
        }
        if sensitive {
            *slot = Some(Protection {
                lower: level.min(a),
                upper: level,
            });
        }
    }
    Ok(out)
}

/// Primary and secondary suppression of `table` under `rules`.
pub fn protect(table: &Table, rules: &Rules) -> Result<Protected, DisclosureError> {
    let protection = primary(table, rules)?;
    let mut status: Vec<ConfStatus> = protection
        .iter()
        .map(|p| {
            if p.is_some() {
                ConfStatus::Primary
            } else {
                ConfStatus::Free
            }
        })
        .collect();
    let cost: Vec<f64> = (0..table.len())
        .map(|i| match rules.cost {
            Cost::Cells => 1.0,
            Cost::Value => table.values[i] + 1.0,
            Cost::Count => table.counts[i] as f64 + 1.0,
        })
        .collect();
    let mut order: Vec<usize> = (0..table.len())
        .filter(|&i| protection[i].is_some())
        .collect();
    order.sort_by(|&a, &b| {
        let pa = protection[a].map_or(0.0, |p| p.upper);
        let pb = protection[b].map_or(0.0, |p| p.upper);
        pb.total_cmp(&pa).then(a.cmp(&b))
    });
    let mut lps = 0;
    let scale = table.values.iter().fold(1.0f64, |m, v| m.max(*v));
    // For each sensitive cell and direction, a *witness*: a table consistent with everything
    // published in which the cell reaches its protection bound. A witness stays valid when a
    // cell is suppressed, and when a cell whose witness value equals its true value is
    // published again; only then must the attacker's LP be solved anew.
    let mut witness: HashMap<(usize, bool), Vec<f64>> = HashMap::new();
    for &p in &order {
        let Some(prot) = protection[p] else { continue };
        for delta in [prot.upper, -prot.lower] {
            if delta == 0.0 {
                continue;
            }
            // Already protected this way by earlier complements? (A small LP over the suppressed
            // cells only, much cheaper than the perturbation LP over all cells.)
            lps += 1;
            if let Some(point) = witness_point(table, &status, p, delta)? {
                witness.insert((p, delta > 0.0), point);
                continue;
            }
            lps += 1;
            let y = perturbation(table, &status, &cost, p, delta)?;
            let mut point = table.values.clone();
            for (j, yj) in y.iter().enumerate() {
                if yj.abs() > 1e-9 * scale && status[j] == ConfStatus::Free {
                    status[j] = ConfStatus::Secondary;
                }
                point[j] += yj;
            }
            point[p] = table.values[p] + delta;
            witness.insert((p, delta > 0.0), point);
        }
    }
    if rules.cleanup {
        let mut secondary: Vec<usize> = (0..table.len())
            .filter(|&i| status[i] == ConfStatus::Secondary)
            .collect();
        secondary.sort_by(|&a, &b| cost[b].total_cmp(&cost[a]).then(a.cmp(&b)));
        for s in secondary {
            status[s] = ConfStatus::Free;
            let (renewed, n) = still_protected(table, &status, &protection, &witness, s)?;
            lps += n;
            match renewed {
                Some(points) => witness.extend(points),
                None => status[s] = ConfStatus::Secondary,
            }
        }
    }
    let mut report = SuppressionReport {
        cells: table.len(),
        primary: 0,
        secondary: 0,
        secondary_value: 0.0,
        suppressed_value: 0.0,
        total_value: table.values.iter().sum(),
        linear_programs: lps,
    };
    for (i, s) in status.iter().enumerate() {
        match s {
            ConfStatus::Free => {}
            ConfStatus::Primary => {
                report.primary += 1;
                report.suppressed_value += table.values[i];
            }
            ConfStatus::Secondary => {
                report.secondary += 1;
                report.secondary_value += table.values[i];
                report.suppressed_value += table.values[i];
            }
        }
    }
    Ok(Protected {
        status,
        protection,
        report,
    })
}

/// The cheapest perturbation (signed change per cell; `p`'s own is left at zero) that moves cell
/// `p` by `delta` while keeping the table additive and non-negative; suppressed cells move for
/// free.
fn perturbation(
    table: &Table,
    status: &[ConfStatus],
    cost: &[f64],
    p: usize,
    delta: f64,
) -> Result<Vec<f64>, DisclosureError> {
    let n = table.len();
    // Columns 2j (y+) and 2j+1 (y-) for every cell j; p's own columns are fixed at zero and its
    // move goes to the right-hand side.
    let mut rows = Vec::new();
    let mut rhs = Vec::new();
    for (parent, kids, _) in &table.equations {
        let mut row = Vec::with_capacity(2 * (kids.len() + 1));
        let mut b = 0.0;
        for (cell, coef) in std::iter::once((*parent, 1.0)).chain(kids.iter().map(|&k| (k, -1.0))) {
            if cell == p {
                b -= coef * delta;
            } else {
                row.push((2 * cell, coef));
                row.push((2 * cell + 1, -coef));
            }
        }
        rows.push(row);
        rhs.push(b);
    }
    let mut c = vec![0.0; 2 * n];
    let mut upper = vec![f64::INFINITY; 2 * n];
    for j in 0..n {
        let w = if status[j].is_suppressed() {
            0.0
        } else {
            cost[j]
        };
        c[2 * j] = w;
        c[2 * j + 1] = w;
        upper[2 * j + 1] = table.values[j];
    }
    upper[2 * p] = 0.0;
    upper[2 * p + 1] = 0.0;
    let lp = Lp {
        rows,
        rhs,
        cost: c,
        upper,
    };
    match lp.solve_sparse() {
        LpOutcome::Optimal { x, .. } => Ok((0..n).map(|j| x[2 * j] - x[2 * j + 1]).collect()),
        other => Err(DisclosureError::Lp {
            key: table.key_text(p),
            outcome: format!("{other:?}"),
        }),
    }
}

/// Whether every sensitive cell is still protected now that cell `freed` is published again:
/// the new witnesses (for the witnesses that used `freed` at another value than its own), or
/// `None` when some cell is no longer protected; and the LPs solved.
#[allow(clippy::type_complexity)]
fn still_protected(
    table: &Table,
    status: &[ConfStatus],
    protection: &[Option<Protection>],
    witness: &HashMap<(usize, bool), Vec<f64>>,
    freed: usize,
) -> Result<(Option<Vec<((usize, bool), Vec<f64>)>>, usize), DisclosureError> {
    let mut lps = 0;
    let scale = table.values.iter().fold(1.0f64, |m, v| m.max(*v));
    let tol = 1e-9 * scale;
    let mut renewed = Vec::new();
    for (p, prot) in protection.iter().enumerate() {
        let Some(prot) = prot else { continue };
        for (up, delta) in [(true, prot.upper), (false, -prot.lower)] {
            if delta == 0.0 {
                continue;
            }
            if let Some(w) = witness.get(&(p, up)) {
                if (w[freed] - table.values[freed]).abs() <= tol {
                    continue;
                }
            }
            lps += 1;
            match witness_point(table, status, p, delta)? {
                Some(point) => renewed.push(((p, up), point)),
                None => return Ok((None, lps)),
            }
        }
    }
    Ok((Some(renewed), lps))
}

/// The attacker's feasible range of every suppressed cell (`None` for published cells): the minimum
/// and maximum of the cell over all non-negative tables that agree with the published cells and
/// keep every additivity equation (linear relaxation). A publisher's audit.
pub fn attacker_ranges(
    table: &Table,
    status: &[ConfStatus],
) -> Result<Vec<Option<(f64, f64)>>, DisclosureError> {
    if status.len() != table.len() {
        return Err(DisclosureError::StatusLength {
            expected: table.len(),
            found: status.len(),
        });
    }
    (0..table.len())
        .map(|i| {
            if status[i].is_suppressed() {
                range(table, status, i).map(Some)
            } else {
                Ok(None)
            }
        })
        .collect()
}

fn range(table: &Table, status: &[ConfStatus], p: usize) -> Result<(f64, f64), DisclosureError> {
    Ok((
        bound(table, status, p, false)?,
        bound(table, status, p, true)?,
    ))
}

/// A table consistent with everything published (the additivity equations, non-negativity,
/// the published cells' values) in which suppressed cell `p` is moved by `delta`, changing the
/// other suppressed cells as little as possible (least total absolute change, so the witness
/// touches few cells and stays valid when others are published again); `None` when there is
/// none, i.e. the attacker can rule that value out.
fn witness_point(
    table: &Table,
    status: &[ConfStatus],
    p: usize,
    delta: f64,
) -> Result<Option<Vec<f64>>, DisclosureError> {
    // Columns 2c (up) and 2c+1 (down) for the c-th suppressed cell other than `p`.
    let mut column = vec![usize::MAX; table.len()];
    let mut cells = Vec::new();
    for (i, s) in status.iter().enumerate() {
        if s.is_suppressed() && i != p {
            column[i] = cells.len();
            cells.push(i);
        }
    }
    let mut rows = Vec::new();
    let mut rhs = Vec::new();
    for (parent, kids, _) in &table.equations {
        let mut row = Vec::new();
        let mut b = 0.0;
        for (cell, coef) in std::iter::once((*parent, 1.0)).chain(kids.iter().map(|&k| (k, -1.0))) {
            if cell == p {
                b -= coef * delta;
            } else if column[cell] != usize::MAX {
                row.push((2 * column[cell], coef));
                row.push((2 * column[cell] + 1, -coef));
            }
        }
        if !row.is_empty() || b != 0.0 {
            rows.push(row);
            rhs.push(b);
        }
    }
    if rows
        .iter()
        .zip(&rhs)
        .any(|(r, b)| r.is_empty() && *b != 0.0)
    {
        return Ok(None);
    }
    let mut upper = vec![f64::INFINITY; 2 * cells.len()];
    for (c, &i) in cells.iter().enumerate() {
        upper[2 * c + 1] = table.values[i];
    }
    let lp = Lp {
        rows,
        rhs,
        cost: vec![1.0; 2 * cells.len()],
        upper,
    };
    match lp.solve_sparse() {
        LpOutcome::Optimal { x, .. } => {
            let mut point = table.values.clone();
            for (c, &i) in cells.iter().enumerate() {
                point[i] += x[2 * c] - x[2 * c + 1];
            }
            point[p] += delta;
            Ok(Some(point))
        }
        LpOutcome::Infeasible => Ok(None),
        other => Err(DisclosureError::Lp {
            key: table.key_text(p),
            outcome: format!("{other:?}"),
        }),
    }
}

/// The attacker's largest (`maximise`) or smallest value of suppressed cell `p`.
fn bound(
    table: &Table,
    status: &[ConfStatus],
    p: usize,
    maximise: bool,
) -> Result<f64, DisclosureError> {
    let mut column = vec![usize::MAX; table.len()];
    let mut cols = 0;
    for (i, s) in status.iter().enumerate() {
        if s.is_suppressed() {
            column[i] = cols;
            cols += 1;
        }
    }
    let mut rows = Vec::new();
    let mut rhs = Vec::new();
    for (parent, kids, _) in &table.equations {
        let mut row = Vec::new();
        let mut b = 0.0;
        for (cell, coef) in std::iter::once((*parent, 1.0)).chain(kids.iter().map(|&k| (k, -1.0))) {
            if column[cell] == usize::MAX {
                b -= coef * table.values[cell];
            } else {
                row.push((column[cell], coef));
            }
        }
        if !row.is_empty() {
            rows.push(row);
            rhs.push(b);
        }
    }
    let sign = if maximise { -1.0 } else { 1.0 };
    let mut cost = vec![0.0; cols];
    cost[column[p]] = sign;
    let lp = Lp {
        rows,
        rhs,
        cost,
        upper: vec![f64::INFINITY; cols],
    };
    match lp.solve() {
        LpOutcome::Optimal { objective, .. } => Ok(sign * objective),
        LpOutcome::Unbounded if maximise => Ok(f64::INFINITY),
        other => Err(DisclosureError::Lp {
            key: table.key_text(p),
            outcome: format!("{other:?}"),
        }),
    }
}

#[cfg(test)]
mod tests;

//! Long- and short-term migration from a person's linked border crossings, by the 12/16-month
//! rule (outcomes-based migration statistics, as Statistics New Zealand and the UK ONS compile
//! them).
//!
//! **Method.** A person's crossings are put in time order (the same crossing recorded twice —
//! same direction, same minute — counts once). Between two crossings the person is *in* the
//! country after an arrival and *out* after a departure; before the first crossing the person
//! was where that crossing starts from; after the last, where it leads, up to `data_end`. A
//! missing exit (two arrivals in a row) is read as a stay until the second arrival (the
//! unrecorded departure is placed just before it); a missing entry likewise.
//!
//! Each crossing is judged against the person's **residence before it**, which starts as the
//! caller's `initial` status (citizenship as the proxy: citizens of the reporting country, and
//! foreigners holding a residence permit before the first crossing, are residents) and changes
//! only by long-term migration:
//!
//! - a **non-resident's arrival** is a long-term immigration when the person is in the country
//!   on at least 12 months' worth of days (the days from the crossing date to the same date 12
//!   months later) of the 16 months that follow; the person becomes a resident;
//! - a **resident's departure** is a long-term emigration when the person is out for at least
//!   12 of the 16 months that follow; the person becomes a non-resident;
//! - otherwise a non-resident's arrival whose uninterrupted stay lasts at least 3 months (a
//!   resident's departure whose uninterrupted absence lasts at least 3 months) is a
//!   **short-term** immigration (emigration), unless its declared purpose is excluded by the UN
//!   Recommendations (tourism, family visit, business, medical, religious, transit);
//! - residents' arrivals and non-residents' departures are return trips and visits: no flow.
//!
//! **Provisional figures.** When the 16-month window goes past `data_end`, the days after it
//! are unknown; the person is assumed to stay where `data_end` finds them, and the outcome is
//! provisional (`OBS_STATUS` P) — it becomes final once the window is complete, so callers
//! refresh the facts of persons with crossings in the 16 months before `data_end` whenever
//! `data_end` moves.

use chrono::{Months, NaiveDate, NaiveDateTime};

/// Direction of a crossing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    /// Reads the model's `direction` code (`in`, `out`).
    pub fn parse(code: &str) -> Option<Direction> {
        match code {
            "in" => Some(Direction::In),
            "out" => Some(Direction::Out),
            _ => None,
        }
    }

    /// The agreed `FLOW` code: `IMM` for an entry, `EMI` for an exit.
    pub fn flow_code(self) -> &'static str {
        match self {
            Direction::In => "IMM",
            Direction::Out => "EMI",
        }
    }
}

/// Usual residence before a crossing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Residence {
    Resident,
    NonResident,
}

impl Residence {
    /// The agreed `RESIDENCE` code: `RES` or `NRES`.
    pub fn code(self) -> &'static str {
        match self {
            Residence::Resident => "RES",
            Residence::NonResident => "NRES",
        }
    }
}

/// One border crossing of a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crossing<'a> {
    pub at: NaiveDateTime,
    pub direction: Direction,
    /// The model's `purpose` code, if declared.
    pub purpose: Option<&'a str>,
    /// The index of the crossing in the caller's list (to find its record again).
    pub source: usize,
}

/// A migration a crossing starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flow {
    ImmigrationLt,
    EmigrationLt,
    ImmigrationSt,
    EmigrationSt,
}

/// The parameters of the rule (the defaults are the 12/16-month and 3-month rules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowRule {
    pub window_months: u32,
    pub long_term_months: u32,
    pub short_term_months: u32,
}

impl Default for FlowRule {
    fn default() -> Self {
        FlowRule {
            window_months: 16,
            long_term_months: 12,
            short_term_months: 3,
        }
    }
}

/// Purposes that never make a short-term migrant (UN Recommendations Rev.1, para 36).
pub const SHORT_TERM_EXCLUDED: [&str; 6] = [
    "tourism",
    "family",
    "business",
    "medical",
    "religious",
    "transit",
];

/// The verdict on one crossing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classified<'a> {
    pub crossing: Crossing<'a>,
    pub residence_before: Residence,
    pub flow: Option<Flow>,
    /// The 16-month window goes past `data_end`: the figure is provisional.
    pub provisional: bool,
}

/// Judges each crossing of one person (see the module docs). The answer lists the crossings in
/// time order, duplicates removed.
pub fn classify<'a>(
    crossings: &[Crossing<'a>],
    initial: Residence,
    rule: &FlowRule,
    data_end: NaiveDate,
) -> Vec<Classified<'a>> {
    let mut cs: Vec<Crossing<'a>> = crossings
        .iter()
        .copied()
        .filter(|c| c.at.date() <= data_end)
        .collect();
    cs.sort_by_key(|c| (c.at, c.direction, c.source));
    cs.dedup_by(|b, a| {
        a.direction == b.direction && a.at.date() == b.at.date() && minute(a.at) == minute(b.at)
    });
    let timeline = Timeline::new(&cs, data_end);
    let mut residence = initial;
    let mut out = Vec::with_capacity(cs.len());
    for (i, c) in cs.iter().enumerate() {
        let start = c.at.date();
        let window_end = add_months(start, rule.window_months);
        let needed = days(start, add_months(start, rule.long_term_months));
        let short_needed = days(start, add_months(start, rule.short_term_months));
        let provisional = window_end > data_end.succ_opt().unwrap_or(data_end);
        let want = c.direction;
        let before = residence;
        let mover = matches!(
            (want, residence),
            (Direction::In, Residence::NonResident) | (Direction::Out, Residence::Resident)
        );
        let mut flow = None;
        if mover {
            let spent = timeline.days_on_side(want, start, window_end);
            if spent >= needed {
                flow = Some(match want {
                    Direction::In => Flow::ImmigrationLt,
                    Direction::Out => Flow::EmigrationLt,
                });
                residence = match want {
                    Direction::In => Residence::Resident,
                    Direction::Out => Residence::NonResident,
                };
            } else {
                let excluded = c.purpose.is_some_and(|p| SHORT_TERM_EXCLUDED.contains(&p));
                let until = cs
                    .get(i + 1)
                    .map_or(timeline.horizon(window_end), |n| n.at.date());
                if !excluded && days(start, until) >= short_needed {
                    flow = Some(match want {
                        Direction::In => Flow::ImmigrationSt,
                        Direction::Out => Flow::EmigrationSt,
                    });
                }
            }
        }
        out.push(Classified {
            crossing: *c,
            residence_before: before,
            flow,
            provisional,
        });
    }
    out
}

fn minute(t: NaiveDateTime) -> (u32, u32) {
    use chrono::Timelike;
    (t.hour(), t.minute())
}

fn add_months(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_months(Months::new(n))
        .unwrap_or(NaiveDate::MAX)
}

fn days(a: NaiveDate, b: NaiveDate) -> i64 {
    (b - a).num_days().max(0)
}

/// Where the person is from day to day: a list of (from date, side) changes.
struct Timeline {
    /// (date from which, side) in order; the side holds until the next change.
    changes: Vec<(NaiveDate, Direction)>,
    /// The first day not observed (`data_end` + 1).
    end: NaiveDate,
}

impl Timeline {
    fn new(cs: &[Crossing], data_end: NaiveDate) -> Timeline {
        Timeline {
            changes: cs.iter().map(|c| (c.at.date(), c.direction)).collect(),
            end: data_end.succ_opt().unwrap_or(data_end),
        }
    }

    /// Days in `[from, to)` spent on `side` (`In`: in the country), the days after `data_end`
    /// counted on the side the person was on at `data_end`.
    fn days_on_side(&self, side: Direction, from: NaiveDate, to: NaiveDate) -> i64 {
        let mut total = 0;
        for (i, &(start, dir)) in self.changes.iter().enumerate() {
            let next = self.changes.get(i + 1).map_or(NaiveDate::MAX, |n| n.0);
            if dir != side {
                continue;
            }
            let a = start.max(from);
            let b = next.min(to);
            if b > a {
                total += days(a, b);
            }
        }
        total
    }

    /// The end of an uninterrupted stay that has no next crossing: the window end (the person
    /// is assumed to stay where `data_end` finds them).
    fn horizon(&self, window_end: NaiveDate) -> NaiveDate {
        window_end.max(self.end)
    }
}

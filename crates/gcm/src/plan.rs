//! A national GCM implementation plan: its actions, the indicators that measure them, the
//! evaluations that give the plan a memory, the history of every change to an action, and the
//! per-objective progress summary that is the input of the GCM review report.
//!
//! - An [`ActionForm`] (what a user typed) becomes an [`Action`] through [`ActionForm::parse`],
//!   which lists everything wrong, each error naming the action and the field; an `Action` is
//!   therefore always valid (at least one known objective, an owner, a non-negative budget in a
//!   known currency, an end not before the start...).
//! - An [`Indicator`] (a Statistics-issue indicator code or a national one) is attached to an
//!   action with a baseline, a target and measured values over time; [`Indicator::validate`]
//!   returns the direction it should move in (given, or read from baseline → target).
//! - [`Evidence`] links an action to stored attachments (the store keeps the files).
//! - [`History`] keeps every version of an action (who, when, what changed; [`diff`]).
//! - [`progress`] summarises the plan per objective: actions by status and step, budgets, and
//!   each indicator's trend relative to its target direction.
//!
//! Budgets are whole units of an ISO 4217 currency known to the model
//! ([`marsad_model::codes::CURRENCY`]). Dates are calendar dates; instants of changes are
//! parameters, never read from a clock.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use marsad_model::codes::CURRENCY;

use crate::catalogue::{ObjectiveId, ObjectiveIdError, Step, Trilingual};

/// The state of an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Draft,
    Planned,
    Ongoing,
    Completed,
    Suspended,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::Planned,
        Status::Ongoing,
        Status::Completed,
        Status::Suspended,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Planned => "planned",
            Status::Ongoing => "ongoing",
            Status::Completed => "completed",
            Status::Suspended => "suspended",
        }
    }

    pub fn parse(code: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.code() == code.trim())
    }

    /// Its name in Arabic, French and English, for pages and reports.
    pub fn label(self) -> Trilingual {
        let t = |en, fr, ar| Trilingual { ar, fr, en };
        match self {
            Status::Draft => t("Draft", "Brouillon", "مسودة"),
            Status::Planned => t("Planned", "Planifiée", "مخطط لها"),
            Status::Ongoing => t("Ongoing", "En cours", "قيد التنفيذ"),
            Status::Completed => t("Completed", "Achevée", "منجزة"),
            Status::Suspended => t("Suspended", "Suspendue", "معلقة"),
        }
    }
}

/// A budget as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetForm {
    pub amount: i64,
    pub currency: String,
}

/// A valid budget: non-negative whole units of a known currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub amount: u64,
    /// ISO 4217 code, upper case.
    pub currency: &'static str,
}

/// An action as entered by a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionForm {
    pub id: String,
    pub title: String,
    /// Objective numbers as typed (`7`, `O7`, `objective 7`).
    pub objectives: Vec<String>,
    pub owner: String,
    pub partners: Vec<String>,
    pub budget: Option<BudgetForm>,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub status: Status,
    pub step: Step,
}

/// A valid action of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub id: String,
    pub title: String,
    /// At least one, sorted, no duplicates.
    pub objectives: Vec<ObjectiveId>,
    /// The institution responsible.
    pub owner: String,
    pub partners: Vec<String>,
    pub budget: Option<Budget>,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    pub status: Status,
    pub step: Step,
}

/// What is wrong with part of a plan. Each error names the action or indicator and the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error("{item}: {field} is empty")]
    Empty { item: String, field: String },
    #[error("{item}: objectives: an action must serve at least one GCM objective")]
    NoObjective { item: String },
    #[error("{item}: {field}: {source}")]
    Objective {
        item: String,
        field: String,
        source: ObjectiveIdError,
    },
    #[error("{item}: {field}: objective {objective} is listed twice")]
    DuplicateObjective {
        item: String,
        field: String,
        objective: ObjectiveId,
    },
    #[error("{item}: {field}: '{partner}' is the owner; partners are other institutions")]
    PartnerIsOwner {
        item: String,
        field: String,
        partner: String,
    },
    #[error("{item}: budget.amount: {amount} is negative")]
    NegativeBudget { item: String, amount: i64 },
    #[error("{item}: budget.currency: '{currency}' is not an ISO 4217 currency marsad knows")]
    UnknownCurrency { item: String, currency: String },
    #[error("{item}: end: {end} is before the start ({start})")]
    EndBeforeStart {
        item: String,
        start: NaiveDate,
        end: NaiveDate,
    },
    #[error("{item}: end: a completed action needs an end date")]
    CompletedWithoutEnd { item: String },
    #[error("{item}: {field}: {value} is not a number")]
    NotANumber {
        item: String,
        field: String,
        value: f64,
    },
    #[error("{item}: direction: the target equals the baseline; say whether the indicator should rise or fall")]
    DirectionNeeded { item: String },
    #[error("{item}: direction: the indicator should {direction} but its target ({target}) is on the other side of the baseline ({baseline})")]
    DirectionContradictsTarget {
        item: String,
        direction: Direction,
        baseline: f64,
        target: f64,
    },
    #[error("{item}: {field}: the period ends ({end}) before it starts ({start})")]
    PeriodReversed {
        item: String,
        field: String,
        start: NaiveDate,
        end: NaiveDate,
    },
    #[error("{item}: {field}: the period {period} is measured twice")]
    DuplicatePeriod {
        item: String,
        field: String,
        period: Period,
    },
    #[error("{item}: target.period: the target period ({target}) starts before the baseline period ({baseline})")]
    TargetBeforeBaseline {
        item: String,
        baseline: Period,
        target: Period,
    },
    #[error("{item}: {field}: no action '{action}' in the plan")]
    UnknownAction {
        item: String,
        field: String,
        action: String,
    },
    #[error("{item}: id: the id is used twice")]
    DuplicateId { item: String },
}

impl PlanError {
    /// The field the error is about (`end`, `objectives[1]`, `measurements[2].value`...).
    pub fn field(&self) -> String {
        use PlanError::*;
        match self {
            Empty { field, .. }
            | Objective { field, .. }
            | DuplicateObjective { field, .. }
            | PartnerIsOwner { field, .. }
            | NotANumber { field, .. }
            | PeriodReversed { field, .. }
            | DuplicatePeriod { field, .. }
            | UnknownAction { field, .. } => field.clone(),
            NoObjective { .. } => "objectives".into(),
            NegativeBudget { .. } => "budget.amount".into(),
            UnknownCurrency { .. } => "budget.currency".into(),
            EndBeforeStart { .. } | CompletedWithoutEnd { .. } => "end".into(),
            DirectionNeeded { .. } | DirectionContradictsTarget { .. } => "direction".into(),
            TargetBeforeBaseline { .. } => "target.period".into(),
            DuplicateId { .. } => "id".into(),
        }
    }
}

fn empty(item: &str, field: &str) -> PlanError {
    PlanError::Empty {
        item: item.to_string(),
        field: field.to_string(),
    }
}

impl ActionForm {
    /// The valid action, or everything wrong with the form.
    pub fn parse(&self) -> Result<Action, Vec<PlanError>> {
        let item = format!("action {}", self.id.trim());
        let mut errors = Vec::new();
        if self.id.trim().is_empty() {
            errors.push(empty(&item, "id"));
        }
        if self.title.trim().is_empty() {
            errors.push(empty(&item, "title"));
        }
        let mut objectives = Vec::new();
        if self.objectives.is_empty() {
            errors.push(PlanError::NoObjective { item: item.clone() });
        }
        for (i, text) in self.objectives.iter().enumerate() {
            let field = format!("objectives[{i}]");
            match ObjectiveId::parse(text) {
                Ok(o) if objectives.contains(&o) => errors.push(PlanError::DuplicateObjective {
                    item: item.clone(),
                    field,
                    objective: o,
                }),
                Ok(o) => objectives.push(o),
                Err(source) => errors.push(PlanError::Objective {
                    item: item.clone(),
                    field,
                    source,
                }),
            }
        }
        objectives.sort();
        let owner = self.owner.trim().to_string();
        if owner.is_empty() {
            errors.push(empty(&item, "owner"));
        }
        let mut partners = Vec::new();
        for (i, p) in self.partners.iter().enumerate() {
            let p = p.trim();
            let field = format!("partners[{i}]");
            if p.is_empty() {
                errors.push(empty(&item, &field));
            } else if p == owner {
                errors.push(PlanError::PartnerIsOwner {
                    item: item.clone(),
                    field,
                    partner: p.to_string(),
                });
            } else if !partners.iter().any(|q: &String| q == p) {
                partners.push(p.to_string());
            }
        }
        let mut budget = None;
        if let Some(b) = &self.budget {
            let amount = u64::try_from(b.amount).ok();
            if amount.is_none() {
                errors.push(PlanError::NegativeBudget {
                    item: item.clone(),
                    amount: b.amount,
                });
            }
            let currency = CURRENCY
                .get(&b.currency.trim().to_ascii_uppercase())
                .map(|c| c.code);
            if currency.is_none() {
                errors.push(PlanError::UnknownCurrency {
                    item: item.clone(),
                    currency: b.currency.clone(),
                });
            }
            if let (Some(amount), Some(currency)) = (amount, currency) {
                budget = Some(Budget { amount, currency });
            }
        }
        match self.end {
            Some(end) if end < self.start => errors.push(PlanError::EndBeforeStart {
                item: item.clone(),
                start: self.start,
                end,
            }),
            None if self.status == Status::Completed => {
                errors.push(PlanError::CompletedWithoutEnd { item: item.clone() })
            }
            _ => {}
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Action {
            id: self.id.trim().to_string(),
            title: self.title.trim().to_string(),
            objectives,
            owner,
            partners,
            budget,
            start: self.start,
            end: self.end,
            status: self.status,
            step: self.step,
        })
    }
}

/// A span of time a value refers to (both ends included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    /// The calendar year `year` (`None` outside chrono's range).
    pub fn year(year: i32) -> Option<Period> {
        Some(Period {
            start: NaiveDate::from_ymd_opt(year, 1, 1)?,
            end: NaiveDate::from_ymd_opt(year, 12, 31)?,
        })
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole_year = self.start.year() == self.end.year()
            && (self.start.month(), self.start.day()) == (1, 1)
            && (self.end.month(), self.end.day()) == (12, 31);
        if whole_year {
            write!(f, "{}", self.start.year())
        } else {
            write!(f, "{}/{}", self.start, self.end)
        }
    }
}

/// A value of an indicator for a period, and where it comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    pub period: Period,
    pub value: f64,
    pub source: String,
}

/// Which way an indicator should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Increase,
    Decrease,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Increase => "rise",
            Direction::Decrease => "fall",
        })
    }
}

/// An indicator attached to an action.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// An indicator code of the Statistics catalogue (`10.7.3`) or a national one.
    pub code: String,
    pub action: String,
    pub baseline: Measurement,
    pub target: Measurement,
    /// Needed when the target equals the baseline (keep a level); read from them otherwise.
    pub direction: Option<Direction>,
    pub measurements: Vec<Measurement>,
}

/// How an indicator moves relative to its target direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Improving,
    Worsening,
    Stable,
    /// No measured value yet.
    NoData,
}

impl Trend {
    pub const ALL: [Trend; 4] = [
        Trend::Improving,
        Trend::Worsening,
        Trend::Stable,
        Trend::NoData,
    ];

    /// Its name in Arabic, French and English, for pages and reports.
    pub fn label(self) -> Trilingual {
        let t = |en, fr, ar| Trilingual { ar, fr, en };
        match self {
            Trend::Improving => t("Improving", "En amélioration", "في تحسن"),
            Trend::Worsening => t("Worsening", "En dégradation", "في تراجع"),
            Trend::Stable => t("Stable", "Stable", "مستقر"),
            Trend::NoData => t("No data", "Pas de données", "لا توجد بيانات"),
        }
    }
}

impl Indicator {
    fn item(&self) -> String {
        format!(
            "indicator {} of action {}",
            self.code.trim(),
            self.action.trim()
        )
    }

    /// Checks the indicator and returns the direction it should move in.
    pub fn validate(&self) -> Result<Direction, Vec<PlanError>> {
        let item = self.item();
        let mut errors = Vec::new();
        if self.code.trim().is_empty() {
            errors.push(empty(&item, "code"));
        }
        if self.action.trim().is_empty() {
            errors.push(empty(&item, "action"));
        }
        let check = |m: &Measurement, field: &str, errors: &mut Vec<PlanError>| {
            if !m.value.is_finite() {
                errors.push(PlanError::NotANumber {
                    item: item.clone(),
                    field: format!("{field}.value"),
                    value: m.value,
                });
            }
            if m.period.end < m.period.start {
                errors.push(PlanError::PeriodReversed {
                    item: item.clone(),
                    field: format!("{field}.period"),
                    start: m.period.start,
                    end: m.period.end,
                });
            }
            if m.source.trim().is_empty() {
                errors.push(empty(&item, &format!("{field}.source")));
            }
        };
        check(&self.baseline, "baseline", &mut errors);
        check(&self.target, "target", &mut errors);
        let mut seen: Vec<Period> = Vec::new();
        for (i, m) in self.measurements.iter().enumerate() {
            let field = format!("measurements[{i}]");
            check(m, &field, &mut errors);
            if seen.contains(&m.period) {
                errors.push(PlanError::DuplicatePeriod {
                    item: item.clone(),
                    field: format!("{field}.period"),
                    period: m.period,
                });
            }
            seen.push(m.period);
        }
        if self.target.period.start < self.baseline.period.start {
            errors.push(PlanError::TargetBeforeBaseline {
                item: item.clone(),
                baseline: self.baseline.period,
                target: self.target.period,
            });
        }
        let (b, t) = (self.baseline.value, self.target.value);
        let implied = if t > b {
            Some(Direction::Increase)
        } else if t < b {
            Some(Direction::Decrease)
        } else {
            None
        };
        let direction = match (self.direction, implied) {
            (Some(d), Some(i)) if d != i => {
                errors.push(PlanError::DirectionContradictsTarget {
                    item: item.clone(),
                    direction: d,
                    baseline: b,
                    target: t,
                });
                None
            }
            (Some(d), _) | (None, Some(d)) => Some(d),
            (None, None) => {
                if b.is_finite() {
                    errors.push(PlanError::DirectionNeeded { item: item.clone() });
                }
                None
            }
        };
        match direction {
            Some(d) if errors.is_empty() => Ok(d),
            _ => Err(errors),
        }
    }

    /// Measurements in period order.
    pub fn series(&self) -> Vec<&Measurement> {
        let mut s: Vec<&Measurement> = self.measurements.iter().collect();
        s.sort_by_key(|m| m.period);
        s
    }

    /// The latest measured value compared with the one before it (or the baseline): a move of
    /// less than 1% of the baseline-to-target distance (of the baseline itself, at least 1, when
    /// the target keeps a level) is stable.
    pub fn trend(&self, direction: Direction) -> Trend {
        let series = self.series();
        let Some(latest) = series.last() else {
            return Trend::NoData;
        };
        let previous = series
            .len()
            .checked_sub(2)
            .and_then(|i| series.get(i))
            .map_or(self.baseline.value, |m| m.value);
        let scale = match (self.target.value - self.baseline.value).abs() {
            s if s > 0.0 => s,
            _ => self.baseline.value.abs().max(1.0),
        };
        let delta = latest.value - previous;
        if delta.abs() < 0.01 * scale {
            return Trend::Stable;
        }
        match (direction, delta > 0.0) {
            (Direction::Increase, true) | (Direction::Decrease, false) => Trend::Improving,
            _ => Trend::Worsening,
        }
    }

    /// Whether the latest measured value has reached the target.
    pub fn achieved(&self, direction: Direction) -> bool {
        self.series().last().is_some_and(|m| match direction {
            Direction::Increase => m.value >= self.target.value,
            Direction::Decrease => m.value <= self.target.value,
        })
    }
}

/// What an evaluation recorded: the plan's memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub id: String,
    pub action: String,
    pub date: NaiveDate,
    pub author: String,
    pub learned: String,
    pub obstacles: Vec<String>,
}

/// A piece of evidence of what an action did: a stored attachment (report, decree, photo of a
/// training) referred to by its attachment id in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    pub action: String,
    pub title: String,
    /// The store's id of the attachment (content address).
    pub attachment: String,
    pub date: NaiveDate,
}

/// A whole plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub actions: Vec<Action>,
    pub indicators: Vec<Indicator>,
    pub evaluations: Vec<Evaluation>,
    pub evidence: Vec<Evidence>,
}

impl Plan {
    /// Cross-checks: action ids unique, indicators and evaluations attached to existing actions,
    /// every indicator valid, every evaluation saying something.
    pub fn validate(&self) -> Result<(), Vec<PlanError>> {
        let mut errors = Vec::new();
        for (i, a) in self.actions.iter().enumerate() {
            if self.actions[..i].iter().any(|b| b.id == a.id) {
                errors.push(PlanError::DuplicateId {
                    item: format!("action {}", a.id),
                });
            }
        }
        let known = |id: &str| self.actions.iter().any(|a| a.id == id);
        for ind in &self.indicators {
            if let Err(es) = ind.validate() {
                errors.extend(es);
            }
            if !known(&ind.action) {
                errors.push(PlanError::UnknownAction {
                    item: ind.item(),
                    field: "action".into(),
                    action: ind.action.clone(),
                });
            }
        }
        for e in &self.evaluations {
            let item = format!("evaluation {}", e.id);
            if !known(&e.action) {
                errors.push(PlanError::UnknownAction {
                    item: item.clone(),
                    field: "action".into(),
                    action: e.action.clone(),
                });
            }
            if e.author.trim().is_empty() {
                errors.push(empty(&item, "author"));
            }
            if e.learned.trim().is_empty() && e.obstacles.iter().all(|o| o.trim().is_empty()) {
                errors.push(empty(&item, "learned"));
            }
        }
        for (i, ev) in self.evidence.iter().enumerate() {
            let item = format!("evidence[{i}] of action {}", ev.action);
            if !known(&ev.action) {
                errors.push(PlanError::UnknownAction {
                    item: item.clone(),
                    field: "action".into(),
                    action: ev.action.clone(),
                });
            }
            if ev.title.trim().is_empty() {
                errors.push(empty(&item, "title"));
            }
            if ev.attachment.trim().is_empty() {
                errors.push(empty(&item, "attachment"));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// One changed field between two versions of an action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

fn show_objectives(o: &[ObjectiveId]) -> String {
    o.iter()
        .map(|o| o.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn show_budget(b: Option<Budget>) -> String {
    b.map_or(String::new(), |b| format!("{} {}", b.amount, b.currency))
}

fn show_date(d: Option<NaiveDate>) -> String {
    d.map_or(String::new(), |d| d.to_string())
}

/// The fields that differ from `old` to `new`, in field order, as displayed text.
pub fn diff(old: &Action, new: &Action) -> Vec<Change> {
    let fields: [(&'static str, String, String); 10] = [
        ("id", old.id.clone(), new.id.clone()),
        ("title", old.title.clone(), new.title.clone()),
        (
            "objectives",
            show_objectives(&old.objectives),
            show_objectives(&new.objectives),
        ),
        ("owner", old.owner.clone(), new.owner.clone()),
        ("partners", old.partners.join(", "), new.partners.join(", ")),
        ("budget", show_budget(old.budget), show_budget(new.budget)),
        ("start", old.start.to_string(), new.start.to_string()),
        ("end", show_date(old.end), show_date(new.end)),
        ("status", old.status.code().into(), new.status.code().into()),
        ("step", old.step.code().into(), new.step.code().into()),
    ];
    fields
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(field, before, after)| Change {
            field,
            before,
            after,
        })
        .collect()
}

/// One version of an action: what it was, who saved it, when, and what changed from the
/// previous version (everything, for the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub number: u32,
    pub action: Action,
    pub by: String,
    pub at: DateTime<Utc>,
    pub changes: Vec<Change>,
}

/// Why a version was not recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    #[error("action {expected}: a version of action {got} cannot be added to its history")]
    OtherAction { expected: String, got: String },
    #[error("action {action}: nothing changed since version {version}")]
    NoChange { action: String, version: u32 },
    #[error("action {action}: the change at {at} is earlier than version {version} ({last})")]
    BeforeLast {
        action: String,
        at: DateTime<Utc>,
        version: u32,
        last: DateTime<Utc>,
    },
    #[error("action {action}: who made the change is required")]
    NoAuthor { action: String },
    #[error("a history needs at least one version")]
    Empty,
    #[error("action {action}: version {got} found where version {expected} was expected")]
    Numbering {
        action: String,
        expected: u32,
        got: u32,
    },
}

/// Every version of one action, oldest first; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    versions: Vec<Version>,
}

impl History {
    /// The history of a new action.
    pub fn new(action: Action, by: &str, at: DateTime<Utc>) -> Result<History, HistoryError> {
        if by.trim().is_empty() {
            return Err(HistoryError::NoAuthor { action: action.id });
        }
        let blank = Action {
            id: String::new(),
            title: String::new(),
            objectives: Vec::new(),
            owner: String::new(),
            partners: Vec::new(),
            budget: None,
            start: action.start,
            end: None,
            status: action.status,
            step: action.step,
        };
        let mut changes = diff(&blank, &action);
        // The first version shows every field, even those equal to the blank's defaults.
        for (field, value) in [
            ("start", action.start.to_string()),
            ("status", action.status.code().to_string()),
            ("step", action.step.code().to_string()),
        ] {
            changes.push(Change {
                field,
                before: String::new(),
                after: value,
            });
        }
        Ok(History {
            versions: vec![Version {
                number: 1,
                action,
                by: by.trim().to_string(),
                at,
                changes,
            }],
        })
    }

    /// Rebuilds a stored history: versions numbered 1, 2, 3… of one action, in time order, each
    /// with an author; the changes are recomputed rather than trusted.
    pub fn restore(versions: Vec<Version>) -> Result<History, HistoryError> {
        let mut it = versions.into_iter();
        let Some(first) = it.next() else {
            return Err(HistoryError::Empty);
        };
        if first.number != 1 {
            return Err(HistoryError::Numbering {
                action: first.action.id,
                expected: 1,
                got: first.number,
            });
        }
        let mut h = History::new(first.action, &first.by, first.at)?;
        for v in it {
            let expected = u32::try_from(h.versions.len())
                .unwrap_or(u32::MAX)
                .saturating_add(1);
            if v.number != expected {
                return Err(HistoryError::Numbering {
                    action: v.action.id,
                    expected,
                    got: v.number,
                });
            }
            h.record(v.action, &v.by, v.at)?;
        }
        Ok(h)
    }

    pub fn versions(&self) -> &[Version] {
        &self.versions
    }

    pub fn current(&self) -> Option<&Version> {
        self.versions.last()
    }

    /// Records a new version of the action.
    pub fn record(
        &mut self,
        action: Action,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<&Version, HistoryError> {
        let Some(last) = self.versions.last() else {
            return History::new(action, by, at).map(|h| {
                self.versions = h.versions;
                &self.versions[0]
            });
        };
        if action.id != last.action.id {
            return Err(HistoryError::OtherAction {
                expected: last.action.id.clone(),
                got: action.id,
            });
        }
        if by.trim().is_empty() {
            return Err(HistoryError::NoAuthor { action: action.id });
        }
        if at < last.at {
            return Err(HistoryError::BeforeLast {
                action: action.id,
                at,
                version: last.number,
                last: last.at,
            });
        }
        let changes = diff(&last.action, &action);
        if changes.is_empty() {
            return Err(HistoryError::NoChange {
                action: action.id,
                version: last.number,
            });
        }
        let number = last.number + 1;
        self.versions.push(Version {
            number,
            action,
            by: by.trim().to_string(),
            at,
            changes,
        });
        Ok(&self.versions[self.versions.len() - 1])
    }
}

/// An indicator's place in the progress summary.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorProgress {
    pub code: String,
    pub action: String,
    pub baseline: f64,
    pub target: f64,
    pub latest: Option<f64>,
    /// `None` when the indicator is invalid (see [`Indicator::validate`]).
    pub trend: Option<Trend>,
    pub achieved: bool,
}

/// The progress of one objective: the input of its section of the review report.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectiveProgress {
    pub objective: ObjectiveId,
    pub by_status: BTreeMap<Status, usize>,
    pub by_step: BTreeMap<Step, usize>,
    /// Total budget per currency.
    pub budget: BTreeMap<&'static str, u64>,
    pub indicators: Vec<IndicatorProgress>,
    pub evaluations: usize,
    /// Pieces of evidence dated up to the end of the period.
    pub evidence: usize,
}

impl ObjectiveProgress {
    pub fn actions(&self) -> usize {
        self.by_status.values().sum()
    }
}

/// Progress per objective, for all 23 objectives (objectives without actions included, so the
/// report shows the gaps). An action serving several objectives counts for each; indicators
/// measured after `until` are left out (pass the end of the reporting period).
pub fn progress(plan: &Plan, until: NaiveDate) -> Vec<ObjectiveProgress> {
    ObjectiveId::all()
        .map(|objective| {
            let actions: Vec<&Action> = plan
                .actions
                .iter()
                .filter(|a| a.objectives.contains(&objective))
                .collect();
            let serves = |id: &str| actions.iter().any(|a| a.id == id);
            let mut by_status = BTreeMap::new();
            let mut by_step = BTreeMap::new();
            let mut budget: BTreeMap<&'static str, u64> = BTreeMap::new();
            for a in &actions {
                *by_status.entry(a.status).or_insert(0) += 1;
                *by_step.entry(a.step).or_insert(0) += 1;
                if let Some(b) = a.budget {
                    let total = budget.entry(b.currency).or_insert(0);
                    *total = total.saturating_add(b.amount);
                }
            }
            let indicators = plan
                .indicators
                .iter()
                .filter(|i| serves(&i.action))
                .map(|i| {
                    let upto = Indicator {
                        measurements: i
                            .measurements
                            .iter()
                            .filter(|m| m.period.end <= until)
                            .cloned()
                            .collect(),
                        ..i.clone()
                    };
                    let direction = upto.validate().ok();
                    IndicatorProgress {
                        code: i.code.clone(),
                        action: i.action.clone(),
                        baseline: i.baseline.value,
                        target: i.target.value,
                        latest: upto.series().last().map(|m| m.value),
                        trend: direction.map(|d| upto.trend(d)),
                        achieved: direction.is_some_and(|d| upto.achieved(d)),
                    }
                })
                .collect();
            let evaluations = plan
                .evaluations
                .iter()
                .filter(|e| serves(&e.action) && e.date <= until)
                .count();
            let evidence = plan
                .evidence
                .iter()
                .filter(|e| serves(&e.action) && e.date <= until)
                .count();
            ObjectiveProgress {
                objective,
                by_status,
                by_step,
                budget,
                indicators,
                evaluations,
                evidence,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn form() -> ActionForm {
        ActionForm {
            id: "A1".into(),
            title: "Migration data portal".into(),
            objectives: vec!["1".into(), "3".into()],
            owner: "National Observatory for Migration".into(),
            partners: vec!["National Institute of Statistics".into()],
            budget: Some(BudgetForm {
                amount: 250_000,
                currency: "tnd".into(),
            }),
            start: d("2025-01-01"),
            end: Some(d("2026-12-31")),
            status: Status::Ongoing,
            step: Step::Implementation,
        }
    }

    fn check_form(edit: impl Fn(&mut ActionForm), expected: &[&str]) {
        let mut f = form();
        edit(&mut f);
        let got: Vec<String> = match f.parse() {
            Ok(_) => vec![],
            Err(es) => es.iter().map(|e| format!("{} | {e}", e.field())).collect(),
        };
        assert_eq!(got, expected);
    }

    #[test]
    fn action_validation() {
        check_form(|_| {}, &[]);
        check_form(|f| f.budget = None, &[]);
        check_form(|f| f.end = None, &[]);
        check_form(|f| f.end = Some(f.start), &[]);
        check_form(
            |f| f.objectives = vec!["objective 23".into(), "O8".into()],
            &[],
        );
        check_form(
            |f| f.end = Some(d("2024-12-31")),
            &["end | action A1: end: 2024-12-31 is before the start (2025-01-01)"],
        );
        check_form(
            |f| {
                f.end = None;
                f.status = Status::Completed
            },
            &["end | action A1: end: a completed action needs an end date"],
        );
        check_form(
            |f| {
                f.budget = Some(BudgetForm {
                    amount: -1,
                    currency: "TND".into(),
                })
            },
            &["budget.amount | action A1: budget.amount: -1 is negative"],
        );
        check_form(|f| f.budget = Some(BudgetForm { amount: 0, currency: "XYZ".into() }), &["budget.currency | action A1: budget.currency: 'XYZ' is not an ISO 4217 currency marsad knows"]);
        check_form(|f| f.objectives.clear(), &["objectives | action A1: objectives: an action must serve at least one GCM objective"]);
        check_form(|f| f.objectives.push("24".into()), &["objectives[2] | action A1: objectives[2]: there is no GCM objective 24: the Global Compact has objectives 1 to 23"]);
        check_form(|f| f.objectives.push("data".into()), &["objectives[2] | action A1: objectives[2]: 'data' is not an objective number: write a number from 1 to 23"]);
        check_form(
            |f| f.objectives.push("O1".into()),
            &["objectives[2] | action A1: objectives[2]: objective 1 is listed twice"],
        );
        check_form(
            |f| f.owner = "  ".into(),
            &["owner | action A1: owner is empty"],
        );
        check_form(
            |f| f.title = String::new(),
            &["title | action A1: title is empty"],
        );
        check_form(|f| f.partners.push(" National Observatory for Migration ".into()), &["partners[1] | action A1: partners[1]: 'National Observatory for Migration' is the owner; partners are other institutions"]);
        check_form(
            |f| f.partners.push(String::new()),
            &["partners[1] | action A1: partners[1] is empty"],
        );
        check_form(
            |f| { f.objectives.clear(); f.end = Some(d("2020-01-01")); f.budget = Some(BudgetForm { amount: -5, currency: "EUR".into() }) },
            &[
                "objectives | action A1: objectives: an action must serve at least one GCM objective",
                "budget.amount | action A1: budget.amount: -5 is negative",
                "end | action A1: end: 2020-01-01 is before the start (2025-01-01)",
            ],
        );
    }

    #[test]
    fn a_parsed_action_is_normalised() {
        let mut f = form();
        f.objectives = vec!["17".into(), "3".into()];
        f.partners.push("National Institute of Statistics".into());
        let a = f.parse().unwrap();
        assert_eq!(
            a.objectives.iter().map(|o| o.number()).collect::<Vec<_>>(),
            [3, 17]
        );
        assert_eq!(a.partners, ["National Institute of Statistics"]);
        assert_eq!(
            a.budget,
            Some(Budget {
                amount: 250_000,
                currency: "TND"
            })
        );
    }

    fn m(year: i32, value: f64) -> Measurement {
        Measurement {
            period: Period::year(year).unwrap(),
            value,
            source: "survey".into(),
        }
    }

    fn indicator(
        baseline: f64,
        target: f64,
        direction: Option<Direction>,
        values: &[(i32, f64)],
    ) -> Indicator {
        Indicator {
            code: "10.7.3".into(),
            action: "A1".into(),
            baseline: m(2020, baseline),
            target: m(2030, target),
            direction,
            measurements: values.iter().map(|&(y, v)| m(y, v)).collect(),
        }
    }

    fn check_indicator(ind: Indicator, expected: Result<Direction, &[&str]>) {
        let got = ind.validate().map_err(|es| {
            es.iter()
                .map(|e| format!("{} | {e}", e.field()))
                .collect::<Vec<_>>()
        });
        assert_eq!(
            got,
            expected.map_err(|es| es.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        );
    }

    #[test]
    fn indicator_validation() {
        use Direction::*;
        check_indicator(indicator(10.0, 20.0, None, &[]), Ok(Increase));
        check_indicator(indicator(10.0, 2.0, None, &[]), Ok(Decrease));
        check_indicator(indicator(10.0, 2.0, Some(Decrease), &[]), Ok(Decrease));
        check_indicator(indicator(5.0, 5.0, Some(Decrease), &[]), Ok(Decrease));
        check_indicator(indicator(5.0, 5.0, None, &[]), Err(&["direction | indicator 10.7.3 of action A1: direction: the target equals the baseline; say whether the indicator should rise or fall"]));
        check_indicator(indicator(5.0, 8.0, Some(Decrease), &[]), Err(&["direction | indicator 10.7.3 of action A1: direction: the indicator should fall but its target (8) is on the other side of the baseline (5)"]));
        check_indicator(indicator(f64::NAN, 8.0, None, &[]), Err(&["baseline.value | indicator 10.7.3 of action A1: baseline.value: NaN is not a number"]));
        check_indicator(indicator(1.0, 8.0, None, &[(2021, 2.0), (2021, 3.0)]), Err(&["measurements[1].period | indicator 10.7.3 of action A1: measurements[1].period: the period 2021 is measured twice"]));
        check_indicator(indicator(1.0, 8.0, None, &[(2021, f64::INFINITY)]), Err(&["measurements[0].value | indicator 10.7.3 of action A1: measurements[0].value: inf is not a number"]));
        let mut ind = indicator(1.0, 8.0, None, &[(2021, 2.0)]);
        ind.measurements[0].source = " ".into();
        check_indicator(ind, Err(&["measurements[0].source | indicator 10.7.3 of action A1: measurements[0].source is empty"]));
        let mut ind = indicator(1.0, 8.0, None, &[]);
        ind.target.period = Period::year(2019).unwrap();
        check_indicator(ind, Err(&["target.period | indicator 10.7.3 of action A1: target.period: the target period (2019) starts before the baseline period (2020)"]));
        let mut ind = indicator(1.0, 8.0, None, &[]);
        ind.baseline.period = Period {
            start: d("2020-06-01"),
            end: d("2020-01-01"),
        };
        check_indicator(ind, Err(&["baseline.period | indicator 10.7.3 of action A1: baseline.period: the period ends (2020-01-01) before it starts (2020-06-01)"]));
    }

    fn check_trend(
        baseline: f64,
        target: f64,
        direction: Option<Direction>,
        values: &[(i32, f64)],
        trend: Trend,
        achieved: bool,
    ) {
        let ind = indicator(baseline, target, direction, values);
        let dir = ind.validate().unwrap();
        assert_eq!(
            (ind.trend(dir), ind.achieved(dir)),
            (trend, achieved),
            "{baseline} → {target} {values:?}"
        );
    }

    #[test]
    fn indicator_trends() {
        use Direction::*;
        use Trend::*;
        check_trend(10.0, 20.0, None, &[], NoData, false);
        check_trend(10.0, 20.0, None, &[(2021, 12.0)], Improving, false);
        check_trend(10.0, 20.0, None, &[(2021, 8.0)], Worsening, false);
        check_trend(10.0, 20.0, None, &[(2021, 10.05)], Stable, false);
        check_trend(
            10.0,
            20.0,
            None,
            &[(2021, 15.0), (2022, 14.0)],
            Worsening,
            false,
        );
        check_trend(
            10.0,
            20.0,
            None,
            &[(2022, 14.0), (2021, 15.0)],
            Worsening,
            false,
        ); // order of entry does not matter
        check_trend(
            10.0,
            20.0,
            None,
            &[(2021, 15.0), (2022, 21.0)],
            Improving,
            true,
        );
        // Fewer deaths is better.
        check_trend(300.0, 100.0, None, &[(2021, 250.0)], Improving, false);
        check_trend(
            300.0,
            100.0,
            None,
            &[(2021, 250.0), (2022, 320.0)],
            Worsening,
            false,
        );
        check_trend(300.0, 100.0, None, &[(2021, 90.0)], Improving, true);
        // Keep a level: stable within 1% of the baseline.
        check_trend(50.0, 50.0, Some(Increase), &[(2021, 50.3)], Stable, true);
        check_trend(
            50.0,
            50.0,
            Some(Increase),
            &[(2021, 49.0)],
            Worsening,
            false,
        );
        check_trend(0.0, 0.0, Some(Decrease), &[(2021, 0.0)], Stable, true);
    }

    fn action(
        id: &str,
        objectives: &[u64],
        status: Status,
        step: Step,
        budget: Option<(u64, &'static str)>,
    ) -> Action {
        Action {
            id: id.into(),
            title: format!("action {id}"),
            objectives: objectives
                .iter()
                .map(|&n| ObjectiveId::new(n).unwrap())
                .collect(),
            owner: "ministry".into(),
            partners: vec![],
            budget: budget.map(|(amount, currency)| Budget { amount, currency }),
            start: d("2025-01-01"),
            end: None,
            status,
            step,
        }
    }

    fn at(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000 + h * 3600, 0).unwrap()
    }

    #[test]
    fn diff_lists_changed_fields() {
        let a = action("A1", &[1], Status::Planned, Step::Design, None);
        let check = |edit: &dyn Fn(&mut Action), expected: &[(&str, &str, &str)]| {
            let mut b = a.clone();
            edit(&mut b);
            let got: Vec<(&str, String, String)> = diff(&a, &b)
                .into_iter()
                .map(|c| (c.field, c.before, c.after))
                .collect();
            let want: Vec<(&str, String, String)> = expected
                .iter()
                .map(|&(f, x, y)| (f, x.to_string(), y.to_string()))
                .collect();
            assert_eq!(got, want);
        };
        check(&|_| {}, &[]);
        check(
            &|b| b.status = Status::Ongoing,
            &[("status", "planned", "ongoing")],
        );
        check(
            &|b| b.objectives.push(ObjectiveId::new(8).unwrap()),
            &[("objectives", "1", "1, 8")],
        );
        check(
            &|b| {
                b.budget = Some(Budget {
                    amount: 10,
                    currency: "USD",
                })
            },
            &[("budget", "", "10 USD")],
        );
        check(
            &|b| {
                b.end = Some(d("2025-12-31"));
                b.step = Step::Implementation
            },
            &[
                ("end", "", "2025-12-31"),
                ("step", "design", "implementation"),
            ],
        );
        check(
            &|b| b.partners = vec!["a".into(), "b".into()],
            &[("partners", "", "a, b")],
        );
    }

    #[test]
    fn history_keeps_every_version() {
        let a = action("A1", &[1], Status::Draft, Step::Design, None);
        let mut h = History::new(a.clone(), "amal", at(0)).unwrap();
        assert_eq!(
            h.versions()[0].changes.len(),
            7,
            "{:?}",
            h.versions()[0].changes
        );
        let mut b = a.clone();
        b.status = Status::Planned;
        let v = h.record(b.clone(), "karim", at(5)).unwrap();
        assert_eq!((v.number, v.by.as_str(), v.at), (2, "karim", at(5)));
        assert_eq!(
            v.changes,
            vec![Change {
                field: "status",
                before: "draft".into(),
                after: "planned".into()
            }]
        );
        assert_eq!(
            h.record(b.clone(), "karim", at(6)).unwrap_err().to_string(),
            "action A1: nothing changed since version 2"
        );
        let mut c = b.clone();
        c.title = "renamed".into();
        assert!(matches!(
            h.record(c.clone(), "karim", at(4)),
            Err(HistoryError::BeforeLast { version: 2, .. })
        ));
        assert!(matches!(
            h.record(c.clone(), " ", at(7)),
            Err(HistoryError::NoAuthor { .. })
        ));
        let other = action("A2", &[1], Status::Draft, Step::Design, None);
        assert_eq!(
            h.record(other, "amal", at(8)).unwrap_err().to_string(),
            "action A1: a version of action A2 cannot be added to its history"
        );
        h.record(c.clone(), "amal", at(9)).unwrap();
        assert_eq!(h.versions().len(), 3);
        assert_eq!(h.current().unwrap().action, c);
        assert_eq!(
            h.versions()[0].action,
            a,
            "old versions are kept as they were"
        );
        assert_eq!(History::restore(h.versions().to_vec()), Ok(h.clone()));
        let mut gap = h.versions().to_vec();
        gap.remove(1);
        assert_eq!(
            History::restore(gap).unwrap_err().to_string(),
            "action A1: version 3 found where version 2 was expected"
        );
        assert_eq!(History::restore(vec![]), Err(HistoryError::Empty));
    }

    #[test]
    fn progress_per_objective() {
        let plan = Plan {
            actions: vec![
                action(
                    "A1",
                    &[1, 3],
                    Status::Ongoing,
                    Step::Implementation,
                    Some((100, "TND")),
                ),
                action(
                    "A2",
                    &[1],
                    Status::Completed,
                    Step::Implementation,
                    Some((50, "TND")),
                ),
                action("A3", &[1], Status::Planned, Step::Design, Some((7, "EUR"))),
                action("A4", &[8], Status::Suspended, Step::Implementation, None),
            ],
            indicators: vec![
                Indicator {
                    action: "A1".into(),
                    code: "17.18.1".into(),
                    ..indicator(
                        40.0,
                        80.0,
                        None,
                        &[(2021, 50.0), (2022, 60.0), (2027, 10.0)],
                    )
                },
                Indicator {
                    action: "A4".into(),
                    code: "10.7.3".into(),
                    ..indicator(300.0, 100.0, None, &[(2021, 250.0), (2022, 320.0)])
                },
                Indicator {
                    action: "A4".into(),
                    code: "bad".into(),
                    ..indicator(5.0, 5.0, None, &[(2021, 5.0)])
                },
            ],
            evaluations: vec![
                Evaluation {
                    id: "E1".into(),
                    action: "A2".into(),
                    date: d("2022-06-01"),
                    author: "team".into(),
                    learned: "works".into(),
                    obstacles: vec![],
                },
                Evaluation {
                    id: "E2".into(),
                    action: "A2".into(),
                    date: d("2027-06-01"),
                    author: "team".into(),
                    learned: "later".into(),
                    obstacles: vec![],
                },
            ],
            evidence: vec![
                Evidence {
                    action: "A1".into(),
                    title: "portal launch report".into(),
                    attachment: "sha256:ab12".into(),
                    date: d("2022-03-01"),
                },
                Evidence {
                    action: "A1".into(),
                    title: "later".into(),
                    attachment: "sha256:cd34".into(),
                    date: d("2023-03-01"),
                },
            ],
        };
        let p = progress(&plan, d("2022-12-31"));
        assert_eq!(p.len(), 23);
        let o1 = &p[0];
        assert_eq!(o1.actions(), 3);
        assert_eq!(
            o1.by_status,
            BTreeMap::from([
                (Status::Planned, 1),
                (Status::Ongoing, 1),
                (Status::Completed, 1)
            ])
        );
        assert_eq!(
            o1.by_step,
            BTreeMap::from([(Step::Design, 1), (Step::Implementation, 2)])
        );
        assert_eq!(o1.budget, BTreeMap::from([("EUR", 7), ("TND", 150)]));
        assert_eq!(o1.indicators.len(), 1);
        assert_eq!(
            (o1.indicators[0].latest, o1.indicators[0].trend),
            (Some(60.0), Some(Trend::Improving)),
            "2027 is after the period"
        );
        assert_eq!((o1.evaluations, o1.evidence), (1, 1));
        assert_eq!(
            p[2].evidence, 1,
            "evidence of A1 counts for objective 3 too"
        );
        assert_eq!(p[2].actions(), 1, "objective 3 shares A1");
        assert_eq!(p[1].actions(), 0, "objectives without actions are listed");
        let o8 = &p[7];
        let trends: Vec<(&str, Option<Trend>)> = o8
            .indicators
            .iter()
            .map(|i| (i.code.as_str(), i.trend))
            .collect();
        assert_eq!(trends, [("10.7.3", Some(Trend::Worsening)), ("bad", None)]);
    }

    #[test]
    fn plan_cross_checks() {
        let mut plan = Plan {
            actions: vec![
                action("A1", &[1], Status::Draft, Step::Design, None),
                action("A1", &[2], Status::Draft, Step::Design, None),
            ],
            indicators: vec![Indicator {
                action: "A9".into(),
                ..indicator(1.0, 2.0, None, &[])
            }],
            evaluations: vec![Evaluation {
                id: "E1".into(),
                action: "A1".into(),
                date: d("2025-01-01"),
                author: "x".into(),
                learned: " ".into(),
                obstacles: vec![],
            }],
            evidence: vec![Evidence {
                action: "A1".into(),
                title: "decree".into(),
                attachment: String::new(),
                date: d("2025-02-01"),
            }],
        };
        let got: Vec<String> = plan
            .validate()
            .unwrap_err()
            .iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(
            got,
            [
                "action A1: id: the id is used twice",
                "indicator 10.7.3 of action A9: action: no action 'A9' in the plan",
                "evaluation E1: learned is empty",
                "evidence[0] of action A1: attachment is empty",
            ]
        );
        plan.actions.pop();
        plan.indicators[0].action = "A1".into();
        plan.evaluations[0]
            .obstacles
            .push("no budget released".into());
        plan.evidence[0].attachment = "sha256:ef56".into();
        assert_eq!(plan.validate(), Ok(()));
    }

    #[test]
    fn codes_and_periods() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.code()), Some(s));
        }
        assert_eq!(Period::year(2025).unwrap().to_string(), "2025");
        assert_eq!(
            Period {
                start: d("2025-01-01"),
                end: d("2025-06-30")
            }
            .to_string(),
            "2025-01-01/2025-06-30"
        );
    }

    #[test]
    fn labels_are_trilingual() {
        crate::check_labels(&Status::ALL.iter().map(|x| x.label()).collect::<Vec<_>>());
    }

    #[test]
    fn trend_labels_are_trilingual() {
        crate::check_labels(&Trend::ALL.iter().map(|x| x.label()).collect::<Vec<_>>());
    }
}

//! `marsad unify`, `marsad person show|split` and `marsad review list|show|accept|reject`: unified
//! numbers in the store, one person's records and history, and the clerical review queue with
//! the comparison weights that decided each pair. A thin layer over `marsad-unify` and the store:
//! parsing, progress bars and printing.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use marsad_model::{Clock, UnifiedNumber};
use marsad_store::{
    LinkReview, PersonAction, PersonNumber, PersonStatus, RecordKey, ReviewId, ReviewStatus,
    SourceId, Store,
};
use marsad_unify::{Applied, Mode};

use crate::StoreArgs;

/// Arguments of `marsad unify`.
#[derive(Args)]
pub struct UnifyArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Linkage settings (TOML), as for `marsad link`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Relink every person record and estimate the model again (the default links only the
    /// records without a number, once a full run has stored a model).
    #[arg(long)]
    pub full: bool,
    /// Free the store from a unification that died (its lock stays behind) before running.
    #[arg(long)]
    pub break_lock: bool,
}

#[derive(Subcommand)]
pub enum PersonCommand {
    /// A person's records, aliases and history, by unified number (an alias shows its survivor).
    Show {
        #[command(flatten)]
        store: StoreArgs,
        /// The 12-digit unified number (spaces and hyphens allowed).
        number: String,
    },
    /// Moves records that are another person off a person onto a new unified number (the
    /// person keeps its number; the history records who split it and why).
    Split {
        #[command(flatten)]
        store: StoreArgs,
        /// The person's 12-digit unified number.
        number: String,
        /// A record to move, as SOURCE/RECORD_ID (as `marsad person show` lists them); repeat
        /// for several.
        #[arg(long = "record", value_name = "SOURCE/RECORD_ID", required = true)]
        records: Vec<String>,
        /// Who splits (kept in the person's history).
        #[arg(long)]
        by: String,
        /// Why (kept in the person's history).
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub enum ReviewCommand {
    /// Pairs in the review queue, oldest first.
    List {
        #[command(flatten)]
        store: StoreArgs,
        /// open, accepted or rejected.
        #[arg(long, default_value = "open")]
        status: String,
        /// Show pairs after this review id.
        #[arg(long)]
        after: Option<i64>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// One pair: both records side by side and the weight each comparison contributed.
    Show {
        #[command(flatten)]
        store: StoreArgs,
        id: i64,
    },
    /// The two records are one person: merges their persons (the older number survives).
    Accept {
        #[command(flatten)]
        store: StoreArgs,
        id: i64,
        /// Who decides (recorded in the persons' history).
        #[arg(long, default_value = "cli")]
        by: String,
    },
    /// The two records are two people: splits one off when nothing else joins them.
    Reject {
        #[command(flatten)]
        store: StoreArgs,
        id: i64,
        /// Who decides (recorded in the persons' history).
        #[arg(long, default_value = "cli")]
        by: String,
    },
}

/// `marsad unify`.
pub fn unify(args: &UnifyArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let config = crate::link::load_config(args.config.as_deref())?;
    let s = args.store.open()?;
    if args.break_lock {
        match s.break_run_lock(marsad_unify::LOCK)? {
            Some(l) => eprintln!(
                "lock of {} (since {}) removed",
                l.holder,
                l.since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            ),
            None => eprintln!("no unification held the store"),
        }
    }
    let mode = if args.full { Mode::Full } else { Mode::Auto };
    let phases = Phases::new();
    let mut random = system_random();
    let report = marsad_unify::unify_with(
        s.as_ref(),
        &config,
        mode,
        "cli",
        clock,
        &mut random,
        &phases,
    );
    let times = phases.finish();
    let r = report?;
    let how = match r.mode {
        Mode::Full => "full (every record linked, model estimated, index rebuilt)",
        _ => "incremental (records without a number, against the numbered ones)",
    };
    println!("run                {how}");
    println!("person records     {}", r.records);
    if r.mode == Mode::Full {
        println!("linked             {}", r.linked);
    } else {
        println!(
            "linked             {} new, against {} numbered record(s) sharing a block",
            r.linked, r.compared_with
        );
    }
    println!("candidate pairs    {}", r.candidate_pairs);
    println!("joined known       {}", r.joined_known);
    println!("new persons        {}", r.persons_created);
    println!("records numbered   {}", r.records_assigned);
    println!(
        "conflicts (sent to review, not merged)  {}",
        r.conflicting_clusters
    );
    println!("ambiguous links (sent to review)  {}", r.ambiguous_links);
    println!("pairs added to the review queue  {}", r.reviews_added);
    println!("review decisions used  {}", r.labels);
    println!("records indexed    {}", r.indexed);
    let total: Duration = times.iter().map(|(_, d)| *d).sum();
    let shown: Vec<String> = times
        .iter()
        .map(|(n, d)| format!("{n} {:.2}s", d.as_secs_f64()))
        .collect();
    println!(
        "time               {:.2}s: {}",
        total.as_secs_f64(),
        shown.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

pub fn person(cmd: PersonCommand, clock: &dyn Clock) -> Result<ExitCode> {
    match cmd {
        PersonCommand::Split {
            store,
            number,
            records,
            by,
            reason,
        } => split(&store, &number, &records, &by, &reason, clock),
        PersonCommand::Show { store, number } => {
            let parsed = UnifiedNumber::parse(&number)?;
            let s = store.open()?;
            let asked = PersonNumber(parsed.as_u64());
            let p = s.person(asked).map_err(|e| match e {
                marsad_store::StoreError::NotFound { .. } => {
                    anyhow::anyhow!("no person has the number {parsed}")
                }
                other => other.into(),
            })?;
            let names = source_names(s.as_ref())?;
            let number = match (p.status, p.merged_into) {
                (PersonStatus::Merged, Some(into)) => {
                    println!("{parsed} is an alias: it was merged into {}", shown(into));
                    into
                }
                _ => asked,
            };
            let person = s.person(number)?;
            println!(
                "person {}  created {} by {}",
                shown(number),
                person.created_at.format("%Y-%m-%d %H:%M:%S UTC"),
                person.created_by
            );
            let aliases = s.person_aliases(number)?;
            if !aliases.is_empty() {
                let list: Vec<String> = aliases.iter().map(|n| shown(*n)).collect();
                println!("aliases            {}", list.join(", "));
            }
            let records = s.person_records(number)?;
            println!("records            {}", records.len());
            for key in &records {
                let values = record_values(s.as_ref(), key)?;
                let get = |f: &str| values.get(f).cloned().unwrap_or_default();
                println!(
                    "  {:<28} {} {} | father {} | born {} | {} | doc {}",
                    record_name(&names, key),
                    get("given_name"),
                    get("family_name"),
                    dash(&get("father_name")),
                    dash(&get("birth_date")),
                    dash(&get("sex")),
                    dash(&get("document_number")),
                );
            }
            println!("history");
            for e in s.person_events(number)? {
                let numbers: Vec<String> = e.numbers.iter().map(|n| shown(*n)).collect();
                let what = match e.action {
                    PersonAction::Merge => format!(
                        "merge {} into {}",
                        numbers.get(1).cloned().unwrap_or_default(),
                        numbers.first().cloned().unwrap_or_default()
                    ),
                    PersonAction::Split => format!(
                        "split {} record(s) off {} onto {}",
                        e.records.len(),
                        numbers.first().cloned().unwrap_or_default(),
                        numbers.get(1).cloned().unwrap_or_default()
                    ),
                    PersonAction::Assign => {
                        format!("assign {} record(s)", e.records.len())
                    }
                    PersonAction::Create => format!("create {}", numbers.join(", ")),
                    PersonAction::Review => {
                        let pair: Vec<String> =
                            e.records.iter().map(|k| record_name(&names, k)).collect();
                        format!("review {}", pair.join(" / "))
                    }
                };
                println!(
                    "  {}  {:<10} {what}{}",
                    e.at.format("%Y-%m-%d %H:%M:%S"),
                    e.actor,
                    e.reason.map(|r| format!(" — {r}")).unwrap_or_default()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

pub fn review(cmd: ReviewCommand, clock: &dyn Clock) -> Result<ExitCode> {
    match cmd {
        ReviewCommand::List {
            store,
            status,
            after,
            limit,
        } => {
            let status = ReviewStatus::parse(&status).with_context(|| {
                format!("--status '{status}' is not open, accepted or rejected")
            })?;
            let s = store.open()?;
            let names = source_names(s.as_ref())?;
            println!("id\tstatus\tweight\tleft\tright");
            for r in s.reviews(Some(status), after.map(ReviewId), limit)? {
                println!(
                    "{}\t{}\t{:.2}\t{}\t{}",
                    r.id.0,
                    r.status.as_str(),
                    r.weight,
                    side(s.as_ref(), &names, &r.left)?,
                    side(s.as_ref(), &names, &r.right)?
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::Show { store, id } => {
            let s = store.open()?;
            let r = s.review(ReviewId(id)).map_err(|e| match e {
                marsad_store::StoreError::NotFound { .. } => anyhow::anyhow!("no review {id}"),
                other => other.into(),
            })?;
            show_review(s.as_ref(), &r)?;
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::Accept { store, id, by } => decide(&store, id, true, &by, clock),
        ReviewCommand::Reject { store, id, by } => decide(&store, id, false, &by, clock),
    }
}

fn split(
    store: &StoreArgs,
    number: &str,
    records: &[String],
    by: &str,
    reason: &str,
    clock: &dyn Clock,
) -> Result<ExitCode> {
    let parsed = UnifiedNumber::parse(number)?;
    let s = store.open()?;
    let asked = PersonNumber(parsed.as_u64());
    let number = s.resolve_number(asked).map_err(|e| match e {
        marsad_store::StoreError::NotFound { .. } => {
            anyhow::anyhow!("no person has the number {parsed}")
        }
        other => other.into(),
    })?;
    let ids: HashMap<String, marsad_store::SourceId> =
        s.sources()?.into_iter().map(|x| (x.name, x.id)).collect();
    let held = s.person_records(number)?;
    let mut keys = Vec::with_capacity(records.len());
    for r in records {
        let Some((source, id)) = r.split_once('/') else {
            bail!(
                "--record {r}: write it as SOURCE/RECORD_ID, as `marsad person show` lists records"
            );
        };
        let Some(source_id) = ids.get(source) else {
            bail!("--record {r}: there is no source named {source}");
        };
        let Some(key) = held
            .iter()
            .find(|k| k.source == *source_id && k.record_id == id)
        else {
            bail!(
                "--record {r}: person {} holds no record {id} of source {source}",
                shown(number)
            );
        };
        if !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    let mut random = system_random();
    let new_number =
        marsad_unify::split_by_hand(s.as_ref(), number, &keys, by, reason, clock, &mut random)?;
    println!(
        "split {} record(s) off {} onto {}",
        keys.len(),
        shown(number),
        shown(new_number)
    );
    Ok(ExitCode::SUCCESS)
}

fn decide(
    store: &StoreArgs,
    id: i64,
    accepted: bool,
    by: &str,
    clock: &dyn Clock,
) -> Result<ExitCode> {
    let s = store.open()?;
    let mut random = system_random();
    let d = match marsad_unify::apply_decision(
        s.as_ref(),
        ReviewId(id),
        accepted,
        by,
        clock,
        &mut random,
    ) {
        Ok(d) => d,
        Err(marsad_unify::UnifyError::Store(marsad_store::StoreError::Conflict { .. })) => {
            bail!("review {id} is decided already")
        }
        Err(marsad_unify::UnifyError::Store(marsad_store::StoreError::NotFound { .. })) => {
            bail!("no review {id}")
        }
        Err(e) => return Err(e.into()),
    };
    let verdict = if accepted { "accepted" } else { "rejected" };
    let what = match &d.applied {
        Applied::Merged { keep, absorb } => {
            format!("merged {} into {}", shown(*absorb), shown(*keep))
        }
        Applied::Split {
            from,
            new_number,
            moved,
        } => format!(
            "split {} record(s) off {} onto {}",
            moved.len(),
            shown(*from),
            shown(*new_number)
        ),
        Applied::Joined { number, records } => {
            format!("{} record(s) joined {}", records.len(), shown(*number))
        }
        Applied::Created { number } => format!("new person {}", shown(*number)),
        Applied::Unchanged => "persons unchanged".to_string(),
        Applied::NotSplit => "not split".to_string(),
    };
    println!("review {id} {verdict}: {what}");
    println!("  {}", d.reason);
    Ok(ExitCode::SUCCESS)
}

/// Both records side by side, then the comparison weights.
fn show_review(s: &dyn Store, r: &LinkReview) -> Result<()> {
    let names = source_names(s)?;
    println!(
        "review {}  {}  weight {:.2}  created {}",
        r.id.0,
        r.status.as_str(),
        r.weight,
        r.created_at.format("%Y-%m-%d %H:%M:%S UTC")
    );
    if let (Some(by), Some(at)) = (&r.decided_by, r.decided_at) {
        println!("decided by {by} at {}", at.format("%Y-%m-%d %H:%M:%S UTC"));
    }
    let (left, right) = (record_values(s, &r.left)?, record_values(s, &r.right)?);
    let person =
        |k: &RecordKey| -> Result<String> { Ok(s.person_of(k)?.map_or("-".to_string(), shown)) };
    println!(
        "{:<16} {:<34} {}",
        "",
        record_name(&names, &r.left),
        record_name(&names, &r.right)
    );
    println!(
        "{:<16} {:<34} {}",
        "person",
        person(&r.left)?,
        person(&r.right)?
    );
    for f in marsad_link::PersonRow::COLUMNS
        .iter()
        .filter(|c| !matches!(**c, "source" | "record_id"))
    {
        let (a, b) = (
            left.get(*f).cloned().unwrap_or_default(),
            right.get(*f).cloned().unwrap_or_default(),
        );
        if a.is_empty() && b.is_empty() {
            continue;
        }
        println!("{f:<16} {:<34} {}", dash(&a), dash(&b));
    }
    let e: serde_json::Value = serde_json::from_str(&r.explanation).unwrap_or_default();
    println!("weights (bits; the score is the prior plus every weight)");
    if let Some(prior) = e.get("prior").and_then(serde_json::Value::as_f64) {
        println!("  {:<16} {prior:>8.2}", "prior");
    }
    if let Some(terms) = e.get("terms").and_then(serde_json::Value::as_object) {
        for (name, t) in terms {
            let weight = t.get("weight").and_then(serde_json::Value::as_f64);
            let level = t
                .get("level")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("unknown on one side");
            match weight {
                Some(w) => println!("  {name:<16} {w:>8.2}  {level}"),
                None => println!("  {name:<16} {:>8}  {level}", "-"),
            }
        }
    } else if let Some(terms) = e.as_object() {
        // An explanation given as plain weights per comparison.
        for (name, w) in terms {
            if let Some(w) = w.as_f64() {
                println!("  {name:<16} {w:>8.2}");
            }
        }
    }
    if let Some(score) = e.get("score").and_then(serde_json::Value::as_f64) {
        println!("  {:<16} {score:>8.2}", "score");
    }
    if let Some(note) = e.get("note").and_then(serde_json::Value::as_str) {
        println!("note: {note}");
    }
    Ok(())
}

fn source_names(s: &dyn Store) -> Result<HashMap<SourceId, String>> {
    Ok(s.sources()?.into_iter().map(|x| (x.id, x.name)).collect())
}

fn record_name(names: &HashMap<SourceId, String>, k: &RecordKey) -> String {
    format!(
        "{}/{}",
        names.get(&k.source).map_or("?", String::as_str),
        k.record_id
    )
}

/// `source/id given family` for lists.
fn side(s: &dyn Store, names: &HashMap<SourceId, String>, k: &RecordKey) -> Result<String> {
    let v = record_values(s, k)?;
    let get = |f: &str| v.get(f).cloned().unwrap_or_default();
    Ok(format!(
        "{} {} {}",
        record_name(names, k),
        get("given_name"),
        get("family_name")
    ))
}

/// The record's current values as text (empty when it is no longer visible).
fn record_values(s: &dyn Store, k: &RecordKey) -> Result<HashMap<String, String>> {
    let Some(v) = s.record(k.source, &k.kind, &k.record_id)? else {
        return Ok(HashMap::new());
    };
    let payload: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&v.payload).unwrap_or_default();
    Ok(payload
        .into_iter()
        .map(|(f, v)| {
            let text = match v {
                serde_json::Value::String(s) => s,
                serde_json::Value::Null => String::new(),
                other => other.to_string(),
            };
            (f, text)
        })
        .collect())
}

/// A number as people read it: `1234 5678 9012`.
fn shown(n: PersonNumber) -> String {
    let d = format!("{:012}", n.0);
    format!("{} {} {}", &d[..4], &d[4..8], &d[8..])
}

fn dash(s: &str) -> &str {
    if s.is_empty() {
        "-"
    } else {
        s
    }
}

/// Unified numbers from the operating system's generator (a failing generator, never seen,
/// falls back to a mixed sequence: the store refuses a number issued before anyway).
fn system_random() -> impl FnMut() -> u64 {
    let mut fallback = 0x9e37_79b9_7f4a_7c15_u64;
    move || {
        getrandom::u64().unwrap_or_else(|_| {
            fallback = fallback
                .wrapping_mul(0x5851_f42d_4c95_7f2d)
                .wrapping_add(0x1405_7b7e_f767_814f);
            fallback
        })
    }
}

/// A progress bar per phase on stderr (drawn only on a terminal), and each phase's time
/// (phases of one name added up).
struct Phases {
    bar: ProgressBar,
    times: RefCell<Vec<(String, Duration)>>,
    current: RefCell<Option<(String, Instant)>>,
}

impl Phases {
    fn new() -> Phases {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Phases {
            bar: ProgressBar::with_draw_target(None, target),
            times: RefCell::new(Vec::new()),
            current: RefCell::new(None),
        }
    }

    fn close(&self) {
        if let Some((name, start)) = self.current.borrow_mut().take() {
            let mut times = self.times.borrow_mut();
            match times.iter_mut().find(|(n, _)| *n == name) {
                Some((_, d)) => *d += start.elapsed(),
                None => times.push((name, start.elapsed())),
            }
        }
    }

    fn finish(&self) -> Vec<(String, Duration)> {
        self.close();
        self.bar.finish_and_clear();
        self.times.borrow().clone()
    }
}

impl marsad_link::Progress for Phases {
    fn phase(&self, name: &str, total: u64) {
        self.close();
        *self.current.borrow_mut() = Some((name.to_string(), Instant::now()));
        self.bar.set_length(total);
        self.bar.set_position(0);
        let template = if total > 0 {
            "{msg:>12} [{bar:30}] {human_pos}/{human_len} eta {eta}"
        } else {
            "{msg:>12} {spinner} {human_pos} {elapsed}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_message(name.to_string());
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }
}

//! Unified numbers in the store: runs the linkage engine over the store's person records and
//! turns its clusters into durable persons, so that one person has one number across sources,
//! and applies clerks' review decisions to those persons.
//!
//! # Runs
//! - **Full** ([`Mode::Full`], `marsad unify --full`): links every visible person record,
//!   estimates the model on all of them (the clerks' decisions so far are labels of that
//!   estimation, and decide their own pairs), then rebuilds the incremental index: the block
//!   keys of every record and the estimated model, both kept in the store.
//! - **Incremental** ([`Mode::Incremental`], the default once a full run has stored a model):
//!   links only the records that hold no number yet. Their block keys are computed, the store
//!   returns the numbered records sharing a block with them (blocks larger than the cap in the
//!   whole store are skipped, as a full run would), and the other records of those records'
//!   persons (for the chaining guard). Pairs holding a new record are scored with the **stored
//!   model** (not estimated again: estimation needs all the candidate pairs, and a model
//!   estimated on one submission would be estimated on the wrong population); only its
//!   name-frequency tables take in the new records, so a name growing frequent counts less.
//!   A new record joins the best known person it links to (under the clustering guard) or forms
//!   a new person with the new records it links to. The model is estimated again, with the
//!   labels, by the next full run.
//!
//! [`Mode::Auto`] runs incrementally when a stored model exists and the new records are no more
//! than the numbered ones; otherwise (first run, an index cleared by an interrupted full run, or
//! more new records than numbered ones: a model estimated on fewer records than it would score)
//! it runs in full.
//!
//! # Rules (issue 3)
//! A number, once given to a person, never changes because of a run: a run only numbers
//! records that hold no number. In a full run, a cluster whose records hold no number yet gets a
//! new random one (`UnifiedNumber`, Verhoeff); a cluster holding exactly one number gives it to
//! its new records; a cluster holding several numbers is **not** merged: its new records go to
//! the number holding most of its records, and the pairs joining the other numbers go to
//! clerical review. In an incremental run, known persons never merge: a new record linking to
//! two of them joins the better one and the other pair goes to review. Pairs scored in the
//! review band go to the review queue with the weight each comparison contributed. A pair a
//! clerk decided is never sent to review again, never linked when rejected, and always linked
//! when accepted.
//!
//! Review decisions are applied by [`apply_decision`] (module `decide` documents the rules).
//!
//! This crate does no linking itself (that is `marsad-link`, pure) and knows no SQL (that is
//! `marsad-store`); it only moves results between them. Randomness and time are parameters.

use std::collections::HashMap;

use marsad_link::{Label, LinkConfig, Model, PersonRow, Progress, Record};
use marsad_model::{Clock, UnifiedNumber};
use marsad_store::{
    LinkRecord, LinkSelection, NewReview, Numbering, PersonNumber, RecordBlocks, RecordHandle,
    RecordKey, SourceId, Store, StoreError,
};

mod decide;
mod full;
mod incremental;
mod split;

pub use decide::{apply_decision, Applied, Decision};
pub use split::split_by_hand;

/// How [`unify_with`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Incremental when possible, full otherwise (see the crate docs).
    Auto,
    /// Relink every record and rebuild the index.
    Full,
    /// Link only the records without a number; refused without a stored model.
    Incremental,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Auto => "auto",
            Mode::Full => "full",
            Mode::Incremental => "incremental",
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnifyReport {
    /// The mode the run took ([`Mode::Full`] or [`Mode::Incremental`]).
    pub mode: Mode,
    /// Visible person records.
    pub records: usize,
    /// Records linked by this run: all in a full run, those without a number in an
    /// incremental one.
    pub linked: usize,
    /// Numbered records read to link against (incremental runs).
    pub compared_with: usize,
    pub candidate_pairs: usize,
    pub persons_created: usize,
    /// Records newly given a number (new persons' records included).
    pub records_assigned: usize,
    /// Records given the number of a person known before the run.
    pub joined_known: usize,
    /// Full runs: clusters that hold two or more numbers; incremental runs: new records that
    /// link to two or more known persons (both sent to review, not merged).
    pub conflicting_clusters: usize,
    /// Links the run sent to review because the record links about as well to another
    /// person (ambiguous links), among the review pairs.
    pub ambiguous_links: usize,
    /// Pairs added to the review queue (a pair already in it is not counted).
    pub reviews_added: usize,
    /// Decided review pairs the run used.
    pub labels: usize,
    /// Numbered records whose block keys were (re)computed: every record in a full run;
    /// changed records and records assigned by a clerk in an incremental one.
    pub indexed: usize,
}

impl UnifyReport {
    fn new(mode: Mode) -> UnifyReport {
        UnifyReport {
            mode,
            records: 0,
            linked: 0,
            compared_with: 0,
            candidate_pairs: 0,
            persons_created: 0,
            records_assigned: 0,
            joined_known: 0,
            conflicting_clusters: 0,
            ambiguous_links: 0,
            reviews_added: 0,
            labels: 0,
            indexed: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UnifyError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("a stored person record cannot be read: {0}")]
    Payload(String),
    #[error("no unused unified number after {0} draws")]
    NumbersExhausted(u32),
    #[error("the stored linkage model cannot be used: {0}; run `marsad unify --full`")]
    Model(String),
    #[error("no linkage model is stored yet; run `marsad unify --full` first")]
    NoModel,
    #[error(
        "another unification is running on this store: {holder}, since {since}; if that run \
         is gone, `marsad unify --break-lock` frees the store"
    )]
    Busy { holder: String, since: String },
}

/// The run lock a unification holds in the store while it runs.
pub const LOCK: &str = "unify";

/// Links the store's person records ([`Mode::Auto`], no progress); see the crate docs.
pub fn unify(
    store: &dyn Store,
    config: &LinkConfig,
    actor: &str,
    clock: &dyn Clock,
    random: &mut dyn FnMut() -> u64,
) -> Result<UnifyReport, UnifyError> {
    unify_with(
        store,
        config,
        Mode::Auto,
        actor,
        clock,
        random,
        &marsad_link::NoProgress,
    )
}

/// Links the store's person records in `mode`, reporting phases to `progress` (the linkage
/// engine's phases, and `loading`, `numbering`, `reviewing`, `indexing`).
pub fn unify_with(
    store: &dyn Store,
    config: &LinkConfig,
    mode: Mode,
    actor: &str,
    clock: &dyn Clock,
    random: &mut dyn FnMut() -> u64,
    progress: &dyn Progress,
) -> Result<UnifyReport, UnifyError> {
    // One run at a time per store: two would number the same new records twice.
    let started = clock.now();
    let holder = format!(
        "{actor}, process {} at {}",
        std::process::id(),
        started.format("%Y-%m-%dT%H:%M:%S%.6fZ")
    );
    if let Some(held) = store.take_run_lock(LOCK, &holder, started)? {
        return Err(UnifyError::Busy {
            holder: held.holder,
            since: held.since.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        });
    }
    let result = unify_locked(store, config, mode, actor, clock, random, progress);
    let released = store.release_run_lock(LOCK, &holder);
    let report = result?;
    released?;
    Ok(report)
}

fn unify_locked(
    store: &dyn Store,
    config: &LinkConfig,
    mode: Mode,
    actor: &str,
    clock: &dyn Clock,
    random: &mut dyn FnMut() -> u64,
    progress: &dyn Progress,
) -> Result<UnifyReport, UnifyError> {
    let ctx = Context::new(store, config, actor, clock, progress)?;
    match mode {
        Mode::Full => full::run(&ctx, random),
        Mode::Incremental => match incremental::prepare(&ctx)? {
            Some(prepared) => incremental::run(&ctx, prepared, random),
            None => Err(UnifyError::NoModel),
        },
        Mode::Auto => match incremental::prepare(&ctx) {
            Ok(Some(prepared)) if prepared.new.len() <= prepared.numbered => {
                incremental::run(&ctx, prepared, random)
            }
            // No model yet, one this version cannot read, or more new records than numbered.
            Ok(_) | Err(UnifyError::Model(_)) => full::run(&ctx, random),
            Err(e) => Err(e),
        },
    }
}

/// What every phase needs.
struct Context<'a> {
    store: &'a dyn Store,
    config: &'a LinkConfig,
    actor: &'a str,
    clock: &'a dyn Clock,
    progress: &'a dyn Progress,
    /// Source names by id (the linkage compares sources).
    sources: HashMap<SourceId, String>,
    /// Persons with fingerprints enrolled: their records carry the person's number as their
    /// fingerprint identity (`Record::biometric`), so two such persons' records are told
    /// apart by their prints (which the enrolment's 1:N search already compared).
    fingerprinted: std::collections::HashSet<PersonNumber>,
}

impl<'a> Context<'a> {
    fn new(
        store: &'a dyn Store,
        config: &'a LinkConfig,
        actor: &'a str,
        clock: &'a dyn Clock,
        progress: &'a dyn Progress,
    ) -> Result<Self, UnifyError> {
        let sources = store
            .sources()?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let fingerprinted = store.fingerprinted_persons()?.into_iter().collect();
        Ok(Context {
            store,
            config,
            actor,
            clock,
            progress,
            sources,
            fingerprinted,
        })
    }

    /// Stored records read for the linkage.
    fn read(&self, stored: Vec<LinkRecord>, into: &mut Linked) -> Result<(), UnifyError> {
        for r in stored {
            let source = self.sources.get(&r.key.source).cloned().unwrap_or_default();
            let mut record = Record::from_row(&row_of(&r.payload, source, &r.key)?);
            record.biometric = r
                .person
                .filter(|p| self.fingerprinted.contains(p))
                .map(|p| p.0);
            into.records.push(record);
            into.meta.push(Meta {
                handle: r.handle,
                key: r.key,
                version: r.version,
                person: r.person,
            });
        }
        Ok(())
    }

    /// Every record of `selection`, read.
    fn load(&self, selection: LinkSelection) -> Result<Linked, UnifyError> {
        const PAGE: u32 = 10_000;
        let mut out = Linked::default();
        let mut after = None;
        loop {
            let (page, next) = self.store.link_records("person", selection, after, PAGE)?;
            self.progress.advance(page.len() as u64);
            self.read(page, &mut out)?;
            match next {
                Some(n) => after = Some(n),
                None => return Ok(out),
            }
        }
    }

    /// The decided pairs whose two records are in `index`, as the engine's labels.
    fn labels(&self, index: &HashMap<&RecordKey, u32>) -> Result<Vec<Label>, UnifyError> {
        Ok(self
            .store
            .review_labels()?
            .into_iter()
            .filter_map(|(l, r, same)| {
                Some(Label {
                    a: *index.get(&l)?,
                    b: *index.get(&r)?,
                    same,
                })
            })
            .collect())
    }

    /// Issues new numbers and assigns records in batches; returns records changed.
    fn number(
        &self,
        mut groups: Vec<Numbering>,
        random: &mut dyn FnMut() -> u64,
    ) -> Result<u64, UnifyError> {
        const BATCH: usize = 1000;
        const RETRIES: u32 = 8;
        let now = self.clock.now();
        let mut changed = 0;
        self.progress.phase("numbering", groups.len() as u64);
        for chunk in groups.chunks_mut(BATCH) {
            let mut tries = 0;
            loop {
                match self.store.number_persons(chunk, self.actor, now) {
                    Ok(n) => {
                        changed += n;
                        break;
                    }
                    // A drawn number was issued before (odds about one in ten million per
                    // number): draw the batch's new numbers again.
                    Err(StoreError::Conflict { .. }) if tries < RETRIES => {
                        tries += 1;
                        for g in chunk.iter_mut().filter(|g| g.new) {
                            g.number = draw(random);
                        }
                    }
                    Err(StoreError::Conflict { .. }) => {
                        return Err(UnifyError::NumbersExhausted(RETRIES))
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            self.progress.advance(chunk.len() as u64);
        }
        Ok(changed)
    }

    /// Adds review pairs in batches; returns how many were new in the queue.
    fn review(&self, reviews: Vec<NewReview>) -> Result<usize, UnifyError> {
        const BATCH: usize = 1000;
        let now = self.clock.now();
        self.progress.phase("reviewing", reviews.len() as u64);
        let mut added = 0;
        for chunk in reviews.chunks(BATCH) {
            added += self
                .store
                .add_reviews(chunk, now)?
                .iter()
                .filter(|(_, new)| *new)
                .count();
            self.progress.advance(chunk.len() as u64);
        }
        Ok(added)
    }

    /// Stores the block keys of the records `which` of `linked`.
    fn index(&self, linked: &Linked, which: &[usize]) -> Result<(), UnifyError> {
        // Large batches: the store writes each batch's keys in key order.
        const BATCH: usize = 50_000;
        self.progress.phase("indexing", which.len() as u64);
        for chunk in which.chunks(BATCH) {
            let blocks: Vec<RecordBlocks> = chunk
                .iter()
                .map(|&i| RecordBlocks {
                    handle: linked.meta[i].handle,
                    version: linked.meta[i].version,
                    keys: marsad_link::block_keys(&linked.records[i]),
                })
                .collect();
            self.store.put_blocks(&blocks)?;
            self.progress.advance(chunk.len() as u64);
        }
        Ok(())
    }

    /// Stores the model with the configuration its estimation used.
    fn save_model(&self, model: &Model, estimated_with: &LinkConfig) -> Result<(), UnifyError> {
        let text = model
            .to_json(estimated_with)
            .map_err(|e| UnifyError::Model(e.to_string()))?;
        self.store.put_link_model(&text, self.clock.now())?;
        Ok(())
    }
}

/// What the store says about a record.
struct Meta {
    handle: RecordHandle,
    key: RecordKey,
    version: u32,
    person: Option<PersonNumber>,
}

/// Stored records and their engine records, index for index.
#[derive(Default)]
struct Linked {
    meta: Vec<Meta>,
    records: Vec<Record>,
}

impl Linked {
    fn len(&self) -> usize {
        self.records.len()
    }

    fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Index of each record key.
    fn index(&self) -> HashMap<&RecordKey, u32> {
        self.meta
            .iter()
            .enumerate()
            .map(|(i, m)| (&m.key, i as u32))
            .collect()
    }
}

/// A canonical person row from a stored payload.
fn row_of(payload: &str, source: String, key: &RecordKey) -> Result<PersonRow, UnifyError> {
    let payload: serde_json::Map<String, serde_json::Value> = serde_json::from_str(payload)
        .map_err(|e| UnifyError::Payload(format!("{source} {}: {e}", key.record_id)))?;
    let mut row = PersonRow {
        source,
        ..PersonRow::default()
    };
    for column in PersonRow::COLUMNS.iter().filter(|c| **c != "source") {
        if let (Some(field), Some(value)) = (row.field_mut(column), payload.get(*column)) {
            *field = value.as_str().unwrap_or_default().to_string();
        }
    }
    Ok(row)
}

/// A new unified number (not checked against the store: [`Store::number_persons`] refuses a
/// number issued before and the batch draws again).
fn draw(random: &mut dyn FnMut() -> u64) -> PersonNumber {
    PersonNumber(UnifiedNumber::generate(random).as_u64())
}

/// The weight each comparison contributed, as JSON for the review queue.
fn explanation_json(model: &Model, a: &Record, b: &Record, note: Option<&str>) -> String {
    let e = model.explain(a, b);
    let terms: serde_json::Map<String, serde_json::Value> = e
        .terms
        .iter()
        .map(|t| {
            (
                t.comparison.name().to_string(),
                serde_json::json!({ "level": t.level, "weight": t.weight }),
            )
        })
        .collect();
    serde_json::json!({ "score": e.score, "prior": e.prior, "terms": terms, "note": note })
        .to_string()
}

/// A review pair of records `a` and `b`, explained.
fn new_review(
    model: &Model,
    linked: &Linked,
    (a, b): (usize, usize),
    score: f64,
    note: Option<&str>,
) -> NewReview {
    NewReview {
        left: linked.meta[a].key.clone(),
        right: linked.meta[b].key.clone(),
        weight: if score.is_finite() { score } else { 0.0 },
        explanation: explanation_json(model, &linked.records[a], &linked.records[b], note),
    }
}

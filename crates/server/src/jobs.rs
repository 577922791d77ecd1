//! Imports in progress over HTTP: each upload becomes a job whose progress (phase, bytes, rows)
//! can be read while it runs, so a client sending a multi-gigabyte file can ask for `202
//! Accepted` and poll `GET /api/v1/imports/{id}` instead of holding the request open. Jobs live in
//! memory; the submission they create is durable in the store whatever happens to the job.
//!
//! Its sibling [`ExtractJobs`] follows the research extracts being built after their approval
//! (one job per request, phases and rows done, the error of a failed build); the store keeps the
//! request's state, so a job lost with the process is started again from it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use chrono::{DateTime, Utc};

/// How many finished jobs are remembered (the oldest are forgotten first).
const KEEP_FINISHED: usize = 200;

/// The phases of an import, in order.
pub const PHASES: [&str; 5] = ["queued", "hashing", "importing", "finalizing", "done"];

/// One import, observed from the HTTP side.
pub struct Job {
    pub id: u64,
    pub source: String,
    pub file_name: String,
    pub started_at: DateTime<Utc>,
    phase: AtomicU8,
    total: AtomicU64,
    bytes: AtomicU64,
    rows: AtomicU64,
    /// Set once: the HTTP status and body the import ended with.
    outcome: Mutex<Option<(StatusCode, serde_json::Value)>>,
}

impl Job {
    pub fn phase_name(&self) -> &'static str {
        PHASES
            .get(usize::from(self.phase.load(Ordering::Relaxed)))
            .copied()
            .unwrap_or("queued")
    }

    pub fn progress(&self) -> (u64, u64, u64) {
        (
            self.bytes.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
            self.rows.load(Ordering::Relaxed),
        )
    }

    pub fn outcome(&self) -> Option<(StatusCode, serde_json::Value)> {
        self.outcome.lock().ok().and_then(|o| o.clone())
    }

    pub fn finish(&self, status: StatusCode, body: serde_json::Value) {
        if let Ok(mut o) = self.outcome.lock() {
            *o = Some((status, body));
        }
        self.phase.store(4, Ordering::Relaxed);
    }
}

impl marsad_ingest::Progress for Job {
    fn phase(&self, name: &str, total: u64) {
        if let Some(i) = PHASES.iter().position(|p| *p == name) {
            self.phase.store(i as u8, Ordering::Relaxed);
        }
        self.total.store(total, Ordering::Relaxed);
        self.bytes.store(0, Ordering::Relaxed);
    }

    fn advance(&self, bytes: u64, rows: u64) {
        self.bytes.store(bytes, Ordering::Relaxed);
        if rows > 0 {
            self.rows.store(rows, Ordering::Relaxed);
        }
    }
}

/// The server's jobs.
#[derive(Default)]
pub struct Jobs {
    next: AtomicU64,
    jobs: Mutex<BTreeMap<u64, Arc<Job>>>,
}

impl Jobs {
    pub fn start(&self, source: &str, file_name: &str, at: DateTime<Utc>) -> Arc<Job> {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let job = Arc::new(Job {
            id,
            source: source.to_string(),
            file_name: file_name.to_string(),
            started_at: at,
            phase: AtomicU8::new(0),
            total: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            rows: AtomicU64::new(0),
            outcome: Mutex::new(None),
        });
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.insert(id, job.clone());
            let finished: Vec<u64> = jobs
                .values()
                .filter(|j| j.outcome().is_some())
                .map(|j| j.id)
                .collect();
            for old in finished
                .iter()
                .take(finished.len().saturating_sub(KEEP_FINISHED))
            {
                jobs.remove(old);
            }
        }
        job
    }

    pub fn get(&self, id: u64) -> Option<Arc<Job>> {
        self.jobs.lock().ok()?.get(&id).cloned()
    }

    /// Newest first.
    pub fn list(&self) -> Vec<Arc<Job>> {
        self.jobs
            .lock()
            .map(|jobs| jobs.values().rev().cloned().collect())
            .unwrap_or_default()
    }
}

/// The phases of building an approved research extract, in order.
pub const EXTRACT_PHASES: [&str; 6] = [
    "queued",
    "building",
    "checking risk",
    "sealing",
    "recording",
    "failed",
];

/// The build of one approved research extract, observed from the HTTP side.
pub struct ExtractJob {
    pub request_id: i64,
    pub started_at: DateTime<Utc>,
    phase: AtomicU8,
    /// Rows of the extract, once built.
    rows: AtomicU64,
    running: AtomicBool,
    /// Why the build failed (a text for the data-protection officer, no personal data).
    error: Mutex<Option<String>>,
}

impl ExtractJob {
    pub fn phase_name(&self) -> &'static str {
        EXTRACT_PHASES
            .get(usize::from(self.phase.load(Ordering::Relaxed)))
            .copied()
            .unwrap_or("queued")
    }

    /// Moves to the phase `name` (one of [`EXTRACT_PHASES`]).
    pub fn enter(&self, name: &str) {
        if let Some(i) = EXTRACT_PHASES.iter().position(|p| *p == name) {
            self.phase.store(i as u8, Ordering::Relaxed);
        }
    }

    pub fn set_rows(&self, rows: u64) {
        self.rows.store(rows, Ordering::Relaxed);
    }

    /// The rows built, once known.
    pub fn rows(&self) -> Option<u64> {
        Some(self.rows.load(Ordering::Relaxed)).filter(|r| *r > 0)
    }

    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::Relaxed)
    }

    pub fn error(&self) -> Option<String> {
        self.error.lock().ok().and_then(|e| e.clone())
    }

    /// The build stopped with `error`; the request stays approved until it is built again.
    pub fn fail(&self, error: &str) {
        if let Ok(mut e) = self.error.lock() {
            *e = Some(error.to_string());
        }
        self.enter("failed");
        self.running.store(false, Ordering::Relaxed);
    }
}

/// The research extracts being built, by request (the store holds their outcome).
#[derive(Default)]
pub struct ExtractJobs {
    jobs: Mutex<BTreeMap<i64, Arc<ExtractJob>>>,
}

impl ExtractJobs {
    /// A new job for request `id`, replacing a failed one; `None` while one is running.
    pub fn start(&self, id: i64, at: DateTime<Utc>) -> Option<Arc<ExtractJob>> {
        let mut jobs = self.jobs.lock().ok()?;
        if jobs.get(&id).is_some_and(|j| j.is_running()) {
            return None;
        }
        let job = Arc::new(ExtractJob {
            request_id: id,
            started_at: at,
            phase: AtomicU8::new(0),
            rows: AtomicU64::new(0),
            running: AtomicBool::new(true),
            error: Mutex::new(None),
        });
        jobs.insert(id, job.clone());
        Some(job)
    }

    pub fn get(&self, id: i64) -> Option<Arc<ExtractJob>> {
        self.jobs.lock().ok()?.get(&id).cloned()
    }

    /// `job` ended with its outcome recorded in the store: it is forgotten.
    pub fn finish(&self, job: &Arc<ExtractJob>) {
        job.running.store(false, Ordering::Relaxed);
        if let Ok(mut jobs) = self.jobs.lock() {
            if jobs
                .get(&job.request_id)
                .is_some_and(|j| Arc::ptr_eq(j, job))
            {
                jobs.remove(&job.request_id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use marsad_ingest::Progress;

    #[test]
    fn jobs_report_progress_and_forget_old_finished_ones() {
        let jobs = Jobs::default();
        let at = DateTime::<Utc>::default();
        let job = jobs.start("census", "a.csv", at);
        assert_eq!(job.phase_name(), "queued");
        job.phase("importing", 1000);
        job.advance(250, 4096);
        assert_eq!(
            (job.phase_name(), job.progress()),
            ("importing", (250, 1000, 4096))
        );
        job.finish(StatusCode::CREATED, serde_json::json!({"accepted": 1}));
        assert_eq!(job.phase_name(), "done");
        for i in 0..KEEP_FINISHED + 10 {
            jobs.start("census", &format!("{i}.csv"), at)
                .finish(StatusCode::OK, serde_json::Value::Null);
        }
        assert!(
            jobs.get(job.id).is_none(),
            "the oldest finished job is forgotten"
        );
        assert!(jobs.list().len() <= KEEP_FINISHED + 1);
    }

    #[test]
    fn one_extract_job_per_request_and_a_failed_one_is_replaced() {
        let jobs = ExtractJobs::default();
        let at = DateTime::<Utc>::default();
        let job = jobs.start(7, at).unwrap();
        assert!(
            jobs.start(7, at).is_none(),
            "one build per request at a time"
        );
        job.enter("checking risk");
        job.set_rows(40);
        assert_eq!((job.phase_name(), job.rows()), ("checking risk", Some(40)));
        job.fail("the extract could not be built");
        assert_eq!(jobs.get(7).unwrap().phase_name(), "failed");
        let again = jobs.start(7, at).unwrap();
        assert!(again.is_running() && again.error().is_none());
        jobs.finish(&again);
        assert!(jobs.get(7).is_none(), "a finished build is forgotten");
    }
}

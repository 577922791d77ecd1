//! Imports in progress over HTTP: each upload becomes a job whose progress (phase, bytes, rows)
//! can be read while it runs, so a client sending a multi-gigabyte file can ask for `202
//! Accepted` and poll `GET /api/v1/imports/{id}` instead of holding the request open. Jobs live in
//! memory; the submission they create is durable in the store whatever happens to the job.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
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
}

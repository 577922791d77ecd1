//! Time per phase of the engine on canonical person CSVs (a development tool for profiling
//! `marsad link` without building the whole CLI): reading rows into [`Record`]s, then each
//! phase of [`marsad_link::link`].
//!
//! ```sh
//! cargo run --release -p marsad-link --example link_time -- DIR/census.csv DIR/border.csv ...
//! ```

// A development tool: an unreadable file ends it with a message.
#![allow(clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::time::Instant;

use marsad_link::{link, LinkConfig, PersonRow, Progress, Record};

/// Prints each phase's wall time and the processor time of the process (all threads, from
/// `/proc/self/stat`; a loaded machine stretches the first, much less the second) when the
/// next one starts.
struct Timer(RefCell<Option<(String, Instant, f64)>>);

/// User + system time of this process so far, in seconds (0 where `/proc` is missing).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // After the command name (in parentheses) come the state, ..., utime (12th), stime (13th).
    let rest = stat.rsplit_once(") ").map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split(' ').collect();
    let field = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (field(11) + field(12)) / 100.0
}

impl Timer {
    fn close(&self) {
        if let Some((name, start, cpu)) = self.0.borrow_mut().take() {
            eprintln!(
                "{name:<12} {:>8.2}s wall {:>8.2}s cpu",
                start.elapsed().as_secs_f64(),
                cpu_seconds() - cpu
            );
        }
    }
}

impl Progress for Timer {
    fn phase(&self, name: &str, _: u64) {
        self.close();
        *self.0.borrow_mut() = Some((name.to_string(), Instant::now(), cpu_seconds()));
    }
    fn advance(&self, _: u64) {}
}

/// Splits one CSV line (no quoted commas in the generated sets; quotes are stripped).
fn fields(line: &str) -> impl Iterator<Item = &str> {
    line.split(',').map(|f| f.trim().trim_matches('"'))
}

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let t = Timer(RefCell::new(None));
    t.phase("csv", 0);
    let mut rows = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut lines = text.lines();
        let header: Vec<&str> =
            fields(lines.next().unwrap_or("").trim_start_matches('\u{feff}')).collect();
        for line in lines.filter(|l| !l.is_empty()) {
            let mut row = PersonRow::default();
            for (h, v) in header.iter().zip(fields(line)) {
                if let Some(f) = row.field_mut(h) {
                    *f = v.to_string();
                }
            }
            rows.push(row);
        }
    }
    let config = LinkConfig::default();
    t.phase("records", 0);
    let records: Vec<Record> = Record::from_rows(&rows, config.threads());
    let linkage = link(&records, &config, &t);
    t.close();
    let s = &linkage.stats;
    eprintln!(
        "records {} pairs {} links {} reviews {} clusters {} largest {}",
        s.records, s.candidate_pairs, s.links, s.reviews, s.clusters, s.largest_cluster
    );
}

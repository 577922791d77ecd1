//! Prometheus metrics, kept in memory and written in the text exposition format by hand (the
//! format is small and a dependency would be larger than this file).
//!
//! Counters: HTTP requests by method, route template and status; request durations by route
//! (histogram); imports by outcome; import rows by result. The per-kind record gauge is read
//! from the store at scrape time by the `/metrics` handler.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the request duration histogram buckets.
const BUCKETS: [f64; 13] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// Import outcomes counted by `marsad_imports_total`.
pub const OUTCOMES: [&str; 5] = [
    "imported",
    "resumed",
    "already_imported",
    "rejected",
    "failed",
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    durations: BTreeMap<String, Histogram>,
    imports: BTreeMap<&'static str, u64>,
    rows: BTreeMap<&'static str, u64>,
}

/// The server's metrics registry.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    pub fn new() -> Metrics {
        let metrics = Metrics::default();
        {
            let mut inner = metrics.lock();
            for o in OUTCOMES {
                inner.imports.insert(o, 0);
            }
            for r in ["accepted", "unchanged", "rejected"] {
                inner.rows.insert(r, 0);
            }
        }
        metrics
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves counts that are still usable.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts one answered request. `route` is the route template (never the concrete path,
    /// which could hold identifiers).
    pub fn observe_request(&self, method: &str, route: &str, status: u16, latency: Duration) {
        let mut inner = self.lock();
        *inner
            .requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let seconds = latency.as_secs_f64();
        let h = inner.durations.entry(route.to_string()).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// Counts one import and its rows. `outcome` is one of [`OUTCOMES`].
    pub fn observe_import(
        &self,
        outcome: &'static str,
        accepted: u64,
        unchanged: u64,
        rejected: u64,
    ) {
        let mut inner = self.lock();
        *inner.imports.entry(outcome).or_default() += 1;
        *inner.rows.entry("accepted").or_default() += accepted;
        *inner.rows.entry("unchanged").or_default() += unchanged;
        *inner.rows.entry("rejected").or_default() += rejected;
    }

    /// The exposition text; `records` is the per-kind count read from the store (None when the
    /// store could not be read, then `marsad_store_up` is 0).
    pub fn render(&self, records: Option<&[(String, u64)]>) -> String {
        let inner = self.lock();
        let mut out = String::new();
        header(
            &mut out,
            "marsad_http_requests_total",
            "counter",
            "HTTP requests answered, by method, route template and status.",
        );
        for ((method, route, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "marsad_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(method),
                escape(route)
            );
        }
        header(
            &mut out,
            "marsad_http_request_duration_seconds",
            "histogram",
            "Time to answer HTTP requests, by route template.",
        );
        for (route, h) in &inner.durations {
            let route = escape(route);
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "marsad_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "marsad_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "marsad_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "marsad_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                h.count
            );
        }
        header(
            &mut out,
            "marsad_imports_total",
            "counter",
            "File imports through the API, by outcome.",
        );
        for (outcome, n) in &inner.imports {
            let _ = writeln!(out, "marsad_imports_total{{outcome=\"{outcome}\"}} {n}");
        }
        header(
            &mut out,
            "marsad_import_rows_total",
            "counter",
            "Data rows of API imports, by result (accepted, unchanged, rejected).",
        );
        for (result, n) in &inner.rows {
            let _ = writeln!(out, "marsad_import_rows_total{{result=\"{result}\"}} {n}");
        }
        header(
            &mut out,
            "marsad_store_up",
            "gauge",
            "1 when the store answered the last scrape, else 0.",
        );
        let _ = writeln!(out, "marsad_store_up {}", u8::from(records.is_some()));
        if let Some(records) = records {
            header(
                &mut out,
                "marsad_records",
                "gauge",
                "Current records in the store, by kind.",
            );
            for (kind, n) in records {
                let _ = writeln!(out, "marsad_records{{kind=\"{}\"}} {n}", escape(kind));
            }
        }
        out
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Escapes a label value (backslash, double quote, newline).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::new();
        m.observe_request("GET", "/healthz", 200, Duration::from_millis(3));
        m.observe_request("GET", "/healthz", 200, Duration::from_millis(200));
        m.observe_import("imported", 3, 1, 2);
        let text = m.render(Some(&[("person".to_string(), 3)]));
        assert!(text.contains(
            "marsad_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"
        ));
        assert!(text.contains(
            "marsad_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.005\"} 1"
        ));
        assert!(text.contains(
            "marsad_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.25\"} 2"
        ));
        assert!(text.contains("marsad_imports_total{outcome=\"imported\"} 1"));
        assert!(text.contains("marsad_imports_total{outcome=\"rejected\"} 0"));
        assert!(text.contains("marsad_import_rows_total{result=\"rejected\"} 2"));
        assert!(text.contains("marsad_records{kind=\"person\"} 3"));
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn escapes_label_values() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}

//! `GET /`: a minimal plain HTML page (no script) until the multilingual portal arrives: the name
//! in Arabic, French and English and links to sign in and to the API; for callers the policy lets
//! read the catalogue, also records per kind, submissions per source and recent submissions. Not
//! signed in, nobody sees counts or file names (only published statistics are public).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use axum::extract::State;
use axum::response::Html;
use marsad_store::{KindCount, Source, Submission};

use crate::error::ApiError;
use crate::AppState;

/// Submissions read for the per-source totals.
const SUBMISSIONS_READ: u32 = 1000;
/// Submissions listed as recent.
const RECENT: usize = 20;

struct Overview {
    kinds: Vec<KindCount>,
    sources: Vec<Source>,
    submissions: Vec<Submission>,
}

pub async fn index(
    State(state): State<AppState>,
    catalogue: Option<crate::access::Permit>,
) -> Result<Html<String>, ApiError> {
    if catalogue.is_none() {
        return Ok(Html(render_public()));
    }
    let overview = state
        .blocking(|store, _| {
            Ok(Overview {
                kinds: store.count_records()?,
                sources: store.sources()?,
                submissions: store.submissions(None, SUBMISSIONS_READ)?,
            })
        })
        .await?;
    Ok(Html(render(&overview)))
}

fn head() -> &'static str {
    concat!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
        "<title>marsad · مرصد · Observatoire</title>\n",
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:1rem auto;padding:0 1rem}",
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;text-align:start}",
        "td.n{text-align:end}</style>\n</head>\n<body>\n",
        "<h1><span lang=\"ar\" dir=\"rtl\">مرصد الهجرة</span> · ",
        "<span lang=\"fr\">Observatoire des migrations</span> · ",
        "<span lang=\"en\">Migration observatory</span></h1>\n",
        "<p>marsad, the national migration information system.</p>\n",
    )
}

fn render_public() -> String {
    let mut h = String::from(head());
    h.push_str(concat!(
        "<p><a href=\"/signin\">Sign in · Se connecter · <span lang=\"ar\" dir=\"rtl\">تسجيل الدخول</span></a></p>\n",
        "<p>API: <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a></p>\n",
        "</body>\n</html>\n",
    ));
    h
}

fn render(o: &Overview) -> String {
    let mut per_source: BTreeMap<&str, (u64, u64, u64)> = o
        .sources
        .iter()
        .map(|s| (s.name.as_str(), (0, 0, 0)))
        .collect();
    for s in &o.submissions {
        let e = per_source.entry(s.source_name.as_str()).or_default();
        e.0 += 1;
        e.1 += s.accepted;
        e.2 += s.rejected;
    }
    let mut h = String::from(head());
    h.push_str("<h2>Records</h2>\n");
    if o.kinds.is_empty() {
        h.push_str("<p>No records yet.</p>\n");
    } else {
        h.push_str("<table>\n<tr><th>kind</th><th>records</th></tr>\n");
        for k in &o.kinds {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
                escape(&k.kind),
                k.records
            );
        }
        h.push_str("</table>\n");
    }

    h.push_str("<h2>Sources</h2>\n");
    if per_source.is_empty() {
        h.push_str("<p>No sources registered yet.</p>\n");
    } else {
        let _ = writeln!(
            h,
            "<table>\n<tr><th>source</th><th>submissions</th><th>rows accepted</th><th>rows rejected</th></tr>"
        );
        for (name, (n, accepted, rejected)) in &per_source {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"n\">{n}</td><td class=\"n\">{accepted}</td><td class=\"n\">{rejected}</td></tr>",
                escape(name)
            );
        }
        h.push_str("</table>\n");
        if o.submissions.len() as u64 >= u64::from(SUBMISSIONS_READ) {
            let _ = writeln!(
                h,
                "<p>Totals over the latest {SUBMISSIONS_READ} submissions.</p>"
            );
        }
    }

    h.push_str("<h2>Recent submissions</h2>\n");
    if o.submissions.is_empty() {
        h.push_str("<p>No submissions yet.</p>\n");
    } else {
        h.push_str("<table>\n<tr><th>#</th><th>source</th><th>file</th><th>status</th><th>accepted</th><th>unchanged</th><th>rejected</th><th>started</th></tr>\n");
        for s in o.submissions.iter().take(RECENT) {
            let _ = writeln!(
                h,
                "<tr><td><a href=\"/api/v1/submissions/{id}/report\">{id}</a></td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                escape(&s.source_name),
                escape(&s.file_name),
                s.status.as_str(),
                s.accepted,
                s.unchanged,
                s.rejected,
                s.started_at.format("%Y-%m-%d %H:%M UTC"),
                id = s.id.0,
            );
        }
        h.push_str("</table>\n");
    }

    h.push_str(concat!(
        "<h2>API</h2>\n<ul>\n",
        "<li><a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a> (OpenAPI description)</li>\n",
        "<li><a href=\"/api/v1/sources\">/api/v1/sources</a></li>\n",
        "<li><a href=\"/api/v1/stats/records\">/api/v1/stats/records</a></li>\n",
        "<li><a href=\"/healthz\">/healthz</a> · <a href=\"/metrics\">/metrics</a></li>\n",
        "</ul>\n</body>\n</html>\n",
    ));
    h
}

/// Escapes text for HTML element content and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(escape("مرصد"), "مرصد");
    }
}

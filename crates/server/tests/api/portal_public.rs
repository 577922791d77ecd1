//! The public portal over HTTP and in a browser: every page in Arabic, French and English
//! (language and direction right, no missing message), suppressed cells never shown as a number,
//! CSV and XLSX downloads that agree with `/api/v1/indicators/{id}`, the page budget (HTML + CSS +
//! JS under 300 KB), no script needed to read; in headless Chromium: the language switcher,
//! screenshots of the home page in the three languages, the skip link first in the tab order,
//! and axe-core with no serious or critical violation.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use marsad_testkit::browser::Browser;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::statistics::{publisher, refreshed, seed};
use crate::support::TestApp;
use crate::SOURCE;

const LANGS: [(&str, &str); 3] = [("ar", "rtl"), ("fr", "ltr"), ("en", "ltr")];

/// The page budget: HTML + CSS + JS of a page, uncompressed.
const BUDGET: usize = 300 * 1024;

/// A server with the placements of `statistics::seed`, refreshed.
async fn app_with_figures() -> TestApp {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    app.with_store(seed).await;
    let client = publisher(&app).await;
    refreshed(&app, &client, true).await;
    app
}

/// The public pages of one language (after `/{lang}`).
fn pages() -> Vec<&'static str> {
    vec![
        "/",
        "/indicators/",
        "/indicators/WORKERS_PLACED",
        "/indicators/WORKERS_PLACED?by=SEX",
        "/indicators/WORKERS_PLACED?by=COUNTERPART_AREA&period=2024",
        "/indicators/WORKERS_PLACED?by=AGE",
        "/indicators/DEAD_MIGRANTS",
        "/explore",
        "/explore?indicator=WORKERS_PLACED&by=SEX&by2=COUNTERPART_AREA&period=2023&period=2024",
        "/explore?indicator=WORKERS_PLACED&by=CAUSE",
    ]
}

async fn text(app: &TestApp, path: &str) -> String {
    let r = app.anonymous.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.text().await.unwrap()
}

/// A message key shown in brackets: `[some-key]`.
fn missing_key(html: &str) -> Option<String> {
    let bytes = html.as_bytes();
    for (i, _) in html.match_indices('[') {
        let rest = &html[i + 1..];
        let end = rest
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .unwrap_or(rest.len());
        if end > 2 && rest[..end].contains('-') && bytes.get(i + 1 + end) == Some(&b']') {
            return Some(rest[..end].to_owned());
        }
    }
    None
}

/// The `<td …>` cells of a page's main table flagged as suppressed, as their text.
fn flagged_cells(html: &str) -> Vec<String> {
    let start = html.find("<table class=\"data\"").expect("a data table");
    let html = &html[start..];
    let html = &html[..html.find("</table>").unwrap()];
    html.match_indices("<td class=\"n flag\"")
        .map(|(i, _)| {
            let rest = &html[i..];
            let open = rest.find('>').unwrap();
            let close = rest.find("</td>").unwrap();
            rest[open + 1..close].to_owned()
        })
        .collect()
}

#[tokio::test]
async fn every_page_answers_in_three_languages() {
    let app = app_with_figures().await;
    for (lang, dir) in LANGS {
        for page in pages() {
            let path = format!("/{lang}{page}");
            let html = text(&app, &path).await;
            assert!(
                html.contains(&format!("<html lang=\"{lang}\" dir=\"{dir}\">")),
                "{path}"
            );
            assert_eq!(missing_key(&html), None, "{path}");
            assert!(!html.contains("<script"), "{path} needs no script");
            assert!(!html.contains("style=\""), "{path}: no inline style (CSP)");
        }
        // The home page shows the workers placed, with a chart and a link to the indicator.
        let home = text(&app, &format!("/{lang}/")).await;
        assert!(home.contains(&format!("href=\"/{lang}/indicators/WORKERS_PLACED\"")));
        assert!(home.contains("role=\"img\""));
        // Indicator pages: chart, table, map (counterpart area is a place), downloads, SDMX.
        let page = text(&app, &format!("/{lang}/indicators/WORKERS_PLACED")).await;
        for part in [
            "class=\"chart\"",
            "class=\"map\"",
            "<table class=\"data\"",
            &format!("/{lang}/indicators/WORKERS_PLACED.csv"),
            &format!("/{lang}/indicators/WORKERS_PLACED.xlsx"),
            "/sdmx/2.1/data/WORKERS_PLACED?format=csv",
            "data-code=\"FRA\"",
        ] {
            assert!(page.contains(part), "{lang}: {part}");
        }
        // The catalogue lists every indicator.
        let list = text(&app, &format!("/{lang}/indicators/")).await;
        let catalogue = json_of(&app, "/api/v1/indicators").await;
        let ids = catalogue["indicators"].as_array().unwrap();
        assert_eq!(ids.len(), 21);
        for i in ids {
            let href = format!("href=\"/{lang}/indicators/{}\"", i["id"].as_str().unwrap());
            assert_eq!(list.matches(&href).count(), 1, "{href}");
        }
    }
    // Numbers per language: 80 placements in 2023 and 2024.
    let en = text(&app, "/en/indicators/WORKERS_PLACED").await;
    let total: u64 = json_of(&app, "/api/v1/indicators/WORKERS_PLACED").await["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_f64().unwrap() as u64)
        .sum();
    assert_eq!(total, 80);
    // 40 placements a year, in the table as numbers in English.
    assert!(en.contains("<td class=\"n\">40</td>"), "{en}");
    // The SDMX links answer.
    for link in [
        "/sdmx/2.1/data/WORKERS_PLACED?format=csv",
        "/sdmx/2.1/data/WORKERS_PLACED?format=structurespecificdata",
    ] {
        let r = app.anonymous.get(app.url(link)).send().await.unwrap();
        let status = r.status();
        let body = r.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{link}: {body}");
    }
    // An unknown indicator is a page saying so, in the language; a bad breakdown too.
    let r = app
        .anonymous
        .get(app.url("/fr/indicators/NO_SUCH"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("lang=\"fr\""));
    let r = app
        .anonymous
        .get(app.url("/ar/indicators/WORKERS_PLACED?by=CAUSE"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("dir=\"rtl\""));
    // Eastern Arabic digits when the reader chose them.
    let r = app
        .anonymous
        .get(app.url("/ar/indicators/WORKERS_PLACED"))
        .header("cookie", "marsad_digits=arab")
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("٢٠٢٤"), "Eastern digits");
    app.stop().await;
}

async fn json_of(app: &TestApp, path: &str) -> Value {
    let r = app.anonymous.get(app.url(path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

/// Amounts are suppressed (counts are perturbed instead: see `downloads_agree_with_the_api`):
/// remittances by corridor and month rest on one flow each, too few to publish.
#[tokio::test]
async fn suppressed_cells_never_show_a_number() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    app.with_store(crate::statistics::seed_remittances).await;
    let ask = "indicator=REMITTANCES_IN&by=COUNTERPART_AREA&period=2023-01&period=2023-02";
    let api = json_of(
        &app,
        "/api/v1/indicators/REMITTANCES_IN?by=COUNTERPART_AREA&period=2023-01,2023-02",
    )
    .await;
    let suppressed: Vec<&Value> = api["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["conf_status"] != "F")
        .collect();
    assert!(!suppressed.is_empty(), "the seed has small cells: {api}");
    assert_eq!(api["perturbed"], 0, "amounts are not perturbed");
    for (lang, _) in LANGS {
        let html = text(&app, &format!("/{lang}/explore?{ask}")).await;
        let flagged = flagged_cells(&html);
        assert_eq!(flagged.len(), suppressed.len(), "{lang}");
        for f in &flagged {
            assert!(
                !f.chars()
                    .any(|c| c.is_ascii_digit() || ('٠'..='٩').contains(&c)),
                "{lang}: {f}"
            );
        }
        // The note explains them.
        assert!(html.contains("class=\"flag\""), "{lang}");
        assert!(!html.contains("class=\"perturbed\""), "{lang}");
    }
    app.stop().await;
}

/// Reads a CSV download: the notes (`#` lines) and the rows by header.
fn read_csv(text: &str) -> (Vec<String>, Vec<BTreeMap<String, String>>) {
    let text = text.strip_prefix('\u{feff}').expect("a byte-order mark");
    let mut notes = Vec::new();
    let mut lines = Vec::new();
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        match line.strip_prefix("# ") {
            Some(n) => notes.push(n.to_owned()),
            None => lines.push(split_csv(line)),
        }
    }
    let header = lines.remove(0);
    let rows = lines
        .into_iter()
        .map(|l| header.iter().cloned().zip(l).collect())
        .collect();
    (notes, rows)
}

fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

/// The API's cells by (period, codes…) → (value, conf_status).
fn api_cells(api: &Value, dims: &[&str]) -> BTreeMap<Vec<String>, (Option<f64>, String)> {
    api["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let mut key = vec![c["period"].as_str().unwrap().to_owned()];
            for d in dims {
                key.push(c["codes"][*d].as_str().unwrap().to_owned());
            }
            (
                key,
                (
                    c["value"].as_f64(),
                    c["conf_status"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect()
}

#[tokio::test]
async fn downloads_agree_with_the_api() {
    let app = app_with_figures().await;
    let dims = ["SEX", "COUNTERPART_AREA"];
    let api = json_of(
        &app,
        "/api/v1/indicators/WORKERS_PLACED?by=SEX,COUNTERPART_AREA",
    )
    .await;
    let want = api_cells(&api, &dims);
    // Counts asked freely are perturbed (cell key method): every cell has a value.
    assert!(api["perturbed"].as_u64().unwrap() > 0, "{api}");
    for (lang, _) in LANGS {
        // CSV.
        let r = app
            .anonymous
            .get(app.url(&format!(
                "/{lang}/indicators/WORKERS_PLACED.csv?by=SEX,COUNTERPART_AREA"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv"));
        assert!(r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("WORKERS_PLACED_{lang}.csv")));
        let (notes, rows) = read_csv(&r.text().await.unwrap());
        assert_eq!(
            notes.len(),
            3,
            "{lang}: notes on protection and perturbation, and the source"
        );
        assert!(notes[0].contains("CONF_STATUS"));
        assert!(
            notes[1].contains("(") && notes[1].len() > 40,
            "{lang}: {notes:?}"
        );
        let mut got = BTreeMap::new();
        for row in &rows {
            let mut key = vec![row["TIME_PERIOD"].clone()];
            for d in dims {
                key.push(row[d].clone());
            }
            let value = match row["OBS_VALUE"].as_str() {
                "" => None,
                v => Some(v.parse::<f64>().unwrap()),
            };
            let flag = match lang {
                "ar" => "العلامة",
                "fr" => "Signalement",
                _ => "Flag",
            };
            // A zero is either a true zero (no flag) or a perturbed small count (flagged).
            if value != Some(0.0) {
                assert!(
                    !row[flag].is_empty(),
                    "{lang}: a flag says why (suppressed, or perturbed): {row:?}"
                );
            }
            got.insert(key, (value, row["CONF_STATUS"].clone()));
        }
        assert_eq!(got, want, "{lang} CSV");
        // Names in the page's language next to the codes.
        let france = match lang {
            "ar" => "فرنسا",
            _ => "France",
        };
        assert!(rows
            .iter()
            .any(|r| r["COUNTERPART_AREA"] == "FRA" && r.values().any(|v| v == france)));

        // XLSX, read back with calamine.
        let r = app
            .anonymous
            .get(app.url(&format!(
                "/{lang}/indicators/WORKERS_PLACED.xlsx?by=SEX,COUNTERPART_AREA"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let bytes = r.bytes().await.unwrap().to_vec();
        use calamine::{Data, Reader, Xlsx};
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("WORKERS_PLACED").unwrap();
        let all: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        let cell_text = |d: &Data| match d {
            Data::String(s) => s.clone(),
            Data::Float(f) => f.to_string(),
            Data::Int(i) => i.to_string(),
            Data::Empty => String::new(),
            other => other.to_string(),
        };
        let header_at = all
            .iter()
            .position(|r| r.first().map(cell_text).as_deref() == Some("INDICATOR"))
            .unwrap();
        assert!(cell_text(&all[0][0]).contains("CONF_STATUS"));
        let header: Vec<String> = all[header_at].iter().map(cell_text).collect();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let mut got = BTreeMap::new();
        for row in &all[header_at + 1..] {
            let mut key = vec![cell_text(&row[col("TIME_PERIOD")])];
            for d in dims {
                key.push(cell_text(&row[col(d)]));
            }
            let value = match &row[col("OBS_VALUE")] {
                Data::Float(f) => Some(*f),
                Data::Int(i) => Some(*i as f64),
                Data::Empty => None,
                other => panic!("{other:?}"),
            };
            got.insert(key, (value, cell_text(&row[col("CONF_STATUS")])));
        }
        assert_eq!(got, want, "{lang} XLSX");
    }
    app.stop().await;
}

#[tokio::test]
async fn every_page_is_within_the_budget() {
    let app = app_with_figures().await;
    for (lang, _) in LANGS {
        for page in pages() {
            let path = format!("/{lang}{page}");
            let html = text(&app, &path).await;
            let mut total = html.len();
            let mut assets = Vec::new();
            for marker in ["<link rel=\"stylesheet\" href=\"", "<script src=\""] {
                for (i, _) in html.match_indices(marker) {
                    let rest = &html[i + marker.len()..];
                    let url = rest[..rest.find('"').unwrap()].replace("&amp;", "&");
                    assets.push(url);
                }
            }
            assert!(!assets.is_empty(), "{path} links its stylesheet");
            for url in assets {
                let body = app.anonymous.get(app.url(&url)).send().await.unwrap();
                assert_eq!(body.status(), StatusCode::OK, "{url}");
                total += body.bytes().await.unwrap().len();
            }
            println!("budget {path}: {total} bytes");
            assert!(total < BUDGET, "{path}: {total} bytes");
        }
    }
    app.stop().await;
}

/// Where screenshots go: `$MARSAD_ARTEFACTS/portal` or `$CARGO_TARGET_DIR/artefacts/portal`.
fn artefacts() -> PathBuf {
    let base = std::env::var_os("MARSAD_ARTEFACTS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("CARGO_TARGET_DIR").map(|t| PathBuf::from(t).join("artefacts"))
        })
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/artefacts")
        });
    base.join("portal")
}

#[tokio::test]
async fn home_page_in_a_browser_in_three_languages() {
    let app = app_with_figures().await;
    let origin = app.base.clone();
    tokio::task::spawn_blocking(move || {
        let Some(browser) = Browser::launch().unwrap_or_else(|e| panic!("{e}")) else {
            println!("skipped: no browser found (install chromium or set MARSAD_CHROMIUM)");
            return;
        };
        let mut page = browser.new_page().unwrap();
        page.set_timeout(Duration::from_secs(30));
        page.send(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1200, "height": 1000, "deviceScaleFactor": 1, "mobile": false }),
        )
        .unwrap();
        let dir = artefacts();
        std::fs::create_dir_all(&dir).unwrap();
        page.navigate(&format!("{origin}/ar/")).unwrap();
        for (i, (lang, direction)) in LANGS.iter().enumerate() {
            if i > 0 {
                // Through the switcher's link, as a reader would.
                page.take_events("Page.loadEventFired");
                page.eval(&format!(
                    "document.querySelector('ul.langs a[hreflang=\"{lang}\"]').click()"
                ))
                .unwrap();
                page.wait_for_event("Page.loadEventFired", Duration::from_secs(30))
                    .unwrap();
            }
            let got = page
                .eval("[document.documentElement.lang, document.documentElement.dir, getComputedStyle(document.body).direction]")
                .unwrap();
            assert_eq!(got, json!([lang, direction, direction]), "{lang}");
            // Charts drew (an SVG with a size).
            let svg = page
                .eval("document.querySelector('svg.chart').getBoundingClientRect().width")
                .unwrap();
            assert!(svg.as_f64().unwrap() > 50.0, "{lang}: {svg}");
            // Nothing wider than the window (no sideways scrolling, in either direction).
            let widths = page
                .eval("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
                .unwrap();
            assert!(
                widths[0].as_f64().unwrap() <= widths[1].as_f64().unwrap(),
                "{lang}: {widths}"
            );
            let shot = page
                .send("Page.captureScreenshot", json!({ "format": "png" }))
                .unwrap();
            let png = data_encoding::BASE64
                .decode(shot["data"].as_str().unwrap().as_bytes())
                .unwrap();
            assert!(png.starts_with(b"\x89PNG"));
            let path = dir.join(format!("home-{lang}.png"));
            std::fs::write(&path, png).unwrap();
            println!("screenshot: {}", path.display());
            // Keyboard: the first Tab reaches the skip link.
            page.eval("document.activeElement && document.activeElement.blur()")
                .unwrap();
            for kind in ["keyDown", "keyUp"] {
                page.send(
                    "Input.dispatchKeyEvent",
                    json!({ "type": kind, "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9 }),
                )
                .unwrap();
            }
            let focused = page
                .eval("document.activeElement.className + ' ' + document.activeElement.getAttribute('href')")
                .unwrap();
            assert_eq!(focused, json!("skip #main"), "{lang}");
        }
        // An indicator page by place (chart, table, map) and the explorer in each language, on
        // a tall window.
        page.send(
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1200, "height": 2600, "deviceScaleFactor": 1, "mobile": false }),
        )
        .unwrap();
        for ((lang, _), (name, path)) in LANGS.iter().flat_map(|l| {
            [
                (l, ("indicator", "indicators/WORKERS_PLACED?by=COUNTERPART_AREA")),
                (l, ("explore", "explore?indicator=WORKERS_PLACED&by=AGE&by2=SEX")),
            ]
        }) {
            page.navigate(&format!("{origin}/{lang}/{path}")).unwrap();
            let widths = page
                .eval("[document.documentElement.scrollWidth, document.documentElement.clientWidth, document.querySelectorAll('svg.map g.tile').length]")
                .unwrap();
            assert!(widths[0].as_f64() <= widths[1].as_f64(), "{lang}: {widths}");
            if name == "indicator" {
                assert!(widths[2].as_u64().unwrap() > 30, "{lang}: {widths}");
            }
            let shot = page
                .send("Page.captureScreenshot", json!({ "format": "png" }))
                .unwrap();
            let png = data_encoding::BASE64
                .decode(shot["data"].as_str().unwrap().as_bytes())
                .unwrap();
            let path = dir.join(format!("{name}-{lang}.png"));
            std::fs::write(&path, png).unwrap();
            println!("screenshot: {}", path.display());
        }
    })
    .await
    .unwrap();
    app.stop().await;
}

#[tokio::test]
async fn no_serious_accessibility_violation() {
    let Some(axe) = std::env::var_os("MARSAD_AXE_JS") else {
        assert!(
            std::env::var("MARSAD_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "MARSAD_REQUIRE_BROWSER=1 needs MARSAD_AXE_JS (scripts/test.sh installs axe-core)"
        );
        println!("skipped: MARSAD_AXE_JS is not set (scripts/test.sh installs axe-core)");
        return;
    };
    let axe = std::fs::read_to_string(&axe).unwrap();
    let app = app_with_figures().await;
    let origin = app.base.clone();
    tokio::task::spawn_blocking(move || {
        let Some(browser) = Browser::launch().unwrap_or_else(|e| panic!("{e}")) else {
            println!("skipped: no browser found (install chromium or set MARSAD_CHROMIUM)");
            return;
        };
        let mut page = browser.new_page().unwrap();
        page.set_timeout(Duration::from_secs(60));
        // The check can fail: a picture without a text alternative is a critical violation.
        page.navigate("data:text/html,<html lang=en><title>t</title><main><img src=x.png></main></html>")
            .unwrap();
        page.eval(&axe).unwrap();
        let found = page
            .eval("axe.run(document).then(r => r.violations.filter(v => v.impact === 'critical').map(v => v.id))")
            .unwrap();
        assert!(found.as_array().unwrap().contains(&json!("image-alt")), "{found}");
        let mut failures = Vec::new();
        for (lang, _) in LANGS {
            for path in [
                "/",
                "/indicators/WORKERS_PLACED",
                "/indicators/WORKERS_PLACED?by=COUNTERPART_AREA",
                "/explore?indicator=WORKERS_PLACED&by=SEX&by2=COUNTERPART_AREA",
                "/gcm/",
                "/complaints/",
            ] {
                let url = format!("{origin}/{lang}{path}");
                page.navigate(&url).unwrap();
                page.eval(&axe).unwrap();
                let found = page
                    .eval(
                        "axe.run(document, { resultTypes: ['violations'] }).then(r => r.violations
                            .filter(v => v.impact === 'serious' || v.impact === 'critical')
                            .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                         nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary) })))",
                    )
                    .unwrap();
                let list = found.as_array().cloned().unwrap_or_default();
                println!("axe {url}: {} serious or critical", list.len());
                for v in list {
                    println!("  {v:#}");
                    failures.push(format!("{url}: {}", v["id"]));
                }
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    })
    .await
    .unwrap();
    app.stop().await;
}

/// Stages `records` of `kind` in one submission and refreshes the figures with `settings`
/// (the census's reference date, which the HTTP refresh cannot set).
pub(crate) fn seed_and_refresh(
    s: &dyn marsad_store::Store,
    kind: marsad_model::RecordKind,
    records: &[String],
    settings: &marsad_figures::Settings,
) {
    use marsad_store::{Batch, NewSubmission};
    let src = s.source(SOURCE).unwrap().unwrap().id;
    let staged: Vec<_> = records
        .iter()
        .enumerate()
        .map(|(i, json)| crate::statistics::staged(i as u64 + 1, kind, json))
        .collect();
    let sub = s
        .begin_submission(&NewSubmission {
            source_id: src,
            file_name: "records.csv",
            file_hash: &"cd".repeat(32),
            file_size: 1,
            format: "csv",
            mapping_hash: &"0".repeat(64),
            mapping_text: "",
            submitted_by: "test",
            started_at: crate::support::now(),
        })
        .unwrap();
    let rows = staged.len() as u64;
    s.stage(
        sub.id,
        &Batch {
            records: staged,
            rows_read: rows,
            ..Batch::default()
        },
    )
    .unwrap();
    s.finalize(sub.id, crate::support::now()).unwrap();
    let now = crate::support::now();
    marsad_figures::refresh(s, settings, now.date_naive(), now, true, &mut |_, _, _| {}).unwrap();
}

/// Census persons born abroad in three governorates (Béja's two are too few to publish).
fn seed_census(s: &dyn marsad_store::Store) {
    let mut records = Vec::new();
    let mut n = 0;
    for (gov, count) in [("Tunis", 24), ("Sfax", 12), ("Béja", 2)] {
        for k in 0..count {
            n += 1;
            let (sex, birth) = if k % 2 == 0 {
                ("F", "MAR")
            } else {
                ("M", "DZA")
            };
            records.push(format!(
                r#"{{"record_id":"C{n}","survey":"census","household_id":"H{n}","sex":"{sex}","age":"{}","country_of_birth":"{birth}","citizenship":"{birth}","governorate":"{gov}","weight":"1"}}"#,
                20 + k % 30
            ));
        }
    }
    let settings = marsad_figures::Settings {
        survey_dates: [(
            "census".to_owned(),
            chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap(),
        )]
        .into(),
        ..marsad_figures::Settings::default()
    };
    seed_and_refresh(
        s,
        marsad_model::RecordKind::CensusPerson,
        &records,
        &settings,
    );
}

#[tokio::test]
async fn remittances_and_an_indicator_that_needs_an_input() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    app.with_store(|s| {
        let records: Vec<String> = (0..12)
            .map(|m| {
                format!(
                    r#"{{"record_id":"RF-{m}","corridor_country":"{}","month":"2024-{:02}","amount":"{}","currency":"USD","channel":"bank","direction":"inward"}}"#,
                    if m % 2 == 0 { "FRA" } else { "ITA" },
                    m + 1,
                    1000 + m * 10
                )
            })
            .collect();
        seed_and_refresh(
            s,
            marsad_model::RecordKind::RemittanceFlow,
            &records,
            &marsad_figures::Settings::default(),
        );
    })
    .await;
    let api = json_of(&app, "/api/v1/indicators").await;
    let years = |id: &str| {
        api["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .unwrap()["years"]
            .clone()
    };
    assert_eq!(years("REMITTANCES_IN"), json!([2024]));
    for (lang, _) in LANGS {
        let home = text(&app, &format!("/{lang}/")).await;
        assert!(home.contains(&format!("href=\"/{lang}/indicators/REMITTANCES_IN\"")));
        let page = text(&app, &format!("/{lang}/indicators/REMITTANCES_IN")).await;
        assert!(page.contains("class=\"chart\"") && page.contains("data-code=\"ITA\""));
        // Remittances as a share of GDP need the GDP: a page saying so, no table, no download.
        let gdp = text(&app, &format!("/{lang}/indicators/REMITTANCES_GDP")).await;
        assert!(!gdp.contains("<table") && !gdp.contains(".csv"), "{lang}");
        assert_eq!(missing_key(&gdp), None);
        let explore = text(&app, &format!("/{lang}/explore?indicator=REMITTANCES_GDP")).await;
        assert!(!explore.contains("value=\"REMITTANCES_GDP\""), "{lang}");
    }
    let en = text(&app, "/en/indicators/REMITTANCES_GDP").await;
    assert!(en.contains("gross domestic product"), "{en}");
    // Once a publisher gives the GDP of 2024, the page shows the share like the others.
    let client = publisher(&app).await;
    let r = client
        .put(app.url("/api/v1/statistics/inputs/GDP_USD/2024"))
        .json(&json!({"value": 46.7e9, "source": "national accounts"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    for (lang, _) in LANGS {
        let gdp = text(&app, &format!("/{lang}/indicators/REMITTANCES_GDP")).await;
        assert!(gdp.contains("<table") && gdp.contains(".csv"), "{lang}");
        assert_eq!(missing_key(&gdp), None);
        let explore = text(&app, &format!("/{lang}/explore?indicator=REMITTANCES_GDP")).await;
        assert!(explore.contains("value=\"REMITTANCES_GDP\""), "{lang}");
    }
    app.stop().await;
}

#[tokio::test]
async fn governorates_on_a_map() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    app.with_store(seed_census).await;
    for (lang, _) in LANGS {
        let html = text(&app, &format!("/{lang}/indicators/IMMIGRANT_STOCK")).await;
        let tile = |code: &str| {
            let at = html
                .find(&format!("data-code=\"{code}\""))
                .unwrap_or_else(|| panic!("{lang}: no tile {code}"));
            let start = html[..at].rfind("<g class=\"").unwrap();
            html[start + 10..at]
                .trim_end()
                .trim_end_matches('"')
                .to_owned()
        };
        // Each tile as the API publishes its governorate: counts perturbed by the cell key
        // method, so Béja's two show as 0 or 5, never 2.
        let api = json_of(&app, "/api/v1/indicators/IMMIGRANT_STOCK?by=GOVERNORATE").await;
        let value = |name: &str| {
            api["cells"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["codes"]["GOVERNORATE"] == name)
                .map(|c| c["value"].as_f64().unwrap())
                .unwrap()
        };
        assert!((value("Tunis") - 24.0).abs() <= 2.0);
        assert_eq!(tile("TN-11"), "tile c4", "{lang}: Tunis has the most");
        let beja = value("Béja");
        assert!(beja == 0.0 || beja == 5.0, "{beja}");
        assert!(
            tile("TN-31").starts_with("tile c"),
            "{lang}: Béja's perturbed figure"
        );
        assert!(tile("TN-61").starts_with("tile c"), "{lang}: Sfax");
        assert_eq!(tile("TN-83"), "tile empty", "{lang}: nobody in Tataouine");
        let sfax = match lang {
            "ar" => "صفاقس",
            _ => "Sfax",
        };
        assert!(html.contains(sfax), "{lang}");
        // The home page has the immigrant stock's card.
        let home = text(&app, &format!("/{lang}/")).await;
        assert!(home.contains(&format!("href=\"/{lang}/indicators/IMMIGRANT_STOCK\"")));
        // The table by governorate says its counts are perturbed, and flags nothing.
        let by = text(
            &app,
            &format!("/{lang}/indicators/IMMIGRANT_STOCK?by=GOVERNORATE"),
        )
        .await;
        assert!(flagged_cells(&by).is_empty(), "{lang}");
        assert!(by.contains("class=\"perturbed\""), "{lang}");
    }
    app.stop().await;
}

#[tokio::test]
async fn pages_say_when_the_policy_does_not_publish_statistics() {
    let app = app_with_figures().await;
    // The same policy without its rule opening statistics to everyone.
    let path = app.dir.path().join("policies").join("current.toml");
    let policy = std::fs::read_to_string(&path).unwrap();
    let blocks: Vec<&str> = policy.split("[[rule]]").collect();
    let kept: Vec<&str> = blocks
        .iter()
        .copied()
        .filter(|b| !b.contains("id = \"public-statistics\""))
        .collect();
    assert_eq!(
        kept.len() + 1,
        blocks.len(),
        "the default policy has the rule"
    );
    std::fs::write(&path, kept.join("[[rule]]")).unwrap();
    // The server looks at the policy file at most once a second.
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    loop {
        let r = app
            .anonymous
            .get(app.url("/api/v1/indicators"))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::FORBIDDEN {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the policy was not reloaded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (lang, dir) in LANGS {
        for page in [
            "/",
            "/indicators/",
            "/indicators/WORKERS_PLACED",
            "/explore",
        ] {
            let path = format!("/{lang}{page}");
            let html = text(&app, &path).await;
            assert!(html.contains(&format!("dir=\"{dir}\"")), "{path}");
            assert!(html.contains("/signin"), "{path}");
            assert!(
                !html.contains("<table") && !html.contains("<svg"),
                "{path}: no figures"
            );
            assert_eq!(missing_key(&html), None, "{path}");
        }
        let r = app
            .anonymous
            .get(app.url(&format!("/{lang}/indicators/WORKERS_PLACED.csv")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{lang}");
    }
    let en = text(&app, "/en/").await;
    assert!(en.contains("Figures not public here"), "{en}");
    app.stop().await;
}

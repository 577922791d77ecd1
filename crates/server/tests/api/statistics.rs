//! Published statistics through HTTP: a small data set in the store, a refresh by a publisher,
//! the catalogue and a protected table (margins add up, small cells suppressed and flagged `C`,
//! their secondary suppressions `D`, no suppressed cell recoverable from a line of the table),
//! a background refresh after an import, and a real SDMX client (sdmx1) reading what the
//! server serves at `/sdmx/2.1`.

use marsad_model::{CanonicalRecord, RecordKind};
use marsad_store::{Batch, NewSubmission, StagedRecord, Store};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{now, TestApp};
use crate::{person_csv, problem, SOURCE};

pub(crate) fn staged(row: u64, kind: RecordKind, json: &str) -> StagedRecord {
    let rec = CanonicalRecord::from_json(kind, json).unwrap();
    StagedRecord {
        row,
        kind: kind.as_str().into(),
        record_id: rec.record_id().into(),
        payload: rec.to_json(),
        hash: rec.content_hash(),
    }
}

/// Workers placed abroad: a person record and a placement each, in `SOURCE`; destinations FRA
/// mostly, DEU for some men, QAT for a few women (the small cells).
pub(crate) fn seed(s: &dyn Store) {
    let src = s.source(SOURCE).unwrap().unwrap().id;
    let mut records = Vec::new();
    for i in 0..80u32 {
        let sex = if i % 3 == 0 { "F" } else { "M" };
        let dest = match (sex, i % 7) {
            ("F", 0) => "QAT",
            ("M", 1 | 2) => "DEU",
            _ => "FRA",
        };
        let row = records.len() as u64 + 1;
        records.push(staged(
            row,
            RecordKind::Person,
            &format!(
                r#"{{"record_id":"W{i}","sex":"{sex}","birth_date":"{}-05-01","nationality":"TUN","given_name":"N{i}"}}"#,
                1975 + i % 25
            ),
        ));
        records.push(staged(
            row + 1,
            RecordKind::LabourPlacement,
            &format!(
                r#"{{"record_id":"L{i}","person_record_id":"W{i}","destination_country":"{dest}","occupation":"{}","contract_start":"{}-0{}-10"}}"#,
                7 + i % 2,
                2023 + i % 2,
                1 + i % 9
            ),
        ));
    }
    let sub = s
        .begin_submission(&NewSubmission {
            source_id: src,
            file_name: "placements.csv",
            file_hash: &"ab".repeat(32),
            file_size: 1,
            format: "csv",
            mapping_hash: &"0".repeat(64),
            mapping_text: "",
            submitted_by: "test",
            started_at: now(),
        })
        .unwrap();
    let n = records.len() as u64;
    s.stage(
        sub.id,
        &Batch {
            records,
            rows_read: n,
            ..Batch::default()
        },
    )
    .unwrap();
    s.finalize(sub.id, now()).unwrap();
}

async fn json(r: reqwest::Response) -> Value {
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

/// A publisher's client.
pub(crate) async fn publisher(app: &TestApp) -> reqwest::Client {
    app.login_as("publisher", "observatoire", "observatory", &["publisher"])
        .await
}

pub(crate) async fn refreshed(app: &TestApp, client: &reqwest::Client, full: bool) -> Value {
    let r = client
        .post(app.url(&format!("/api/v1/statistics/refresh?full={full}")))
        .send()
        .await
        .unwrap();
    json(r).await
}

#[tokio::test]
async fn indicators_tables_protected_and_refreshed() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    app.with_store(seed).await;

    // The catalogue is public, trilingual; nothing is published before a refresh.
    let list = json(
        app.anonymous
            .get(app.url("/api/v1/indicators?lang=fr"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let all = list["indicators"].as_array().unwrap();
    assert_eq!(all.len(), 21);
    let workers = all.iter().find(|i| i["id"] == "WORKERS_PLACED").unwrap();
    assert_eq!(workers["name"], workers["label"]["fr"]);
    assert!(!workers["label"]["ar"].as_str().unwrap().is_empty());
    assert_eq!(workers["years"], serde_json::json!([]));
    assert!(list["refreshed_at"].is_null());

    // Only publishers refresh.
    let r = app
        .anonymous
        .post(app.url("/api/v1/statistics/refresh"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let r = app
        .client
        .post(app.url("/api/v1/statistics/refresh"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    let publisher = publisher(&app).await;
    let done = refreshed(&app, &publisher, false).await;
    assert_eq!(done["full"], true, "{done}");
    assert_eq!(done["records"], 160);
    assert!(done["cells"].as_u64().unwrap() > 0);

    let list = json(
        app.anonymous
            .get(app.url("/api/v1/indicators"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let workers = list["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "WORKERS_PLACED")
        .unwrap()
        .clone();
    assert_eq!(workers["years"], serde_json::json!([2023, 2024]));

    // A protected table, anonymously, in Arabic.
    let t = json(
        app.anonymous
            .get(app.url(
                "/api/v1/indicators/workers_placed?by=SEX,COUNTERPART_AREA&period=2024&lang=ar",
            ))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(t["name"], workers["label"]["ar"]);
    assert_eq!(
        t["dimensions"],
        serde_json::json!(["SEX", "COUNTERPART_AREA"])
    );
    let cells = t["cells"].as_array().unwrap();
    let cell = |sex: &str, dest: &str| -> &Value {
        cells
            .iter()
            .find(|c| c["codes"]["SEX"] == sex && c["codes"]["COUNTERPART_AREA"] == dest)
            .unwrap_or_else(|| panic!("no cell {sex} {dest} in {t}"))
    };
    // 40 placements in 2024; the women in Qatar are fewer than 5. Counts asked freely are
    // perturbed by the cell key method: every cell has a value, flagged, a few units off at
    // most, never between 1 and 4, without its units (they are the count).
    let total = cell("_T", "_T")["value"].as_f64().unwrap();
    assert!((total - 40.0).abs() <= 2.0, "{total}");
    let qatar = cell("F", "QAT");
    let q = qatar["value"].as_f64().unwrap();
    assert!(q == 0.0 || q == 5.0, "{qatar}");
    assert_eq!(t["suppressed_primary"], 0);
    let mut perturbed = 0;
    for c in cells {
        assert_eq!(c["conf_status"], "F", "{c}");
        let v = c["value"].as_f64().unwrap();
        assert!(v == 0.0 || v >= 5.0, "{c}");
        if c["perturbed"] == true {
            perturbed += 1;
            assert!(c.get("units").is_none_or(Value::is_null), "{c}");
        } else {
            // Only zeros are left as they are (nothing to protect).
            assert_eq!((v, c["units"].as_u64()), (0.0, Some(0)), "{c}");
        }
    }
    assert_eq!(t["perturbed"], perturbed);
    assert!(perturbed > 0);
    // Overlapping requests: the same persons, the same figure in every table, so asking
    // the one-way tables (or the same table again) tells nothing the first did not.
    for (by, key) in [("SEX", "SEX"), ("COUNTERPART_AREA", "COUNTERPART_AREA")] {
        let one = json(
            app.anonymous
                .get(app.url(&format!(
                    "/api/v1/indicators/workers_placed?by={by}&period=2024"
                )))
                .send()
                .await
                .unwrap(),
        )
        .await;
        for c in one["cells"].as_array().unwrap() {
            let code = c["codes"][key].as_str().unwrap();
            let two = if key == "SEX" {
                cell(code, "_T")
            } else {
                cell("_T", code)
            };
            assert_eq!(c["value"], two["value"], "{by} {code}: {c} vs {two}");
        }
    }
    // Errors as problem+json.
    let r = app
        .anonymous
        .get(app.url("/api/v1/indicators/WORKERS_PLACED?by=CAUSE"))
        .send()
        .await
        .unwrap();
    let p = problem(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(p["detail"].as_str().unwrap().contains("CAUSE"), "{p}");
    let r = app
        .anonymous
        .get(app.url("/api/v1/indicators/WORKERS_PLACED?period=24"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    let r = app
        .anonymous
        .get(app.url("/api/v1/indicators/NO_SUCH"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::NOT_FOUND, "not_found").await;

    // An import through the API refreshes the statistics in the background.
    let rows = ["border-police-persons,P-1,Amina,Benali,,,F,1990-05-01,Tunis,TUN,,,,,,"];
    let r = app
        .upload(SOURCE, "p.csv", person_csv(&rows).into_bytes())
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let pending = app
            .with_store(|s| s.stats_changes(false).unwrap().submissions.len())
            .await;
        if pending == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no background refresh"
        );
        tokio::task::yield_now().await;
    }
    let state = app.with_store(|s| s.stats_state().unwrap().unwrap()).await;
    assert_eq!(state.submissions, 2);
    // An incremental refresh with nothing new changes nothing.
    let idle = refreshed(&app, &publisher, false).await;
    assert_eq!(
        (idle["full"].as_bool(), idle["units"].as_u64()),
        (Some(false), Some(0))
    );
    app.stop().await;
}

/// The Python with sdmx1, or `None` (printing why) when the check is not required.
fn sdmx_python() -> Option<String> {
    match std::env::var("MARSAD_SDMX_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            assert!(
                std::env::var("MARSAD_REQUIRE_SDMX_CLIENT").as_deref() != Ok("1"),
                "MARSAD_REQUIRE_SDMX_CLIENT=1 but MARSAD_SDMX_PYTHON is not set"
            );
            println!("skipped the sdmx1 check: MARSAD_SDMX_PYTHON is not set");
            None
        }
    }
}

#[tokio::test]
async fn sdmx_client_reads_what_the_server_serves() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    app.with_store(seed).await;
    let publisher = publisher(&app).await;
    refreshed(&app, &publisher, true).await;

    // Structures and data, anonymously, by Accept and by format=.
    let r = app
        .anonymous
        .get(app.url("/sdmx/2.1/dataflow/all/all/latest"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .contains("structure+xml"));
    let body = r.text().await.unwrap();
    assert!(body.contains("WORKERS_PLACED"), "{body}");
    let r = app
        .anonymous
        // FREQ.REF_AREA.COUNTERPART_AREA.SEX.AGE.OCCUPATION
        .get(app.url("/sdmx/2.1/data/WORKERS_PLACED/A.TUN..F..?format=csv"))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let csv = r.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(csv.lines().count() > 2, "{csv}");
    assert!(csv.lines().skip(1).all(|l| l.contains(",F,")), "{csv}");
    // Flows by month too: FREQ M, periods YYYY-MM; an annual startPeriod selects the months.
    let r = app
        .anonymous
        .get(app.url(
            "/sdmx/2.1/data/WORKERS_PLACED/M.TUN..F..?format=csv&startPeriod=2024&endPeriod=2024",
        ))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let csv = r.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{csv}");
    assert!(csv.lines().count() > 2, "{csv}");
    assert!(
        csv.lines()
            .skip(1)
            .all(|l| l.contains(",M,TUN,") && l.contains(",F,") && l.contains(",2024-")),
        "{csv}"
    );
    let r = app
        .anonymous
        .get(app.url("/sdmx/2.1/data/WORKERS_PLACED"))
        .header("accept", "application/vnd.sdmx.data+json;version=1.0.0")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["dataSets"].is_array(), "{doc}");
    // SDMX errors are SDMX error messages, not problem+json.
    let r = app
        .anonymous
        .get(app.url("/sdmx/2.1/data/NO_SUCH_FLOW"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_ne!(
        r.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );

    if let Some(python) = sdmx_python() {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../scripts/sdmx_client_check.py");
        let url = app.url("/sdmx/2.1");
        let out = tokio::task::spawn_blocking(move || {
            std::process::Command::new(python)
                .arg(script)
                .arg("--url")
                .arg(url)
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        assert!(
            out.status.success(),
            "sdmx1 refused what the server serves:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    app.stop().await;
}

/// Remittances received in 2023 and 2024 (12 flows a year, FRA and ITA, 1000 + 10 i dollars).
pub(crate) fn seed_remittances(s: &dyn Store) {
    let records: Vec<String> = (0..24)
        .map(|i| {
            format!(
                r#"{{"record_id":"RF-{i}","corridor_country":"{}","month":"{}-{:02}","amount":"{}","currency":"USD","channel":"bank","direction":"inward"}}"#,
                if i % 2 == 0 { "FRA" } else { "ITA" },
                2023 + i / 12,
                i % 12 + 1,
                1000 + i * 10
            )
        })
        .collect();
    crate::portal_public::seed_and_refresh(
        s,
        RecordKind::RemittanceFlow,
        &records,
        &marsad_figures::Settings::default(),
    );
}

fn total(table: &Value, period: &str) -> Option<f64> {
    table["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["period"] == period && c["codes"]["COUNTERPART_AREA"] == "_T")
        .map(|c| c["value"].as_f64().unwrap())
}

/// SDG 17.3.2 through HTTP: publishers give GDP (`PUT /api/v1/statistics/inputs/{code}/{period}`),
/// the share appears in the indicator endpoint and as an SDMX dataflow for that year only, a
/// later value replaces it (history listed), bad values are refused naming the field, other
/// callers are refused, and the change is on the audit trail.
#[tokio::test]
async fn gdp_input_publishes_remittances_as_a_share_of_gdp() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    app.with_store(seed_remittances).await;
    let publisher = publisher(&app).await;
    let url =
        |code: &str, period: &str| app.url(&format!("/api/v1/statistics/inputs/{code}/{period}"));

    // Nothing published without GDP.
    let table = json(
        app.anonymous
            .get(app.url("/api/v1/indicators/REMITTANCES_GDP"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(table["cells"], serde_json::json!([]), "{table}");
    let list = json(
        publisher
            .get(app.url("/api/v1/statistics/inputs"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(list["known"][0]["code"], "GDP_USD", "{list}");
    assert_eq!(
        list["known"][0]["indicators"],
        serde_json::json!(["REMITTANCES_GDP"])
    );
    assert_eq!(list["inputs"], serde_json::json!([]));

    // Refused, naming the field.
    for (code, period, body, field) in [
        (
            "GNI",
            "2024",
            serde_json::json!({"value": 1e9, "source": "x"}),
            "code",
        ),
        (
            "GDP_USD",
            "2024-03",
            serde_json::json!({"value": 1e9, "source": "x"}),
            "period",
        ),
        (
            "GDP_USD",
            "twenty",
            serde_json::json!({"value": 1e9, "source": "x"}),
            "period",
        ),
        (
            "GDP_USD",
            "2024",
            serde_json::json!({"value": -1, "source": "x"}),
            "value",
        ),
        (
            "GDP_USD",
            "2024",
            serde_json::json!({"value": 0, "source": "x"}),
            "value",
        ),
        (
            "GDP_USD",
            "2024",
            serde_json::json!({"value": "lots", "source": "x"}),
            "value",
        ),
        (
            "GDP_USD",
            "2024",
            serde_json::json!({"source": "x"}),
            "value",
        ),
        (
            "GDP_USD",
            "2024",
            serde_json::json!({"value": 1e9, "source": "x", "unit": "EUR"}),
            "unit",
        ),
        (
            "GDP_USD",
            "2024",
            serde_json::json!({"value": 1e9}),
            "source",
        ),
    ] {
        let r = publisher
            .put(url(code, period))
            .json(&body)
            .send()
            .await
            .unwrap();
        let p = problem(r, StatusCode::BAD_REQUEST, "invalid_request").await;
        assert_eq!(p["field"], field, "{p}");
    }
    // Only publishers.
    let body = serde_json::json!({"value": 1e6, "source": "x"});
    let r = app
        .anonymous
        .put(url("GDP_USD", "2024"))
        .json(&body)
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let r = app
        .client
        .put(url("GDP_USD", "2024"))
        .json(&body)
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    let r = app
        .client
        .get(app.url("/api/v1/statistics/inputs"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;

    // Given: the share for 2024, none for 2023.
    let given = json(
        publisher
            .put(url("GDP_USD", "2024"))
            .json(&serde_json::json!({"value": 1e6, "unit": "USD", "source": "national accounts"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(given["current"]["value"], 1e6, "{given}");
    assert_eq!(given["current"]["entered_by"], "publisher");
    let sum_2024: f64 = (12..24).map(|i| 1000.0 + f64::from(i) * 10.0).sum();
    let table = json(
        app.anonymous
            .get(app.url("/api/v1/indicators/REMITTANCES_GDP?by=COUNTERPART_AREA"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let share = total(&table, "2024").unwrap();
    assert!((share - 100.0 * sum_2024 / 1e6).abs() < 1e-9, "{table}");
    assert_eq!(total(&table, "2023"), None, "no GDP for 2023: {table}");
    assert_eq!(table["periods"], serde_json::json!(["2024"]));
    let t2023 = json(
        app.anonymous
            .get(app.url("/api/v1/indicators/REMITTANCES_GDP?period=2023"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(t2023["cells"], serde_json::json!([]), "absent, never zero");
    let list = json(
        app.anonymous
            .get(app.url("/api/v1/indicators"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let gdp = list["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "REMITTANCES_GDP")
        .unwrap();
    assert_eq!(gdp["years"], serde_json::json!([2024]));
    let flows = app
        .anonymous
        .get(app.url("/sdmx/2.1/dataflow/all/all/latest"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(flows.contains("id=\"REMITTANCES_GDP\""), "{flows}");
    let csv = app
        .anonymous
        .get(app.url("/sdmx/2.1/data/REMITTANCES_GDP?format=csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.contains("2024") && !csv.contains(",2023,"), "{csv}");

    // A later value replaces it; the history stays.
    json(
        publisher
            .put(url("GDP_USD", "2024"))
            .json(&serde_json::json!({"value": "2e6", "source": "World Bank WDI NY.GDP.MKTP.CD"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let table = json(
        app.anonymous
            .get(app.url("/api/v1/indicators/REMITTANCES_GDP?by=COUNTERPART_AREA"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let share = total(&table, "2024").unwrap();
    assert!((share - 100.0 * sum_2024 / 2e6).abs() < 1e-9, "{table}");
    let list = json(
        publisher
            .get(app.url("/api/v1/statistics/inputs"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let input = &list["inputs"][0];
    assert_eq!(input["period"], "2024");
    assert_eq!(input["current"]["value"], 2e6);
    assert_eq!(input["history"].as_array().unwrap().len(), 2);
    assert_eq!(input["history"][0]["source"], "national accounts");
    // On the audit trail.
    let audited = app
        .with_store(|s| {
            s.audit_by_object("statistics_input", "GDP_USD/2024", 100)
                .unwrap()
        })
        .await;
    assert_eq!(audited.len(), 2);
    app.stop().await;
}

//! End-to-end tests of the HTTP interface: each test starts the server on `127.0.0.1:0` with a
//! fresh SQLite store (and, when `MARSAD_TEST_DATABASE_URL` names a PostgreSQL server, the upload
//! and quarantine round trip runs against a fresh PostgreSQL database too).

// Tests may unwrap and panic: a failing unwrap is a failing test (the helpers below are not
// `#[test]` functions, so clippy's test allowances do not reach them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use marsad_store::Store;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

const SOURCE: &str = "border-police-persons";
const HEADER: &str = "source,record_id,given_name,family_name,father_name,mother_name,sex,birth_date,birth_place,nationality,document_type,document_number,phone,address,locality,postcode";

fn person_csv(rows: &[&str]) -> String {
    let mut text = format!("{HEADER}\n");
    for r in rows {
        text.push_str(r);
        text.push('\n');
    }
    text
}

fn good_rows() -> Vec<&'static str> {
    vec![
        "border-police-persons,P-001,Amina,Benali,,,F,1990-05-01,Tunis,TUN,passport,X1234567,,,,",
        "border-police-persons,P-002,محمد,العلي,أحمد,,M,1985,Sfax,TUN,,,,,,",
        "border-police-persons,P-003,Jean,Dupont,,,X,1979-11,Dakar,SEN,,,,,,",
    ]
}

const BAD_ROW: &str = "border-police-persons,P-004,Sara,Haddad,,,Q,1992-02-02,Sousse,TUN,,,,,,";

mod access;
mod dossiers;
mod fingerprints;
mod gcm;
mod microdata;
mod oidc;
mod passkeys;
mod portal_gcm;
mod portal_public;
mod portal_work;
mod statistics;
mod support;
use support::TestApp;

/// A server on a fresh SQLite store with source [`SOURCE`] registered.
async fn spawn_app() -> TestApp {
    spawn_app_with(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES).await
}

/// A server on `store` (a fresh SQLite one when `None`) with the given upload limit.
async fn spawn_app_with(store: Option<Arc<dyn Store>>, max_upload_bytes: u64) -> TestApp {
    TestApp::start(store, max_upload_bytes, SOURCE).await
}

async fn problem(response: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(response.status(), status);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(
        body["type"],
        format!("https://marsad.example/problems/{code}")
    );
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["detail"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(body["instance"]
        .as_str()
        .is_some_and(|t| t.starts_with('/')));
    body
}

#[tokio::test]
async fn healthz_reports_the_store() {
    let app = spawn_app().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "sqlite");
    assert!(body["schema_version"].as_i64().unwrap() >= 1);
    app.stop().await;
}

#[tokio::test]
async fn metrics_are_prometheus_text_with_the_counters() {
    let mut app = spawn_app().await;
    app.get("/healthz").await;
    let response = app
        .upload(SOURCE, "p.csv", person_csv(&good_rows()).into_bytes())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // The metrics are for the observatory's administrators and monitoring accounts.
    assert_eq!(app.get("/metrics").await.status(), StatusCode::FORBIDDEN);
    app.client = app
        .login_as("ops", "observatoire", "observatory", &["admin"])
        .await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    for expected in [
        "# TYPE marsad_http_requests_total counter",
        "marsad_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1",
        "marsad_http_requests_total{method=\"POST\",route=\"/api/v1/sources/{name}/submissions\",status=\"201\"} 1",
        "# TYPE marsad_http_request_duration_seconds histogram",
        "marsad_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 1",
        "marsad_http_request_duration_seconds_count{route=\"/healthz\"} 1",
        "marsad_imports_total{outcome=\"imported\"} 1",
        "marsad_imports_total{outcome=\"rejected\"} 0",
        "marsad_import_rows_total{result=\"accepted\"} 3",
        "marsad_import_rows_total{result=\"rejected\"} 0",
        "marsad_store_up 1",
        "# TYPE marsad_records gauge",
        "marsad_records{kind=\"person\"} 3",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    // Every sample line is `name{labels} value` or `name value`.
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "bad sample line {line:?}");
    }
    app.stop().await;
}

#[tokio::test]
async fn openapi_describes_every_endpoint() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/openapi.json").await;
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    // Every route the server serves is described, and nothing else is.
    let mut served = std::collections::BTreeSet::new();
    for e in marsad_server::endpoints() {
        if e.is_html() || e.path == "/api/v1/openapi.json" {
            continue; // pages (HTML) and the description itself
        }
        let method = e.method.as_str().to_lowercase();
        assert!(
            paths.get(e.path).and_then(|p| p.get(&method)).is_some(),
            "{method} {} is not described",
            e.path
        );
        served.insert((e.path.to_string(), method));
    }
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            assert!(
                served.contains(&(path.clone(), method.clone())),
                "{method} {path} is described but not served"
            );
        }
    }
    // The documented report schema names every member of a real report.
    let schema = &doc["components"]["schemas"]["ImportReportDto"]["properties"];
    let response = app
        .upload(SOURCE, "p.csv", person_csv(&good_rows()).into_bytes())
        .await;
    let report: Value = response.json().await.unwrap();
    for key in report.as_object().unwrap().keys() {
        assert!(
            schema.get(key).is_some(),
            "report member {key} is not documented"
        );
    }
    app.stop().await;
}

/// A pair the linker could not decide: listed with both records side by side and the weights,
/// decided once, then listed among the decided ones.
#[tokio::test]
async fn clerical_review_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::from(marsad_store::open(dir.path().join("r.sqlite").to_str().unwrap()).unwrap());
    let mut app =
        spawn_app_with(Some(store.clone()), marsad_server::DEFAULT_MAX_UPLOAD_BYTES).await;
    let response = app
        .upload(SOURCE, "p.csv", person_csv(&good_rows()).into_bytes())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    // Link review is the observatory reviewers' work, not the border police's.
    assert_eq!(
        app.get("/api/v1/reviews").await.status(),
        StatusCode::FORBIDDEN
    );
    app.client = app
        .login_as("reviewer", "observatoire", "observatory", &["reviewer"])
        .await;
    let id = tokio::task::spawn_blocking(move || {
        let source = store.source(SOURCE).unwrap().unwrap().id;
        let key = |id: &str| marsad_store::RecordKey::new(source, "person", id);
        store
            .add_review(
                &key("P-001"),
                &key("P-002"),
                4.5,
                r#"{"given_name": -3.1, "birth_date": 7.6}"#,
                chrono::DateTime::parse_from_rfc3339("2025-06-01T12:00:00Z")
                    .unwrap()
                    .with_timezone(&chrono::Utc),
            )
            .unwrap()
            .0
    })
    .await
    .unwrap();
    let list: Value = app.get("/api/v1/reviews").await.json().await.unwrap();
    assert_eq!(list["reviews"][0]["id"], id);
    assert_eq!(list["reviews"][0]["left"]["record"]["given_name"], "Amina");
    assert_eq!(list["reviews"][0]["right"]["record"]["given_name"], "محمد");
    assert_eq!(list["reviews"][0]["explanation"]["birth_date"], 7.6);
    let decide = |accepted: bool| {
        app.client
            .post(app.url(&format!("/api/v1/reviews/{id}/decision")))
            .json(&json!({ "accepted": accepted }))
            .send()
    };
    let decided = decide(false).await.unwrap();
    assert_eq!(decided.status(), StatusCode::OK);
    let decided: Value = decided.json().await.unwrap();
    assert_eq!(
        (decided["status"].as_str(), decided["decided_by"].as_str()),
        (Some("rejected"), Some("reviewer"))
    );
    let again = decide(true).await.unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(again.headers()["content-type"], "application/problem+json");
    let open: Value = app.get("/api/v1/reviews").await.json().await.unwrap();
    assert_eq!(open["reviews"], json!([]));
    let rejected: Value = app
        .get("/api/v1/reviews?status=rejected")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rejected["reviews"][0]["id"], id);
    assert_eq!(
        app.get("/api/v1/reviews?status=maybe").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/api/v1/reviews/999").await.status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}

/// `wait=false`: 202 at once, then the job's phase, progress and outcome by polling.
#[tokio::test]
async fn background_import_reports_progress_and_outcome() {
    let app = spawn_app().await;
    let mut rows: Vec<String> = (0..30_000)
        .map(|i| format!("{SOURCE},B{i},Ali,Gharbi{i},,,M,1980-01-01,,TUN,,,,,,"))
        .collect();
    rows.push(BAD_ROW.to_string());
    let refs: Vec<&str> = rows.iter().map(String::as_str).collect();
    let form = Form::new().part(
        "file",
        Part::bytes(person_csv(&refs).into_bytes()).file_name("big.csv"),
    );
    let response = app
        .client
        .post(app.url(&format!("/api/v1/sources/{SOURCE}/submissions?wait=false")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.starts_with("/api/v1/imports/"), "{location}");
    let accepted: Value = response.json().await.unwrap();
    assert_eq!(accepted["file"], "big.csv");
    let mut phases = std::collections::BTreeSet::new();
    let job = loop {
        let job: Value = app.get(&location).await.json().await.unwrap();
        phases.insert(job["phase"].as_str().unwrap().to_string());
        if job["phase"] == "done" {
            break job;
        }
        tokio::task::yield_now().await;
    };
    assert_eq!(job["status"], 201, "{job:#}");
    assert_eq!(job["result"]["accepted"], 30_000);
    assert_eq!(job["result"]["rejected_rows"], 1);
    assert_eq!(job["rows"], 30_001);
    let listed: Value = app.get("/api/v1/imports").await.json().await.unwrap();
    assert_eq!(listed[0]["id"], job["id"]);
    let missing = app.get("/api/v1/imports/999").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn canonical_person_csv_upload_is_imported_once() {
    let app = spawn_app().await;
    let csv = person_csv(&good_rows()).into_bytes();

    let response = app.upload(SOURCE, "persons.csv", csv.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["accepted"], 3);
    assert_eq!(report["unchanged"], 0);
    assert_eq!(report["rejected"], json!([]));
    assert_eq!(report["disposition"], "imported");
    assert_eq!(report["file"], "persons.csv");
    assert_eq!(
        location,
        format!("/api/v1/submissions/{}", report["submission"])
    );

    // The same file again changes nothing.
    let response = app.upload(SOURCE, "persons.csv", csv).await;
    assert_eq!(response.status(), StatusCode::OK);
    let again: Value = response.json().await.unwrap();
    assert_eq!(again["disposition"], "already_imported");
    assert_eq!(again["accepted"], 0);
    assert_eq!(again["unchanged"], 3);

    let submission: Value = app.get(&location).await.json().await.unwrap();
    assert_eq!(submission["status"], "complete");
    assert_eq!(submission["accepted"], 3);
    assert_eq!(submission["submitted_by"], "officer");
    assert_eq!(submission["source"], SOURCE);
    let stored_report: Value = app
        .get(&format!("{location}/report"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(stored_report["accepted"], 3);

    let list: Value = app
        .get(&format!("/api/v1/sources/{SOURCE}/submissions?limit=10"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["submissions"].as_array().unwrap().len(), 1);

    let records: Value = app
        .get("/api/v1/records/person?limit=2")
        .await
        .json()
        .await
        .unwrap();
    let page = records["records"].as_array().unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["provenance"]["source"], SOURCE);
    assert_eq!(page[0]["provenance"]["institution"], "border-police");
    assert!(page[0]["payload"].is_object());
    let next = records["next_after"].as_i64().unwrap();
    let rest: Value = app
        .get(&format!("/api/v1/records/person?after={next}&limit=2"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rest["records"].as_array().unwrap().len(), 1);

    let stats: Value = app.get("/api/v1/stats/records").await.json().await.unwrap();
    assert_eq!(stats["total"], 3);
    assert_eq!(stats["kinds"], json!([{"kind": "person", "records": 3}]));

    let sources: Value = app.get("/api/v1/sources").await.json().await.unwrap();
    assert_eq!(sources[0]["name"], SOURCE);
    let institutions: Value = app.get("/api/v1/institutions").await.json().await.unwrap();
    assert_eq!(institutions[0]["name"], "border-police");

    // The portal's home page shows no counts of records and no file names to anyone.
    let root = app.anonymous.get(app.url("/")).send().await.unwrap();
    assert_eq!(root.status(), StatusCode::OK, "redirects are followed");
    assert_eq!(root.url().path(), "/ar/");
    for client in [&app.anonymous, &app.client] {
        let page = client.get(app.url("/en/")).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert!(page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html"));
        let html = page.text().await.unwrap();
        assert!(html.contains("Migration Observatory"), "{html}");
        assert!(
            !html.contains("persons.csv") && !html.contains(SOURCE),
            "{html}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn raw_csv_body_upload_is_imported() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url(&format!(
            "/api/v1/sources/{SOURCE}/submissions?file_name=export.csv"
        )))
        .header("content-type", "text/csv; charset=utf-8")
        .body(person_csv(&good_rows()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["accepted"], 3);
    assert_eq!(report["file"], "export.csv");

    let response = app
        .client
        .post(app.url(&format!("/api/v1/sources/{SOURCE}/submissions")))
        .header("content-type", "application/pdf")
        .body("%PDF-1.4")
        .send()
        .await
        .unwrap();
    problem(
        response,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn empty_file_is_refused_with_the_reason() {
    let app = spawn_app().await;
    let response = app.upload(SOURCE, "empty.csv", Vec::new()).await;
    let body = problem(response, StatusCode::UNPROCESSABLE_ENTITY, "file_rejected").await;
    assert!(body["detail"].as_str().unwrap().contains("empty"), "{body}");
    assert_eq!(body["report"]["status"], "rejected");
    assert!(body["report"]["submission"].as_i64().is_some());
    app.stop().await;
}

#[tokio::test]
async fn invalid_mapping_is_refused() {
    let app = spawn_app().await;
    let form = Form::new()
        .part(
            "file",
            Part::bytes(person_csv(&good_rows()).into_bytes()).file_name("p.csv"),
        )
        .text("mapping", "this is [not a mapping");
    let response = app
        .client
        .post(app.url(&format!("/api/v1/sources/{SOURCE}/submissions")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "mapping_invalid",
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn too_large_upload_is_refused() {
    let app = spawn_app_with(None, 1024).await;
    let big = person_csv(&[good_rows()[0]; 64]).into_bytes();
    assert!(big.len() > 1024);
    let response = app.upload(SOURCE, "big.csv", big.clone()).await;
    problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let response = app
        .client
        .post(app.url(&format!("/api/v1/sources/{SOURCE}/submissions")))
        .header("content-type", "text/csv")
        .body(big)
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    // Nothing is left in the upload folder.
    let incoming = app.dir.path().join("incoming");
    let left = std::fs::read_dir(&incoming).map(|d| d.count()).unwrap_or(0);
    assert_eq!(left, 0);
    app.stop().await;
}

#[tokio::test]
async fn errors_are_problem_json() {
    let app = spawn_app().await;
    let body = problem(
        app.get("/api/v1/sources/no-such-source").await,
        StatusCode::NOT_FOUND,
        "source_not_found",
    )
    .await;
    assert_eq!(body["instance"], "/api/v1/sources/no-such-source");
    let response = app.upload("no-such-source", "p.csv", b"x".to_vec()).await;
    problem(response, StatusCode::NOT_FOUND, "source_not_found").await;
    problem(
        app.get("/api/v1/quarantine?limit=abc").await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    problem(
        app.get("/api/v1/quarantine?status=bogus").await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    problem(
        app.get("/api/v1/quarantine?limit=0").await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    problem(
        app.get("/api/v1/quarantine?source=no-such-source").await,
        StatusCode::NOT_FOUND,
        "source_not_found",
    )
    .await;
    problem(
        app.get("/api/v1/submissions/abc").await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    problem(
        app.get("/api/v1/submissions/999").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        app.get("/api/v1/quarantine/999").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        app.get("/api/v1/nothing-here").await,
        StatusCode::NOT_FOUND,
        "route_not_found",
    )
    .await;
    let response = app
        .client
        .delete(app.url("/api/v1/sources"))
        .send()
        .await
        .unwrap();
    problem(
        response,
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    )
    .await;
    let response = app
        .client
        .put(app.url("/api/v1/quarantine/1/correction"))
        .header("content-type", "application/json")
        .body("[not json")
        .send()
        .await
        .unwrap();
    problem(response, StatusCode::BAD_REQUEST, "invalid_request").await;
    app.stop().await;
}

/// Upload with a bad row, read the quarantine, correct, resubmit, see the entry resolved.
async fn quarantine_round_trip(app: &TestApp) {
    let mut rows = good_rows();
    rows.push(BAD_ROW);
    let response = app
        .upload(SOURCE, "with-bad-row.csv", person_csv(&rows).into_bytes())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["accepted"], 3);
    assert_eq!(report["rejected_rows"], 1);
    let rejected = report["rejected"].as_array().unwrap();
    assert_eq!(rejected[0]["row"], 4);
    assert_eq!(rejected[0]["field"], "sex");
    let submission = report["submission"].as_i64().unwrap();

    let list: Value = app
        .get(&format!(
            "/api/v1/quarantine?source={SOURCE}&submission={submission}&status=open"
        ))
        .await
        .json()
        .await
        .unwrap();
    let entries = list["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{list}");
    let entry = &entries[0];
    assert_eq!(entry["row"], 4);
    assert_eq!(entry["status"], "open");
    assert_eq!(entry["raw"]["sex"], "Q");
    assert_eq!(entry["raw"]["record_id"], "P-004");
    assert_eq!(entry["issues"][0]["field"], "sex");
    assert!(entry["corrected"].is_null());
    let id = entry["id"].as_i64().unwrap();

    let mut corrected = entry["raw"].clone();
    corrected["sex"] = json!("F");
    let response = app
        .client
        .put(app.url(&format!("/api/v1/quarantine/{id}/correction")))
        .json(&corrected)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["corrected"]["sex"], "F");
    assert_eq!(stored["raw"]["sex"], "Q");

    let response = app
        .client
        .post(app.url(&format!("/api/v1/sources/{SOURCE}/quarantine/resubmit")))
        .json(&json!({ "ids": [id] }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let result: Value = response.json().await.unwrap();
    let reports = result["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 1, "{result}");
    assert_eq!(reports[0]["accepted"], 1);
    assert_eq!(reports[0]["rejected"], json!([]));
    assert_eq!(reports[0]["format"], "corrections");

    let entry: Value = app
        .get(&format!("/api/v1/quarantine/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entry["status"], "resolved");
    assert_eq!(entry["resolved_by"], reports[0]["submission"]);
    let open: Value = app
        .get("/api/v1/quarantine?status=open")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(open["entries"], json!([]));

    let stats: Value = app.get("/api/v1/stats/records").await.json().await.unwrap();
    assert_eq!(stats["total"], 4);

    // Resubmitting a resolved entry is refused.
    let response = app
        .client
        .post(app.url(&format!("/api/v1/sources/{SOURCE}/quarantine/resubmit")))
        .json(&json!({ "ids": [id] }))
        .send()
        .await
        .unwrap();
    problem(
        response,
        StatusCode::CONFLICT,
        "quarantine_not_resubmittable",
    )
    .await;
}

#[tokio::test]
async fn quarantined_row_is_corrected_and_resubmitted() {
    let app = spawn_app().await;
    quarantine_round_trip(&app).await;
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

#[tokio::test]
async fn postgres_upload_and_quarantine_round_trip() {
    // The sync PostgreSQL client runs its own runtime: create and drop it off the test's runtime.
    let Some((db, store)) = tokio::task::spawn_blocking(|| {
        let db = marsad_testkit::TestDb::new(marsad_testkit::Engine::Postgres)?;
        let store: Arc<dyn Store> = Arc::from(db.open());
        Some((db, store))
    })
    .await
    .unwrap() else {
        return;
    };
    let app = spawn_app_with(Some(store), marsad_server::DEFAULT_MAX_UPLOAD_BYTES).await;
    let health: Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(health["database"], "postgres");

    quarantine_round_trip(&app).await;
    // The same file again changes nothing.
    let mut rows = good_rows();
    rows.push(BAD_ROW);
    let response = app
        .upload(SOURCE, "with-bad-row.csv", person_csv(&rows).into_bytes())
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let again: Value = response.json().await.unwrap();
    assert_eq!(again["disposition"], "already_imported");
    app.stop().await;
    // The store's connections close with the server; then the database can go.
    tokio::task::spawn_blocking(move || drop(db)).await.unwrap();
}

// ---------------------------------------------------------------------------------------------
// TOTP secrets sealed at rest

fn totp_code(secret: &marsad_auth::TotpSecret, seconds_later: i64) -> String {
    marsad_auth::TotpConfig::DEFAULT
        .code(
            secret,
            support::now() + chrono::Duration::seconds(seconds_later),
        )
        .unwrap()
        .expose()
        .clone()
}

/// Signs `login` in with the password, then answers the status of `POST /api/v1/auth/totp`.
async fn second_factor(base: &str, login: &str, code: &str) -> StatusCode {
    let anonymous = reqwest::Client::new();
    let response = anonymous
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "login": login, "password": support::PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{login}");
    let pending = support::client_from_login(response).await;
    pending
        .post(format!("{base}/api/v1/auth/totp"))
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap()
        .status()
}

/// `marsad_server::serve` on `store` (with `vault`, or none) on a free port: its base URL, and
/// what stops it. Its start-up seals the TOTP secrets kept in clear.
async fn serve_store(
    store: Arc<dyn Store>,
    vault: Option<Arc<marsad_vault::Vault>>,
) -> (String, impl std::future::Future<Output = ()>) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = tempfile::tempdir().unwrap();
    let config = marsad_server::ServerConfig::new(
        format!("127.0.0.1:{port}").parse().unwrap(),
        data.path().into(),
    );
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(marsad_server::serve(
        config,
        store,
        Arc::new(marsad_model::FixedClock(support::now())),
        vault,
        async {
            let _ = rx.await;
        },
    ));
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..2000 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok() {
            ready = true;
            break;
        }
        tokio::task::yield_now().await;
    }
    assert!(ready, "the server did not start");
    let stop = async move {
        let _ = tx.send(());
        server.await.unwrap().unwrap();
        drop(data);
    };
    (base, stop)
}

fn user(
    store: &Arc<dyn Store>,
    login: &'static str,
) -> impl std::future::Future<Output = marsad_store::User> {
    let store = store.clone();
    async move {
        tokio::task::spawn_blocking(move || store.user_by_login(login).unwrap().unwrap())
            .await
            .unwrap()
    }
}

/// Enrolment stores the secret sealed (the raw column holds no trace of it) and sign-in opens
/// it; a sealed value copied into another user's row does not open; a secret enrolled in clear
/// before sealing existed keeps working, is sealed at the next start with its last used step
/// kept (a used code stays refused), and then works sealed.
#[tokio::test]
async fn totp_secrets_are_sealed_at_rest_and_old_clear_ones_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::from(marsad_store::open(dir.path().join("t.sqlite").to_str().unwrap()).unwrap());
    let app = spawn_app_with(Some(store.clone()), marsad_server::DEFAULT_MAX_UPLOAD_BYTES).await;
    let nadia = app
        .login_as("nadia", "observatoire", "observatory", &["analyst"])
        .await;
    let enrol: Value = nadia
        .post(app.url("/api/v1/auth/totp/enrol"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = enrol["secret"].as_str().unwrap().to_string();
    let secret = marsad_auth::TotpSecret::from_base32(&text).unwrap();
    let r = nadia
        .post(app.url("/api/v1/auth/totp/confirm"))
        .json(&json!({ "secret": text, "code": totp_code(&secret, 0) }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let column = user(&store, "nadia").await.totp_secret.unwrap();
    assert!(column.starts_with("vault-sealed:v1:"), "{column}");
    assert!(
        !column.contains(&text),
        "the base32 secret is in the column"
    );
    let raw_hex = data_encoding::HEXLOWER.encode(secret.as_bytes());
    assert!(!column.to_lowercase().contains(&raw_hex));
    assert_eq!(
        second_factor(&app.base, "nadia", &totp_code(&secret, 30)).await,
        StatusCode::OK
    );

    // Two accounts enrolled before sealing existed: base32 in clear.
    let old = marsad_auth::TotpSecret::from_base32("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").unwrap();
    for login in ["omar", "sara"] {
        app.login_as(login, "observatoire", "observatory", &["analyst"])
            .await;
    }
    let set = |login: &'static str, value: String| {
        app.with_store(move |s| {
            let u = s.user_by_login(login).unwrap().unwrap();
            s.set_user_totp(u.id, Some(&value)).unwrap();
        })
    };
    set("omar", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into()).await;
    // nadia's sealed value copied into sara's row does not open there.
    set("sara", column.clone()).await;
    assert_eq!(
        second_factor(&app.base, "sara", &totp_code(&secret, -30)).await,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    set("sara", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP".into()).await;
    // omar uses a code with his clear secret.
    let used = totp_code(&old, 30);
    assert_eq!(
        second_factor(&app.base, "omar", &used).await,
        StatusCode::OK,
        "a clear secret still works"
    );
    let vault = app.vault.clone();
    let base = app.base.clone();
    app.stop().await;

    // The next start seals them (served with the same vault: another one could not open them).
    let (again, stop) = serve_store(store.clone(), Some(vault.clone())).await;
    assert_ne!(again, base);
    let (omar, sara) = (user(&store, "omar").await, user(&store, "sara").await);
    for u in [&omar, &sara] {
        let c = u.totp_secret.as_deref().unwrap();
        assert!(
            c.starts_with("vault-sealed:v1:") && !c.contains("JBSWY3DP"),
            "{c}"
        );
    }
    assert!(omar.totp_last_step.is_some(), "the last used step is kept");
    assert_eq!(sara.totp_last_step, None);
    let sealings = {
        let store = store.clone();
        let ids = [omar.id.0, sara.id.0];
        tokio::task::spawn_blocking(move || {
            ids.iter()
                .flat_map(|id| store.audit_by_object("user", &id.to_string(), 100).unwrap())
                .filter(|e| e.action == "auth.totp-seal")
                .count()
        })
        .await
        .unwrap()
    };
    assert_eq!(sealings, 2);
    assert_eq!(
        second_factor(&again, "omar", &used).await,
        StatusCode::UNAUTHORIZED,
        "a code used before sealing stays used"
    );
    assert_eq!(
        second_factor(&again, "sara", &totp_code(&old, 0)).await,
        StatusCode::OK,
        "the sealed secret opens"
    );
    stop.await;
    tokio::task::spawn_blocking(move || drop(store))
        .await
        .unwrap();
}

/// Without its vault the server refuses to enrol a second factor (it would have to keep the
/// secret in clear) and cannot check a sealed one; recovery codes still work.
#[tokio::test]
async fn without_a_vault_totp_enrolment_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::from(marsad_store::open(dir.path().join("t.sqlite").to_str().unwrap()).unwrap());
    // A user enrolled while the vault was there.
    let app = spawn_app_with(Some(store.clone()), marsad_server::DEFAULT_MAX_UPLOAD_BYTES).await;
    let nadia = app
        .login_as("nadia", "observatoire", "observatory", &["analyst"])
        .await;
    let enrol: Value = nadia
        .post(app.url("/api/v1/auth/totp/enrol"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = enrol["secret"].as_str().unwrap().to_string();
    let secret = marsad_auth::TotpSecret::from_base32(&text).unwrap();
    let codes: Value = nadia
        .post(app.url("/api/v1/auth/totp/confirm"))
        .json(&json!({ "secret": text, "code": totp_code(&secret, 0) }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    app.stop().await;

    // The same store served without a vault.
    let (base, stop) = serve_store(store.clone(), None).await;
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "login": "nadia", "password": support::PASSWORD }))
        .send()
        .await
        .unwrap();
    let pending = support::client_from_login(r).await;
    let body = problem(
        pending
            .post(format!("{base}/api/v1/auth/totp"))
            .json(&json!({ "code": totp_code(&secret, 30) }))
            .send()
            .await
            .unwrap(),
        StatusCode::SERVICE_UNAVAILABLE,
        "vault_unavailable",
    )
    .await;
    assert!(body["help"].as_str().unwrap().contains("recovery code"));
    let r = pending
        .post(format!("{base}/api/v1/auth/totp"))
        .json(&json!({ "recovery_code": codes["recovery_codes"][0] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let full = support::client_from_login(r).await;
    problem(
        full.post(format!("{base}/api/v1/auth/totp/enrol"))
            .send()
            .await
            .unwrap(),
        StatusCode::SERVICE_UNAVAILABLE,
        "vault_unavailable",
    )
    .await;
    stop.await;
    tokio::task::spawn_blocking(move || drop(store))
        .await
        .unwrap();
}

#[tokio::test]
async fn pages_live_under_a_language_and_answer_errors_as_pages() {
    let app = spawn_app().await;
    let get = |path: &str, lang: &str| {
        app.anonymous
            .get(app.url(path))
            .header("accept-language", lang)
            .send()
    };
    // `/` goes to the browser's language, Arabic by default; `/fr` to `/fr/`.
    for (accept, path) in [
        ("fr-TN,fr;q=0.9", "/fr/"),
        ("en-GB", "/en/"),
        ("de", "/ar/"),
    ] {
        let r = get("/", accept).await.unwrap();
        assert_eq!(r.url().path(), path, "{accept}");
    }
    assert_eq!(get("/fr", "").await.unwrap().url().path(), "/fr/");
    // No such page: a page in that language, not JSON.
    let r = get("/fr/no-such-page", "").await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("lang=\"fr\"") && html.contains("Page introuvable"),
        "{html}"
    );
    let r = get("/ar/no-such-page", "").await.unwrap();
    let html = r.text().await.unwrap();
    assert!(
        html.contains("dir=\"rtl\"") && html.contains("الصفحة غير موجودة"),
        "{html}"
    );
    // Outside a language, the API's problem+json.
    problem(
        get("/xx/yy", "").await.unwrap(),
        StatusCode::NOT_FOUND,
        "route_not_found",
    )
    .await;
    problem(
        get("/nothing", "").await.unwrap(),
        StatusCode::NOT_FOUND,
        "route_not_found",
    )
    .await;
    // The digits choice is kept in a cookie and only sends back to this site.
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = no_redirect
        .get(app.url("/digits?set=arab&back=/ar/indicators/"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection());
    assert_eq!(r.headers()["location"], "/ar/indicators/");
    assert!(r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .starts_with("marsad_digits=arab;"));
    let r = no_redirect
        .get(app.url("/digits?set=latn&back=//evil.example/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/ar/");
    app.stop().await;
}

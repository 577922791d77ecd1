//! Research microdata extracts through HTTP, on SQLite and (when `MARSAD_TEST_DATABASE_URL` is
//! set) PostgreSQL: a researcher requests, the data-protection officer decides, the researcher
//! downloads a CSV that is k-anonymous on its quasi-identifiers (checked here by counting keys),
//! carries no identity, and whose pseudonyms differ from another extract's of the same people;
//! an unsafe extract is refused with the report; the requester cannot approve; another
//! institution's researcher sees nothing; every step is on the audit trail with the purpose.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use marsad_model::FixedClock;
use marsad_store::{PersonNumber, RecordKey, Store};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::{now, TestApp};

const PURPOSE: &str = "دراسة مسارات العمال المهاجرين — Labour migration trajectories";
const SOURCE: &str = "labour";
const BORDER: &str = "border";
/// A marker in every name: it must never appear in an extract.
const NAME: &str = "Zzidentity";

async fn send(r: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = r.send().await.unwrap();
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

fn import(store: &dyn Store, source: &str, name: &str, mapping: &str, text: String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let out = marsad_ingest::import_file(
        store,
        &marsad_ingest::ImportRequest {
            source,
            path: &path,
            file_name: None,
            mapping: Some(mapping),
            submitted_by: "fixture",
        },
        &FixedClock(now()),
        &marsad_ingest::NoProgress,
    )
    .unwrap();
    assert_eq!(
        out.report.submission.rejected, 0,
        "{name}: {:?}",
        out.report.rejected
    );
}

const PERSON_MAPPING: &str = "[[record]]\nkind = \"person\"\n[record.fields]\nrecord_id = \"record_id\"\ngiven_name = \"given_name\"\nfamily_name = \"family_name\"\nsex = \"sex\"\nbirth_date = \"birth_date\"\nnationality = \"nationality\"\ndocument_type = \"document_type\"\ndocument_number = \"document_number\"\n";
const PLACEMENT_MAPPING: &str = "[[record]]\nkind = \"labour_placement\"\n[record.fields]\nrecord_id = \"record_id\"\nperson_record_id = \"person_record_id\"\ndestination_country = \"destination_country\"\noccupation = \"occupation\"\ncontract_start = \"contract_start\"\n";

/// 40 workers placed abroad in 2023 (sex, age, destination in common patterns, a few rare
/// ones), each a unified person; worker 0 is also known to the border police (a second record
/// linked to the same number: still one row); one more worker known only to the
/// anti-trafficking authority, withheld from every extract.
pub(crate) fn population(store: &dyn Store) {
    store
        .ensure_institution(&marsad_store::NewInstitution {
            name: "labour-agency",
            title: "labour-agency",
            kind: "labour_agency",
            created_at: now(),
        })
        .unwrap();
    store
        .add_source(SOURCE, Some("labour-agency"), now())
        .unwrap();
    store
        .add_source(BORDER, Some("border-police"), now())
        .unwrap();
    let mut persons =
        String::from("record_id,given_name,family_name,sex,birth_date,nationality,document_type,document_number\n");
    let mut placements =
        String::from("record_id,person_record_id,destination_country,occupation,contract_start\n");
    for i in 0..40 {
        let (sex, birth, dest, isco) = match i {
            36 => ("F", "1950-03-02", "CAN", "2211"),
            37 => ("M", "2004-07-09", "JPN", "3111"),
            38 => ("F", "1961-01-01", "QAT", "9111"),
            39 => ("M", "1999-12-12", "DEU", "7112"),
            _ if i % 2 == 0 => ("F", "1990-04-10", "SAU", "9111"),
            _ => ("M", "1985-09-20", "QAT", "7112"),
        };
        persons.push_str(&format!(
            "P{i},Amina{NAME}{i},Benali{NAME},{sex},{birth},TUN,passport,X{i:07}\n"
        ));
        placements.push_str(&format!("L{i},P{i},{dest},{isco},2023-0{}-01\n", 1 + i % 9));
    }
    import(store, SOURCE, "persons.csv", PERSON_MAPPING, persons);
    import(
        store,
        SOURCE,
        "placements.csv",
        PLACEMENT_MAPPING,
        placements,
    );
    import(
        store,
        BORDER,
        "border.csv",
        PERSON_MAPPING,
        format!("record_id,given_name,family_name,sex,birth_date,nationality,document_type,document_number\nB0,Amina{NAME}0,Benali{NAME},F,1990-04-10,TUN,passport,X0000000\n"),
    );
    // A worker known only to the anti-trafficking authority (a victim of labour exploitation):
    // its records never feed an extract, so the extracts below still have 40 rows.
    store
        .ensure_institution(&marsad_store::NewInstitution {
            name: "protection-authority",
            title: "protection-authority",
            kind: "anti_trafficking",
            created_at: now(),
        })
        .unwrap();
    store
        .add_source("protection", Some("protection-authority"), now())
        .unwrap();
    import(
        store,
        "protection",
        "victims.csv",
        PERSON_MAPPING,
        format!("record_id,given_name,family_name,sex,birth_date,nationality,document_type,document_number
T99,Salma{NAME},Victim{NAME},F,1990-04-10,TUN,passport,X0000099
"),
    );
    import(
        store,
        "protection",
        "placements.csv",
        PLACEMENT_MAPPING,
        "record_id,person_record_id,destination_country,occupation,contract_start
L99,T99,SAU,9111,2023-03-01
"
        .to_string(),
    );
    let labour = store.source(SOURCE).unwrap().unwrap().id;
    let border = store.source(BORDER).unwrap().unwrap().id;
    for i in 0..40u64 {
        let n = PersonNumber(100_000_000_000 + i);
        store.create_person(n, "test", now()).unwrap();
        let mut records = vec![RecordKey::new(labour, "person", format!("P{i}"))];
        if i == 0 {
            records.push(RecordKey::new(border, "person", "B0"));
        }
        store
            .assign_records(n, &records, "test", None, now())
            .unwrap();
    }
}

fn body(first_year: i32, k: Option<u32>) -> Value {
    json!({
        "purpose": PURPOSE,
        "project": "UNI-2025-07: trajectories of workers placed abroad (ethics approval 2025/113)",
        "kinds": ["labour_placement"],
        "first_year": first_year,
        "last_year": 2023,
        "variables": ["sex", "age_group", "citizenship", "destination", "occupation", "placements", "first_year"],
        "k": k,
    })
}

/// Every row's frequency with sdcMicro's rule (an empty value matches any): at least `k`.
fn assert_k_anonymous(csv: &str, quasi: &[&str], k: usize) {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let cols: Vec<usize> = quasi
        .iter()
        .map(|q| header.iter().position(|h| h == q).unwrap())
        .collect();
    let keys: Vec<Vec<String>> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            cols.iter().map(|&c| f[c].to_string()).collect()
        })
        .collect();
    for a in &keys {
        let f = keys
            .iter()
            .filter(|b| {
                a.iter()
                    .zip(b.iter())
                    .all(|(x, y)| x == y || x.is_empty() || y.is_empty())
            })
            .count();
        assert!(f >= k, "key {a:?} is shared by {f} rows < {k}");
    }
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn pseudonyms(csv: &str) -> BTreeSet<String> {
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

/// The request at `url` once its build has ended (`released` or `refused`), polled with a
/// deadline; a failed build fails the test.
pub(crate) async fn settled(client: &reqwest::Client, url: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (st, r) = send(client.get(url)).await;
        assert_eq!(st, StatusCode::OK, "{r}");
        if r["status"] != "approved" {
            return r;
        }
        assert!(r["job"]["error"].is_null(), "the build failed: {r}");
        assert!(Instant::now() < deadline, "still being built: {r}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Polls `url` until the request's job has `failed`.
/// A server on a fresh store holding the population, and the researcher signed in.
async fn populated() -> (TestApp, reqwest::Client) {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, "unused").await;
    app.with_store(|s| population(s)).await;
    let researcher = app
        .login_as("rania", "university-tunis", "research", &["researcher"])
        .await;
    (app, researcher)
}

/// The audit trail's actions on a request, oldest first.
async fn audit_actions(app: &TestApp, id: i64) -> Vec<String> {
    app.with_store(move |s| {
        s.audit_by_object("microdata_request", &id.to_string(), 100)
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect()
    })
    .await
}

async fn failed(client: &reqwest::Client, url: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let (st, r) = send(client.get(url)).await;
        assert_eq!(st, StatusCode::OK, "{r}");
        assert_eq!(r["status"], "approved", "{r}");
        if r["job"]["phase"] == "failed" {
            return r;
        }
        assert!(Instant::now() < deadline, "no failure shown: {r}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The event approving request `id` (its `seq` is 1), as a decider recorded it.
fn approval(id: i64, s: &dyn Store) {
    let event = marsad_store::MicrodataEvent {
        seq: 1,
        from: "requested".into(),
        to: "approved".into(),
        actor: "user:dpo-before-the-crash".into(),
        actor_name: "dpo".into(),
        institution: Some("observatoire".into()),
        reasons: None,
        report: None,
        file_ref: None,
        at: now(),
    };
    let audit = marsad_auth::AuditEvent {
        at: now(),
        actor: marsad_auth::Actor::User("dpo-before-the-crash".into()),
        institution: Some("observatoire".into()),
        action: "microdata.approve".into(),
        object: Some(marsad_auth::AuditObject {
            kind: "microdata_request".into(),
            id: id.to_string(),
        }),
        purpose: marsad_auth::Purpose::parse(PURPOSE).ok(),
        outcome: marsad_auth::Outcome::Success,
    };
    s.move_microdata_request(id, &[event], None, &audit)
        .unwrap();
}

async fn scenario(store: Option<Arc<dyn Store>>) {
    let app = TestApp::start(store, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, "unused").await;
    app.with_store(|s| population(s)).await;
    let researcher = app
        .login_as("rania", "university-tunis", "research", &["researcher"])
        .await;
    let colleague = app
        .login_as("karim", "university-tunis", "research", &["researcher"])
        .await;
    let stranger = app
        .login_as("sami", "university-sfax", "research", &["researcher"])
        .await;
    let dpo = app
        .login_as("dpo", "observatoire", "observatory", &["dpo"])
        .await;
    // a DPO who is also a researcher of the observatory: may request, never decide their own
    let dual = app
        .login_as(
            "leila",
            "observatoire",
            "observatory",
            &["dpo", "researcher"],
        )
        .await;
    let url = app.url("/api/v1/microdata/requests");

    // the catalogue
    let (st, cat) = send(researcher.get(app.url("/api/v1/microdata/variables"))).await;
    assert_eq!(st, StatusCode::OK, "{cat}");
    assert_eq!(cat["k"], 5);

    // every bad input names its field
    for (patch, field) in [
        (json!({"purpose": " "}), "purpose"),
        (json!({"project": ""}), "project"),
        (json!({"kinds": ["trafficking_case"]}), "kinds"),
        (json!({"kinds": []}), "kinds"),
        (json!({"first_year": 1800}), "first_year"),
        (json!({"last_year": 2019, "first_year": 2020}), "last_year"),
        (json!({"variables": ["given_name"]}), "variables"),
        (json!({"variables": ["sex", "sex"]}), "variables"),
        (
            json!({"quasi_identifiers": ["returns"]}),
            "quasi_identifiers",
        ),
        (json!({"k": 2}), "k"),
    ] {
        let mut b = body(2023, None);
        for (key, v) in patch.as_object().unwrap() {
            b[key] = v.clone();
        }
        let r = researcher.post(&url).json(&b).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{patch}");
        assert_eq!(
            r.headers()["content-type"].to_str().unwrap(),
            "application/problem+json",
            "{patch}"
        );
        let p: Value = r.json().await.unwrap();
        assert_eq!(p["field"], field, "{patch}: {p}");
    }

    // request
    let (st, req) = send(researcher.post(&url).json(&body(2023, None))).await;
    assert_eq!(st, StatusCode::CREATED, "{req}");
    assert_eq!(req["status"], "requested");
    assert_eq!(req["k"], 5);
    assert_eq!(
        req["quasi_identifiers"],
        json!([
            "sex",
            "age_group",
            "citizenship",
            "destination",
            "occupation"
        ])
    );
    let id = req["id"].as_i64().unwrap();
    let one = format!("{url}/{id}");

    // who sees it: the requester's institution and the DPO; not another university
    let (st, _) = send(colleague.get(&one)).await;
    assert_eq!(st, StatusCode::OK);
    let (st, p) = send(stranger.get(&one)).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{p}");
    let (_, list) = send(stranger.get(&url)).await;
    assert_eq!(list["requests"], json!([]));
    let (_, list) = send(dpo.get(&url)).await;
    assert_eq!(list["requests"].as_array().unwrap().len(), 1);
    // a researcher cannot decide, nor download before release
    let (st, _) = send(
        researcher
            .post(format!("{one}/decision"))
            .json(&json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = send(researcher.get(format!("{one}/extract"))).await;
    assert_eq!(st, StatusCode::CONFLICT);
    // a decision names its field when wrong
    let (st, p) = send(
        dpo.post(format!("{one}/decision"))
            .json(&json!({"decision": "maybe"})),
    )
    .await;
    assert_eq!(
        (st, p["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("decision"))
    );
    let (st, p) = send(
        dpo.post(format!("{one}/decision"))
            .json(&json!({"decision": "refuse"})),
    )
    .await;
    assert_eq!(
        (st, p["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("reasons"))
    );

    // approve → 202, approved and being built (its job visible) → released
    let (st, accepted) = send(
        dpo.post(format!("{one}/decision"))
            .json(&json!({"decision": "approve", "reasons": "ethics approval on file"})),
    )
    .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{accepted}");
    assert_eq!(accepted["status"], "approved", "{accepted}");
    assert!(
        [
            "queued",
            "building",
            "checking risk",
            "sealing",
            "recording"
        ]
        .contains(&accepted["job"]["phase"].as_str().unwrap_or("none")),
        "{accepted}"
    );
    assert!(accepted["job"]["started_at"].is_string(), "{accepted}");
    // a decision taken meanwhile is a conflict
    let (st, p) = send(
        dpo.post(format!("{one}/decision"))
            .json(&json!({"decision": "refuse", "reasons": "changed my mind"})),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "{p}");
    let done = settled(&dpo, &one).await;
    assert_eq!(done["status"], "released", "{done}");
    assert!(
        done["job"].is_null(),
        "a finished build is forgotten: {done}"
    );
    assert_eq!(done["events"][0]["to"], "approved");
    assert_eq!(
        done["events"][1]["by"], "dpo",
        "the approver stays on record"
    );
    assert_eq!(done["report"]["release_allowed"], true);
    assert!(
        done["report"]["after"]["k_anonymity"].as_u64().unwrap() >= 5,
        "{done}"
    );
    assert!(
        done["report"]["before"]["k_anonymity"].as_u64().unwrap() < 5,
        "{done}"
    );
    let (st, _) = send(
        dpo.post(format!("{one}/decision"))
            .json(&json!({"decision": "refuse", "reasons": "again"})),
    )
    .await;
    assert_eq!(st, StatusCode::CONFLICT, "decided once");

    // download: only the requester
    let r = researcher
        .get(format!("{one}/extract"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with(
        "pseudonym,sex,age_group,citizenship,destination,occupation,placements,first_year\n"
    ));
    assert_eq!(
        csv.lines().count(),
        41,
        "one row per unified person:\n{csv}"
    );
    assert!(
        !csv.contains(NAME) && !csv.contains("X000") && !csv.contains("2023-0"),
        "{csv}"
    );
    assert!(!csv.contains("1000000000"), "no unified number: {csv}");
    assert_k_anonymous(
        &csv,
        &[
            "sex",
            "age_group",
            "citizenship",
            "destination",
            "occupation",
        ],
        5,
    );
    let (st, _) = send(colleague.get(format!("{one}/extract"))).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a colleague does not download");
    let (st, _) = send(stranger.get(format!("{one}/extract"))).await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let again = researcher
        .get(format!("{one}/extract"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(again, csv, "the released file is frozen");
    // kept encrypted in the vault, not in the database
    let stored = app
        .with_store(move |s| s.microdata_extract(id).unwrap())
        .await;
    assert!(stored.content.is_empty(), "the CSV is not in the database");
    let blob = stored.blob_id.expect("the extract is in the vault");
    let blob = marsad_vault::BlobId::parse(&blob).unwrap();
    assert!(app.vault.exists(&blob).await.unwrap());
    for entry in walk(app.dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(20).any(|w| w == &csv.as_bytes()[..20]),
            "{} holds the extract in clear",
            entry.display()
        );
    }

    // a second extract of the same people: pseudonyms cannot be joined
    let (_, second) = send(researcher.post(&url).json(&body(2022, None))).await;
    let second_id = second["id"].as_i64().unwrap();
    let (st, _) = send(
        dpo.post(format!("{url}/{second_id}/decision"))
            .json(&json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(st, StatusCode::ACCEPTED);
    let done2 = settled(&dpo, &format!("{url}/{second_id}")).await;
    assert_eq!(done2["status"], "released", "{done2}");
    let csv2 = researcher
        .get(format!("{url}/{second_id}/extract"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let (p1, p2) = (pseudonyms(&csv), pseudonyms(&csv2));
    assert_eq!((p1.len(), p2.len()), (40, 40));
    assert!(p1.is_disjoint(&p2), "two extracts share pseudonyms");

    // an unsafe extract (k above the population) is refused, with the report saying why
    let (_, unsafe_req) = send(researcher.post(&url).json(&body(2023, Some(50)))).await;
    let unsafe_id = unsafe_req["id"].as_i64().unwrap();
    let (st, accepted) = send(
        dpo.post(format!("{url}/{unsafe_id}/decision"))
            .json(&json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{accepted}");
    let refused = settled(&researcher, &format!("{url}/{unsafe_id}")).await;
    assert_eq!(refused["status"], "refused", "{refused}");
    assert_eq!(refused["events"][1]["by"], "risk check", "{refused}");
    assert_eq!(refused["report"]["release_allowed"], false);
    assert!(
        refused["events"][1]["reasons"]
            .as_str()
            .unwrap()
            .contains("cannot be made 50-anonymous"),
        "{refused}"
    );
    let (st, _) = send(researcher.get(format!("{url}/{unsafe_id}/extract"))).await;
    assert_eq!(st, StatusCode::CONFLICT);

    // the requester cannot approve their own request, even with the decider's role
    let (st, own) = send(dual.post(&url).json(&body(2023, None))).await;
    assert_eq!(st, StatusCode::CREATED, "{own}");
    let own_id = own["id"].as_i64().unwrap();
    let (st, p) = send(
        dual.post(format!("{url}/{own_id}/decision"))
            .json(&json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{p}");
    // refused by the DPO, then withdrawn is too late; another request is withdrawn
    let (st, r) = send(
        dpo.post(format!("{url}/{own_id}/decision"))
            .json(&json!({"decision": "refuse", "reasons": "the project has no ethics approval"})),
    )
    .await;
    assert_eq!(
        (st, r["status"].as_str()),
        (StatusCode::OK, Some("refused"))
    );
    let (_, w) = send(researcher.post(&url).json(&body(2023, None))).await;
    let w_id = w["id"].as_i64().unwrap();
    let (st, _) = send(colleague.post(format!("{url}/{w_id}/withdrawal"))).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "only the requester withdraws");
    let (st, w) = send(researcher.post(format!("{url}/{w_id}/withdrawal"))).await;
    assert_eq!(
        (st, w["status"].as_str()),
        (StatusCode::OK, Some("withdrawn"))
    );

    // every step is on the audit trail with the purpose
    let trail = app
        .with_store(move |s| {
            s.audit_by_object("microdata_request", &id.to_string(), 100)
                .unwrap()
                .into_iter()
                .map(|e| (e.action, e.purpose))
                .collect::<Vec<_>>()
        })
        .await;
    let actions: Vec<&str> = trail.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "microdata.download")
            .count(),
        2,
        "{actions:?}"
    );
    for step in [
        "microdata.request",
        "microdata.approve",
        "microdata.release",
    ] {
        assert!(actions.contains(&step), "{step} missing: {actions:?}");
    }
    assert!(
        trail.iter().all(|(_, p)| p.as_deref() == Some(PURPOSE)),
        "{trail:?}"
    );
    let refusal = audit_actions(&app, unsafe_id).await;
    assert!(
        refusal.contains(&"microdata.refuse-risk".to_string()),
        "{refusal:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn extracts_on_sqlite() {
    scenario(None).await;
}

#[tokio::test]
async fn extracts_on_postgres() {
    let Some((db, store)) = tokio::task::spawn_blocking(|| {
        let db = marsad_testkit::TestDb::new(marsad_testkit::Engine::Postgres)?;
        let store: Arc<dyn Store> = Arc::from(db.open());
        Some((db, store))
    })
    .await
    .unwrap() else {
        return;
    };
    scenario(Some(store)).await;
    tokio::task::spawn_blocking(move || drop(db)).await.unwrap();
}

/// A request left approved when the server stopped mid-build (simulated: the approval recorded in
/// the store, no job anywhere) is built and released by the next server that starts.
#[tokio::test]
async fn an_approved_request_is_built_after_a_restart() {
    let (app, researcher) = populated().await;
    let dpo = app
        .login_as("dpo", "observatoire", "observatory", &["dpo"])
        .await;
    let url = app.url("/api/v1/microdata/requests");
    let (st, req) = send(researcher.post(&url).json(&body(2023, None))).await;
    assert_eq!(st, StatusCode::CREATED, "{req}");
    let id = req["id"].as_i64().unwrap();
    app.with_store(move |s| approval(id, s)).await;
    let (_, before) = send(dpo.get(format!("{url}/{id}"))).await;
    assert_eq!(before["status"], "approved", "{before}");
    assert!(before["job"].is_null(), "no server builds it yet: {before}");

    // "the restart": another server on the same store and vault
    let restarted = app.start_beside("unused-2").await;
    let one = restarted.url(&format!("/api/v1/microdata/requests/{id}"));
    let done = settled(&dpo, &one).await;
    assert_eq!(done["status"], "released", "{done}");
    assert_eq!(done["events"][1]["by"], "dpo", "{done}");
    let r = researcher
        .get(format!("{one}/extract"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap().lines().count(), 41);
    let actions = audit_actions(&app, id).await;
    assert!(
        actions.contains(&"microdata.release".to_string()),
        "{actions:?}"
    );
    restarted.stop().await;
    app.stop().await;
}

/// A build that fails records nothing: the request stays approved, its job shows the error (in
/// the API and the portal), and approving it again builds it again.
#[tokio::test]
async fn a_failed_build_leaves_the_request_approved_and_visible() {
    let (app, researcher) = populated().await;
    // a request the catalogue no longer knows a variable of: its build fails
    let id = app
        .with_store(|s| {
            let row = marsad_store::MicrodataRequestRow {
                id: 0,
                requester: "user:someone".into(),
                requester_name: "rania".into(),
                institution: "university-tunis".into(),
                purpose: PURPOSE.into(),
                project: "UNI-2025-08".into(),
                kinds: vec!["labour_placement".into()],
                first_year: 2023,
                last_year: 2023,
                variables: vec!["sex".into(), "retired_variable".into()],
                quasi_identifiers: vec!["sex".into()],
                k: 5,
                max_risk: 0.2,
                requested_at: now(),
                events: Vec::new(),
            };
            let audit = marsad_auth::AuditEvent {
                at: now(),
                actor: marsad_auth::Actor::User("someone".into()),
                institution: Some("university-tunis".into()),
                action: "microdata.request".into(),
                object: Some(marsad_auth::AuditObject {
                    kind: "microdata_request".into(),
                    id: "new".into(),
                }),
                purpose: marsad_auth::Purpose::parse(PURPOSE).ok(),
                outcome: marsad_auth::Outcome::Success,
            };
            let id = s.add_microdata_request(&row, &audit).unwrap().id;
            approval(id, s);
            id
        })
        .await;
    // resumed by the next server, which fails to build it
    let restarted = app.start_beside("unused-2").await;
    // (signed in there: each server has its own CSRF key)
    let dpo = restarted
        .login_as("dpo", "observatoire", "observatory", &["dpo"])
        .await;
    let one = restarted.url(&format!("/api/v1/microdata/requests/{id}"));
    let shown = failed(&dpo, &one).await;
    assert_eq!(shown["events"].as_array().unwrap().len(), 1, "{shown}");
    assert!(
        shown["job"]["error"]
            .as_str()
            .unwrap()
            .contains("retired_variable"),
        "{shown}"
    );
    let (_, seen) = send(researcher.get(&one)).await;
    assert_eq!(seen["job"]["phase"], "failed", "the researcher sees it too");
    // the portal shows it, with a button to build again for the decider
    let html = dpo
        .get(restarted.url("/en/work/microdata/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("could not be built") && html.contains("retired_variable"),
        "{html}"
    );
    assert!(html.contains("Build again"), "{html}");
    // approving again builds it again (and fails again, recording nothing)
    let (st, again) = send(
        dpo.post(format!("{one}/decision"))
            .json(&json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(st, StatusCode::ACCEPTED, "{again}");
    assert_eq!(again["status"], "approved");
    let shown = failed(&dpo, &one).await;
    assert_eq!(shown["events"].as_array().unwrap().len(), 1, "{shown}");
    let actions = audit_actions(&app, id).await;
    assert!(
        actions.contains(&"microdata.rebuild".to_string()),
        "{actions:?}"
    );
    restarted.stop().await;
    app.stop().await;
}

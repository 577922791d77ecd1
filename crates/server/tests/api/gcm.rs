//! GCM monitoring through HTTP: the plan (versions, the owner's scope, indicators, progress),
//! the missing-migrant register (deduplication on intake, SDG 10.7.3), the referral mechanism
//! (every allowed and forbidden move, each institution's scope, the services firewall, overdue
//! referrals against the fixed test clock, protected statistics) and complaints filed and
//! followed anonymously.

use marsad_store::{ReferralRow, Store, TraffickingCase};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::problem;
use crate::support::{now, TestApp};

async fn app() -> TestApp {
    TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, "src").await
}

async fn send(r: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = r.send().await.unwrap();
    let status = response.status();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

fn action(id: &str, owner: &str, status: &str) -> Value {
    json!({
        "id": id,
        "title": "Former les agents consulaires à l'accueil des migrants",
        "objectives": ["7", "O14"],
        "owner": owner,
        "partners": ["IOM"],
        "budget": { "amount": 120000, "currency": "TND" },
        "start": "2024-01-01",
        "end": "2026-12-31",
        "status": status,
        "step": "implementation",
    })
}

#[tokio::test]
async fn plan_versions_owner_scope_indicators_and_progress() {
    let app = app().await;
    let committee = app
        .login_as("analyst", "observatoire", "observatory", &["analyst"])
        .await;
    let owner = app
        .login_as("social", "social-affairs", "ministry", &["officer"])
        .await;
    let other = app
        .login_as("labour", "labour-agency", "labour_agency", &["officer"])
        .await;
    let url = app.url("/api/v1/gcm/plan/actions");

    let (s, body) = send(
        committee
            .post(&url)
            .json(&action("A-07-1", "social-affairs", "planned")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["version"], 1);
    assert_eq!(body["objectives"], json!([7, 14]));
    // Invalid: the field is named.
    let mut bad = action("A-07-2", "social-affairs", "planned");
    bad["objectives"] = json!([]);
    let r = committee.post(&url).json(&bad).send().await.unwrap();
    let p = problem(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(p["field"], "objectives", "{p}");
    let mut bad = action("A-07-2", "social-affairs", "planned");
    bad["end"] = json!("2023-01-01");
    let p = problem(
        committee.post(&url).json(&bad).send().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    assert_eq!(p["field"], "end", "{p}");
    // The same id twice.
    let r = committee
        .post(&url)
        .json(&action("A-07-1", "social-affairs", "planned"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::CONFLICT, "conflict").await;
    // An owner adds actions only for itself.
    let r = owner
        .post(&url)
        .json(&action("A-07-3", "labour-agency", "planned"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    let (s, _) = send(
        owner
            .post(&url)
            .json(&action("A-07-3", "social-affairs", "draft")),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let r = app
        .client
        .post(&url)
        .json(&action("A-07-4", "social-affairs", "draft"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;

    // The owner updates its action; another institution cannot.
    let one = app.url("/api/v1/gcm/plan/actions/A-07-1");
    let mut change = action("A-07-1", "social-affairs", "ongoing");
    change["version"] = json!(1);
    let r = other.put(&one).json(&change).send().await.unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    let (s, body) = send(owner.put(&one).json(&change)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 2);
    assert_eq!(body["status"], "ongoing");
    // Based on a stale version, or changing nothing: refused.
    let r = owner.put(&one).json(&change).send().await.unwrap();
    problem(r, StatusCode::CONFLICT, "conflict").await;
    change["version"] = json!(2);
    let r = owner.put(&one).json(&change).send().await.unwrap();
    problem(r, StatusCode::CONFLICT, "conflict").await;
    // Everyone signed in reads the plan and its history.
    let (s, h) = send(
        app.client
            .get(app.url("/api/v1/gcm/plan/actions/A-07-1/history")),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let versions = h["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        versions[1]["changes"],
        json!([{ "field": "status", "before": "planned", "after": "ongoing" }])
    );
    assert_eq!(versions[1]["action"]["changed_by"], "social");
    // The plan is public (rule plan-read); changing it is not.
    let (s, list) = send(app.anonymous.get(&url)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["actions"].as_array().map(Vec::len), Some(2), "{list}");
    let r = app
        .anonymous
        .post(&url)
        .json(&action("A-07-9", "social-affairs", "planned"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    // Indicators and measurements, by the owner.
    let ind = app.url("/api/v1/gcm/plan/actions/A-07-1/indicators");
    let indicator = json!({
        "code": "10.7.2",
        "baseline": { "start": "2023-01-01", "end": "2023-12-31", "value": 10.0, "source": "INS" },
        "target": { "start": "2027-01-01", "end": "2027-12-31", "value": 40.0, "source": "plan" },
    });
    let r = other.post(&ind).json(&indicator).send().await.unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    let (s, body) = send(owner.post(&ind).json(&indicator)).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let mut contradictory = indicator.clone();
    contradictory["code"] = json!("X.1");
    contradictory["direction"] = json!("decrease");
    let p = problem(
        owner.post(&ind).json(&contradictory).send().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    assert_eq!(p["field"], "direction");
    let m = app.url("/api/v1/gcm/plan/actions/A-07-1/indicators/10.7.2/measurements");
    for (year, value) in [(2024, 15.0), (2025, 22.0)] {
        let (s, _) = send(owner.post(&m).json(&json!({
            "start": format!("{year}-01-01"), "end": format!("{year}-12-31"), "value": value, "source": "INS",
        })))
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let r = owner
        .post(&m)
        .json(&json!({ "start": "2025-01-01", "end": "2025-12-31", "value": 1.0, "source": "INS" }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::CONFLICT, "conflict").await;
    let (s, _) = send(owner.post(app.url("/api/v1/gcm/plan/actions/A-07-1/evaluations")).json(&json!({
        "date": "2025-06-30", "author": "Comité", "learned": "", "obstacles": ["rotation du personnel"],
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let r = owner
        .post(app.url("/api/v1/gcm/plan/actions/A-07-1/evidence"))
        .json(&json!({ "title": "Rapport", "attachment": 999, "date": "2025-01-01" }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::NOT_FOUND, "not_found").await;

    // Progress: every objective, the indicator's trend up to the period's end.
    let (s, p) = send(app.client.get(app.url("/api/v1/gcm/progress?period=2024"))).await;
    assert_eq!(s, StatusCode::OK);
    let objectives = p["objectives"].as_array().unwrap();
    assert_eq!(objectives.len(), 23);
    let o7 = &objectives[6];
    assert_eq!(o7["objective"], 7);
    assert_eq!(o7["actions"], 2);
    assert_eq!(o7["indicators"][0]["latest"], 15.0);
    assert_eq!(o7["indicators"][0]["trend"], "improving");
    assert_eq!(o7["evaluations"], 0, "dated after 2024");
    let (_, p) = send(app.client.get(app.url("/api/v1/gcm/progress?period=2025"))).await;
    assert_eq!(p["objectives"][6]["indicators"][0]["latest"], 22.0);
    assert_eq!(p["objectives"][6]["evaluations"], 1);
    assert_eq!(p["objectives"][0]["actions"], 0, "gaps are shown");
    let p = problem(
        app.get("/api/v1/gcm/progress?period=99999").await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    assert_eq!(p["field"], "period");
    app.stop().await;
}

struct Mechanism {
    app: TestApp,
    inlcts: reqwest::Client,
    shelter: reqwest::Client,
    health: reqwest::Client,
}

async fn mechanism() -> Mechanism {
    let app = app().await;
    let inlcts = app
        .login_as("inlcts", "inlcts", "anti_trafficking", &["case_worker"])
        .await;
    let shelter = app
        .login_as(
            "shelter",
            "shelter-tunis",
            "civil_society",
            &["case_worker"],
        )
        .await;
    let health = app
        .login_as(
            "health",
            "health-ministry",
            "health_ministry",
            &["case_worker"],
        )
        .await;
    Mechanism {
        app,
        inlcts,
        shelter,
        health,
    }
}

async fn new_case(m: &Mechanism) -> i64 {
    let (s, body) = send(m.inlcts.post(m.app.url("/api/v1/referrals/cases")).json(&json!({
        "sex": "F", "age_group": "Y18T24", "nationality": "NGA", "exploitation": "domestic_servitude",
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

async fn refer(m: &Mechanism, case: i64, kind: &str, to: &str) -> i64 {
    let (s, body) = send(m.inlcts.post(m.app.url("/api/v1/referrals")).json(&json!({
        "case": case, "kind": kind, "receiving": to,
    })))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    assert_eq!(body["state"], "proposed");
    body["id"].as_i64().unwrap()
}

async fn mv(
    m: &Mechanism,
    who: &reqwest::Client,
    id: i64,
    action: &str,
    reason: Option<&str>,
) -> (StatusCode, Value) {
    send(
        who.post(m.app.url(&format!("/api/v1/referrals/{id}/transitions")))
            .json(&json!({ "action": action, "reason": reason })),
    )
    .await
}

#[tokio::test]
async fn referral_moves_allowed_and_forbidden_by_state_and_side() {
    let m = mechanism().await;
    let case = new_case(&m).await;
    let id = refer(&m, case, "shelter", "shelter-tunis").await;
    // A second open shelter referral for the same case is refused.
    let r = m
        .inlcts
        .post(m.app.url("/api/v1/referrals"))
        .json(&json!({ "case": case, "kind": "shelter", "receiving": "health-ministry" }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::CONFLICT, "conflict").await;
    // Unknown service, unknown receiver: the field is named.
    let r = m
        .inlcts
        .post(m.app.url("/api/v1/referrals"))
        .json(&json!({ "case": case, "kind": "spa", "receiving": "shelter-tunis" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(r, StatusCode::BAD_REQUEST, "invalid_request").await["field"],
        "kind"
    );
    let r = m
        .inlcts
        .post(m.app.url("/api/v1/referrals"))
        .json(&json!({ "case": case, "kind": "health", "receiving": "nowhere" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(r, StatusCode::BAD_REQUEST, "invalid_request").await["field"],
        "receiving"
    );

    // Never to an institution that could not act on it (nor to enforcement).
    let r = m
        .inlcts
        .post(m.app.url("/api/v1/referrals"))
        .json(&json!({ "case": case, "kind": "health", "receiving": "border-police" }))
        .send()
        .await
        .unwrap();
    let p = problem(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(p["field"], "receiving", "{p}");
    // Only the receiving institution accepts; a third one cannot even see the referral.
    let (s, p) = mv(&m, &m.inlcts, id, "accept", None).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden")),
        "{p}"
    );
    let (s, _) = mv(&m, &m.health, id, "accept", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let r = m
        .health
        .get(m.app.url(&format!("/api/v1/referrals/{id}")))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    let (_, list) = send(m.health.get(m.app.url("/api/v1/referrals"))).await;
    assert_eq!(list["referrals"], json!([]));
    // Moves the state does not allow.
    for action in ["start", "complete"] {
        let (s, p) = mv(&m, &m.shelter, id, action, None).await;
        assert_eq!(s, StatusCode::CONFLICT, "{action} from proposed: {p}");
    }
    let (s, p) = mv(&m, &m.shelter, id, "decline", Some("  ")).await;
    assert_eq!(
        (s, p["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("reason"))
    );
    let (s, p) = mv(&m, &m.shelter, id, "accept", None).await;
    assert_eq!(
        (s, p["state"].as_str()),
        (StatusCode::OK, Some("accepted")),
        "{p}"
    );
    let (s, _) = mv(&m, &m.shelter, id, "accept", None).await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _) = mv(&m, &m.shelter, id, "decline", Some("full")).await;
    assert_eq!(s, StatusCode::CONFLICT, "declining after accepting");
    let (s, _) = mv(&m, &m.inlcts, id, "start", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the receiving side starts");
    let (s, p) = mv(&m, &m.shelter, id, "start", None).await;
    assert_eq!(p["state"], "in_progress", "{s} {p}");
    let (s, _) = mv(&m, &m.inlcts, id, "cancel", Some("no longer needed")).await;
    assert_eq!(
        s,
        StatusCode::CONFLICT,
        "cancelled only before the service starts"
    );
    let (s, p) = mv(&m, &m.shelter, id, "complete", None).await;
    assert_eq!(
        (s, p["state"].as_str()),
        (StatusCode::OK, Some("completed"))
    );
    for (who, action) in [
        (&m.shelter, "interrupt"),
        (&m.inlcts, "cancel"),
        (&m.shelter, "accept"),
    ] {
        let (s, _) = mv(&m, who, id, action, Some("x")).await;
        assert_eq!(s, StatusCode::CONFLICT, "{action} after completion");
    }
    let (_, r) = send(m.shelter.get(m.app.url(&format!("/api/v1/referrals/{id}")))).await;
    let moves: Vec<&str> = r["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["to"].as_str().unwrap())
        .collect();
    assert_eq!(moves, ["accepted", "in_progress", "completed"]);
    assert_eq!(r["events"][0]["institution"], "shelter-tunis");

    // The referring side declines nothing but cancels; a declined need is recorded with why.
    let legal = refer(&m, case, "legal_aid", "health-ministry").await;
    let (s, p) = mv(&m, &m.health, legal, "decline", Some("hors compétence")).await;
    assert_eq!((s, p["state"].as_str()), (StatusCode::OK, Some("declined")));
    assert_eq!(p["events"][0]["reason"], "hors compétence");
    let other = refer(&m, case, "psychosocial", "health-ministry").await;
    let (s, _) = mv(&m, &m.health, other, "cancel", Some("x")).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "the receiving side does not cancel"
    );
    let (s, p) = mv(
        &m,
        &m.inlcts,
        other,
        "cancel",
        Some("la personne est partie"),
    )
    .await;
    assert_eq!(
        (s, p["state"].as_str()),
        (StatusCode::OK, Some("cancelled"))
    );
    // The receiving institution may refer onwards a case it received.
    let (s, _) = send(
        m.health
            .post(m.app.url("/api/v1/referrals"))
            .json(&json!({ "case": case, "kind": "health", "receiving": "shelter-tunis" })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);

    // The services firewall: border police reads or moves no referral and identifies no victim.
    let border = &m.app.client;
    for path in [
        "/api/v1/referrals".to_string(),
        format!("/api/v1/referrals/{id}"),
        "/api/v1/referrals/overdue".into(),
    ] {
        let r = border.get(m.app.url(&path)).send().await.unwrap();
        problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let (s, _) = mv(&m, border, legal, "accept", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let r = border
        .post(m.app.url("/api/v1/referrals/cases"))
        .json(&json!({ "exploitation": "sexual" }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    // Readings are on the record.
    let reads = m
        .app
        .with_store(|s| {
            s.audit_entries(0, 10_000)
                .unwrap()
                .into_iter()
                .filter(|e| e.action.starts_with("referral.read"))
                .count()
        })
        .await;
    assert_eq!(reads, 1);
    m.app.stop().await;
}

fn hours_ago(h: i64) -> chrono::DateTime<chrono::Utc> {
    now() - chrono::Duration::hours(h)
}

#[tokio::test]
async fn overdue_referrals_are_flagged_against_the_clock() {
    let m = mechanism().await;
    // Referrals proposed before the fixed "now" of the test server: a shelter referral must be
    // answered within a day, legal aid within a week.
    let audit = |action: &str| marsad_store::AuditEvent {
        at: now(),
        actor: marsad_store::Actor::System("test".into()),
        institution: None,
        action: action.into(),
        object: None,
        purpose: None,
        outcome: marsad_store::Outcome::Success,
    };
    let (late, on_time) = m
        .app
        .with_store(move |s: &dyn Store| {
            let case = s
                .add_trafficking_case(
                    &TraffickingCase {
                        id: 0,
                        institution: "inlcts".into(),
                        identified_at: hours_ago(100),
                        person: None,
                        sex: Some("M".into()),
                        age_group: None,
                        nationality: Some("CIV".into()),
                        exploitation: "forced_labour".into(),
                        recorded_by: "test".into(),
                    },
                    &audit("case"),
                )
                .unwrap();
            let referral = |kind: &str, hours: i64| ReferralRow {
                id: 0,
                case_id: case.id,
                kind: kind.into(),
                referring: "inlcts".into(),
                receiving: "shelter-tunis".into(),
                note: None,
                proposed_by: "test".into(),
                proposed_at: hours_ago(hours),
                events: Vec::new(),
            };
            let late = s
                .add_referral(&referral("shelter", 30), &audit("r"))
                .unwrap();
            let on_time = s
                .add_referral(&referral("legal_aid", 30), &audit("r"))
                .unwrap();
            (late.id, on_time.id)
        })
        .await;
    for who in [&m.inlcts, &m.shelter] {
        let (s, body) = send(who.get(m.app.url("/api/v1/referrals/overdue"))).await;
        assert_eq!(s, StatusCode::OK);
        let ids: Vec<i64> = body["referrals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, [late]);
        assert_eq!(
            body["referrals"][0]["overdue"]["waiting_for"],
            "shelter-tunis"
        );
        assert_eq!(body["referrals"][0]["overdue"]["late_by_hours"], 6);
    }
    let (_, one) = send(
        m.shelter
            .get(m.app.url(&format!("/api/v1/referrals/{on_time}"))),
    )
    .await;
    assert_eq!(one["overdue"], Value::Null);
    assert!(one["due"].as_str().is_some());
    // Answering it clears the flag.
    let (s, _) = mv(&m, &m.shelter, late, "accept", None).await;
    assert_eq!(s, StatusCode::OK);
    let (_, body) = send(m.shelter.get(m.app.url("/api/v1/referrals/overdue"))).await;
    assert_eq!(body["referrals"], json!([]));
    let (_, body) = send(m.health.get(m.app.url("/api/v1/referrals/overdue"))).await;
    assert_eq!(
        body["referrals"],
        json!([]),
        "another institution's late referrals are not its own"
    );
    m.app.stop().await;
}

#[tokio::test]
async fn referral_statistics_are_published_under_disclosure_control() {
    let m = mechanism().await;
    for i in 0..12 {
        let sex = if i < 10 { "F" } else { "M" };
        let (s, _) = send(m.inlcts.post(m.app.url("/api/v1/referrals/cases")).json(&json!({
            "sex": sex, "exploitation": if i < 9 { "sexual" } else { "forced_labour" }, "nationality": "NGA",
        })))
        .await;
        assert_eq!(s, StatusCode::CREATED);
    }
    let (s, body) = send(
        m.app
            .anonymous
            .get(m.app.url("/api/v1/referrals/statistics?period=2025")),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["threshold"], 5);
    let table = |measure: &str, by: &str| {
        body["tables"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["measure"] == measure && t["by"] == by)
            .unwrap()
            .clone()
    };
    let sex = table("identified", "sex");
    let cell = |t: &Value, code: &str| {
        t["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["code"] == code)
            .unwrap()
            .clone()
    };
    assert_eq!(cell(&sex, "_T")["value"], 12);
    assert_eq!(cell(&sex, "M")["status"], "C");
    assert_eq!(
        cell(&sex, "M")["value"],
        Value::Null,
        "suppressed, never zeroed"
    );
    // With the total published, F would give M away: it is suppressed too.
    assert_eq!(cell(&sex, "F")["status"], "D");
    let forms = table("identified", "exploitation");
    assert_eq!(cell(&forms, "forced_labour")["status"], "C");
    assert_eq!(
        table("assisted", "sex")["cells"][0]["value"],
        0,
        "nobody assisted yet"
    );
    let (s, _) = send(
        m.app
            .anonymous
            .get(m.app.url("/api/v1/referrals/statistics?period=2024")),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    m.app.stop().await;
}

fn report(date: &str, lat: f64, lon: f64, source: &str, reliability: &str, dead: u32) -> Value {
    json!({
        "date": date, "latitude": lat, "longitude": lon, "route": "central_mediterranean",
        "region": "Mediterranean", "country": "TUN", "dead": dead, "missing": 10,
        "females": 3, "children": 1, "cause": "drowning",
        "sources": [{ "name": source, "reliability": reliability }],
    })
}

#[tokio::test]
async fn incidents_are_deduplicated_across_sources_and_counted_once() {
    let app = app().await;
    let observatory = app
        .login_as("mmp", "observatoire", "observatory", &["analyst"])
        .await;
    let url = app.url("/api/v1/incidents");
    let (s, a) = send(observatory.post(&url).json(&report(
        "2025-03-10",
        35.50,
        11.20,
        "Garde nationale",
        "official",
        4,
    )))
    .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(a["duplicates"], json!([]));
    // The same shipwreck from another source, a day later and a few km off: linked.
    let (s, b) = send(observatory.post(&url).json(&report(
        "2025-03-11",
        35.55,
        11.25,
        "OIM",
        "corroborated",
        5,
    )))
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let dup = &b["duplicates"][0];
    assert_eq!(dup["id"], a["incident"]["id"], "{b}");
    assert!(dup["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r.as_str().unwrap().contains("km apart")));
    // Another route the same days: a different incident.
    let mut other = report("2025-03-10", 36.0, -5.5, "Salvamento", "official", 2);
    other["route"] = json!("western_mediterranean");
    other["country"] = json!("ESP");
    let (_, c) = send(observatory.post(&url).json(&other)).await;
    assert_eq!(c["duplicates"], json!([]));
    let (s, list) =
        send(observatory.get(app.url("/api/v1/incidents?from=2025-01-01&to=2025-12-31"))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["reports"].as_array().unwrap().len(), 3);
    let incidents = list["incidents"].as_array().unwrap();
    assert_eq!(incidents.len(), 2);
    let merged = incidents
        .iter()
        .find(|i| i["reports"].as_array().unwrap().len() == 2)
        .unwrap();
    assert_eq!(
        merged["incident"]["dead"], 4,
        "figures of the official source"
    );
    // SDG 10.7.3, public: the merged incident once.
    let (s, sdg) = send(
        app.anonymous
            .get(app.url("/api/v1/incidents/sdg-10-7-3?from=2025-01-01&to=2025-12-31")),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{sdg}");
    let total: u64 = sdg["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["total"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 14 + 12);
    // Invalid reports name the field.
    for (field, value, expected) in [
        ("latitude", json!(95.0), "latitude"),
        ("date", json!("2030-01-01"), "date"),
        ("route", json!("moon"), "route"),
        ("dead", json!(0), "dead"),
    ] {
        let mut r = report("2025-03-10", 35.5, 11.2, "X", "official", 4);
        r[field] = value;
        if field == "dead" {
            r["missing"] = json!(0);
            r["females"] = json!(null);
            r["children"] = json!(null);
        }
        let p = problem(
            observatory.post(&url).json(&r).send().await.unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        )
        .await;
        assert_eq!(p["field"], expected, "{p}");
    }
    let mut r = report("2025-03-10", 35.5, 11.2, "X", "sure", 4);
    r["sources"][0]["reliability"] = json!("sure");
    let p = problem(
        observatory.post(&url).json(&r).send().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    assert_eq!(p["field"], "sources[0].reliability");
    // A person identified among the dead: linked, then read on the record.
    let mut state = 99u64;
    let number = marsad_model::UnifiedNumber::generate(&mut || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        state
    });
    let (stored, digits) = (marsad_store::PersonNumber(number.as_u64()), number.digits());
    app.with_store(move |s| s.create_person(stored, "test", now()).unwrap())
        .await;
    let id = a["incident"]["id"].as_i64().unwrap();
    let persons = app.url(&format!("/api/v1/incidents/{id}/persons"));
    let (s, linked) = send(
        observatory
            .post(&persons)
            .json(&json!({ "person": digits })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{linked}");
    assert_eq!(linked["persons"], json!([digits]));
    let r = observatory
        .post(&persons)
        .json(&json!({ "person": digits }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::CONFLICT, "conflict").await;
    let p = problem(
        observatory
            .post(&persons)
            .json(&json!({ "person": "123" }))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    assert_eq!(p["field"], "person");
    let (s, one) = send(observatory.get(app.url(&format!("/api/v1/incidents/{id}")))).await;
    assert_eq!((s, &one["persons"]), (StatusCode::OK, &json!([digits])));
    let on_record = app
        .with_store(move |s| {
            s.audit_by_object("person", &format!("{:012}", stored.0), 100)
                .unwrap()
                .len()
        })
        .await;
    assert_eq!(on_record, 2, "the link and the reading");
    // Border police neither records nor reads the register.
    let r = app
        .client
        .post(&url)
        .json(&report("2025-03-10", 35.5, 11.2, "X", "official", 4))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    app.stop().await;
}

#[tokio::test]
async fn complaints_are_filed_and_followed_anonymously_and_read_only_by_the_handler() {
    let app = app().await;
    let handler = app
        .login_as("hotline", "observatoire", "observatory", &["officer"])
        .await;
    let other = app
        .login_as("social", "social-affairs", "ministry", &["officer"])
        .await;
    let text = "طلب مني مكتب التوظيف دفع ٣٠٠٠ دينار";
    let (s, receipt) = send(
        app.anonymous
            .post(app.url("/api/v1/complaints"))
            .json(&json!({
                "lang": "ar", "category": "recruitment_fees", "text": text, "channel": "form",
            })),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{receipt}");
    let reference = receipt["reference"].as_str().unwrap().to_string();
    assert!(reference.starts_with("CMP-"), "{reference}");
    assert_eq!(receipt["status"], "received");
    assert_eq!(receipt["status_label"], "مستلمة");
    // Following it: the status only, in the complaint's language, forgiving typing.
    let follow = app.url(&format!(
        "/api/v1/complaints/{}",
        reference.to_lowercase().replace('-', "")
    ));
    let (s, st) = send(app.anonymous.get(&follow)).await;
    assert_eq!(s, StatusCode::OK, "{st}");
    assert_eq!(st["status"], "received");
    assert!(!st.to_string().contains("التوظيف"), "no content: {st}");
    // A mistyped reference is caught by its check character; an unknown one is not found.
    let mut typo: Vec<char> = reference.chars().collect();
    let last = typo.len() - 1;
    typo[last] = if typo[last] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    let p = problem(
        app.anonymous
            .get(app.url(&format!("/api/v1/complaints/{typo}")))
            .send()
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    assert_eq!(p["field"], "reference");
    // Every field is checked and named.
    for (field, value) in [
        ("lang", json!("de")),
        ("category", json!("weather")),
        ("text", json!("  ")),
    ] {
        let mut body =
            json!({ "lang": "fr", "category": "other", "text": "Mon passeport a été retenu" });
        body[field] = value;
        let p = problem(
            app.anonymous
                .post(app.url("/api/v1/complaints"))
                .json(&body)
                .send()
                .await
                .unwrap(),
            StatusCode::BAD_REQUEST,
            "invalid_request",
        )
        .await;
        assert_eq!(p["field"], field);
    }
    // The content: the handling institution only; nobody anonymous, no other institution.
    let r = app
        .anonymous
        .get(app.url("/api/v1/complaints"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let (_, mine) = send(handler.get(app.url("/api/v1/complaints"))).await;
    assert_eq!(mine["complaints"][0]["text"], text);
    let (_, theirs) = send(other.get(app.url("/api/v1/complaints"))).await;
    assert_eq!(theirs["complaints"], json!([]));
    let r = app
        .client
        .get(app.url("/api/v1/complaints"))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    // Moves: only the handler, only those the workflow allows.
    let moves = app.url(&format!("/api/v1/complaints/{reference}/transitions"));
    let r = other
        .post(&moves)
        .json(&json!({ "to": "under_review" }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    let r = app
        .anonymous
        .post(&moves)
        .json(&json!({ "to": "under_review" }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let r = handler
        .post(&moves)
        .json(&json!({ "to": "answered" }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::CONFLICT, "conflict").await;
    for to in ["under_review", "referred", "answered", "closed"] {
        let (s, c) = send(
            handler
                .post(&moves)
                .json(&json!({ "to": to, "note": "suivi" })),
        )
        .await;
        assert_eq!((s, c["status"].as_str()), (StatusCode::OK, Some(to)), "{c}");
    }
    let r = handler
        .post(&moves)
        .json(&json!({ "to": "under_review" }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::CONFLICT, "conflict").await;
    let (_, st) = send(app.anonymous.get(&follow)).await;
    assert_eq!(
        (st["status"].as_str(), st["status_label"].as_str()),
        (Some("closed"), Some("مغلقة"))
    );
    // Readings of the content are on the record.
    let reads = app
        .with_store(move |s| {
            s.audit_by_object("complaint", &reference, 100)
                .unwrap()
                .len()
        })
        .await;
    assert_eq!(reads, 1 + 4, "one reading, four moves");
    app.stop().await;
}

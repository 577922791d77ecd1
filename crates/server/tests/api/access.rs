//! The access matrix, through the real HTTP API: for every institution kind × every role × every
//! record kind × every action, a user of that institution and role is signed in through
//! `POST /api/v1/auth/login` and tries the action. What it should get is read from the policy
//! table (the same cells `docs/access.md` shows): allowed → 2xx, denied → 403 with no record data
//! in the body, nobody signed in → 401. Rows the caller may not see never appear in a 2xx body
//! either (victims' records, identities behind a pseudonymised view).
//!
//! Also here: the route list (no route without a need), brute force (throttling, lockout),
//! tokens past expiry or revoked, and the audit trail of reads.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::support::{now, upload_with, TestApp};
use marsad_model::{FixedClock, RecordKind};
use marsad_policy::{Action, Resource};
use marsad_server::{Need, Target};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A marker only the anti-trafficking authority's rows carry.
const VICTIM: &str = "ZZVICTIMZZ";
/// The given name of the border police's person row (an identity).
const IDENTITY: &str = "Aminaidentity";

/// A valid row (columns = canonical field names) and a broken one, per kind.
fn sample(
    kind: RecordKind,
    id: &str,
    family: &str,
) -> (Vec<(&'static str, String)>, (&'static str, &'static str)) {
    let s = |v: &str| v.to_string();
    match kind {
        RecordKind::Person => (
            vec![
                ("given_name", s(IDENTITY)),
                ("family_name", s(family)),
                ("sex", s("F")),
                ("birth_date", s("1990-05-01")),
                ("document_number", s(&format!("X{id}"))),
            ],
            ("sex", "Q"),
        ),
        RecordKind::BorderCrossing => (
            vec![
                ("crossed_at", s("2025-01-02T10:00:00")),
                ("direction", s("in")),
                ("border_post", s(family)),
            ],
            ("direction", "sideways"),
        ),
        RecordKind::ResidencePermit => (
            vec![
                ("permit_type", s("visa")),
                ("issue_date", s("2025-01-01")),
                ("issuing_authority", s(family)),
            ],
            ("permit_type", "banana"),
        ),
        RecordKind::LabourPlacement => (
            vec![
                ("destination_country", s("FRA")),
                ("contract_start", s("2025-01-01")),
                ("placement_agency", s(family)),
            ],
            ("destination_country", "Atlantis"),
        ),
        RecordKind::ConsularRegistration => (
            vec![
                ("residence_country", s("FRA")),
                ("registration_date", s("2025-01-01")),
                ("consulate", s(family)),
            ],
            ("residence_country", "Atlantis"),
        ),
        RecordKind::Return => (
            vec![
                ("return_type", s("voluntary")),
                ("return_date", s("2025-01-01")),
                ("from_country", s("ITA")),
                ("assistance", s("medical")),
            ],
            ("return_type", "teleported"),
        ),
        RecordKind::RemittanceFlow => (
            vec![
                ("corridor_country", s("FRA")),
                ("month", s("2025-01")),
                ("amount", s("100")),
                ("currency", s("EUR")),
            ],
            ("currency", "XYZW"),
        ),
        RecordKind::TraffickingCase => (
            vec![
                ("identification_date", s("2025-01-01")),
                ("exploitation_form", s("forced_labour")),
                ("referral_status", s("identified")),
                ("identified_by", s(family)),
            ],
            ("exploitation_form", "unknown-form"),
        ),
        RecordKind::MissingMigrantIncident => (
            vec![
                ("incident_date", s("2025-01-01")),
                ("dead", s("1")),
                ("missing", s("2")),
                ("location_description", s(family)),
            ],
            ("dead", "many"),
        ),
        RecordKind::CensusPerson => (
            vec![
                ("survey", s("census")),
                ("weight", s("1.5")),
                ("household_id", s(family)),
            ],
            ("weight", "heavy"),
        ),
    }
}

fn mapping(kind: RecordKind) -> String {
    let (fields, _) = sample(kind, "1", "x");
    let mut m = format!(
        "[[record]]\nkind = \"{}\"\n[record.fields]\nrecord_id = \"record_id\"\n",
        kind.as_str()
    );
    for (f, _) in fields {
        m.push_str(&format!("{f} = \"{f}\"\n"));
    }
    m
}

fn csv(kind: RecordKind, id: &str, family: &str, broken: bool) -> String {
    let (fields, (bad_field, bad_value)) = sample(kind, id, family);
    let header: Vec<&str> = std::iter::once("record_id")
        .chain(fields.iter().map(|(f, _)| *f))
        .collect();
    let row: Vec<String> = std::iter::once(id.to_string())
        .chain(fields.iter().map(|(f, v)| {
            if broken && *f == bad_field {
                bad_value.to_string()
            } else {
                v.clone()
            }
        }))
        .collect();
    format!("{}\n{}\n", header.join(","), row.join(","))
}

fn source_name(institution_kind: &str, kind: RecordKind) -> String {
    format!("{institution_kind}-{}", kind.as_str())
}

/// Institutions of every kind, a source per record kind each, one quarantined row per source,
/// and marked rows from the anti-trafficking authority and the border police.
async fn fixture() -> (TestApp, Vec<(i64, String, RecordKind)>) {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, "unused").await;
    let quarantined = app
        .with_store(|store| {
            let clock = FixedClock(now());
            let dir = tempfile::tempdir().unwrap();
            let mut quarantined = Vec::new();
            for ik in marsad_policy::INSTITUTION_KINDS {
                store
                    .ensure_institution(&marsad_store::NewInstitution {
                        name: ik,
                        title: ik,
                        kind: ik,
                        created_at: now(),
                    })
                    .unwrap();
                for kind in RecordKind::ALL {
                    let source = source_name(ik, kind);
                    store.add_source(&source, Some(ik), now()).unwrap();
                    let family = match ik {
                        "anti_trafficking" => VICTIM,
                        _ => "Ordinary",
                    };
                    let planted = matches!(ik, "anti_trafficking" | "border_police");
                    let text = if planted {
                        format!(
                            "{}{}",
                            csv(kind, "Q1", family, true),
                            csv(kind, "G1", family, false).lines().nth(1).unwrap()
                        )
                    } else {
                        csv(kind, "Q1", family, true)
                    };
                    let path = dir.path().join(format!("{source}.csv"));
                    std::fs::write(&path, text).unwrap();
                    let outcome = marsad_ingest::import_file(
                        store,
                        &marsad_ingest::ImportRequest {
                            source: &source,
                            path: &path,
                            file_name: None,
                            mapping: Some(&mapping(kind)),
                            submitted_by: "fixture",
                        },
                        &clock,
                        &marsad_ingest::NoProgress,
                    )
                    .unwrap();
                    assert_eq!(
                        outcome.report.submission.rejected, 1,
                        "{source}: {:?}",
                        outcome.report.rejected
                    );
                    let q = store
                        .quarantine(&marsad_store::QuarantineFilter {
                            source: Some(store.source(&source).unwrap().unwrap().id),
                            ..Default::default()
                        })
                        .unwrap();
                    quarantined.push((q[0].id.0, ik.to_string(), kind));
                }
            }
            quarantined
        })
        .await;
    (app, quarantined)
}

fn no_record_data(body: &str, what: &str) {
    assert!(
        !body.contains(VICTIM) && !body.contains(IDENTITY) && !body.contains("payload"),
        "{what}: a refusal leaks data: {body}"
    );
}

#[tokio::test]
async fn every_role_kind_and_action_gets_what_the_policy_table_says() {
    let (app, quarantined) = fixture().await;
    let policy = marsad_policy::default_policy().unwrap();
    let mut checked = 0usize;
    let mut allowed = 0usize;
    for ik in marsad_policy::INSTITUTION_KINDS {
        for (role, _) in marsad_policy::ROLES {
            let principal = marsad_policy::Principal {
                institution: ik.to_string(),
                institution_kind: ik.to_string(),
                roles: vec![role.to_string()],
                actions: None,
            };
            let login = format!("{ik}.{role}");
            let client = app.login_as(&login, ik, ik, &[role]).await;
            let quarantine_cell =
                marsad_policy::table::cell(&policy, &principal, Resource::Quarantine);
            for kind in RecordKind::ALL {
                let cell = marsad_policy::table::cell(&policy, &principal, Resource::Record(kind));
                let has = |letter: char| cell.contains(letter);
                let what = |action: &str| format!("{login} {action} {}", kind.as_str());
                let purpose = ("x-marsad-purpose", "access matrix test");
                // read
                let r = client
                    .get(app.url(&format!("/api/v1/records/{}", kind.as_str())))
                    .header(purpose.0, purpose.1)
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                let body = r.text().await.unwrap();
                if has('R') {
                    assert_eq!(status, StatusCode::OK, "{}: {body}", what("read"));
                    if ik != "anti_trafficking" {
                        assert!(
                            !body.contains(VICTIM),
                            "{} shows a victim's row",
                            what("read")
                        );
                    }
                    if cell.contains("R*") && kind == RecordKind::Person {
                        assert!(
                            !body.contains(IDENTITY),
                            "{} shows an identity",
                            what("read")
                        );
                    }
                    allowed += 1;
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{}: {body}", what("read"));
                    no_record_data(&body, &what("read"));
                }
                // export
                let r = client
                    .get(app.url(&format!("/api/v1/records/{}/export", kind.as_str())))
                    .header(purpose.0, purpose.1)
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                let body = r.text().await.unwrap();
                if has('E') {
                    assert_eq!(status, StatusCode::OK, "{}: {body}", what("export"));
                    if ik != "anti_trafficking" {
                        assert!(
                            !body.contains(VICTIM),
                            "{} exports a victim's row",
                            what("export")
                        );
                    }
                    allowed += 1;
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{}: {body}", what("export"));
                    no_record_data(&body, &what("export"));
                }
                // submit, to the caller's own institution's source of this kind
                let r = upload_with(
                    &client,
                    &app.base,
                    &source_name(ik, kind),
                    "m.csv",
                    csv(kind, &format!("S-{role}"), "Submitted", false).into_bytes(),
                    Some(&mapping(kind)),
                )
                .await;
                let status = r.status();
                let body = r.text().await.unwrap();
                if has('S') {
                    assert!(status.is_success(), "{}: {status} {body}", what("submit"));
                    allowed += 1;
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{}: {body}", what("submit"));
                    no_record_data(&body, &what("submit"));
                }
                // correct the institution's quarantined row of this kind
                let (qid, _, _) = quarantined
                    .iter()
                    .find(|(_, i, k)| i == ik && *k == kind)
                    .unwrap();
                let r = client
                    .put(app.url(&format!("/api/v1/quarantine/{qid}/correction")))
                    .json(&json!({ "note": "fixed" }))
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                let body = r.text().await.unwrap();
                if has('C') && quarantine_cell.contains('C') {
                    assert_eq!(status, StatusCode::OK, "{}: {body}", what("correct"));
                    allowed += 1;
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{}: {body}", what("correct"));
                    no_record_data(&body, &what("correct"));
                }
                // link-review applies to persons only; publish to statistics only: the policy
                // cannot grant them on record kinds (refused when loaded) and no route offers them.
                for action in [Action::LinkReview, Action::Publish] {
                    if !Resource::Record(kind).actions().contains(&action) {
                        assert!(!policy
                            .decide(
                                marsad_policy::Subject::Member(&principal),
                                action,
                                Resource::Record(kind)
                            )
                            .is_allowed());
                    }
                }
                if kind == RecordKind::Person {
                    let r = client.get(app.url("/api/v1/reviews")).send().await.unwrap();
                    let expected = if has('L') {
                        StatusCode::OK
                    } else {
                        StatusCode::FORBIDDEN
                    };
                    assert_eq!(r.status(), expected, "{}", what("link-review"));
                }
                checked += 4;
            }
        }
    }
    assert_eq!(
        checked,
        marsad_policy::INSTITUTION_KINDS.len()
            * marsad_policy::ROLES.len()
            * RecordKind::ALL.len()
            * 4
    );
    assert_eq!(checked, 14 * 11 * 10 * 4);
    assert!(allowed > 150, "the matrix allows almost nothing: {allowed}");
    // Nobody signed in: 401 everywhere.
    for kind in RecordKind::ALL {
        for path in [
            format!("/api/v1/records/{}", kind.as_str()),
            format!("/api/v1/records/{}/export", kind.as_str()),
        ] {
            let r = app.anonymous.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        }
        let r = upload_with(
            &app.anonymous,
            &app.base,
            &source_name("statistics", kind),
            "a.csv",
            b"x".to_vec(),
            None,
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    app.stop().await;
}

#[tokio::test]
async fn every_route_declares_what_it_needs() {
    let endpoints = marsad_server::endpoints();
    let policy = marsad_policy::default_policy().unwrap();
    let public = [
        "/",
        "/healthz",
        "/api/v1/openapi.json",
        "/api/v1/auth/login",
        "/signin",
        "/api/v1/auth/passkeys/login/start",
        "/api/v1/auth/passkeys/login/finish",
        "/api/v1/auth/oidc",
        "/api/v1/auth/oidc/start",
        "/api/v1/auth/oidc/callback",
        "/sdmx/2.1/{*path}",
        "/api/v1/indicators",
        "/api/v1/indicators/{id}",
        "/digits",
        "/static/{file}",
        "/api/v1/gcm/objectives",
        // The complainant follows the status (nothing else) with the reference alone.
        "/api/v1/complaints/{reference}",
    ];
    let mut seen = std::collections::HashSet::new();
    for e in &endpoints {
        assert!(
            seen.insert((e.method.clone(), e.path)),
            "{} {} twice",
            e.method,
            e.path
        );
        match e.need {
            // Public portal pages are read-only.
            Need::Public | Need::PublicOr(..) => assert!(
                public.contains(&e.path) || (e.is_page() && e.method == reqwest::Method::GET),
                "{} {} is public",
                e.method,
                e.path
            ),
            Need::SignedIn | Need::SecondFactorStep => {
                assert!(
                    e.path.starts_with("/api/v1/auth/") || e.path.starts_with("/{lang}/work"),
                    "{} {} needs only a sign-in",
                    e.method,
                    e.path
                )
            }
            Need::Allow(action, target) => {
                // The need names something the policy can grant: some role somewhere has it.
                let resources: Vec<Resource> = match target {
                    Target::Resource(r) | Target::Object(r) => vec![r],
                    Target::KindParam | Target::AnyRecord => {
                        RecordKind::ALL.into_iter().map(Resource::Record).collect()
                    }
                };
                let grantable = resources.iter().any(|r| {
                    r.actions().contains(&action)
                        && policy.rules.iter().any(|rule| {
                            rule.effect == marsad_policy::RuleEffect::Allow
                                && rule.actions.contains(&action)
                                && rule.resources.contains(r)
                        })
                });
                assert!(
                    grantable,
                    "{} {}: no rule can allow {action}",
                    e.method, e.path
                );
            }
        }
    }
    assert!(endpoints.len() >= 35);
}

/// Every non-public route answers 401 to a caller with no credentials, and to a bad token.
#[tokio::test]
async fn no_route_serves_an_unknown_caller() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, "src").await;
    let policy = marsad_policy::default_policy().unwrap();
    // What the policy opens to everyone: published statistics, and filing a complaint.
    let open = |need: Need| match need {
        Need::Allow(action, Target::Resource(r)) => policy
            .decide(marsad_policy::Subject::Anonymous, action, r)
            .is_allowed(),
        _ => false,
    };
    let mut opened = Vec::new();
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for e in marsad_server::endpoints() {
        if matches!(e.need, Need::Public | Need::PublicOr(..)) {
            continue;
        }
        if open(e.need) {
            opened.push(format!("{} {}", e.method, e.path));
            continue;
        }
        let path = e
            .path
            .replace("{kind}", "person")
            .replace("{name}", "src")
            .replace("{id}", "1");
        let path = path.replace("{lang}", "en");
        for auth in [None, Some("Bearer marsad_aaaaaaaaaaaaaaaa_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")] {
            let mut r = no_redirects.request(e.method.clone(), app.url(&path));
            if let Some(a) = auth {
                r = r.header("authorization", a);
            }
            let r = r.send().await.unwrap();
            if e.is_page() && auth.is_none() {
                // A page answers its 401 as the way to the sign-in page.
                assert_eq!(r.status(), StatusCode::SEE_OTHER, "{} {path}", e.method);
                let to = r.headers()["location"].to_str().unwrap();
                assert!(to.starts_with("/signin?lang=en&next="), "{} {path}: {to}", e.method);
            } else {
                assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{} {path} with {auth:?}", e.method);
            }
        }
    }
    opened.sort();
    assert_eq!(
        opened,
        [
            // The national GCM plan is a public document (rule plan-read).
            "GET /api/v1/gcm/plan/actions",
            "GET /api/v1/gcm/plan/actions/{id}",
            "GET /api/v1/gcm/plan/actions/{id}/history",
            "GET /api/v1/gcm/progress",
            "GET /api/v1/incidents/sdg-10-7-3",
            "GET /api/v1/referrals/statistics",
            "POST /api/v1/complaints",
            // The portal's complaint form (the same filing).
            "POST /{lang}/complaints/",
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn repeated_bad_passwords_are_throttled_then_locked() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, "src").await;
    app.login_as("target", "border-police", "border_police", &["officer"])
        .await;
    let attempt = |password: &'static str| {
        app.anonymous
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "login": "Target", "password": password }))
            .send()
    };
    // The clock is fixed: free failures, then a delay that does not pass.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(attempt("wrong password 123").await.unwrap().status());
    }
    assert_eq!(statuses[0], StatusCode::UNAUTHORIZED);
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    // Throttled: even the right password is not checked.
    let r = attempt(crate::support::PASSWORD).await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    // The attempts are on the audit trail, as refusals.
    let denied = app
        .with_store(|s| {
            s.audit_entries(0, 1000)
                .unwrap()
                .into_iter()
                .filter(|e| e.action == "auth.login" && e.outcome == marsad_auth::Outcome::Denied)
                .count()
        })
        .await;
    assert!(denied >= 5, "{denied}");
    app.stop().await;
}

#[tokio::test]
async fn tokens_past_expiry_or_revoked_fail_and_scopes_hold() {
    let app = TestApp::start(
        None,
        marsad_server::DEFAULT_MAX_UPLOAD_BYTES,
        "border-persons",
    )
    .await;
    let admin = app
        .login_as("bp-admin", "border-police", "border_police", &["admin"])
        .await;
    let issue = |days: i64, actions: &str| {
        admin
            .post(app.url("/api/v1/tokens"))
            .json(&json!({ "institution": "border-police", "actions": actions, "days": days }))
            .send()
    };
    let r = issue(30, "submit").await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let issued: Value = r.json().await.unwrap();
    let secret = issued["secret"].as_str().unwrap().to_string();
    let id = issued["token"]["id"].as_str().unwrap().to_string();
    let bearer = |s: &str| format!("Bearer {s}");
    // Submit works; reading records is outside the token's actions.
    let r = app
        .anonymous
        .post(app.url("/api/v1/sources/border-persons/submissions"))
        .header("authorization", bearer(&secret))
        .header("content-type", "text/csv")
        .body("source,record_id,given_name,family_name,father_name,mother_name,sex,birth_date,birth_place,nationality,document_type,document_number,phone,address,locality,postcode\nborder-persons,T1,Ali,Ben,,,M,1980,,TUN,,,,,,\n")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::CREATED,
        "{}",
        r.text().await.unwrap()
    );
    let r = app
        .anonymous
        .get(app.url("/api/v1/records/person"))
        .header("authorization", bearer(&secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // An administrator of another institution cannot issue tokens for this one.
    let other = app
        .login_as("bank-admin", "banque", "central_bank", &["admin"])
        .await;
    let r = other
        .post(app.url("/api/v1/tokens"))
        .json(&json!({ "institution": "border-police", "actions": "submit", "days": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Revoked: 401 at once.
    let r = admin
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = app
        .anonymous
        .get(app.url("/api/v1/sources/border-persons/submissions"))
        .header("authorization", bearer(&secret))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Expired: a token whose expiry is before the server's clock.
    let expired = app
        .with_store(|s| {
            let mut rng = marsad_auth::rand_core::UnwrapErr(getrandom::SysRng);
            let t = marsad_auth::issue_token(&mut rng);
            s.create_token(&marsad_store::ApiToken {
                id: t.id.clone(),
                secret_hash: t.secret_hash,
                institution: "border-police".into(),
                actions: "read".into(),
                expires_at: now() - chrono::Duration::seconds(1),
                revoked_at: None,
                created_by: "test".into(),
                created_at: now() - chrono::Duration::days(2),
            })
            .unwrap();
            t.token.expose().clone()
        })
        .await;
    let r = app
        .anonymous
        .get(app.url("/api/v1/sources/border-persons/submissions"))
        .header("authorization", bearer(&expired))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

/// Reads of personal data are on the audit trail with their purpose, queryable by person once
/// linked and by user; the data-protection officer reads them, nobody else.
#[tokio::test]
async fn reads_are_audited_and_queryable() {
    let app = TestApp::start(
        None,
        marsad_server::DEFAULT_MAX_UPLOAD_BYTES,
        "border-persons",
    )
    .await;
    let r = app
        .upload(
            "border-persons",
            "p.csv",
            b"source,record_id,given_name,family_name,father_name,mother_name,sex,birth_date,birth_place,nationality,document_type,document_number,phone,address,locality,postcode\nborder-persons,A1,Amina,Benali,,,F,1990-05-01,,TUN,,,,,,\n".to_vec(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    // Link the record to a person so reads are audited by unified number.
    let number = app
        .with_store(|s| {
            let source = s.source("border-persons").unwrap().unwrap().id;
            let n = marsad_store::PersonNumber(123_456_789_012);
            s.create_person(n, "test", now()).unwrap();
            s.assign_records(
                n,
                &[marsad_store::RecordKey::new(source, "person", "A1")],
                "test",
                None,
                now(),
            )
            .unwrap();
            format!("{:012}", n.0)
        })
        .await;
    let analyst = app
        .login_as("analyst", "observatoire", "observatory", &["analyst"])
        .await;
    let page: Value = analyst
        .get(app.url("/api/v1/records/person"))
        .header("x-marsad-purpose", "quarterly%20flows%20%E2%80%94%20Q2")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let row = &page["records"][0]["payload"];
    assert_eq!(row["unified_number"], number.as_str());
    assert!(
        row.get("given_name").is_none() && row.get("document_number").is_none(),
        "{row}"
    );
    assert_eq!(row["sex"], "F");
    // Only the observatory's data-protection officer reads the trail.
    let denied = analyst.get(app.url("/api/v1/audit")).send().await.unwrap();
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    let dpo = app
        .login_as("dpo", "observatoire", "observatory", &["dpo"])
        .await;
    let who: Value = dpo
        .get(app.url(&format!(
            "/api/v1/audit?object_kind=person&object_id={number}"
        )))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entry = who
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["institution"] == "observatoire")
        .expect("the analyst's read is on the trail");
    assert_eq!(entry["purpose"], "quarterly flows — Q2");
    assert!(entry["action"].as_str().unwrap().starts_with("read person"));
    // The chain still verifies.
    let verified = app
        .with_store(|s| marsad_store::verify_audit(s, None).map(|h| h.seq))
        .await
        .unwrap();
    assert!(verified > 3);
    app.stop().await;
}

/// The second factor through the API: enrol TOTP, then a sign-in needs it; a code is used once
/// (replay refused), a recovery code works once; the half-signed-in session can do nothing else.
/// And CSRF: a cookie-authenticated change without the token, or from another site, is refused.
#[tokio::test]
async fn second_factor_and_csrf() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, "src").await;
    let client = app
        .login_as("nadia", "observatoire", "observatory", &["analyst"])
        .await;
    let enrol: Value = client
        .post(app.url("/api/v1/auth/totp/enrol"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = marsad_auth::TotpSecret::from_base32(enrol["secret"].as_str().unwrap()).unwrap();
    assert!(enrol["uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    let code = marsad_auth::TotpConfig::DEFAULT
        .code(&secret, now())
        .unwrap()
        .expose()
        .clone();
    let wrong = client
        .post(app.url("/api/v1/auth/totp/confirm"))
        .json(&json!({ "secret": enrol["secret"], "code": "000000" }))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let codes: Value = client
        .post(app.url("/api/v1/auth/totp/confirm"))
        .json(&json!({ "secret": enrol["secret"], "code": code }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let recovery: Vec<String> = codes["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    assert_eq!(recovery.len(), 10);

    // A new sign-in: the password alone gives a session that can only finish signing in.
    let response = app
        .anonymous
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "login": "nadia", "password": crate::support::PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let pending = crate::support::client_from_login(response).await;
    let me: Value = pending
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["second_factor_required"], true);
    let r = pending
        .get(app.url("/api/v1/records/person"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["code"], "second_factor_required");
    // The code already used at enrolment (same 30-second step: the clock is fixed) is a replay.
    let r = pending
        .post(app.url("/api/v1/auth/totp"))
        .json(&json!({ "code": code }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // A recovery code works, once; the new session is a full one with a new cookie.
    let r = pending
        .post(app.url("/api/v1/auth/totp"))
        .json(&json!({ "recovery_code": recovery[0] }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let full = crate::support::client_from_login(r).await;
    let r = full
        .get(app.url("/api/v1/records/person"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let old = pending
        .get(app.url("/api/v1/auth/me"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        old.status(),
        StatusCode::UNAUTHORIZED,
        "the half-signed-in session was replaced, not upgraded"
    );
    let again = app
        .anonymous
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "login": "nadia", "password": crate::support::PASSWORD }))
        .send()
        .await
        .unwrap();
    let pending = crate::support::client_from_login(again).await;
    let r = pending
        .post(app.url("/api/v1/auth/totp"))
        .json(&json!({ "recovery_code": recovery[0] }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "a recovery code works once"
    );

    // CSRF: the cookie without the token, or the token from another site, is refused.
    let cookie_only = reqwest::Client::new();
    let cookie = full_cookie(&app).await;
    let r = cookie_only
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["code"], "csrf_rejected");
    let r = full
        .post(app.url("/api/v1/auth/logout"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = full
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    app.stop().await;
}

/// A fresh session cookie (`name=value`) of a user without a second factor.
async fn full_cookie(app: &TestApp) -> String {
    app.login_as("omar", "observatoire", "observatory", &["analyst"])
        .await;
    let r = app
        .anonymous
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "login": "omar", "password": crate::support::PASSWORD }))
        .send()
        .await
        .unwrap();
    r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

/// A review pair that involves a record of the anti-trafficking authority never reaches an
/// observatory reviewer (it would tell them the person is a victim): not listed, 403 by id, and
/// not decidable; a pair within scope is shown and its reading is on the audit trail.
#[tokio::test]
async fn review_pairs_respect_the_scope_of_each_record() {
    let app = TestApp::start(
        None,
        marsad_server::DEFAULT_MAX_UPLOAD_BYTES,
        "border-persons",
    )
    .await;
    let csv = |source: &str, id: &str, name: &str| {
        format!("source,record_id,given_name,family_name,father_name,mother_name,sex,birth_date,birth_place,nationality,document_type,document_number,phone,address,locality,postcode\n{source},{id},{name},Trabelsi,,,M,1980-01-01,,TUN,,,,,,\n")
    };
    let r = app
        .upload(
            "border-persons",
            "b.csv",
            csv("border-persons", "B1", "Mohamed").into_bytes(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .upload(
            "border-persons",
            "b2.csv",
            csv("border-persons", "B2", "Mohammed").into_bytes(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let ids = app
        .with_store(move |s| {
            s.ensure_institution(&marsad_store::NewInstitution {
                name: "traite",
                title: "traite",
                kind: "anti_trafficking",
                created_at: now(),
            })
            .unwrap();
            s.add_source("victims", Some("traite"), now()).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("v.csv");
            std::fs::write(&path, csv("victims", "V1", "Mohamed")).unwrap();
            marsad_ingest::import_file(
                s,
                &marsad_ingest::ImportRequest {
                    source: "victims",
                    path: &path,
                    file_name: None,
                    mapping: None,
                    submitted_by: "t",
                },
                &FixedClock(now()),
                &marsad_ingest::NoProgress,
            )
            .unwrap();
            let b = s.source("border-persons").unwrap().unwrap().id;
            let v = s.source("victims").unwrap().unwrap().id;
            let key = |src, id: &str| marsad_store::RecordKey::new(src, "person", id);
            let inside = s
                .add_review(&key(b, "B1"), &key(b, "B2"), 3.0, "{}", now())
                .unwrap();
            let outside = s
                .add_review(&key(b, "B1"), &key(v, "V1"), 3.0, "{}", now())
                .unwrap();
            (inside.0, outside.0)
        })
        .await;
    let reviewer = app
        .login_as("rev", "observatoire", "observatory", &["reviewer"])
        .await;
    let list: Value = reviewer
        .get(app.url("/api/v1/reviews"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed: Vec<i64> = list["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, vec![ids.0]);
    assert!(!list.to_string().contains("victims"));
    let r = reviewer
        .get(app.url(&format!("/api/v1/reviews/{}", ids.1)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = reviewer
        .post(app.url(&format!("/api/v1/reviews/{}/decision", ids.1)))
        .json(&json!({ "accepted": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let still_open = app
        .with_store(move |s| s.review(marsad_store::ReviewId(ids.1)).unwrap().status)
        .await;
    assert_eq!(still_open, marsad_store::ReviewStatus::Open);
    let reads = app
        .with_store(|s| {
            s.audit_entries(0, 1000)
                .unwrap()
                .iter()
                .filter(|e| e.action == "link-review person")
                .count()
        })
        .await;
    assert_eq!(reads, 2, "the two records of the pair shown");
    app.stop().await;
}

//! Fingerprints through HTTP, with synthetic impressions (`marsad_biometrics::synth`) as a
//! scanner would send them: enrolment tells at once that a finger is known under another
//! number, 1:1 verification, 1:N identification, the firewall (a shelter's captures are never
//! found by a border post), withdrawal, every bad input with its code, and the audit.

use marsad_biometrics::formats::png;
use marsad_biometrics::image::GrayImage;
use marsad_biometrics::synth::{Dataset, ImpressionSettings, SampleId};
use marsad_model::UnifiedNumber;
use marsad_store::{PersonNumber, Store};
use reqwest::StatusCode;
use serde_json::Value;

use crate::problem;
use crate::support::{now, TestApp};

/// PNG impressions of two synthetic fingers, three each.
fn impressions() -> Vec<Vec<Vec<u8>>> {
    let set = Dataset::new(2, 3, ImpressionSettings::easy(), 20_261_130);
    (0..2)
        .map(|f| {
            let master = set.master(f).unwrap();
            (0..3)
                .map(|j| {
                    let imp = set.impression(&master, SampleId::new(f, j)).unwrap();
                    png::encode(&imp.image)
                })
                .collect()
        })
        .collect()
}

fn person(store: &dyn Store, seed: u64) -> String {
    let mut state = seed;
    let n = UnifiedNumber::generate(&mut || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state
    });
    store
        .create_person(PersonNumber(n.as_u64()), "test", now())
        .unwrap();
    n.digits()
}

async fn post(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    client
        .post(app.url(path))
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap()
}

fn persons_of(v: &Value, field: &str) -> Vec<String> {
    v[field]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["person"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn enrol_verify_identify_firewall_withdraw() {
    let app = TestApp::start(None, 1 << 20, "border-crossings").await;
    let prints = impressions();
    let (p1, p2, p3, p4) = app
        .with_store(|s| (person(s, 1), person(s, 2), person(s, 3), person(s, 4)))
        .await;
    let border = app
        .login_as("bp", "border-police", "border_police", &["officer"])
        .await;
    let shelter = app
        .login_as("sh", "shelter", "anti_trafficking", &["case_worker"])
        .await;

    // A first enrolment: nobody else has this finger.
    let r = post(
        &border,
        &app,
        &format!("/api/v1/persons/{p1}/fingerprints?finger=right_index"),
        prints[0][0].clone(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert!(r.headers().get("location").is_some());
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["fingerprint"]["finger"], "right_index");
    assert_eq!(v["fingerprint"]["format"], "png");
    assert!(v["fingerprint"]["minutiae"].as_u64().unwrap() >= 12, "{v}");
    assert!(persons_of(&v, "matches").is_empty());

    // The same finger under another number: known at once.
    let r = post(
        &border,
        &app,
        &format!("/api/v1/persons/{p2}/fingerprints?finger=right_index"),
        prints[0][1].clone(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(persons_of(&v, "matches"), vec![p1.clone()], "{v}");

    // 1:1: the person's own finger matches, another finger does not.
    let verify = |who: &str| format!("/api/v1/persons/{who}/fingerprints/verification");
    let v: Value = post(&border, &app, &verify(&p1), prints[0][2].clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["matched"], true, "{v}");
    let v: Value = post(&border, &app, &verify(&p1), prints[1][0].clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["matched"], false, "{v}");

    // 1:N finds both numbers of the first finger.
    let identify = "/api/v1/fingerprints/identification";
    let v: Value = post(&border, &app, identify, prints[0][2].clone())
        .await
        .json()
        .await
        .unwrap();
    let mut found = persons_of(&v, "candidates");
    found.sort();
    let mut expected = vec![p1.clone(), p2.clone()];
    expected.sort();
    assert_eq!(found, expected, "{v}");

    // A victim enrolled at a shelter: the shelter finds her, the border post never does.
    let r = post(
        &shelter,
        &app,
        &format!("/api/v1/persons/{p3}/fingerprints?finger=left_thumb"),
        prints[1][0].clone(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let v: Value = post(&shelter, &app, identify, prints[1][1].clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(persons_of(&v, "candidates"), vec![p3.clone()], "{v}");
    let v: Value = post(&border, &app, identify, prints[1][1].clone())
        .await
        .json()
        .await
        .unwrap();
    assert!(persons_of(&v, "candidates").is_empty(), "{v}");
    // Nor by verifying against her number, nor by listing her captures.
    let r = post(&border, &app, &verify(&p3), prints[1][1].clone()).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let list: Value = border
        .get(app.url(&format!("/api/v1/persons/{p3}/fingerprints")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");

    // Bad input: each with its code, nothing kept.
    let enrol4 = format!("/api/v1/persons/{p4}/fingerprints?finger=right_index");
    let blank = png::encode(&GrayImage::filled(300, 400, 255).unwrap());
    for (body, code) in [
        (Vec::new(), "fingerprint_unreadable"),
        (b"%PDF-1.7 not a finger".to_vec(), "fingerprint_unreadable"),
        (prints[0][0][..200].to_vec(), "fingerprint_unreadable"),
        (
            b"FMR\0 20\0\0\0\0\x10garbage".to_vec(),
            "fingerprint_unreadable",
        ),
        (blank, "fingerprint_quality_low"),
    ] {
        let r = post(&border, &app, &enrol4, body).await;
        problem(r, StatusCode::UNPROCESSABLE_ENTITY, code).await;
    }
    let r = post(
        &border,
        &app,
        &format!("/api/v1/persons/{p4}/fingerprints?finger=sixth_finger"),
        prints[0][0].clone(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = post(
        &border,
        &app,
        "/api/v1/persons/123456789012/fingerprints?finger=right_index",
        prints[0][0].clone(),
    )
    .await;
    assert!(r.status().is_client_error());
    let (captures, _) = app
        .with_store(move |s| s.fingerprint_counts().unwrap())
        .await;
    assert_eq!(captures, 3);

    // An officer cannot withdraw; the institution's administrator can, and the capture leaves
    // every search.
    let id = first_capture(&border, &app, &p2).await;
    assert_eq!(withdraw(&border, &app, id).await, StatusCode::FORBIDDEN);
    let admin = app
        .login_as("bp-admin", "border-police", "border_police", &["admin"])
        .await;
    assert_eq!(withdraw(&admin, &app, id).await, StatusCode::OK);
    let v: Value = post(&border, &app, identify, prints[0][2].clone())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(persons_of(&v, "candidates"), vec![p1.clone()], "{v}");

    // Everything on record: enrolments, the match found at enrolment, searches.
    let actions: Vec<String> = app
        .with_store(|s| {
            s.audit_entries(0, 10_000)
                .unwrap()
                .into_iter()
                .map(|e| e.action)
                .collect()
        })
        .await;
    for wanted in [
        "fingerprint.enrol",
        "fingerprint.verify (match)",
        "fingerprint.identify (found)",
        "fingerprint.identify (none)",
        "fingerprint.withdraw",
    ] {
        assert!(
            actions.iter().any(|a| a == wanted),
            "{wanted} not in {actions:?}"
        );
    }
    assert!(actions
        .iter()
        .any(|a| a.starts_with("fingerprint.match (enrolment of")));
    app.stop().await;
}

/// Fingerprint routes need a signed-in caller.
#[tokio::test]
async fn anonymous_callers_are_refused() {
    let app = TestApp::start(None, 1 << 20, "border-crossings").await;
    let r = app
        .anonymous
        .post(app.url("/api/v1/fingerprints/identification"))
        .body(vec![1, 2, 3])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

/// The id of a person's first capture, as the API lists them.
async fn first_capture(client: &reqwest::Client, app: &TestApp, person: &str) -> i64 {
    let list: Value = client
        .get(app.url(&format!("/api/v1/persons/{person}/fingerprints")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list[0]["id"].as_i64().unwrap()
}

/// Asks for capture `id` to be withdrawn ("wrong person"); the answer's status.
async fn withdraw(client: &reqwest::Client, app: &TestApp, id: i64) -> StatusCode {
    client
        .post(app.url(&format!("/api/v1/fingerprints/{id}/withdrawal")))
        .json(&serde_json::json!({"reason": "wrong person"}))
        .send()
        .await
        .unwrap()
        .status()
}

/// The persons a 1:N search of `image` answers, sorted.
async fn search(client: &reqwest::Client, app: &TestApp, image: &[u8]) -> Vec<String> {
    let v: Value = post(
        client,
        app,
        "/api/v1/fingerprints/identification",
        image.to_vec(),
    )
    .await
    .json()
    .await
    .unwrap();
    let mut found = persons_of(&v, "candidates");
    found.sort();
    found
}

/// Two servers on one store and one vault, as a national deployment runs them: what one
/// enrols, the other's 1:N finds at once; what one withdraws, the other stops finding; a merge
/// made anywhere moves the fingers to the surviving number in both galleries.
#[tokio::test]
async fn servers_sharing_a_store_see_each_others_captures() {
    let a = TestApp::start(None, 1 << 20, "border-crossings").await;
    let b = a.start_beside("consulate-records").await;
    let prints = impressions();
    let (p1, p2) = a.with_store(|s| (person(s, 11), person(s, 12))).await;
    let border_a = a
        .login_as("bp", "border-police", "border_police", &["officer"])
        .await;
    let border_b = b
        .login_as("bp", "border-police", "border_police", &["officer"])
        .await;
    // Each gallery loaded (empty) before anything is enrolled.
    for (client, app) in [(&border_a, &a), (&border_b, &b)] {
        assert!(search(client, app, &prints[0][2]).await.is_empty());
    }
    // Enrolled on A: B's search finds it; enrolled on B: A's enrolment search reports it.
    let r = post(
        &border_a,
        &a,
        &format!("/api/v1/persons/{p1}/fingerprints?finger=right_index"),
        prints[0][0].clone(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(
        search(&border_b, &b, &prints[0][2]).await,
        vec![p1.clone()],
        "B finds what A enrolled"
    );
    let r = post(
        &border_b,
        &b,
        &format!("/api/v1/persons/{p2}/fingerprints?finger=right_index"),
        prints[0][1].clone(),
    )
    .await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(persons_of(&v, "matches"), vec![p1.clone()], "{v}");
    let mut both = vec![p1.clone(), p2.clone()];
    both.sort();
    assert_eq!(
        search(&border_a, &a, &prints[0][2]).await,
        both,
        "A finds what B enrolled"
    );
    // Withdrawn on A: B stops finding it.
    let id = first_capture(&border_a, &a, &p2).await;
    let admin = a
        .login_as("bp-admin", "border-police", "border_police", &["admin"])
        .await;
    assert_eq!(withdraw(&admin, &a, id).await, StatusCode::OK);
    for (client, app) in [(&border_a, &a), (&border_b, &b)] {
        assert_eq!(search(client, app, &prints[0][2]).await, vec![p1.clone()]);
    }
    // A merge (p1 into a new survivor) made in the store: both galleries answer the survivor,
    // and verifying against the survivor's number matches.
    let survivor = a.with_store(|s| person(s, 13)).await;
    let (from, into) = (p1.clone(), survivor.clone());
    a.with_store(move |s| {
        let n = |d: &str| PersonNumber(UnifiedNumber::parse(d).unwrap().as_u64());
        s.merge_persons(n(&into), n(&from), "clerk", "same person", now())
            .unwrap();
    })
    .await;
    for (client, app) in [(&border_a, &a), (&border_b, &b)] {
        assert_eq!(
            search(client, app, &prints[0][2]).await,
            vec![survivor.clone()]
        );
        let v: Value = post(
            client,
            app,
            &format!("/api/v1/persons/{survivor}/fingerprints/verification"),
            prints[0][2].clone(),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(v["matched"], true, "{v}");
    }
    b.stop().await;
    a.stop().await;
}

//! The portal's GCM page: the plan entered through the API shows as the progress report in the
//! three languages, for anyone under the default policy, and as a downloadable file.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
async fn the_gcm_page_shows_the_plan_in_three_languages() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, "src").await;
    let committee = app
        .login_as("analyst", "observatoire", "observatory", &["analyst"])
        .await;
    let r = committee
        .post(app.url("/api/v1/gcm/plan/actions"))
        .json(&json!({
            "id": "A-08-1",
            "title": "Registre national des migrants disparus",
            "objectives": ["8"],
            "owner": "observatoire",
            "partners": ["OIM"],
            "budget": { "amount": 90000, "currency": "TND" },
            "start": "2024-01-01",
            "status": "ongoing",
            "step": "implementation",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = committee
        .post(app.url("/api/v1/gcm/plan/actions/A-08-1/indicators"))
        .json(&json!({
            "code": "10.7.3",
            "baseline": { "start": "2023-01-01", "end": "2023-12-31", "value": 120.0, "source": "INS" },
            "target": { "start": "2027-01-01", "end": "2027-12-31", "value": 40.0, "source": "plan" },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);

    for (lang, dir, words) in [
        ("en", "ltr", "Objective 8"),
        ("fr", "ltr", "Objectif 8"),
        ("ar", "rtl", "الهدف 8"),
    ] {
        // Anyone may read it (rule plan-read).
        let r = app
            .anonymous
            .get(app.url(&format!("/{lang}/gcm/?year=2025")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{lang}");
        let html = r
            .text()
            .await
            .unwrap()
            .replace(['\u{2068}', '\u{2069}'], "");
        assert!(
            html.contains(&format!("lang=\"{lang}\" dir=\"{dir}\"")),
            "{lang}"
        );
        assert!(html.contains(words), "{lang}: {html}");
        assert!(
            html.contains("Registre national des migrants disparus"),
            "{lang}"
        );
        assert!(html.contains("<svg"), "{lang}: the indicator's chart");
        assert!(
            !html.contains("[gcm-") && !html.contains("[nav-"),
            "{lang}: a missing message"
        );
        let file = app
            .anonymous
            .get(app.url(&format!("/{lang}/gcm/report.html?year=2025")))
            .send()
            .await
            .unwrap();
        assert_eq!(file.status(), StatusCode::OK);
        assert!(file.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("gcm-report-2025-{lang}.html")));
        let text = file.text().await.unwrap();
        assert!(
            text.starts_with("<!DOCTYPE html>") && text.contains("<style>"),
            "{lang}"
        );
    }
    // A year that is not one is named.
    let r = app
        .anonymous
        .get(app.url("/en/gcm/?year=20x5"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("20x5"));
    app.stop().await;
}

/// A form's fields, URL-encoded as a browser sends them.
fn form(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).unwrap()
}

#[tokio::test]
async fn a_migrant_files_a_complaint_through_the_form_and_follows_it() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, "src").await;
    // The observatory receives complaints addressed to nobody in particular; its officers
    // handle them.
    let handler = app
        .login_as("intake", "observatoire", "observatory", &["officer"])
        .await;
    for (lang, label) in [
        ("ar", "تقديم شكوى"),
        ("fr", "Déposer une plainte"),
        ("en", "File a complaint"),
    ] {
        let r = app
            .anonymous
            .get(app.url(&format!("/{lang}/complaints/")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let html = r.text().await.unwrap();
        assert!(
            html.contains(label) && html.contains("name=\"category\""),
            "{lang}"
        );
        assert!(!html.contains("[complaint-"), "{lang}: a missing message");
    }
    // A mistake shows the form again with what was typed, the field marked.
    let r = app
        .anonymous
        .post(app.url("/fr/complaints/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("category", "recruitment_fees"),
            ("text", "  "),
            ("contact", "+216 20 000 000"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("La plainte n’a pas été envoyée"), "{html}");
    assert!(
        html.contains("value=\"+216 20 000 000\""),
        "what was typed is kept: {html}"
    );
    assert!(html.contains("aria-invalid=\"true\""), "{html}");
    // Filed: a reference to follow it with.
    let r = app
        .anonymous
        .post(app.url("/ar/complaints/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("category", "document_retention"),
            ("text", "صاحب العمل يحتفظ بجواز سفري منذ ثلاثة أشهر"),
            ("contact", ""),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let at = html.find("CMP-").expect("a reference");
    let reference = &html[at..at + 13];
    let r = app
        .anonymous
        .get(app.url(&format!("/fr/complaints/follow?reference={reference}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("Reçue") && html.contains(reference), "{html}");
    assert!(!html.contains("جواز"), "the follow page shows no content");
    // Through the API it is the same complaint.
    let r = app
        .anonymous
        .get(app.url(&format!("/api/v1/complaints/{reference}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The handling institution reads it in its workspace and moves it along its workflow; the
    // complainant sees the new status.
    let r = handler
        .get(app.url("/fr/work/complaints/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(reference) && html.contains("يحتفظ بجواز سفري"),
        "{html}"
    );
    let r = handler
        .post(app.url(&format!("/fr/work/complaints/{reference}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("to", "under_review"), ("note", "dossier ouvert")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "back to the list");
    let html = r.text().await.unwrap();
    assert!(html.contains("dossier ouvert"), "{html}");
    let r = app
        .anonymous
        .get(app.url(&format!("/en/complaints/follow?reference={reference}")))
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Under review") && !html.contains("dossier ouvert"),
        "{html}"
    );
    // A move the workflow forbids from here is refused.
    let r = handler
        .post(app.url(&format!("/en/work/complaints/{reference}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("to", "closed")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // Another institution does not read it.
    let border = app
        .login_as("border", "border-police", "border_police", &["officer"])
        .await;
    let r = border
        .get(app.url("/en/work/complaints/"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Unknown and mistyped references are told apart.
    let unknown = marsad_gcm::complaints::ComplaintRef::generate(&mut || 7).to_string();
    let r = app
        .anonymous
        .get(app.url(&format!("/en/complaints/follow?reference={unknown}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("No complaint has this reference"));
    let r = app
        .anonymous
        .get(app.url("/en/complaints/follow?reference=CMP-1234"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("This is not a reference number"));
    app.stop().await;
}

#[tokio::test]
async fn protection_officers_move_referrals_from_their_worklist() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, "src").await;
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
    let border = app
        .login_as("border", "border-police", "border_police", &["officer"])
        .await;
    let r = inlcts
        .post(app.url("/api/v1/referrals/cases"))
        .json(&json!({ "sex": "F", "age_group": "Y18T24", "nationality": "NGA", "exploitation": "domestic_servitude" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let case = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = inlcts
        .post(app.url("/api/v1/referrals"))
        .json(&json!({ "case": case, "kind": "shelter", "receiving": "shelter-tunis" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<serde_json::Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();

    let page = |client: &reqwest::Client, path: &str| {
        let url = app.url(path);
        let client = client.clone();
        async move {
            let r = client.get(url).send().await.unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    // The receiving institution may accept or decline; the referring one may only cancel.
    let (s, html) = page(&shelter, "/fr/work/referrals/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(&format!("id=\"referral-{id}\"")), "{html}");
    assert!(
        html.contains(">Accepter<") && html.contains(">Refuser<"),
        "{html}"
    );
    assert!(!html.contains(">Annuler<"), "{html}");
    assert!(
        html.contains("Hébergement") && html.contains("Proposée"),
        "{html}"
    );
    let (_, html) = page(&inlcts, "/en/work/referrals/").await;
    assert!(
        html.contains(">Cancel<") && !html.contains(">Accept<"),
        "{html}"
    );
    // Border police is behind the services firewall: not even the page.
    let (s, html) = page(&border, "/ar/work/referrals/").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert!(html.contains("dir=\"rtl\""), "a page, in Arabic: {html}");

    // The receiving institution accepts through the page's form; the list shows the new state.
    let r = shelter
        .post(app.url(&format!("/fr/work/referrals/{id}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("action", "accept"), ("reason", "")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "followed back to the list");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Acceptée") && html.contains(">Commencer le service<"),
        "{html}"
    );
    // A move the state machine does not allow now is refused with a page saying why.
    let r = shelter
        .post(app.url(&format!("/en/work/referrals/{id}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("action", "complete")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("lang=\"en\""));
    // Declining needs a reason: the form asks for it.
    let r = inlcts
        .post(app.url(&format!("/en/work/referrals/{id}")))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[("action", "cancel"), ("reason", " ")]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // The referring side opens a case and refers the victim through the page's forms; a
    // mistake keeps what was typed.
    let r = inlcts
        .post(app.url("/en/work/referrals/cases"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("exploitation", "forced_labour"),
            ("sex", "M"),
            ("age_group", "Y25T34"),
            ("nationality", "Nowhere"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("value=\"Nowhere\"") && html.contains("role=\"alert\""),
        "{html}"
    );
    let r = inlcts
        .post(app.url("/en/work/referrals/cases"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("exploitation", "forced_labour"),
            ("sex", "M"),
            ("age_group", "Y25T34"),
            ("nationality", "EGY"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"case-opened\""), "{html}");
    let opened = r_case(&html);
    let r = inlcts
        .post(app.url("/en/work/referrals/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("case", &opened.to_string()),
            ("kind", "legal_aid"),
            ("receiving", "shelter-tunis"),
            ("note", ""),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (_, html) = page(&shelter, "/en/work/referrals/").await;
    assert!(
        html.contains("Legal aid"),
        "the receiving side sees it: {html}"
    );
    // Enforcement cannot receive a referral: the refusal is said, the form kept.
    let r = inlcts
        .post(app.url("/en/work/referrals/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&[
            ("case", &opened.to_string()),
            ("kind", "return"),
            ("receiving", "border-police"),
            ("note", "x"),
        ]))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    // The missing-migrant register, for the protection institutions.
    let (s, html) = page(&inlcts, "/fr/work/incidents/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("Registre des migrants disparus"), "{html}");
    // Recording a report through the form: a mistake keeps what was typed and names the field.
    let fields = |dead: &'static str, source: &'static str| {
        vec![
            ("date", "2025-05-28"),
            ("route", "central_mediterranean"),
            ("region", "Sfax"),
            ("country", "TUN"),
            ("dead", dead),
            ("missing", "4"),
            ("survivors", ""),
            ("cause", "drowning"),
            ("source", source),
            ("reliability", "official"),
        ]
    };
    let r = inlcts
        .post(app.url("/fr/work/incidents/"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&fields("douze", "Garde nationale")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("dead: 'douze' is not a whole number"),
        "{html}"
    );
    assert!(
        html.contains("value=\"Garde nationale\"") && html.contains("value=\"douze\""),
        "{html}"
    );
    for (source, duplicates) in [
        ("Garde nationale", "Aucun signalement antérieur"),
        (
            "Croissant-Rouge",
            "le même incident qu’un signalement antérieur",
        ),
    ] {
        let r = inlcts
            .post(app.url("/fr/work/incidents/"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&fields("12", source)))
            .send()
            .await
            .unwrap();
        let status = r.status();
        let html = r.text().await.unwrap();
        assert_eq!(status, StatusCode::OK, "back to the register: {html}");
        let html = html.replace(['\u{2068}', '\u{2069}'], "");
        assert!(
            html.contains("id=\"recorded\"") && html.contains(duplicates),
            "{html}"
        );
    }
    let (_, html) = page(&inlcts, "/en/work/incidents/").await;
    let html = html.replace(['\u{2068}', '\u{2069}'], "");
    assert!(
        html.contains("1 incidents from 2 reports: 12 dead, 4 missing."),
        "one incident, counted once: {html}"
    );
    // The public GCM page shows the year's protection figures as published: the incident once
    // (SDG 10.7.3), the few victims withheld, never a small number.
    let r = app
        .anonymous
        .get(app.url("/en/gcm/?year=2025"))
        .send()
        .await
        .unwrap();
    let html = r
        .text()
        .await
        .unwrap()
        .replace(['\u{2068}', '\u{2069}'], "");
    let sdg = &html[html
        .find("id=\"sdg-10-7-3\"")
        .expect("the SDG 10.7.3 table")..];
    assert!(
        sdg.contains("<td class=\"n\">1</td><td class=\"n\">12</td><td class=\"n\">4</td><td class=\"n\">16</td>"),
        "{sdg}"
    );
    let figures = &html[html
        .find("id=\"referral-figures\"")
        .expect("the referral figures")..];
    assert!(figures.contains("withheld"), "{figures}");
    app.stop().await;
}

/// The case number a "case opened" notice names.
fn r_case(html: &str) -> i64 {
    let at = html.find("id=\"case-opened\"").unwrap();
    html[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn the_committee_and_owners_keep_the_plan_through_the_workspace() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, "src").await;
    let committee = app
        .login_as("analyst", "observatoire", "observatory", &["analyst"])
        .await;
    let owner = app
        .login_as("social", "social-affairs", "ministry", &["officer"])
        .await;
    let other = app
        .login_as("labour", "labour-agency", "labour_agency", &["officer"])
        .await;
    let post = |client: &reqwest::Client, path: &str, fields: Vec<(&str, &str)>| {
        client
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&fields))
            .send()
    };
    let action = |objectives: &'static str| {
        vec![
            ("id", "A-15-1"),
            (
                "title",
                "Accès aux soins des migrants en situation irrégulière",
            ),
            ("objectives", objectives),
            ("owner", "social-affairs"),
            ("partners", "OMS, OIM"),
            ("budget", "250000"),
            ("currency", "TND"),
            ("start", "2024-01-01"),
            ("end", ""),
            ("status", "planned"),
            ("step", "design"),
            ("version", ""),
        ]
    };
    // A mistake: the form again, the field named, what was typed kept.
    let r = post(&committee, "/fr/work/plan/", action(""))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("id=\"plan-error\"") && html.contains("Accès aux soins des migrants"),
        "{html}"
    );
    // Added: to the action's page.
    let r = post(&committee, "/fr/work/plan/", action("15, 22"))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("A-15-1") && html.contains("Modifier l’action"),
        "{html}"
    );
    // Another institution may not change it; the owner may.
    let mut changed = action("15, 22");
    changed[9] = ("status", "ongoing");
    changed[11] = ("version", "1");
    let r = post(&other, "/en/work/plan/A-15-1", changed.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post(&owner, "/en/work/plan/A-15-1", changed.clone())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let history: serde_json::Value = app
        .anonymous
        .get(app.url("/api/v1/gcm/plan/actions/A-15-1/history"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        history["versions"].as_array().map(Vec::len),
        Some(2),
        "{history}"
    );
    // The same change again, based on the old version: refused as a conflict, kept on the form.
    let r = post(&owner, "/en/work/plan/A-15-1", changed).await.unwrap();
    assert!(r.status().is_client_error());
    // A value of an indicator and an evaluation, by the owner.
    let r = owner
        .post(app.url("/api/v1/gcm/plan/actions/A-15-1/indicators"))
        .json(&json!({
            "code": "3.8.1",
            "baseline": { "start": "2023-01-01", "end": "2023-12-31", "value": 20.0, "source": "MSP" },
            "target": { "start": "2027-01-01", "end": "2027-12-31", "value": 60.0, "source": "plan" },
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = post(
        &owner,
        "/en/work/plan/A-15-1/measurements",
        vec![
            ("code", "3.8.1"),
            ("year", "2024"),
            ("value", "trente"),
            ("source", "MSP"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("value=\"trente\""));
    let r = post(
        &owner,
        "/en/work/plan/A-15-1/measurements",
        vec![
            ("code", "3.8.1"),
            ("year", "2024"),
            ("value", "31,5"),
            ("source", "MSP"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = post(
        &owner,
        "/en/work/plan/A-15-1/evaluations",
        vec![
            ("date", "2025-03-01"),
            ("author", "Comité"),
            ("learned", "Les centres de santé ont besoin d’interprètes"),
            ("obstacles", "rotation du personnel\nbudget tardif"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("31.5") && html.contains("budget tardif"),
        "{html}"
    );
    app.stop().await;
}

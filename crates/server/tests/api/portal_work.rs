//! The workspaces (`/{lang}/work/...`) through HTTP: every page in Arabic, French and English for
//! a role that may open it, the page in the reader's language saying why for one that may not,
//! the sign-in page for nobody; forms refused without the session's CSRF token; a quarantined
//! row corrected and resubmitted through the page's form; a match decided through the page; a
//! person found by name in either script and by number, and their file. Then the same in
//! headless Chromium (skipped without a browser unless `MARSAD_REQUIRE_BROWSER=1`).

use std::time::Duration;

use marsad_model::{Lang, UnifiedNumber};
use marsad_portal::i18n::catalog;
use marsad_store::{Numbering, PersonNumber, RecordKey};
use reqwest::header::{HeaderMap, HeaderValue, LOCATION};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{now, TestApp, PASSWORD};
use crate::{good_rows, person_csv, BAD_ROW, SOURCE};

/// An HTML form's body (`application/x-www-form-urlencoded`), as a browser sends it.
trait FormBody {
    fn form_body<T: serde::Serialize + ?Sized>(self, fields: &T) -> Self;
}

impl FormBody for reqwest::RequestBuilder {
    fn form_body<T: serde::Serialize + ?Sized>(self, fields: &T) -> Self {
        self.header("content-type", "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).unwrap())
    }
}

/// A browser-like session: the cookie and the CSRF token a sign-in gave.
struct Session {
    cookie: String,
    csrf: String,
}

impl Session {
    /// A client sending the cookie (and the CSRF header when `header`), following no redirect.
    fn client(&self, header: bool) -> reqwest::Client {
        let mut headers = HeaderMap::new();
        headers.insert("cookie", HeaderValue::from_str(&self.cookie).unwrap());
        if header {
            headers.insert("x-csrf-token", HeaderValue::from_str(&self.csrf).unwrap());
        }
        reqwest::Client::builder()
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }
}

async fn session(
    app: &TestApp,
    login: &str,
    institution: &str,
    kind: &str,
    roles: &[&str],
) -> Session {
    app.login_as(login, institution, kind, roles).await;
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({ "login": login, "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let me: Value = response.json().await.unwrap();
    Session {
        cookie,
        csrf: me["csrf_token"].as_str().unwrap().to_string(),
    }
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// GETs `path` and answers its status and HTML.
async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (StatusCode, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

fn t(lang: Lang, key: &str) -> String {
    catalog().tr(lang).t(key)
}

/// The page is a whole document in `lang`, right to left in Arabic, titled by `title_key`.
fn assert_page(html: &str, lang: Lang, title_key: &str, path: &str) {
    let dir = if lang == Lang::Ar { "rtl" } else { "ltr" };
    assert!(
        html.contains(&format!("<html lang=\"{}\" dir=\"{dir}\">", lang.as_str())),
        "{path}: not a {lang:?} page"
    );
    let title = t(lang, title_key);
    assert!(
        html.contains(&format!("<h1>{title}</h1>")),
        "{path}: no title {title:?} in\n{html}"
    );
    assert!(!html.contains("[work-"), "{path}: a missing key in\n{html}");
}

fn location(r: &reqwest::Response) -> String {
    r.headers()[LOCATION].to_str().unwrap().to_string()
}

/// `records` of SOURCE numbered as one person each: their numbers.
async fn number(app: &TestApp, records: &[&str]) -> Vec<String> {
    let records: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    app.with_store(move |s| {
        let source = s.source(SOURCE).unwrap().unwrap().id;
        let mut seed = 7u64;
        let batch: Vec<Numbering> = records
            .iter()
            .map(|r| {
                let n = UnifiedNumber::generate(&mut || {
                    seed = seed
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    seed
                });
                Numbering {
                    number: PersonNumber(n.as_u64()),
                    new: true,
                    records: vec![RecordKey::new(source, "person", r)],
                    weight: None,
                }
            })
            .collect();
        s.number_persons(&batch, "test", now()).unwrap();
        batch
            .iter()
            .map(|b| format!("{:012}", b.number.0))
            .collect()
    })
    .await
}

#[tokio::test]
async fn each_workspace_page_answers_in_three_languages_to_the_role_that_may_open_it() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    let mut rows = good_rows();
    rows.push(BAD_ROW);
    let r = app
        .upload(SOURCE, "p.csv", person_csv(&rows).into_bytes())
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let report: Value = r.json().await.unwrap();
    let submission = report["submission"].as_i64().unwrap();
    let numbers = number(&app, &["P-001"]).await;
    let quarantined: Value = app.get("/api/v1/quarantine").await.json().await.unwrap();
    let entry = quarantined["entries"][0]["id"].as_i64().unwrap();

    let officer = session(
        &app,
        "officer",
        "border-police",
        "border_police",
        &["data_officer", "officer"],
    )
    .await
    .client(true);
    let reviewer = session(&app, "rev", "observatoire", "observatory", &["reviewer"])
        .await
        .client(true);
    let admin = session(
        &app,
        "root",
        "observatoire",
        "observatory",
        &["admin", "dpo"],
    )
    .await
    .client(true);
    let who: [(&reqwest::Client, &str, String); 13] = [
        (&officer, "work-title", "work/".into()),
        (&officer, "work-imports", "work/imports/".into()),
        (&officer, "work-upload", "work/upload/".into()),
        (&officer, "work-upload", format!("work/upload/{SOURCE}")),
        (&officer, "work-quarantine", "work/quarantine/".into()),
        (&officer, "work-persons", "work/persons/".into()),
        (
            &officer,
            "work-persons",
            "work/persons/search?q=Amina".into(),
        ),
        (&reviewer, "work-reviews", "work/reviews/".into()),
        (&admin, "work-accounts", "work/admin/".into()),
        (&admin, "work-policy", "work/admin/policy".into()),
        (&admin, "work-audit", "work/admin/audit".into()),
        (&reviewer, "work-title", "work/".into()),
        (&admin, "work-title", "work/".into()),
    ];
    for lang in Lang::ALL {
        for (client, key, path) in &who {
            let path = format!("/{}/{path}", lang.as_str());
            let (status, html) = page(client, &app, &path).await;
            assert_eq!(status, StatusCode::OK, "{path}\n{html}");
            assert_page(&html, lang, key, &path);
        }
        // Pages with a title of their own.
        let l = lang.as_str();
        let (status, html) = page(&officer, &app, &format!("/{l}/work/imports/{submission}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(&t(lang, "work-rejected-rows")), "{html}");
        assert!(html.contains("id=\"report\""));
        let (status, html) = page(&officer, &app, &format!("/{l}/work/quarantine/{entry}")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("name=\"f.sex\" value=\"Q\""), "{html}");
        let (status, html) =
            page(&officer, &app, &format!("/{l}/work/persons/{}", numbers[0])).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        assert!(html.contains(&t(lang, "work-records-by-source")));
    }

    // The home page links only what the policy allows.
    let (_, home) = page(&officer, &app, "/en/work/").await;
    for link in [
        "/en/work/imports/",
        "/en/work/quarantine/",
        "/en/work/upload/",
        "/en/work/persons/",
    ] {
        assert!(
            home.contains(&format!("href=\"{link}\"")),
            "{link} missing in\n{home}"
        );
    }
    for link in [
        "/en/work/reviews/",
        "/en/work/admin/",
        "/en/work/admin/audit",
    ] {
        assert!(
            !home.contains(&format!("href=\"{link}\"")),
            "{link} offered to the officer"
        );
    }
    // The overview of the catalogue: records per kind, submissions per source.
    assert!(home.contains("id=\"overview\""), "{home}");
    assert!(home.contains(SOURCE));
    let (_, home) = page(&reviewer, &app, "/fr/work/").await;
    assert!(home.contains("href=\"/fr/work/reviews/\""));
    assert!(!home.contains("href=\"/fr/work/upload/\""));

    // A page outside the role's scope: 403, as a page in the reader's language.
    for (client, path) in [
        (&officer, "work/reviews/"),
        (&officer, "work/admin/"),
        (&reviewer, "work/quarantine/"),
        (&reviewer, "work/imports/"),
    ] {
        for lang in Lang::ALL {
            let path = format!("/{}/{path}", lang.as_str());
            let (status, html) = page(client, &app, &path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
            assert_page(&html, lang, "forbidden-title", &path);
        }
    }
    // The reviewer cannot open the border police's rejected row either.
    let (status, _) = page(&reviewer, &app, &format!("/en/work/quarantine/{entry}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn signed_out_readers_are_sent_to_the_sign_in_page_and_back() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    let anonymous = no_redirects();
    for lang in Lang::ALL {
        let l = lang.as_str();
        for path in [
            "work/",
            "work/imports/",
            "work/quarantine/1",
            "work/persons/search?q=x",
        ] {
            let r = anonymous
                .get(app.url(&format!("/{l}/{path}")))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "/{l}/{path}");
            let to = location(&r);
            assert!(
                to.starts_with(&format!("/signin?lang={l}&next=%2F{l}%2Fwork%2F")),
                "{to}"
            );
        }
        // /signin keeps the language and a local next, and drops any other.
        let r = anonymous
            .get(app.url(&format!("/signin?lang={l}&next=%2F{l}%2Fwork%2Fimports%2F")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            location(&r),
            format!("/{l}/signin?next=%2F{l}%2Fwork%2Fimports%2F")
        );
        let r = anonymous
            .get(app.url(&format!("/signin?lang={l}&next=%2F%2Fevil.example%2F")))
            .send()
            .await
            .unwrap();
        assert_eq!(location(&r), format!("/{l}/signin?next=%2F{l}%2Fwork%2F"));
        let (status, html) = page(
            &anonymous,
            &app,
            &format!("/{l}/signin?next=%2F{l}%2Fwork%2F"),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_page(&html, lang, "signin-title", "signin");
        assert!(
            html.contains(&format!("data-next=\"/{l}/work/\"")),
            "{html}"
        );
        assert!(html.contains("/static/signin.js?v="));
        assert!(!html.contains("<script>"), "no inline script");
    }
    // Opened bare, the page stays on the account once signed in (no next).
    let r = anonymous
        .get(app.url("/signin"))
        .header("accept-language", "fr-TN,fr;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/fr/signin");
    let (_, html) = page(&anonymous, &app, "/fr/signin").await;
    assert!(!html.contains("data-next"));
    // The script the page names is served.
    let (status, js) = page(&anonymous, &app, "/static/signin.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(js.contains("function passkeySignIn"));

    // Signing out through the workspace's form ends the session.
    let s = session(
        &app,
        "leila",
        "border-police",
        "border_police",
        &["officer"],
    )
    .await;
    let cookie_only = s.client(false);
    let r = cookie_only
        .post(app.url("/ar/work/signout"))
        .form_body(&[("csrf", s.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/ar/");
    let r = cookie_only.get(app.url("/ar/work/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the session has ended");
    app.stop().await;
}

#[tokio::test]
async fn a_form_post_without_the_csrf_token_is_refused() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    let mut rows = good_rows();
    rows.push(BAD_ROW);
    app.upload(SOURCE, "p.csv", person_csv(&rows).into_bytes())
        .await;
    let list: Value = app.get("/api/v1/quarantine").await.json().await.unwrap();
    let id = list["entries"][0]["id"].as_i64().unwrap();
    let s = session(
        &app,
        "officer",
        "border-police",
        "border_police",
        &["data_officer", "officer"],
    )
    .await;
    let cookie_only = s.client(false);
    let url = app.url(&format!("/en/work/quarantine/{id}"));
    for form in [
        vec![("f.sex", "F"), ("then", "save")],
        vec![("f.sex", "F"), ("then", "save"), ("csrf", "not-the-token")],
    ] {
        let r = cookie_only
            .post(&url)
            .form_body(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{form:?}");
    }
    // From another site, even with the token.
    let r = cookie_only
        .post(&url)
        .header("sec-fetch-site", "cross-site")
        .header("origin", "https://evil.example")
        .form_body(&[("f.sex", "F"), ("csrf", s.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // An upload form without the token in its address is refused too.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(person_csv(&good_rows()).into_bytes()).file_name("p.csv"),
    );
    let r = cookie_only
        .post(app.url(&format!("/en/work/upload/{SOURCE}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let entry: Value = app
        .get(&format!("/api/v1/quarantine/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert!(entry["corrected"].is_null(), "nothing was stored: {entry}");
    // With the token as a form field, the same form is taken.
    let r = cookie_only
        .post(&url)
        .form_body(&[("f.sex", "F"), ("then", "save"), ("csrf", s.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let entry: Value = app
        .get(&format!("/api/v1/quarantine/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entry["corrected"]["sex"], "F");
    app.stop().await;
}

#[tokio::test]
async fn a_quarantined_row_is_corrected_and_resubmitted_through_the_page() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    let s = session(
        &app,
        "officer",
        "border-police",
        "border_police",
        &["data_officer", "officer"],
    )
    .await;
    let browser = s.client(false);
    // The upload form without JavaScript: multipart to the page, the token in its address.
    let mut rows = good_rows();
    rows.push(BAD_ROW);
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(person_csv(&rows).into_bytes())
            .file_name("with-bad-row.csv"),
    );
    let r = browser
        .post(app.url(&format!("/fr/work/upload/{SOURCE}?csrf={}", s.csrf)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let report_page = location(&r);
    assert!(
        report_page.starts_with("/fr/work/imports/"),
        "{report_page}"
    );
    let (status, html) = page(&browser, &app, &report_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("with-bad-row.csv"));
    assert!(
        html.contains("<dd class=\"n\" id=\"rejected\">1</dd>"),
        "{html}"
    );

    let (_, list) = page(&browser, &app, "/fr/work/quarantine/").await;
    let at = list
        .find("href=\"/fr/work/quarantine/")
        .expect("a row to correct");
    let rest = &list[at + "href=\"/fr/work/quarantine/".len()..];
    let id: i64 = rest[..rest.find('"').unwrap()].parse().unwrap();
    let (_, entry) = page(&browser, &app, &format!("/fr/work/quarantine/{id}")).await;
    // Every field of the row as sent is in the form: send them back with the fix.
    let mut fields: Vec<(String, String)> = Vec::new();
    for part in entry.split("name=\"f.").skip(1) {
        let name = &part[..part.find('"').unwrap()];
        let value_at = part.find("value=\"").unwrap() + "value=\"".len();
        let value = &part[value_at..value_at + part[value_at..].find('"').unwrap()];
        let value = if name == "sex" { "F" } else { value };
        fields.push((format!("f.{name}"), value.to_string()));
    }
    assert!(
        fields
            .iter()
            .any(|(n, v)| n == "f.record_id" && v == "P-004"),
        "{fields:?}"
    );
    fields.push(("then".into(), "resubmit".into()));
    fields.push(("csrf".into(), s.csrf.clone()));
    let r = browser
        .post(app.url(&format!("/fr/work/quarantine/{id}")))
        .form_body(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let resubmission = location(&r);
    assert!(
        resubmission.starts_with("/fr/work/imports/"),
        "{resubmission}"
    );
    assert_ne!(resubmission, report_page);
    let (_, html) = page(&browser, &app, &resubmission).await;
    assert!(
        html.contains("<dd class=\"n\" id=\"accepted\">1</dd>"),
        "{html}"
    );
    let entry: Value = app
        .get(&format!("/api/v1/quarantine/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entry["status"], "resolved");
    let (_, list) = page(&browser, &app, "/fr/work/quarantine/").await;
    assert!(list.contains("id=\"quarantine-empty\""));
    // Reading the rejected row through the page is on the audit trail, like through the API.
    let reads = app
        .with_store(move |s| {
            s.audit_by_object("quarantine", &id.to_string(), 100)
                .unwrap()
                .len()
        })
        .await;
    assert!(reads >= 1);
    app.stop().await;
}

#[tokio::test]
async fn a_match_is_decided_through_the_review_page() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    let r = app
        .upload(SOURCE, "p.csv", person_csv(&good_rows()).into_bytes())
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = app
        .with_store(|s| {
            let source = s.source(SOURCE).unwrap().unwrap().id;
            let key = |id: &str| RecordKey::new(source, "person", id);
            s.add_review(
                &key("P-001"),
                &key("P-002"),
                4.5,
                r#"{"score": 4.5, "prior": -6.0, "terms": {"given_name": {"level": 3, "weight": -3.1}, "birth_date": {"level": 0, "weight": 7.6}}}"#,
                now(),
            )
            .unwrap()
            .0
        })
        .await;
    let s = session(&app, "rev", "observatoire", "observatory", &["reviewer"]).await;
    let browser = s.client(false);
    let (status, queue) = page(&browser, &app, "/ar/work/reviews/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        queue.contains(&format!("href=\"/ar/work/reviews/{id}\"")),
        "{queue}"
    );
    let (status, pair) = page(&browser, &app, &format!("/ar/work/reviews/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        "Amina",
        "محمد",
        "birth_date",
        "<meter",
        "class=\"agree\"",
        "class=\"disagree\"",
        "id=\"accept\"",
    ] {
        assert!(pair.contains(expected), "{expected} missing in\n{pair}");
    }
    // Without the token: refused, nothing decided.
    let r = browser
        .post(app.url(&format!("/ar/work/reviews/{id}")))
        .form_body(&[("decision", "accept")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = browser
        .post(app.url(&format!("/ar/work/reviews/{id}")))
        .form_body(&[("decision", "reject"), ("csrf", s.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/ar/work/reviews/{id}"));
    let decided: Value = s
        .client(true)
        .get(app.url(&format!("/api/v1/reviews/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(decided["status"], "rejected");
    assert_eq!(decided["decided_by"], "rev");
    let (_, pair) = page(&browser, &app, &format!("/ar/work/reviews/{id}")).await;
    assert!(pair.contains("data-status=\"rejected\""));
    assert!(
        !pair.contains("id=\"accept\""),
        "a decided pair has no buttons"
    );
    // Deciding twice is refused, as in the API (409, shown as a page).
    let r = browser
        .post(app.url(&format!("/ar/work/reviews/{id}")))
        .form_body(&[("decision", "accept"), ("csrf", s.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    app.stop().await;
}

#[tokio::test]
async fn a_person_is_found_by_name_in_either_script_or_by_number_and_their_file_opens() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    let r = app
        .upload(SOURCE, "p.csv", person_csv(&good_rows()).into_bytes())
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let numbers = number(&app, &["P-001", "P-002"]).await;
    let spaced = |n: &str| format!("{} {} {}", &n[..4], &n[4..8], &n[8..]);
    let s = session(
        &app,
        "officer",
        "border-police",
        "border_police",
        &["officer"],
    )
    .await;
    let browser = s.client(false);
    let (status, html) = page(&browser, &app, "/en/work/persons/search?q=amina").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(&spaced(&numbers[0])), "{html}");
    assert!(!html.contains(&spaced(&numbers[1])));
    // Arabic script, and the same name in Latin script.
    for q in ["%D9%85%D8%AD%D9%85%D8%AF", "Mohamed", "Muhammad"] {
        let (_, html) = page(&browser, &app, &format!("/en/work/persons/search?q={q}")).await;
        assert!(html.contains(&spaced(&numbers[1])), "{q}: {html}");
        assert!(!html.contains(&spaced(&numbers[0])), "{q}");
    }
    let (_, html) = page(&browser, &app, "/en/work/persons/search?q=Nobody").await;
    assert!(html.contains("id=\"no-results\""));
    // By number, typed with spaces: straight to the file.
    let r = browser
        .get(app.url(&format!(
            "/en/work/persons/search?q={}",
            spaced(&numbers[0]).replace(' ', "+")
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/en/work/persons/{}", numbers[0]));
    let (status, file) = page(&browser, &app, &format!("/en/work/persons/{}", numbers[0])).await;
    assert_eq!(status, StatusCode::OK);
    for expected in [
        spaced(&numbers[0]),
        "Amina".into(),
        "X1234567".into(),
        SOURCE.into(),
    ] {
        assert!(file.contains(&expected), "{expected} missing in\n{file}");
    }
    // Dossiers and fingerprints are not the border police's: said so, not shown.
    assert!(file.contains(&t(Lang::En, "work-not-in-scope")));
    // The reading is on the audit trail, by person.
    let n = numbers[0].clone();
    let reads = app
        .with_store(move |s| s.audit_by_object("person", &n, 100).unwrap())
        .await;
    assert!(
        reads.iter().any(|e| e.action.starts_with("read person")),
        "{reads:?}"
    );
    assert!(
        reads.iter().any(|e| e.action.starts_with("search person")),
        "{reads:?}"
    );
    // An unknown number is a page saying so.
    let (status, _) = page(&browser, &app, "/en/work/persons/123456789012").await;
    assert!(status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND);
    // A pseudonymised reader finds nobody by name.
    let analyst = session(&app, "ana", "observatoire", "observatory", &["analyst"])
        .await
        .client(false);
    let (status, html) = page(&analyst, &app, "/en/work/persons/search?q=amina").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"no-results\""), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn analysts_see_data_quality_per_source_and_publishers_refresh_the_statistics() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    let mut rows: Vec<&str> = good_rows();
    rows.push(BAD_ROW);
    let r = app
        .upload(SOURCE, "with-a-bad-row.csv", person_csv(&rows).into_bytes())
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let analyst = session(&app, "ana", "observatoire", "observatory", &["analyst"])
        .await
        .client(false);
    for lang in Lang::ALL {
        let (status, html) =
            page(&analyst, &app, &format!("/{}/work/quality/", lang.as_str())).await;
        assert_eq!(status, StatusCode::OK, "{lang:?}");
        assert_page(&html, lang, "work-data-quality", "work/quality/");
        assert!(html.contains(SOURCE) && html.contains("<svg"), "{html}");
    }
    let (_, html) = page(&analyst, &app, "/en/work/quality/").await;
    // One bad row of four: a quarter refused, the field named (never the row's values).
    assert!(html.contains("25.0%"), "{html}");
    assert!(html.contains("<code>sex</code>"), "{html}");
    assert!(!html.contains("Haddad"), "no personal data: {html}");
    // An analyst does not publish; a publisher does, through the page's form.
    let (status, _) = page(&analyst, &app, "/en/work/publish").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let publisher = session(&app, "pub", "observatoire", "observatory", &["publisher"]).await;
    let (status, html) = page(&publisher.client(false), &app, "/fr/work/publish").await;
    assert_eq!(status, StatusCode::OK);
    assert_page(&html, Lang::Fr, "work-publish", "work/publish");
    let r = publisher
        .client(false)
        .post(app.url("/fr/work/publish"))
        .form_body(&[("full", "1"), ("csrf", publisher.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"refreshed\""), "{html}");
    // Without the token the form is refused.
    let r = publisher
        .client(false)
        .post(app.url("/fr/work/publish"))
        .form_body(&[("full", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// In a real browser

/// Waits until `condition` holds in the page, across navigations (a navigation ends the
/// evaluation waiting in the old document: it is asked again in the new one).
fn settle(page: &marsad_testkit::browser::Page<'_>, condition: &str, timeout: Duration) {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        match page.wait_for(condition, Duration::from_secs(2)) {
            Ok(()) => return,
            Err(e) if std::time::Instant::now() >= deadline => {
                panic!("`{condition}` did not hold: {e}")
            }
            Err(_) => continue,
        }
    }
}

/// Runs `f` with a page of headless Chromium, or answers false when there is no browser.
fn with_browser(f: impl FnOnce(&marsad_testkit::browser::Page<'_>)) -> bool {
    let Some(browser) =
        marsad_testkit::browser::Browser::launch().unwrap_or_else(|e| panic!("{e}"))
    else {
        println!("skipped: no browser found (install chromium or set MARSAD_CHROMIUM)");
        return false;
    };
    let page = browser.new_page().unwrap();
    f(&page);
    true
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_browser_sign_in_upload_correct_review_and_open_a_file() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    // A reviewer of the observatory and a pair to review, on records already there.
    let r = app
        .upload(SOURCE, "first.csv", person_csv(&good_rows()).into_bytes())
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let numbers = number(&app, &["P-001"]).await;
    app.login_as("rev", "observatoire", "observatory", &["reviewer"])
        .await;
    let review = app
        .with_store(|s| {
            let source = s.source(SOURCE).unwrap().unwrap().id;
            let key = |id: &str| RecordKey::new(source, "person", id);
            s.add_review(
                &key("P-002"),
                &key("P-003"),
                1.5,
                r#"{"score": 1.5, "prior": -6.0, "terms": {"given_name": {"level": 2, "weight": -2.0}}}"#,
                now(),
            )
            .unwrap()
            .0
        })
        .await;
    let port = app.base.rsplit(':').next().unwrap().to_string();
    let origin = format!("http://localhost:{port}");
    let mut rows = good_rows();
    rows.push(BAD_ROW);
    let csv = person_csv(&rows);
    let number0 = numbers[0].clone();
    let ran = tokio::task::spawn_blocking(move || {
        with_browser(|page| {
            let wait = Duration::from_secs(30);
            let sign_in = |login: &str, lang: &str, next: &str| {
                page.navigate(&format!("{origin}/signin?lang={lang}&next={next}")).unwrap();
                settle(page, "document.body.dataset.state === 'signed-out'", wait);
                page.eval(&format!(
                    "document.getElementById('login').value = '{login}'; \
                     document.getElementById('password').value = '{PASSWORD}'; \
                     setTimeout(() => document.getElementById('sign-in').click(), 0); true"
                ))
                .unwrap();
            };
            // Sign in through the page: to the page asked for.
            sign_in("officer", "ar", "%2Far%2Fwork%2F");
            settle(page, "location.pathname === '/ar/work/' && document.readyState === 'complete'", wait);
            let dir = page.eval("document.documentElement.dir").unwrap();
            assert_eq!(dir, "rtl");

            // Upload a file and watch its report appear.
            page.navigate(&format!("{origin}/ar/work/upload/{SOURCE}")).unwrap();
            settle(page, "document.readyState === 'complete'", wait);
            let set_file = format!(
                "(() => {{ const dt = new DataTransfer(); \
                   dt.items.add(new File([{}], 'second.csv', {{type: 'text/csv'}})); \
                   const input = document.getElementById('file'); input.files = dt.files; \
                   document.querySelector('#upload button[type=submit]').click(); return true; }})()",
                serde_json::to_string(&csv).unwrap()
            );
            page.eval(&set_file).unwrap();
            settle(page, "document.body.dataset.upload === 'done'", wait);
            let shown = page
                .eval("document.querySelector('#upload-result #report #rejected').textContent.trim()")
                .unwrap();
            assert_eq!(shown, "1");
            let progress = page.eval("document.getElementById('upload-progress').value").unwrap();
            assert_eq!(progress, 100);

            // Correct the quarantined row in place and resubmit it.
            page.navigate(&format!("{origin}/ar/work/quarantine/")).unwrap();
            settle(page, "document.readyState === 'complete'", wait);
            page.eval("setTimeout(() => document.querySelector('table.quarantine a[href*=\"/work/quarantine/\"]').click(), 0); true").unwrap();
            settle(page, "!!document.getElementById('f-sex') && document.readyState === 'complete'", wait);
            page.eval("document.getElementById('f-sex').value = 'F'; setTimeout(() => document.querySelector('button[value=resubmit]').click(), 0); true").unwrap();
            settle(page, "location.pathname.includes('/ar/work/imports/') && !!document.getElementById('accepted')", wait);
            let accepted = page.eval("document.getElementById('accepted').textContent.trim()").unwrap();
            assert_eq!(accepted, "1");

            // Open a person's file from a search by name.
            page.navigate(&format!("{origin}/en/work/persons/")).unwrap();
            settle(page, "document.readyState === 'complete'", wait);
            page.eval("document.getElementById('q').value = 'Amina'; setTimeout(() => document.querySelector('form.search button').click(), 0); true").unwrap();
            settle(page, "!!document.getElementById('results') && document.readyState === 'complete'", wait);
            page.eval("setTimeout(() => document.querySelector('#results a').click(), 0); true").unwrap();
            settle(page, "!!document.getElementById('person-number') && document.readyState === 'complete'", wait);
            let shown = page.eval("document.getElementById('person-number').textContent").unwrap();
            let spaced = format!("{} {} {}", &number0[..4], &number0[4..8], &number0[8..]);
            assert!(shown.as_str().unwrap().contains(&spaced), "{shown}");
            let records = page.eval("document.getElementById('records').textContent").unwrap();
            assert!(records.as_str().unwrap().contains("Amina"), "{records}");

            // Sign out from the workspace's bar, then in as the reviewer; review the match.
            page.eval("setTimeout(() => document.querySelector('nav.workbar form button').click(), 0); true").unwrap();
            settle(page, "location.pathname === '/en/' && document.readyState === 'complete'", wait);
            sign_in("rev", "fr", &format!("%2Ffr%2Fwork%2Freviews%2F{review}"));
            settle(page, &format!("location.pathname === '/fr/work/reviews/{review}' && !!document.getElementById('reject')"), wait);
            let bars = page.eval("document.querySelectorAll('#weights meter').length").unwrap();
            assert_eq!(bars, 1);
            page.eval("setTimeout(() => document.getElementById('reject').click(), 0); true").unwrap();
            settle(page, "document.getElementById('review-status') && document.getElementById('review-status').dataset.status === 'rejected'", wait);
        })
    })
    .await
    .unwrap();
    if ran {
        let status = app
            .with_store(move |s| s.review(marsad_store::ReviewId(review)).unwrap().status)
            .await;
        assert_eq!(status.as_str(), "rejected");
        let open: Value = app
            .get("/api/v1/quarantine?status=open")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(open["entries"], serde_json::json!([]));
    }
    app.stop().await;
}

/// A PNG image of `width` × `height` pixels.
fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn a_case_worker_sees_the_dossiers_and_attachments_of_a_person_in_the_file() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    let (person, number) = {
        let n = UnifiedNumber::generate(&mut || 0x5eed_1234_5678_9abc);
        (PersonNumber(n.as_u64()), n.digits())
    };
    app.with_store(move |s| s.create_person(person, "test", now()).unwrap())
        .await;
    let s = session(&app, "cw", "social", "ministry", &["case_worker"]).await;
    let api = s.client(true);
    let r = api
        .post(app.url(&format!("/api/v1/persons/{number}/dossiers")))
        .json(&serde_json::json!({ "title": "Accompagnement · مرافقة" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let dossier: Value = r.json().await.unwrap();
    let dossier = dossier["id"].as_i64().unwrap();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(png(64, 48)).file_name("passeport.png"),
    );
    let r = api
        .post(app.url(&format!("/api/v1/dossiers/{dossier}/attachments")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let attachment: Value = r.json().await.unwrap();
    let href = attachment["href"].as_str().unwrap().to_string();
    let thumbnail = attachment["thumbnail"].as_str().unwrap().to_string();

    let browser = s.client(false);
    for lang in Lang::ALL {
        let path = format!("/{}/work/persons/{number}", lang.as_str());
        let (status, html) = page(&browser, &app, &path).await;
        assert_eq!(status, StatusCode::OK, "{html}");
        let dir = if lang == Lang::Ar { "rtl" } else { "ltr" };
        assert!(html.contains(&format!("<html lang=\"{}\" dir=\"{dir}\">", lang.as_str())));
        let title = catalog().tr(lang).t_with(
            "work-file-title",
            &[(
                "number",
                marsad_portal::i18n::Arg::Str(&format!(
                    "{} {} {}",
                    &number[..4],
                    &number[4..8],
                    &number[8..]
                )),
            )],
        );
        assert!(
            html.contains(&format!("<h1>{title}</h1>")),
            "{title}\n{html}"
        );
        for expected in [
            "Accompagnement · مرافقة",
            "passeport.png",
            &format!("href=\"{href}\""),
            &format!("src=\"{thumbnail}\""),
        ] {
            assert!(html.contains(expected), "{expected} missing in\n{html}");
        }
        assert!(html.contains(&t(lang, "work-nothing-in-scope")));
    }
    // The links the page gives work for the same session.
    for link in [&href, &thumbnail] {
        let r = browser.get(app.url(link)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{link}");
    }
    // Reading the dossiers through the page is on the trail, like through the API.
    let n = number.clone();
    let entries = app
        .with_store(move |s| s.audit_by_object("person", &n, 100).unwrap())
        .await;
    assert!(
        entries.iter().any(|e| e.action.starts_with("dossier.list")),
        "{entries:?}"
    );
    // The border police's officer is told the dossiers are not within their scope.
    let officer = session(
        &app,
        "officer",
        "border-police",
        "border_police",
        &["officer"],
    )
    .await;
    let (status, html) = page(
        &officer.client(false),
        &app,
        &format!("/en/work/persons/{number}"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!html.contains("passeport.png"));
    assert!(html.contains(&t(Lang::En, "work-not-in-scope")));
    app.stop().await;
}

#[tokio::test]
async fn a_purpose_stated_in_the_search_form_is_kept_and_recorded() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    // Persons recorded by the anti-trafficking authority itself.
    app.with_store(|s| {
        s.ensure_institution(&marsad_store::NewInstitution {
            name: "inpt",
            title: "inpt",
            kind: "anti_trafficking",
            created_at: now(),
        })
        .unwrap();
        s.add_source("inpt-persons", Some("inpt"), now()).unwrap();
    })
    .await;
    let officer = session(
        &app,
        "inpt-data",
        "inpt",
        "anti_trafficking",
        &["data_officer"],
    )
    .await;
    let csv = person_csv(&good_rows()).replace(SOURCE, "inpt-persons");
    let r = crate::support::upload_with(
        &officer.client(true),
        &app.base,
        "inpt-persons",
        "p.csv",
        csv.into_bytes(),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let s = session(
        &app,
        "victims",
        "inpt",
        "anti_trafficking",
        &["case_worker"],
    )
    .await;
    let browser = s.client(false);
    let (status, html) = page(
        &browser,
        &app,
        "/fr/work/persons/search?q=Amina&purpose=suivi+du+cas+42",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Benali"), "{html}");
    // The purpose is kept in the form for the next search.
    assert!(html.contains("value=\"suivi du cas 42\""), "{html}");
    // The reading is on the trail with its purpose.
    let purposes = app
        .with_store(|s| {
            s.audit_entries(0, 1000)
                .unwrap()
                .into_iter()
                .filter(|e| e.action.starts_with("search person"))
                .filter_map(|e| e.purpose)
                .collect::<Vec<_>>()
        })
        .await;
    assert_eq!(purposes, vec!["suivi du cas 42".to_string()]);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_browser_sign_in_with_password_and_second_factor_goes_to_the_page_asked_for() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
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
    let code = |later: i64| {
        marsad_auth::TotpConfig::DEFAULT
            .code(&secret, now() + chrono::Duration::seconds(later))
            .unwrap()
            .expose()
            .clone()
    };
    let r = nadia
        .post(app.url("/api/v1/auth/totp/confirm"))
        .json(&serde_json::json!({ "secret": text, "code": code(0) }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let next_code = code(30);
    let port = app.base.rsplit(':').next().unwrap().to_string();
    let origin = format!("http://localhost:{port}");
    tokio::task::spawn_blocking(move || {
        with_browser(|page| {
            let wait = Duration::from_secs(30);
            page.navigate(&format!("{origin}/en/work/imports/"))
                .unwrap();
            // Not signed in: the sign-in page in English, back to the imports afterwards.
            settle(page, "document.body.dataset.state === 'signed-out'", wait);
            let lang = page.eval("document.documentElement.lang").unwrap();
            assert_eq!(lang, "en");
            page.eval(&format!(
                "document.getElementById('login').value = 'nadia'; \
                 document.getElementById('password').value = '{PASSWORD}'; \
                 setTimeout(() => document.getElementById('sign-in').click(), 0); true"
            ))
            .unwrap();
            settle(
                page,
                "!document.getElementById('totp-step').classList.contains('hidden')",
                wait,
            );
            page.eval(&format!(
                "document.getElementById('code').value = '{next_code}'; \
                 setTimeout(() => document.getElementById('send-code').click(), 0); true"
            ))
            .unwrap();
            settle(
                page,
                "location.pathname === '/en/work/imports/' && document.readyState === 'complete'",
                wait,
            );
            let title = page
                .eval("document.querySelector('h1').textContent")
                .unwrap();
            assert_eq!(title, t(Lang::En, "work-imports"));
        })
    })
    .await
    .unwrap();
    app.stop().await;
}

#[tokio::test]
async fn an_administrator_disables_an_account_and_revokes_a_token_through_the_page() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    let s = session(&app, "root", "observatoire", "observatory", &["admin"]).await;
    let r = s
        .client(true)
        .post(app.url("/api/v1/tokens"))
        .json(
            &serde_json::json!({ "institution": "border-police", "actions": "submit", "days": 30 }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let token: Value = r.json().await.unwrap();
    let token_id = token["token"]["id"].as_str().unwrap().to_string();
    let officer = app
        .with_store(|s| s.user_by_login("officer").unwrap().unwrap().id.0)
        .await;
    let browser = s.client(false);
    let (_, html) = page(&browser, &app, "/en/work/admin/").await;
    assert!(html.contains(&format!("id=\"user-{officer}\"")), "{html}");
    assert!(html.contains(&format!("id=\"token-{token_id}\"")), "{html}");
    // Without the token: refused.
    let r = browser
        .post(app.url(&format!("/en/work/admin/users/{officer}")))
        .form_body(&[("disabled", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = browser
        .post(app.url(&format!("/en/work/admin/users/{officer}")))
        .form_body(&[("disabled", "true"), ("csrf", s.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = browser
        .post(app.url(&format!("/en/work/admin/tokens/{token_id}")))
        .form_body(&[("csrf", s.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (disabled, revoked) = app
        .with_store(move |s| {
            (
                s.user_by_login("officer").unwrap().unwrap().disabled,
                s.token(&token_id).unwrap().unwrap().revoked_at.is_some(),
            )
        })
        .await;
    assert!(disabled && revoked);
    // The disabled officer's session no longer opens a page.
    let r = app.get("/api/v1/auth/me").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // An officer who only reads cannot administer, whatever the form says.
    let plain = session(
        &app,
        "plain",
        "border-police",
        "border_police",
        &["officer"],
    )
    .await;
    let r = plain
        .client(false)
        .post(app.url(&format!("/fr/work/admin/users/{officer}")))
        .form_body(&[("disabled", "false"), ("csrf", plain.csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn a_data_officer_sees_the_imports_of_their_own_institution_only() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    app.with_store(|s| {
        s.ensure_institution(&marsad_store::NewInstitution {
            name: "consulate-paris",
            title: "consulate-paris",
            kind: "consulate",
            created_at: now(),
        })
        .unwrap();
        s.add_source("consulate-persons", Some("consulate-paris"), now())
            .unwrap();
    })
    .await;
    let r = app
        .upload(
            SOURCE,
            "border-file.csv",
            person_csv(&good_rows()).into_bytes(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let consul = session(
        &app,
        "consul",
        "consulate-paris",
        "consulate",
        &["data_officer"],
    )
    .await;
    let csv = person_csv(&good_rows()).replace(SOURCE, "consulate-persons");
    let r = crate::support::upload_with(
        &consul.client(true),
        &app.base,
        "consulate-persons",
        "consulate-file.csv",
        csv.into_bytes(),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let officer = session(
        &app,
        "officer",
        "border-police",
        "border_police",
        &["data_officer", "officer"],
    )
    .await;
    for (who, mine, theirs) in [
        (&officer, "border-file.csv", "consulate-file.csv"),
        (&consul, "consulate-file.csv", "border-file.csv"),
    ] {
        let (status, html) = page(&who.client(false), &app, "/en/work/imports/").await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains(mine), "{mine} missing");
        assert!(!html.contains(theirs), "{theirs} shown");
    }
    // Nor can one open the other's report or upload page.
    let (_, html) = page(&consul.client(false), &app, "/en/work/upload/").await;
    assert!(html.contains("consulate-persons") && !html.contains(&format!(">{SOURCE}<")));
    let (status, _) = page(
        &consul.client(false),
        &app,
        &format!("/en/work/upload/{SOURCE}"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.stop().await;
}

/// The research microdata workspace in three languages: a researcher requests through the form
/// (a mistake shown again with the field marked), the data-protection officer approves through
/// the page, the researcher finds the download; another university's researcher sees nothing.
#[tokio::test]
async fn research_microdata_pages() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, SOURCE).await;
    app.with_store(|s| crate::microdata::population(s)).await;
    let researcher = session(
        &app,
        "rania",
        "university-tunis",
        "research",
        &["researcher"],
    )
    .await;
    let dpo = session(&app, "dpo", "observatoire", "observatory", &["dpo"]).await;
    let stranger = session(&app, "sami", "university-sfax", "research", &["researcher"]).await;
    for lang in Lang::ALL {
        let path = format!("/{}/work/microdata/", lang.as_str());
        let (status, html) = page(&researcher.client(false), &app, &path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_page(&html, lang, "work-microdata", &path);
        assert!(html.contains("name=\"purpose\""), "{path}: no request form");
        let (_, home) = page(
            &researcher.client(false),
            &app,
            &format!("/{}/work/", lang.as_str()),
        )
        .await;
        assert!(
            home.contains("work/microdata/"),
            "{lang:?}: the home does not link to it"
        );
    }
    let fields = |first_year: &'static str| -> Vec<(&'static str, String)> {
        [
            ("purpose", "trajectories of workers placed abroad"),
            ("project", "UNI-2025-07"),
            ("kinds", "labour_placement"),
            ("first_year", first_year),
            ("last_year", "2023"),
            ("variables", "sex, age_group, destination, placements"),
            ("k", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .chain([("csrf", researcher.csrf.clone())])
        .collect()
    };
    // a mistake: the page again, the field marked
    let r = researcher
        .client(false)
        .post(app.url("/fr/work/microdata/"))
        .form_body(&fields("deux mille"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(html.contains("name=\"first_year\" type=\"number\" required value=\"deux mille\" aria-invalid=\"true\""), "{html}");
    let r = researcher
        .client(false)
        .post(app.url("/fr/work/microdata/"))
        .form_body(&fields("2023"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()[LOCATION].to_str().unwrap().to_string();
    let id: i64 = to.rsplit("#request-").next().unwrap().parse().unwrap();
    // the DPO approves through the page
    let (_, html) = page(&dpo.client(false), &app, "/ar/work/microdata/").await;
    assert!(
        html.contains(&format!("/ar/work/microdata/{id}")),
        "no decision form: {html}"
    );
    let r = dpo
        .client(false)
        .post(app.url(&format!("/ar/work/microdata/{id}")))
        .form_body(&[
            ("decision", "approve"),
            ("reasons", ""),
            ("csrf", dpo.csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // approved at once, built in the background: the page shows where it stands
    let (_, html) = page(&dpo.client(false), &app, "/en/work/microdata/").await;
    assert!(
        html.contains("Approved: the extract") || html.contains("· released</h2>"),
        "neither being built nor released: {html}"
    );
    let done = crate::microdata::settled(
        &researcher.client(false),
        &app.url(&format!("/api/v1/microdata/requests/{id}")),
    )
    .await;
    assert_eq!(done["status"], "released", "{done}");
    let (_, html) = page(&researcher.client(false), &app, "/en/work/microdata/").await;
    assert!(
        html.contains(&format!("/api/v1/microdata/requests/{id}/extract")),
        "no download: {html}"
    );
    let (_, html) = page(&stranger.client(false), &app, "/en/work/microdata/").await;
    assert!(
        !html.contains("UNI-2025-07"),
        "another university sees the request"
    );
    app.stop().await;
}

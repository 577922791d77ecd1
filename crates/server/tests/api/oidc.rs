//! OpenID Connect sign-in against a provider started in the test (discovery, keys, an
//! authorization endpoint that signs in a chosen person, a token endpoint that checks the PKCE
//! verifier and the client secret and signs an ES256 ID token): the whole redirect dance through
//! the real server; then every way it must fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use data_encoding::BASE64URL_NOPAD;
use p256::ecdsa::signature::Signer as _;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Digest as _;

use crate::support::{now, TestApp};

#[derive(Default)]
struct Idp {
    base: String,
    /// The login the provider signs in next (its `preferred_username`).
    person: String,
    /// Sign with a key that is not published.
    rogue: bool,
    codes: HashMap<String, (String, String, String)>,
}

type Shared = Arc<Mutex<Idp>>;

fn key(seed: u8) -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap()
}

async fn discovery(State(idp): State<Shared>) -> Json<Value> {
    let base = idp.lock().unwrap().base.clone();
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
    }))
}

async fn jwks() -> Json<Value> {
    let point = key(7).verifying_key().to_sec1_point(false);
    let xy = point.as_bytes();
    Json(json!({"keys": [{
        "kty": "EC", "crv": "P-256", "kid": "k1", "use": "sig", "alg": "ES256",
        "x": BASE64URL_NOPAD.encode(&xy[1..33]), "y": BASE64URL_NOPAD.encode(&xy[33..]),
    }]}))
}

async fn authorize(
    State(idp): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "marsad");
    assert_eq!(q["code_challenge_method"], "S256");
    assert!(q["scope"].split(' ').any(|s| s == "openid"));
    let mut idp = idp.lock().unwrap();
    let code = format!("code-{}", idp.codes.len());
    let person = idp.person.clone();
    idp.codes.insert(
        code.clone(),
        (q["nonce"].clone(), q["code_challenge"].clone(), person),
    );
    Redirect::to(&format!(
        "{}?code={code}&state={}",
        q["redirect_uri"], q["state"]
    ))
}

async fn token(
    State(idp): State<Shared>,
    Form(f): Form<HashMap<String, String>>,
) -> axum::response::Response {
    let mut idp = idp.lock().unwrap();
    let Some((nonce, challenge, person)) = idp.codes.remove(&f["code"]) else {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    };
    assert_eq!(f["grant_type"], "authorization_code");
    assert_eq!(f["client_secret"], "s3cret");
    let verifier = BASE64URL_NOPAD.encode(&sha2::Sha256::digest(f["code_verifier"].as_bytes()));
    if verifier != challenge {
        return (
            axum::http::StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    }
    let header = json!({"alg": "ES256", "kid": if idp.rogue { "k2" } else { "k1" }});
    let claims = json!({
        "iss": idp.base, "aud": "marsad", "sub": format!("TN-{person}"),
        "exp": now().timestamp() + 300, "iat": now().timestamp(), "nonce": nonce,
        "preferred_username": person,
    });
    let h = BASE64URL_NOPAD.encode(header.to_string().as_bytes());
    let p = BASE64URL_NOPAD.encode(claims.to_string().as_bytes());
    let signer = key(if idp.rogue { 9 } else { 7 });
    let sig: p256::ecdsa::Signature = signer.sign(format!("{h}.{p}").as_bytes());
    let id_token = format!("{h}.{p}.{}", BASE64URL_NOPAD.encode(&sig.to_bytes()));
    Json(json!({"id_token": id_token, "access_token": "at", "token_type": "Bearer"}))
        .into_response()
}

async fn start_idp() -> Shared {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let idp: Shared = Arc::new(Mutex::new(Idp {
        base,
        ..Idp::default()
    }));
    let app = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/authorize", get(authorize))
        .route("/token", post(token))
        .with_state(idp.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    idp
}

/// Follows the sign-in as a browser would (without following the last redirect): answers the
/// callback's response.
async fn sign_in(app: &TestApp, browser: &reqwest::Client) -> reqwest::Response {
    let start = browser
        .get(app.url("/api/v1/auth/oidc/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), StatusCode::SEE_OTHER);
    let to_idp = start.headers()["location"].to_str().unwrap().to_string();
    let at_idp = browser.get(&to_idp).send().await.unwrap();
    assert_eq!(at_idp.status(), StatusCode::SEE_OTHER);
    let back = at_idp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        back.starts_with(&app.url("/api/v1/auth/oidc/callback?code=")),
        "{back}"
    );
    browser.get(&back).send().await.unwrap()
}

#[tokio::test]
async fn a_national_e_id_signs_in_an_existing_account() {
    let idp = start_idp().await;
    let issuer = idp.lock().unwrap().base.clone();
    let config = marsad_server::oidc::OidcConfig {
        issuer,
        client_id: "marsad".into(),
        client_secret: marsad_auth::Secret::new("s3cret".into()),
        login_claim: "preferred_username".into(),
        label: "e-ID".into(),
        allow_http: true,
    };
    let app = TestApp::start_with(
        None,
        marsad_server::DEFAULT_MAX_UPLOAD_BYTES,
        "src",
        Some(config),
    )
    .await;
    app.login_as("amina", "observatoire", "observatory", &["analyst"])
        .await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let info: Value = browser
        .get(app.url("/api/v1/auth/oidc"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info, json!({"enabled": true, "label": "e-ID"}));

    idp.lock().unwrap().person = "amina".into();
    let done = sign_in(&app, &browser).await;
    assert_eq!(
        done.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        done.text().await
    );
    assert_eq!(done.headers()["location"], "/signin");
    let cookie = done.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let me: Value = browser
        .get(app.url("/api/v1/auth/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["login"], "amina");
    assert_eq!(me["second_factor_required"], false);

    // A person the provider knows but marsad does not: no account is made for them.
    idp.lock().unwrap().person = "stranger".into();
    let r = sign_in(&app, &browser).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let problem: Value = r.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("no active marsad account"),
        "{problem}"
    );

    // A token signed with a key the provider does not publish.
    idp.lock().unwrap().person = "amina".into();
    idp.lock().unwrap().rogue = true;
    let r = sign_in(&app, &browser).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let problem: Value = r.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("no published key"),
        "{problem}"
    );
    idp.lock().unwrap().rogue = false;

    // A callback with a state this server never issued (or already used).
    let r = browser
        .get(app.url("/api/v1/auth/oidc/callback?code=code-0&state=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // The sign-ins are on the audit trail: one success, two refusals.
    let (ok, denied) = app
        .with_store(|s| {
            let e = s.audit_entries(0, 1000).unwrap();
            (
                e.iter()
                    .filter(|e| {
                        e.action == "auth.login (e-ID)"
                            && e.outcome == marsad_auth::Outcome::Success
                    })
                    .count(),
                e.iter()
                    .filter(|e| {
                        e.action.starts_with("auth.login (e-ID")
                            && e.outcome == marsad_auth::Outcome::Denied
                    })
                    .count(),
            )
        })
        .await;
    assert_eq!((ok, denied), (1, 2));
    app.stop().await;
}

#[tokio::test]
async fn without_a_provider_e_id_is_off() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, "src").await;
    let info: Value = app
        .anonymous
        .get(app.url("/api/v1/auth/oidc"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["enabled"], false);
    let r = app
        .anonymous
        .get(app.url("/api/v1/auth/oidc/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

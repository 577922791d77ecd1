//! End to end: marsad's WebAuthn verifier (`marsad_auth::webauthn`) against a real browser.
//!
//! A tiny HTTP server on `127.0.0.1:0` serves one page at `http://localhost:PORT/` (a secure
//! context, rp id `localhost`) and the two JSON endpoint pairs a server would have
//! (`/register/options` + `/register/finish`, `/login/options` + `/login/finish`). Headless
//! Chromium with a virtual authenticator registers a passkey, logs in with it twice (once with
//! hand-encoded JSON, once with the browser's own `toJSON()`), and then posts an assertion whose
//! signature was changed by one bit, which must be refused. Skipped when no browser is installed,
//! unless `MARSAD_REQUIRE_BROWSER=1`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use marsad_auth::webauthn::{
    finish_authentication, finish_registration, generate_user_handle, start_authentication,
    start_registration, AuthenticationResponse, AuthenticationState, Passkey, RegistrationResponse,
    RegistrationState, RelyingParty,
};
use marsad_testkit::browser::{credentials, enable_virtual_authenticator, Browser};
use rand_chacha::rand_core::SeedableRng as _;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};

/// The server side: what a real server keeps in its database, here in memory. Ceremony states
/// are kept as JSON text, as a server would store them between the two requests.
struct App {
    rp: RelyingParty,
    rng: ChaCha20Rng,
    user_handle: Vec<u8>,
    registration: Option<String>,
    authentication: Option<String>,
    passkeys: Vec<Passkey>,
}

type Shared = Arc<Mutex<App>>;

fn handle(app: &Shared, method: &str, path: &str, body: &[u8]) -> (u16, &'static str, String) {
    let mut app = app.lock().unwrap();
    let app = &mut *app;
    let json = |status: u16, value: Value| (status, "application/json", value.to_string());
    let refuse = |error: String| json(400, json!({ "error": error }));
    match (method, path) {
        ("GET", "/") => (200, "text/html; charset=utf-8", PAGE.to_owned()),
        ("POST", "/register/options") => {
            let (options, state) = start_registration(
                &app.rp,
                &app.user_handle,
                "amina.benali",
                "أمينة بن علي",
                &app.passkeys,
                &mut app.rng,
            )
            .unwrap();
            app.registration = Some(serde_json::to_string(&state).unwrap());
            json(200, serde_json::to_value(&options).unwrap())
        }
        ("POST", "/register/finish") => {
            // A state is used once, whatever the outcome.
            let Some(state) = app.registration.take() else {
                return refuse("no registration in progress".to_owned());
            };
            let state: RegistrationState = serde_json::from_str(&state).unwrap();
            let response: RegistrationResponse = match serde_json::from_slice(body) {
                Ok(r) => r,
                Err(e) => return refuse(format!("bad JSON: {e}")),
            };
            match finish_registration(&app.rp, &state, &response) {
                Ok(passkey) => {
                    if app
                        .passkeys
                        .iter()
                        .any(|p| p.credential_id == passkey.credential_id)
                    {
                        return refuse("credential already registered".to_owned());
                    }
                    let answer = json!({ "ok": true, "signCount": passkey.sign_count });
                    app.passkeys.push(passkey);
                    json(200, answer)
                }
                Err(e) => refuse(e.to_string()),
            }
        }
        ("POST", "/login/options") => {
            // A login without a user name: the browser offers the passkeys it has.
            let (options, state) = start_authentication(&app.rp, &[], &mut app.rng);
            app.authentication = Some(serde_json::to_string(&state).unwrap());
            json(200, serde_json::to_value(&options).unwrap())
        }
        ("POST", "/login/finish") => {
            let Some(state) = app.authentication.take() else {
                return refuse("no login in progress".to_owned());
            };
            let state: AuthenticationState = serde_json::from_str(&state).unwrap();
            let response: AuthenticationResponse = match serde_json::from_slice(body) {
                Ok(r) => r,
                Err(e) => return refuse(format!("bad JSON: {e}")),
            };
            let Ok(id) = response.credential_id() else {
                return refuse("bad credential id".to_owned());
            };
            let Some(passkey) = app.passkeys.iter_mut().find(|p| p.credential_id == id) else {
                return refuse("unknown credential".to_owned());
            };
            match finish_authentication(&app.rp, &state, &response, passkey) {
                Ok(result) => {
                    passkey.record_use(&result);
                    json(
                        200,
                        json!({ "ok": true, "signCount": result.new_sign_count,
                                "userVerified": result.user_verified }),
                    )
                }
                Err(e) => refuse(e.to_string()),
            }
        }
        _ => (404, "text/plain", "not found".to_owned()),
    }
}

/// Serves one HTTP/1.1 request per connection (`Connection: close`), each on its own thread so
/// an idle connection the browser opens ahead of time blocks nothing.
fn serve(listener: TcpListener, app: Shared) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let app = Arc::clone(&app);
        std::thread::spawn(move || {
            let _ = serve_one(stream, &app);
        });
    }
}

fn serve_one(stream: TcpStream, app: &Shared) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut parts = request_line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_owned(),
        parts.next().unwrap_or("").to_owned(),
    );
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length.min(1 << 20)];
    reader.read_exact(&mut body)?;
    let (status, content_type, text) = handle(app, &method, &path, &body);
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status} X\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
         cache-control: no-store\r\nconnection: close\r\n\r\n{text}",
        text.len()
    )?;
    stream.flush()
}

/// The page: base64url helpers, and `register()` / `login(mode)` that run a ceremony against the
/// endpoints and resolve to `{status, body}` of the finishing request.
const PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>marsad passkeys</title></head>
<body><p>passkey test page</p><script>
const enc = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf)))
  .replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const dec = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), c => c.charCodeAt(0));
async function post(path, body) {
  const r = await fetch(path, {method: 'POST', headers: {'content-type': 'application/json'},
                                body: JSON.stringify(body)});
  return {status: r.status, body: await r.json()};
}
async function register() {
  const o = (await post('/register/options', {})).body;
  const publicKey = {...o, challenge: dec(o.challenge), user: {...o.user, id: dec(o.user.id)},
    excludeCredentials: o.excludeCredentials.map(c => ({...c, id: dec(c.id)}))};
  const c = await navigator.credentials.create({publicKey});
  return post('/register/finish', {id: c.id, rawId: enc(c.rawId), type: c.type,
    response: {clientDataJSON: enc(c.response.clientDataJSON),
               attestationObject: enc(c.response.attestationObject),
               transports: c.response.getTransports()}});
}
// mode: 'manual' (hand-encoded), 'json' (the browser's parse…FromJSON and toJSON), 'tamper'
// (hand-encoded with the signature's last byte changed).
async function login(mode) {
  const o = (await post('/login/options', {})).body;
  if (mode === 'json') {
    const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(o);
    const c = await navigator.credentials.get({publicKey});
    return post('/login/finish', c.toJSON());
  }
  const publicKey = {...o, challenge: dec(o.challenge),
    allowCredentials: o.allowCredentials.map(c => ({...c, id: dec(c.id)}))};
  const c = await navigator.credentials.get({publicKey});
  const signature = new Uint8Array(c.response.signature);
  if (mode === 'tamper') signature[signature.length - 1] ^= 1;
  return post('/login/finish', {id: c.id, rawId: enc(c.rawId), type: c.type,
    response: {clientDataJSON: enc(c.response.clientDataJSON),
               authenticatorData: enc(c.response.authenticatorData),
               signature: enc(signature),
               userHandle: c.response.userHandle ? enc(c.response.userHandle) : null}});
}
</script></body></html>
"#;

#[test]
fn a_passkey_registers_and_logs_in_from_a_real_browser() {
    let Some(browser) = Browser::launch().unwrap_or_else(|e| panic!("{e}")) else {
        println!("skipped: no browser found (set MARSAD_CHROMIUM or install chromium)");
        return;
    };
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let origin = format!("http://localhost:{port}");
    let mut rng = ChaCha20Rng::seed_from_u64(2024);
    let app: Shared = Arc::new(Mutex::new(App {
        rp: RelyingParty::new("localhost", "marsad", vec![origin.clone()]),
        user_handle: generate_user_handle(&mut rng),
        rng,
        registration: None,
        authentication: None,
        passkeys: Vec::new(),
    }));
    let server_app = Arc::clone(&app);
    std::thread::spawn(move || serve(listener, server_app));

    let page = browser.new_page().unwrap();
    page.navigate(&format!("{origin}/")).unwrap();
    let authenticator = enable_virtual_authenticator(&page).unwrap();

    // Registration.
    let answer = page.eval("register()").unwrap();
    assert_eq!(answer["status"], 200, "registration refused: {answer}");
    let registered = app.lock().unwrap().passkeys.clone();
    assert_eq!(registered.len(), 1);
    let passkey = &registered[0];
    assert_eq!(passkey.user_handle, app.lock().unwrap().user_handle);
    assert_eq!(passkey.algorithm, marsad_auth::webauthn::ES256);
    assert!(passkey.user_verified);
    assert_eq!(passkey.transports, ["internal"]);
    let held = credentials(&page, &authenticator).unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["rpId"], "localhost");
    assert_eq!(
        data_encoding::BASE64.encode(&passkey.credential_id),
        held[0]["credentialId"].as_str().unwrap()
    );

    // Two logins: the counter moves forward and the server keeps what the authenticator has.
    let mut last = passkey.sign_count;
    for mode in ["manual", "json"] {
        let answer = page.eval(&format!("login('{mode}')")).unwrap();
        assert_eq!(answer["status"], 200, "{mode} login refused: {answer}");
        assert_eq!(answer["body"]["userVerified"], true);
        let stored = app.lock().unwrap().passkeys[0].sign_count;
        assert!(stored > last, "{mode}: counter {last} -> {stored}");
        let held = credentials(&page, &authenticator).unwrap();
        assert_eq!(held[0]["signCount"], stored, "{mode}");
        last = stored;
    }

    // A signature changed by one bit is refused, and nothing is recorded.
    let answer = page.eval("login('tamper')").unwrap();
    assert_eq!(answer["status"], 400, "{answer}");
    assert_eq!(
        answer["body"]["error"],
        "the signature does not verify with the credential's public key"
    );
    assert_eq!(app.lock().unwrap().passkeys[0].sign_count, last);

    // A second registration on the same authenticator is refused by the browser itself
    // (excludeCredentials), before the server sees anything.
    let error = page.eval("register()").unwrap_err();
    assert!(error.to_string().contains("InvalidStateError"), "{error}");
    assert_eq!(app.lock().unwrap().passkeys.len(), 1);
}

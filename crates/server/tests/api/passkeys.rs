//! Passkeys end to end: Debian's Chromium, headless, with a virtual authenticator (Chrome
//! DevTools Protocol `WebAuthn.addVirtualAuthenticator`), on the server's own sign-in page:
//! sign in with a password, register a passkey, sign out, sign in with the passkey; a tampered
//! assertion is refused. Skipped when no browser is installed, unless `MARSAD_REQUIRE_BROWSER=1`
//! (the test script sets it).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use crate::support::TestApp;
use marsad_testkit::browser::{credentials, enable_virtual_authenticator, Browser};

/// A sign-in ceremony run by hand in the page, with the signature's last bit flipped.
const TAMPERED: &str = r#"(async () => {
  const start = await call('POST', '/api/v1/auth/passkeys/login/start', {});
  const o = start.options;
  const c = await navigator.credentials.get({publicKey: {...o, challenge: dec(o.challenge), allowCredentials: []}});
  const sig = new Uint8Array(c.response.signature); sig[sig.length - 1] ^= 1;
  const r = await fetch('/api/v1/auth/passkeys/login/finish', {method: 'POST', headers: {'content-type': 'application/json'},
    body: JSON.stringify({ceremony: start.ceremony, credential: {id: c.id, rawId: enc(c.rawId), type: c.type,
      response: {clientDataJSON: enc(c.response.clientDataJSON), authenticatorData: enc(c.response.authenticatorData),
      signature: enc(sig), userHandle: c.response.userHandle ? enc(c.response.userHandle) : null}}})});
  return {status: r.status, body: await r.json()};
})()"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passkey_is_registered_and_signs_in_from_a_real_browser() {
    let app = TestApp::start(None, marsad_server::DEFAULT_MAX_UPLOAD_BYTES, "src").await;
    app.login_as("amina", "observatoire", "observatory", &["analyst"])
        .await;
    let port = app.base.rsplit(':').next().unwrap().to_string();
    let origin = format!("http://localhost:{port}");
    let outcome = tokio::task::spawn_blocking(move || {
        let Some(browser) = Browser::launch().unwrap_or_else(|e| panic!("{e}")) else {
            println!("skipped: no browser found (install chromium or set MARSAD_CHROMIUM)");
            return false;
        };
        let page = browser.new_page().unwrap();
        page.navigate(&format!("{origin}/signin")).unwrap();
        let authenticator = enable_virtual_authenticator(&page).unwrap();
        let wait = Duration::from_secs(20);
        page.wait_for("document.body.dataset.state === 'signed-out'", wait)
            .unwrap();

        // Password first (the only way to a first passkey).
        page.eval(&format!(
            "document.getElementById('login').value = 'amina'; \
             document.getElementById('password').value = '{}'; passwordSignIn()",
            crate::support::PASSWORD
        ))
        .unwrap();
        page.wait_for("document.body.dataset.state === 'signed-in'", wait)
            .unwrap();

        // Register a passkey.
        let added = page
            .eval("document.getElementById('passkey-name').value = 'bureau · مكتب'; addPasskey()")
            .unwrap();
        assert_eq!(added["name"], "bureau · مكتب", "{added}");
        assert_eq!(credentials(&page, &authenticator).unwrap().len(), 1);
        let listed = page.eval("call('GET', '/api/v1/auth/passkeys')").unwrap();
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");

        // Sign out, then in with the passkey alone.
        page.eval("signOut()").unwrap();
        page.wait_for("document.body.dataset.state === 'signed-out'", wait)
            .unwrap();
        let gone = page
            .eval("fetch('/api/v1/auth/me').then(r => r.status)")
            .unwrap();
        assert_eq!(gone, 401);
        let me = page.eval("passkeySignIn()").unwrap();
        assert_eq!(me["login"], "amina", "{me}");
        assert_eq!(me["second_factor_required"], false);
        let status = page
            .eval("fetch('/api/v1/records/person').then(r => r.status)")
            .unwrap();
        assert_eq!(status, 200, "a passkey session is a full session");

        // A signature changed by one bit is refused.
        page.eval("signOut()").unwrap();
        let tampered = page.eval(TAMPERED).unwrap();
        assert_eq!(tampered["status"], 401, "{tampered}");
        assert!(tampered["body"]["detail"]
            .as_str()
            .unwrap()
            .contains("signature"));
        true
    })
    .await
    .unwrap();
    if outcome {
        let (ok, denied, count) = app
            .with_store(move |s| {
                let entries = s.audit_entries(0, 1000).unwrap();
                let ok = entries
                    .iter()
                    .filter(|e| {
                        e.action == "auth.login (passkey)"
                            && e.outcome == marsad_auth::Outcome::Success
                    })
                    .count();
                let denied = entries
                    .iter()
                    .filter(|e| {
                        e.action == "auth.passkey-login"
                            && e.outcome == marsad_auth::Outcome::Denied
                    })
                    .count();
                let user = s.user_by_login("amina").unwrap().unwrap();
                (ok, denied, s.passkeys(user.id).unwrap().len())
            })
            .await;
        assert_eq!((ok, denied, count), (1, 1, 1));
    }
    app.stop().await;
}

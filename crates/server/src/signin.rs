//! The sign-in page: password and second factor, or a passkey; once signed in, the account with
//! its passkeys (add one, remove one) and sign-out. A portal page (`/{lang}/signin`) in Arabic
//! (right to left), French or English, drawn with the portal's layout and stylesheet; its script
//! is the static file `web/static/signin.js` (the page's policy allows no inline script).
//!
//! `GET /signin?lang=ar|fr|en&next=/path` is where pages send a reader who is not signed in: it
//! leads to `/{lang}/signin?next=...`. After signing in, the page goes to `next` (a path of
//! this site only) or, when it was opened for a language, to that language's workspace; opened
//! bare (`/signin`), it stays on the account (passkeys).

use axum::extract::Query;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect, Response};
use marsad_model::Lang;
use marsad_portal::page::{document, encode_component, Section};
use maud::html;
use serde::Deserialize;

use crate::caller::Caller;
use crate::portal::{asset_url, chrome, page as portal_page, preferred_lang, PageLang};

#[derive(Debug, Deserialize)]
pub struct SigninQuery {
    lang: Option<String>,
    next: Option<String>,
}

/// `next` when it is a path of this site (not `//host`, no backslash, no scheme), else `None`.
pub(crate) fn local_path(next: Option<&str>) -> Option<&str> {
    let n = next?;
    (n.starts_with('/')
        && !n.starts_with("//")
        && !n.contains('\\')
        && !n.chars().any(char::is_control))
    .then_some(n)
}

/// `GET /signin`: to the sign-in page in the language asked for (or the browser's), keeping a
/// local `next`; opened for a language without `next`, that language's workspace is next.
pub async fn page(headers: HeaderMap, Query(q): Query<SigninQuery>) -> Response {
    let asked = q
        .lang
        .as_deref()
        .and_then(|l| Lang::parse(l).filter(|x| x.as_str() == l));
    let lang = asked.unwrap_or_else(|| {
        preferred_lang(
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or(""),
        )
    });
    let next = match (local_path(q.next.as_deref()), asked) {
        (Some(n), _) => Some(n.to_owned()),
        (None, Some(l)) => Some(format!("/{}/work/", l.as_str())),
        (None, None) => None,
    };
    let mut to = format!("/{}/signin", lang.as_str());
    if let Some(n) = next {
        to.push_str("?next=");
        to.push_str(&encode_component(&n));
    }
    Redirect::to(&to).into_response()
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /{lang}/signin`.
pub async fn lang_page(
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    Query(q): Query<NextQuery>,
) -> Response {
    let next = local_path(q.next.as_deref()).map(str::to_owned);
    let mut c = chrome(lang, &headers, &caller, "signin", Section::SignIn);
    c.query = next
        .as_deref()
        .map(|n| format!("next={}", encode_component(n)));
    c.script = Some(asset_url("signin.js"));
    let tr = c.tr();
    c.title = tr.t("signin-title");
    let workspace = c.href("work/");
    let body = html! {
        div #signin data-next=[next.as_deref()] data-workspace=(workspace)
            data-msg-failed=(tr.t("signin-failed")) data-msg-passkey-failed=(tr.t("signin-passkey-failed")) {
            section #password-step {
                label for="login" { (tr.t("signin-login")) }
                input #login autocomplete="username webauthn" dir="auto";
                label for="password" { (tr.t("signin-password")) }
                input #password type="password" autocomplete="current-password";
                p.actions {
                    button #sign-in type="button" { (tr.t("signin-submit")) }
                    button #passkey-sign-in type="button" { (tr.t("signin-passkey")) }
                }
                p #oidc .hidden { a #oidc-link href="/api/v1/auth/oidc/start" {} }
            }
            section #totp-step .hidden {
                label for="code" { (tr.t("signin-code")) }
                input #code inputmode="numeric" autocomplete="one-time-code" dir="ltr";
                p.actions { button #send-code type="button" { (tr.t("signin-confirm")) } }
            }
            section #account .hidden {
                p #who {}
                p { a #to-workspace href=(workspace) { (tr.t("signin-to-workspace")) } }
                h2 { (tr.t("signin-passkeys")) }
                ul #passkeys {}
                label for="passkey-name" { (tr.t("signin-passkey-name")) }
                input #passkey-name value="";
                p.actions {
                    button #add-passkey type="button" { (tr.t("signin-add-passkey")) }
                    button #sign-out type="button" { (tr.t("signin-sign-out")) }
                }
            }
            p #status role="status" {}
        }
    };
    let mut r = portal_page(document(&c, body));
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn next_is_a_local_path_only() {
        let cases = [
            (Some("/fr/work/"), Some("/fr/work/")),
            (Some("/ar/work/persons?q=a"), Some("/ar/work/persons?q=a")),
            (Some("//evil.example/"), None),
            (Some("https://evil.example/"), None),
            (Some("/\\evil.example"), None),
            (Some("work/"), None),
            (Some("/a\nb"), None),
            (None, None),
        ];
        for (given, want) in cases {
            assert_eq!(local_path(given), want, "{given:?}");
        }
    }
}

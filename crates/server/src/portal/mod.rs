//! The portal's pages under `/ar/`, `/fr/` and `/en/` (issue 8), drawn with `marsad-portal`
//! (translations, formats, the page layout) from the store and the published figures.
//!
//! - `GET /` sends the reader to the language their browser prefers (`Accept-Language`), Arabic
//!   when it names none of the three;
//! - `GET /{lang}/` is the home page, with the other public pages in [`public`];
//! - `GET /digits?set=arab|latn&back=PATH` keeps an Arabic reader's choice of digits in a cookie;
//! - `GET /static/{file}` serves the stylesheet and the script, named by their content's hash.
//!
//! Page routes sit in the server's one route table with their need like every other route.
//! An error on a page (the enforcement layer's 401/403, an unknown page or indicator) is
//! answered as a page in the reader's language by [`html_errors`], never as JSON: not signed in
//! on a workspace page leads to the sign-in page and back.

use axum::extract::{Path, Query, Request};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use marsad_model::Lang;
use marsad_portal::format::{Digits, Locale};
use marsad_portal::page::{document, Chrome, Reader, Section};
use maud::{html, Markup};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use std::sync::OnceLock;

pub(crate) mod complaints;
pub(crate) mod gcm;
pub(crate) mod public;
pub(crate) mod work;

use crate::caller::{cookie, Caller};
use crate::error::{ApiError, Code, Passthrough};

/// The cookie holding an Arabic reader's choice of digits.
pub const DIGITS_COOKIE: &str = "marsad_digits";

/// The stylesheet, compiled in.
const PORTAL_CSS: &str = include_str!("../../../../web/static/portal.css");
/// The workspaces' script (upload progress), compiled in.
const PORTAL_JS: &str = include_str!("../../../../web/static/portal.js");
/// The sign-in page's script, compiled in.
const SIGNIN_JS: &str = include_str!("../../../../web/static/signin.js");

/// A static file and its content hash (the first 16 hex digits of its SHA-256).
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
    hash: String,
}

fn assets() -> &'static [Asset] {
    static ASSETS: OnceLock<Vec<Asset>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        [
            ("portal.css", "text/css; charset=utf-8", PORTAL_CSS),
            ("portal.js", "text/javascript; charset=utf-8", PORTAL_JS),
            ("signin.js", "text/javascript; charset=utf-8", SIGNIN_JS),
        ]
        .into_iter()
        .map(|(name, content_type, body)| {
            let digest = Sha256::digest(body.as_bytes());
            let hash = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
            Asset {
                name,
                content_type,
                body,
                hash,
            }
        })
        .collect()
    })
}

/// `/static/{name}?v={hash}`: the URL a page links an asset by (changes with its content).
pub fn asset_url(name: &str) -> String {
    match assets().iter().find(|a| a.name == name) {
        Some(a) => format!("/static/{}?v={}", a.name, a.hash),
        None => format!("/static/{name}"),
    }
}

/// `GET /static/{file}`: cached for a year (the URL changes with the content).
pub async fn asset(Path(file): Path<String>) -> Response {
    match assets().iter().find(|a| a.name == file) {
        Some(a) => (
            [
                (header::CONTENT_TYPE, a.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            a.body,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "no such file").into_response(),
    }
}

/// The language of a page, from its first path segment; anything else is not a page.
#[derive(Debug, Clone, Copy)]
pub struct PageLang(pub Lang);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PageLang {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let first = parts
            .uri
            .path()
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("");
        match page_lang(first) {
            Some(lang) => Ok(PageLang(lang)),
            // Not under a language: not a page, so the API's own answer.
            None => Err(ApiError::new(
                Code::RouteNotFound,
                format!("there is nothing at {}", parts.uri.path()),
            )
            .into_response()),
        }
    }
}

/// The language a page path starts with: exactly `ar`, `fr` or `en`.
fn page_lang(segment: &str) -> Option<Lang> {
    Lang::parse(segment).filter(|l| l.as_str() == segment)
}

/// The reader's locale: the page's language and, in Arabic, the digits chosen.
pub fn locale(lang: Lang, headers: &HeaderMap) -> Locale {
    let digits = cookie(headers, DIGITS_COOKIE)
        .and_then(Digits::parse)
        .unwrap_or_default();
    Locale::new(lang).with_digits(digits)
}

/// The header's reader: the login and institution of a signed-in user (or token).
pub fn reader_of(caller: Option<&Caller>) -> Option<Reader> {
    let caller = caller?;
    caller.principal.as_ref()?;
    Some(Reader {
        name: caller.name.clone(),
        institution: caller.institution().map(str::to_owned),
    })
}

/// A page's chrome for `lang` at `path` (after `/{lang}/`).
pub fn chrome(
    lang: Lang,
    headers: &HeaderMap,
    caller: &Caller,
    path: impl Into<String>,
    section: Section,
) -> Chrome {
    let mut c = Chrome::new(locale(lang, headers), path, section);
    c.reader = reader_of(Some(caller));
    c.stylesheet = asset_url("portal.css");
    c
}

/// A finished page: HTML, not cached by shared caches (pages can show a signed-in reader's
/// name), framed by nobody, no script from elsewhere.
pub fn page(markup: Markup) -> Response {
    page_with_status(StatusCode::OK, markup)
}

fn page_with_status(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, Html(markup.into_string())).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::VARY,
        HeaderValue::from_static("Cookie, Accept-Language"),
    );
    response.extensions_mut().insert(Passthrough);
    response
}

/// `GET /`: to `/{lang}/` by `Accept-Language` (Arabic unless the browser prefers French or
/// English to it).
pub async fn root(headers: HeaderMap) -> Response {
    let lang = preferred_lang(
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let mut r = Redirect::to(&format!("/{}/", lang.as_str())).into_response();
    r.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept-Language"));
    r
}

/// The first of ar, fr, en by the header's quality values (RFC 9110 §12.5.4; `fr-TN` counts as
/// `fr`); Arabic when none of them is accepted.
pub fn preferred_lang(accept: &str) -> Lang {
    let mut best: Option<(f32, usize, Lang)> = None;
    for (position, item) in accept.split(',').enumerate() {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let q = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .filter_map(|q| q.trim().parse::<f32>().ok())
            .next()
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or("");
        let Some(lang) =
            Lang::parse(primary).filter(|l| l.as_str() == primary.to_ascii_lowercase())
        else {
            continue;
        };
        if q <= 0.0 {
            continue;
        }
        // Higher quality wins; at equal quality the earlier one.
        if best.is_none_or(|(bq, _, _)| q > bq) {
            best = Some((q, position, lang));
        }
    }
    best.map(|(_, _, l)| l).unwrap_or(Lang::Ar)
}

#[derive(Debug, Deserialize)]
pub struct DigitsQuery {
    set: String,
    back: Option<String>,
}

/// `GET /digits?set=arab|latn&back=/ar/...`: keeps the choice for a year and goes back (only to
/// a path of this site).
pub async fn digits(Query(q): Query<DigitsQuery>) -> Response {
    let Some(digits) = Digits::parse(&q.set) else {
        return (
            StatusCode::BAD_REQUEST,
            "set must be arab (Eastern Arabic digits) or latn (Western digits)",
        )
            .into_response();
    };
    let back = q
        .back
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains('\\'))
        .unwrap_or_else(|| "/ar/".to_owned());
    let mut r = Redirect::to(&back).into_response();
    let cookie = format!(
        "{DIGITS_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
        digits.as_str()
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// `GET /{lang}`: the same page with its slash.
pub async fn lang_root(PageLang(lang): PageLang) -> Redirect {
    Redirect::permanent(&format!("/{}/", lang.as_str()))
}

/// `GET /{lang}/...` where no page is: a page saying so, in that language.
pub async fn no_such_page(
    PageLang(lang): PageLang,
    headers: HeaderMap,
    caller: Caller,
    uri: axum::http::Uri,
) -> Response {
    not_found_page(locale(lang, &headers), uri.path(), reader_of(Some(&caller)))
}

/// The page answered for an address with no page.
pub fn not_found_page(locale: Locale, path: &str, reader: Option<Reader>) -> Response {
    let mut c = Chrome::new(
        locale,
        path.trim_start_matches('/')
            .split_once('/')
            .map(|(_, p)| p)
            .unwrap_or(""),
        Section::Home,
    );
    c.reader = reader;
    c.stylesheet = asset_url("portal.css");
    let tr = c.tr();
    c.title = tr.t("not-found-title");
    let body = html! {
        p { (tr.t("not-found-text")) }
        p { a href=(c.href("")) { (tr.t("nav-home")) } }
    };
    page_with_status(StatusCode::NOT_FOUND, document(&c, body))
}

/// Middleware on every page route: an error answer (problem+json from the enforcement layer or a
/// handler) becomes a page in the page's language: 401 → the sign-in page, then back here; 403 →
/// a page saying the reader's scope does not cover this; other errors → a page with the
/// problem's detail (never personal data: details are written for callers).
pub async fn html_errors(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let path_and_query = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| path.clone());
    let headers = request.headers().clone();
    let reader = reader_of(request.extensions().get::<Caller>());
    let lang = page_lang(path.trim_start_matches('/').split('/').next().unwrap_or(""));
    let response = next.run(request).await;
    let status = response.status();
    let Some(lang) = lang else {
        return response;
    };
    if !(status.is_client_error() || status.is_server_error())
        || response.extensions().get::<Passthrough>().is_some()
    {
        return response;
    }
    let locale = locale(lang, &headers);
    if status == StatusCode::UNAUTHORIZED {
        return Redirect::to(&format!(
            "/signin?lang={}&next={}",
            lang.as_str(),
            marsad_portal::page::encode_component(&path_and_query)
        ))
        .into_response();
    }
    if status == StatusCode::NOT_FOUND {
        return not_found_page(locale, &path, reader);
    }
    let detail = problem_detail(response).await;
    error_page(locale, &path, reader, status, &detail)
}

async fn problem_detail(response: Response) -> String {
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

fn error_page(
    locale: Locale,
    path: &str,
    reader: Option<Reader>,
    status: StatusCode,
    detail: &str,
) -> Response {
    let mut c = Chrome::new(
        locale,
        path.trim_start_matches('/')
            .split_once('/')
            .map(|(_, p)| p)
            .unwrap_or(""),
        Section::Home,
    );
    c.reader = reader;
    c.stylesheet = asset_url("portal.css");
    let tr = c.tr();
    let (title, text) = if status == StatusCode::FORBIDDEN {
        ("forbidden-title", "forbidden-text")
    } else if status.is_client_error() {
        ("bad-request-title", "bad-request-text")
    } else {
        ("server-error-title", "server-error-text")
    };
    c.title = tr.t(title);
    let body = html! {
        p { (tr.t(text)) }
        @if !detail.is_empty() { p.note lang="en" dir="ltr" { (detail) } }
        p { a href=(c.href("")) { (tr.t("nav-home")) } }
    };
    page_with_status(status, document(&c, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preferred_language_follows_quality_values() {
        let cases = [
            ("", Lang::Ar),
            ("de-DE,de;q=0.9", Lang::Ar),
            ("fr-TN,fr;q=0.9,ar;q=0.8", Lang::Fr),
            ("en-US,en;q=0.9", Lang::En),
            ("ar-TN,fr;q=0.5", Lang::Ar),
            ("fr;q=0.5,en;q=0.7", Lang::En),
            ("en;q=0,fr;q=0.1", Lang::Fr),
            ("EN-gb", Lang::En),
            ("fr,en", Lang::Fr),
            ("frx,en;q=0.2", Lang::En),
        ];
        for (header, want) in cases {
            assert_eq!(preferred_lang(header), want, "{header}");
        }
    }

    #[test]
    fn assets_are_named_by_their_content() {
        let url = asset_url("portal.css");
        assert!(url.starts_with("/static/portal.css?v="), "{url}");
        assert_eq!(url.len(), "/static/portal.css?v=".len() + 16);
    }
}

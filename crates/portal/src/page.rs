//! The page every portal screen is drawn in: `<html lang dir>`, a skip link, the header with the
//! site's name, the navigation, the language switcher and (in Arabic) the choice of digits, the
//! main content and the footer. Stylesheet and script are served by the server from `web/static/`
//! under a name that changes with their content (cached for a year).
//!
//! Layout uses CSS logical properties only (`margin-inline-start`, `text-align: start`), so the
//! Arabic pages mirror by `dir="rtl"` alone.

use marsad_model::Lang;
use maud::{html, Markup, DOCTYPE};

use crate::format::{Digits, Locale};
use crate::i18n::{catalog, Tr};

/// Where the navigation says the reader is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Indicators,
    Explore,
    Gcm,
    Complaints,
    Workspace,
    SignIn,
}

impl Section {
    const NAV: [(Section, &'static str, &'static str); 5] = [
        (Section::Home, "", "nav-home"),
        (Section::Indicators, "indicators/", "nav-indicators"),
        (Section::Explore, "explore", "nav-explore"),
        (Section::Gcm, "gcm/", "nav-gcm"),
        (Section::Complaints, "complaints/", "nav-complaints"),
    ];
}

/// Who is reading, as the header shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    /// The name shown (a login or display name; never a migrant's personal data).
    pub name: String,
    pub institution: Option<String>,
}

/// What a page needs to be drawn: language and digits, where it is (to link the same page in
/// the other languages), its title and the reader.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub locale: Locale,
    /// The path after `/{lang}/` (no leading slash), e.g. `indicators/EMIG_STOCK`.
    pub path: String,
    /// The query string, without `?`, kept when switching language.
    pub query: Option<String>,
    pub title: String,
    pub section: Section,
    pub reader: Option<Reader>,
    /// The stylesheet's URL (with its content hash).
    pub stylesheet: String,
    /// The script's URL (with its content hash), if the page uses it.
    pub script: Option<String>,
}

impl Chrome {
    pub fn new(locale: Locale, path: impl Into<String>, section: Section) -> Chrome {
        Chrome {
            locale,
            path: path.into(),
            query: None,
            title: String::new(),
            section,
            reader: None,
            stylesheet: "/static/portal.css".to_owned(),
            script: None,
        }
    }

    pub fn tr(&self) -> Tr<'static> {
        catalog().tr(self.locale.lang)
    }

    /// The URL of this page in `lang`.
    pub fn url_in(&self, lang: Lang) -> String {
        let mut url = format!("/{}/{}", lang.as_str(), self.path);
        if let Some(q) = self.query.as_deref().filter(|q| !q.is_empty()) {
            url.push('?');
            url.push_str(q);
        }
        url
    }

    /// A link inside the portal in the page's language: `href("indicators/")`.
    pub fn href(&self, path: &str) -> String {
        format!("/{}/{}", self.locale.lang.as_str(), path)
    }
}

/// The whole document around `main`.
pub fn document(chrome: &Chrome, main: Markup) -> Markup {
    let tr = chrome.tr();
    let lang = chrome.locale.lang;
    let site = tr.t("site-name");
    let title = if chrome.title.is_empty() {
        site.clone()
    } else {
        format!("{} · {site}", chrome.title)
    };
    html! {
        (DOCTYPE)
        html lang=(lang.as_str()) dir=(chrome.locale.dir()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href=(chrome.stylesheet);
                @for other in Lang::ALL {
                    @if other != lang {
                        link rel="alternate" hreflang=(other.as_str()) href=(chrome.url_in(other));
                    }
                }
            }
            body {
                a.skip href="#main" { (tr.t("skip-to-content")) }
                header.site {
                    a.brand href=(chrome.href("")) { (site) }
                    nav aria-label=(tr.t("nav-label")) {
                        ul {
                            @for (section, path, key) in Section::NAV {
                                li {
                                    @if section == chrome.section {
                                        a href=(chrome.href(path)) aria-current="page" { (tr.t(key)) }
                                    } @else {
                                        a href=(chrome.href(path)) { (tr.t(key)) }
                                    }
                                }
                            }
                            li {
                                @if chrome.reader.is_some() {
                                    a href=(chrome.href("work/")) aria-current=[(chrome.section == Section::Workspace).then_some("page")] { (tr.t("nav-workspace")) }
                                } @else {
                                    a href=(format!("/signin?lang={}", lang.as_str())) { (tr.t("nav-sign-in")) }
                                }
                            }
                        }
                    }
                    (switcher(chrome, &tr))
                }
                main #main tabindex="-1" {
                    h1 { (if chrome.title.is_empty() { &site } else { &chrome.title }) }
                    (main)
                }
                footer.site {
                    p { (tr.t("footer-about")) }
                    p {
                        a href="/api/v1/openapi.json" { (tr.t("footer-api")) }
                        " · "
                        a href="/sdmx/2.1/dataflow" { (tr.t("footer-sdmx")) }
                    }
                }
                @if let Some(script) = &chrome.script {
                    script src=(script) defer {}
                }
            }
        }
    }
}

/// The language switcher (each language named in itself) and, in Arabic, the choice of digits.
fn switcher(chrome: &Chrome, tr: &Tr<'_>) -> Markup {
    let lang = chrome.locale.lang;
    html! {
        ul.langs aria-label=(tr.t("language-label")) {
            @for other in Lang::ALL {
                li {
                    @if other == lang {
                        span lang=(other.as_str()) aria-current="true" { (native_name(other)) }
                    } @else {
                        a lang=(other.as_str()) hreflang=(other.as_str()) href=(chrome.url_in(other)) { (native_name(other)) }
                    }
                }
            }
            @if lang == Lang::Ar {
                li {
                    @let other = match chrome.locale.digits { Digits::Latin => Digits::Arabic, Digits::Arabic => Digits::Latin };
                    a href=(format!("/digits?set={}&back={}", other.as_str(), encode_component(&chrome.url_in(lang)))) {
                        (tr.t(match other { Digits::Arabic => "digits-arabic", Digits::Latin => "digits-latin" }))
                    }
                }
            }
        }
    }
}

/// A language's name in that language.
pub fn native_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Ar => "العربية",
        Lang::Fr => "Français",
        Lang::En => "English",
    }
}

/// Percent-encodes everything but unreserved characters (for a URL inside a query string).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_pages_are_right_to_left_and_link_the_other_languages() {
        let mut chrome = Chrome::new(Locale::new(Lang::Ar), "indicators/X", Section::Indicators);
        chrome.query = Some("period=2025".into());
        let html = document(&chrome, html! { p { "x" } }).into_string();
        assert!(
            html.starts_with("<!DOCTYPE html><html lang=\"ar\" dir=\"rtl\">"),
            "{html}"
        );
        assert!(
            html.contains("href=\"/fr/indicators/X?period=2025\""),
            "{html}"
        );
        assert!(
            html.contains("href=\"/en/indicators/X?period=2025\""),
            "{html}"
        );
        assert!(html.contains("aria-current=\"page\""));
        assert!(html.contains("/digits?set=arab&amp;back=%2Far%2Findicators%2FX%3Fperiod%3D2025"));
        let fr = Chrome::new(Locale::new(Lang::Fr), "", Section::Home);
        let html = document(&fr, html! {}).into_string();
        assert!(html.contains("<html lang=\"fr\" dir=\"ltr\">"));
        assert!(!html.contains("/digits?"), "digits are an Arabic choice");
    }

    #[test]
    fn text_is_escaped() {
        let mut chrome = Chrome::new(Locale::new(Lang::En), "", Section::Home);
        chrome.title = "<script>alert(1)</script>".into();
        let html = document(&chrome, html! {}).into_string();
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;"));
    }
}

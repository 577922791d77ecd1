//! Translations: every string the portal shows comes from the Fluent files under `web/i18n/`
//! (`ar`, `fr`, `en`), compiled into the binary so a deployment carries no loose files.
//!
//! [`catalog`] parses them once; [`Catalog::tr`] gives a [`Tr`] for one language. A key missing in
//! a language is shown as the key itself in brackets (never an empty string, never another
//! language) and the completeness tests (`crates/portal/tests/translations.rs`) fail on it, as on
//! a string left untranslated.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use marsad_model::Lang;

/// The translation files, per language, in the order they are added to the bundle.
pub const SOURCES: [(Lang, &[(&str, &str)]); 3] = [
    (Lang::Ar, &files!("ar")),
    (Lang::Fr, &files!("fr")),
    (Lang::En, &files!("en")),
];

/// The files of one language: the layout's, the public pages', the workspaces' and the GCM
/// report's.
macro_rules! files {
    ($lang:literal) => {
        [
            file!($lang, "portal.ftl"),
            file!($lang, "public.ftl"),
            file!($lang, "work.ftl"),
            file!($lang, "gcm.ftl"),
        ]
    };
}
use files;

macro_rules! file {
    ($lang:literal, $name:literal) => {
        (
            concat!("web/i18n/", $lang, "/", $name),
            include_str!(concat!("../../../web/i18n/", $lang, "/", $name)),
        )
    };
}
use file;

/// A mistake in a translation file, with the file and what the parser said.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct TranslationError {
    pub file: String,
    pub message: String,
}

/// The three languages' messages.
pub struct Catalog {
    bundles: [FluentBundle<FluentResource>; 3],
    keys: [BTreeSet<String>; 3],
}

/// The catalogue built from the files compiled in. The files are checked by the tests; should one
/// still fail to parse in a build, the messages that did parse are served and the rest show as
/// missing keys.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::build(&SOURCES).0)
}

impl Catalog {
    /// Builds the bundles from `(lang, [(file name, text)])`; answers the catalogue and every
    /// mistake found (a syntax error, a message defined twice).
    pub fn build(sources: &[(Lang, &[(&str, &str)])]) -> (Catalog, Vec<TranslationError>) {
        let mut errors = Vec::new();
        let mut bundles = Lang::ALL.map(|lang| {
            let tag: unic_langid::LanguageIdentifier = lang.as_str().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![tag]);
            // Placeables are isolated (FSI … PDI) so a Latin name or a number inside an
            // Arabic sentence keeps its own direction.
            bundle.set_use_isolating(true);
            bundle
        });
        let mut keys: [BTreeSet<String>; 3] = Default::default();
        for (lang, files) in sources {
            let i = lang_index(*lang);
            for (file, text) in files.iter() {
                let resource = match FluentResource::try_new((*text).to_owned()) {
                    Ok(r) => r,
                    Err((r, errs)) => {
                        for e in errs {
                            errors.push(TranslationError {
                                file: (*file).to_owned(),
                                message: format!("{e:?}"),
                            });
                        }
                        r
                    }
                };
                for entry in resource.entries() {
                    if let fluent_syntax::ast::Entry::Message(m) = entry {
                        keys[i].insert(m.id.name.to_owned());
                    }
                }
                if let Err(errs) = bundles[i].add_resource(resource) {
                    for e in errs {
                        errors.push(TranslationError {
                            file: (*file).to_owned(),
                            message: format!("{e:?}"),
                        });
                    }
                }
            }
        }
        (Catalog { bundles, keys }, errors)
    }

    /// The messages of one language.
    pub fn tr(&self, lang: Lang) -> Tr<'_> {
        Tr {
            lang,
            bundle: &self.bundles[lang_index(lang)],
        }
    }

    /// The message identifiers defined for `lang`.
    pub fn keys(&self, lang: Lang) -> &BTreeSet<String> {
        &self.keys[lang_index(lang)]
    }
}

fn lang_index(lang: Lang) -> usize {
    match lang {
        Lang::Ar => 0,
        Lang::Fr => 1,
        Lang::En => 2,
    }
}

/// The messages of one language.
#[derive(Clone, Copy)]
pub struct Tr<'c> {
    lang: Lang,
    bundle: &'c FluentBundle<FluentResource>,
}

impl Tr<'_> {
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The message `key` without arguments.
    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The message `key` with named arguments (strings or numbers).
    pub fn t_with(&self, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Str(s) => fluent.set(*name, FluentValue::from(*s)),
                Arg::Num(n) => fluent.set(*name, FluentValue::from(*n)),
            }
        }
        self.format(key, Some(&fluent))
    }

    /// Whether `key` has a message in this language.
    pub fn has(&self, key: &str) -> bool {
        self.bundle.has_message(key)
    }

    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let Some(pattern) = self.bundle.get_message(key).and_then(|m| m.value()) else {
            return format!("[{key}]");
        };
        let mut errors = Vec::new();
        let text = self.bundle.format_pattern(pattern, args, &mut errors);
        text.into_owned()
    }
}

/// A named argument of a message.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    Str(&'a str),
    /// A count: selects the plural form (Arabic has six).
    Num(i64),
}

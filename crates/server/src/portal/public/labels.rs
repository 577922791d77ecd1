//! Names of dimensions and codes in the reader's language: countries from the ISO 3166
//! codelist of `marsad-model`, governorates from the portal's tile grid (the records name them),
//! every other code from the SDMX codelists `marsad-sdmx` publishes (the same names partners
//! read), `_T` and `_U` from the translation files. An unknown code is shown as itself.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use marsad_model::Lang;
use marsad_portal::i18n::catalog;
use marsad_portal::map::Layout;
use marsad_sdmx::standard::{self, Options};
use marsad_sdmx::{Codelist, Names};
use marsad_stats::dims::{Dim, TOTAL, UNKNOWN};

struct Lists {
    codelists: BTreeMap<&'static str, Codelist>,
    concepts: BTreeMap<String, Names>,
}

fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS.get_or_init(|| {
        let opts = Options::default();
        let codelists = Dim::ALL
            .into_iter()
            .filter_map(|d| {
                let id = standard::dimension_codelist(d.id())?;
                Some((d.id(), standard::codelist(&opts, id)?))
            })
            .collect();
        let concepts = standard::concept_scheme(&opts)
            .concepts
            .into_iter()
            .map(|c| (c.id, c.names))
            .collect();
        Lists {
            codelists,
            concepts,
        }
    })
}

/// The dimension's name: `Sexe`, `الجنس`.
pub fn dim_name(dim: Dim, lang: Lang) -> String {
    lists()
        .concepts
        .get(dim.id())
        .map(|n| n.get(lang).to_owned())
        .unwrap_or_else(|| dim.id().to_owned())
}

/// Whether the dimension is a place the maps can show.
pub fn map_layout(dim: Dim) -> Option<Layout> {
    match dim {
        Dim::Governorate => Some(Layout::Governorates),
        Dim::CounterpartArea | Dim::Citizenship | Dim::CountryBirth => Some(Layout::Countries),
        _ => None,
    }
}

/// A code's name in `lang`.
pub fn code_name(dim: Dim, code: &str, lang: Lang) -> String {
    let tr = catalog().tr(lang);
    if code == TOTAL {
        return tr.t("label-total");
    }
    if code == UNKNOWN {
        return tr.t("label-unknown");
    }
    match dim {
        Dim::Governorate => Layout::Governorates
            .tile(code)
            .map(|t| {
                t.names[match lang {
                    Lang::Ar => 0,
                    Lang::Fr => 1,
                    Lang::En => 2,
                }]
                .to_owned()
            })
            .unwrap_or_else(|| code.to_owned()),
        Dim::Citizenship | Dim::CountryBirth | Dim::CounterpartArea => {
            marsad_model::codes::Country::from_alpha3(code)
                .map(|c| c.name(lang).to_owned())
                .unwrap_or_else(|| code.to_owned())
        }
        _ => lists()
            .codelists
            .get(dim.id())
            .and_then(|l| l.code(&standard::sdmx_code(code)))
            .map(|c| c.names.get(lang).to_owned())
            .unwrap_or_else(|| code.to_owned()),
    }
}

/// The position of a code in its codelist (for ordering categories as the codelist does:
/// sexes, age groups), `None` when the list does not have it.
pub fn code_rank(dim: Dim, code: &str) -> Option<usize> {
    lists().codelists.get(dim.id()).and_then(|l| {
        let sdmx = standard::sdmx_code(code);
        l.codes.iter().position(|c| c.id == sdmx)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_named_in_each_language() {
        let check = |dim, code: &str, lang, want: &str| {
            assert_eq!(code_name(dim, code, lang), want, "{dim} {code} {lang:?}")
        };
        check(Dim::Sex, "F", Lang::Fr, "Féminin");
        check(Dim::Sex, "M", Lang::Ar, "ذكر");
        check(Dim::CounterpartArea, "FRA", Lang::En, "France");
        check(Dim::Governorate, "Sfax", Lang::Ar, "صفاقس");
        check(Dim::Governorate, "Nowhere", Lang::Ar, "Nowhere");
        check(Dim::Sex, "_T", Lang::En, "Total");
        check(Dim::Age, "_U", Lang::Fr, "Inconnu");
        assert_ne!(code_name(Dim::Age, "Y25T29", Lang::En), "Y25T29");
        assert_ne!(code_name(Dim::Occupation, "OC7", Lang::Fr), "OC7");
        assert_eq!(dim_name(Dim::Sex, Lang::Fr), "Sexe");
        assert!(code_rank(Dim::Age, "Y5T9") < code_rank(Dim::Age, "Y10T14"));
    }
}

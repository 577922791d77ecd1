//! Statistics institute: the 2024 census long-form sample and the household international
//! migration survey (HIMS). UTF-8 CSV with a byte-order mark, names in Arabic script, year of
//! birth only, weights, strata and primary sampling units.

use std::path::Path;

use chrono::NaiveDate;
use rand::Rng;

use super::{mark, roll_bad, unknown_country, Bad, Ctx, Seen};
use crate::out::{Counter, CsvOut, CsvStyle, Written};
use crate::population::{Person, Status};
use crate::spell::{self, Care, Script};
use crate::world::{COUNTRIES, GOVERNORATES};
use crate::{rng_for, DemoError};

pub(crate) const HEADER: &[&str] = &[
    "id_individu",
    "id_menage",
    "gouvernorat",
    "strate",
    "ugp",
    "poids",
    "nom",
    "prenom",
    "nom_pere",
    "nom_grand_pere",
    "sexe",
    "annee_naissance",
    "age",
    "lieu_naissance",
    "pays_naissance",
    "nationalite",
    "pays_residence_anterieure",
    "annee_arrivee",
    "motif_migration",
];

fn mapping(survey: &str, title: &str) -> String {
    format!(
        r#"# {title}
# Institut national de la statistique — one row per person enumerated; names in Arabic script,
# year of birth only. Each row yields the person and their survey record.
[file]
format = "csv"
encoding = "utf-8"
delimiter = ","
header_row = 1

[[record]]
kind = "person"
[record.fields]
record_id = "id_individu"
given_name = "prenom"
father_name = "nom_pere"
family_name = "nom"
sex = {{ column = "sexe", map = {{ "1" = "M", "2" = "F" }} }}
birth_date = "annee_naissance"
birth_place = "lieu_naissance"
nationality = "nationalite"

[[record]]
kind = "census_person"
[record.fields]
record_id = "id_individu"
person_record_id = "id_individu"
survey = {{ value = "{survey}" }}
household_id = "id_menage"
sex = {{ column = "sexe", map = {{ "1" = "M", "2" = "F" }} }}
age = "age"
country_of_birth = "pays_naissance"
citizenship = "nationalite"
previous_residence_country = "pays_residence_anterieure"
arrival_year = "annee_arrivee"
migration_reason = {{ column = "motif_migration", map = {{ "1" = "work", "2" = "family", "3" = "study", "4" = "asylum", "5" = "return", "6" = "other" }} }}
governorate = "gouvernorat"
weight = "poids"
stratum = "strate"
psu = "ugp"
"#
    )
}

const CARE: Care = Care {
    typo: 0.05,
    no_father: 0.04,
    family_alt: 0.08,
    other_translit: 0.06,
    swap_day_month: 0.0,
};

fn lives_here(p: &Person) -> bool {
    matches!(
        p.status,
        Status::Resident | Status::Returnee | Status::Immigrant | Status::Transit
    )
}

struct Survey {
    tag: &'static str,
    file: &'static str,
    mapping_file: &'static str,
    survey: &'static str,
    title: &'static str,
    id_prefix: &'static str,
    bit: u16,
}

pub(crate) fn write_census(
    ctx: &Ctx<'_>,
    dir: &Path,
    seen: &mut Seen,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Written, DemoError> {
    let s = Survey {
        tag: "census",
        file: "ins_rgph2024_echantillon.csv",
        mapping_file: "ins_rgph2024_echantillon.toml",
        survey: "census",
        title: "Recensement général de la population et de l'habitat 2024 — échantillon long",
        id_prefix: "R24",
        bit: 0,
    };
    write(ctx, dir, seen, progress, &s)
}

pub(crate) fn write_hims(
    ctx: &Ctx<'_>,
    dir: &Path,
    seen: &mut Seen,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Written, DemoError> {
    let s = Survey {
        tag: "hims",
        file: "ins_hims2024.csv",
        mapping_file: "ins_hims2024.toml",
        survey: "hims",
        title: "Enquête nationale sur la migration internationale (HIMS) 2024",
        id_prefix: "H24",
        bit: 1,
    };
    write(ctx, dir, seen, progress, &s)
}

/// Selection probability of a household.
fn inclusion(s: &Survey, members: &[Person]) -> f64 {
    let migrant = members.iter().any(|p| {
        matches!(
            p.status,
            Status::Emigrant | Status::Returnee | Status::Immigrant
        )
    });
    match (s.tag, migrant) {
        ("census", _) => 0.6,
        (_, true) => 0.3,
        _ => 0.06,
    }
}

fn write(
    ctx: &Ctx<'_>,
    dir: &Path,
    seen: &mut Seen,
    progress: &mut dyn FnMut(&str, u64),
    s: &Survey,
) -> Result<Written, DemoError> {
    let cfg = ctx.cfg;
    crate::out::write_text(dir, s.mapping_file, &mapping(s.survey, s.title))?;
    let style = CsvStyle {
        bom: true,
        ..CsvStyle::default()
    };
    let mut out = CsvOut::create(&dir.join(s.file), style)?;
    out.write(HEADER)?;
    let mut count = Counter::new(s.file, progress);
    let census_day = NaiveDate::from_ymd_opt(cfg.last_year, 11, 6).unwrap_or(cfg.today);
    let mut start = 0;
    let mut row_no = 0u64;
    while start < ctx.people.len() {
        let hh = ctx.people[start].household;
        let end = ctx.people[start..]
            .iter()
            .position(|p| p.household != hh)
            .map_or(ctx.people.len(), |n| start + n);
        let members = &ctx.people[start..end];
        start = end;
        let mut hrng = rng_for(cfg.seed, s.tag, u64::from(hh));
        let p_in = inclusion(s, members);
        if !hrng.gen_bool(p_in) || !members.iter().any(lives_here) {
            continue;
        }
        let gov = &GOVERNORATES[usize::from(members[0].gov).min(GOVERNORATES.len() - 1)];
        let urban = hrng.gen_bool(0.68);
        let stratum = format!("{}{}", &gov.code[3..], if urban { "U" } else { "R" });
        let psu = format!("{}-{:03}", &gov.code[3..], hrng.gen_range(1..=180));
        // Non-response adjustment varies by stratum and PSU.
        let weight = 1.0 / p_in * hrng.gen_range(1.02..1.25);
        let household_id = format!("{}M{:07}", s.id_prefix, hh);
        for p in members.iter().filter(|p| lives_here(p)) {
            // The census misses many irregular migrants.
            if p.status == Status::Transit && hrng.gen_bool(0.7) {
                continue;
            }
            row_no += 1;
            let mut rng = rng_for(cfg.seed, s.tag, 1 << 40 | u64::from(p.id));
            let n = spell::spell(p, ctx.names, Script::Arabic, &CARE, &mut rng);
            let country = p.country();
            let birth_country = if p.is_national() {
                COUNTRIES[0].ar
            } else {
                country.ar
            };
            let birth_place = if p.is_national() {
                GOVERNORATES[usize::from(p.birth_gov).min(GOVERNORATES.len() - 1)].ar
            } else {
                ""
            };
            let (prev, arrival, reason) = match p.status {
                Status::Returnee => (p.abroad_country().ar, p.return_year.to_string(), "5"),
                Status::Immigrant | Status::Transit => {
                    let reason = if p.status == Status::Transit {
                        "6"
                    } else {
                        ["1", "1", "2", "3", "4"][rng.gen_range(0..5)]
                    };
                    (country.ar, p.moved_year.to_string(), reason)
                }
                _ => ("", String::new(), ""),
            };
            let mut rec = vec![
                format!("{}{:08}", s.id_prefix, row_no),
                household_id.clone(),
                gov.code.to_string(),
                stratum.clone(),
                psu.clone(),
                format!("{weight:.4}"),
                n.family,
                n.given,
                n.father,
                n.grandfather,
                if p.female { "2" } else { "1" }.to_string(),
                chrono::Datelike::year(&p.birth).to_string(),
                p.age_at(census_day).max(0).to_string(),
                birth_place.to_string(),
                birth_country.to_string(),
                country.ar.to_string(),
                prev.to_string(),
                arrival,
                reason.to_string(),
            ];
            let bad = roll_bad(&mut rng);
            match bad {
                Some(Bad::ImpossibleDate) => rec[11] = format!("{}-13", rec[11]),
                Some(Bad::UnknownCountry) => rec[15] = unknown_country(&mut rng).to_string(),
                Some(Bad::EmptyRequired) => rec[5].clear(),
                None => {}
            }
            out.write(&rec)?;
            count.count(bad.is_some());
            mark(seen, p.id, s.bit);
        }
    }
    out.finish()?;
    Ok(count.done(Some(s.mapping_file)))
}

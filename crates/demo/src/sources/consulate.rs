//! Consulates: registrations of nationals living abroad, exported as JSON Lines with nested
//! objects; English-style transliterations.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::NaiveDate;
use rand::Rng;
use serde_json::{json, Value};

use super::{day_between, first_day, impossible_date, last_day, mark, roll_bad, unknown_country};
use super::{Bad, Ctx, DateOrder, Seen};
use crate::out::{io_err, Counter, Written};
use crate::population::{Person, Status};
use crate::spell::{self, Care, Script};
use crate::world::{CONSULATES, GOVERNORATES};
use crate::{rng_for, DemoError};

pub(crate) const FILE: &str = "consular_registrations.jsonl";
pub(crate) const MAPPING_FILE: &str = "consular_registrations.toml";

pub(crate) const MAPPING: &str = r#"# Consular Affairs Department — registrations of nationals abroad, one JSON object per line.
[file]
format = "jsonl"
encoding = "utf-8"

[[record]]
kind = "person"
[record.fields]
record_id = "registration_no"
given_name = "applicant.names.first"
father_name = "applicant.names.father"
family_name = "applicant.names.last"
sex = { column = "applicant.sex", map = { male = "M", female = "F" } }
birth_date = "applicant.date_of_birth"
birth_place = "applicant.place_of_birth"
nationality = "applicant.nationality"
document_type = { value = "passport" }
document_number = "applicant.passport.number"
phone = "applicant.phone"
address = "residence.address"
locality = "residence.city"

[[record]]
kind = "consular_registration"
[record.fields]
record_id = "registration_no"
person_record_id = "registration_no"
residence_country = "residence.country"
residence_city = "residence.city"
registration_date = "registered_on"
consulate = "consulate"
"#;

/// Dotted paths the mapping reads (for tests).
#[cfg(test)]
pub(crate) const PATHS: &[&str] = &[
    "registration_no",
    "applicant.names.first",
    "applicant.names.father",
    "applicant.names.last",
    "applicant.sex",
    "applicant.date_of_birth",
    "applicant.place_of_birth",
    "applicant.nationality",
    "applicant.passport.number",
    "applicant.phone",
    "residence.address",
    "residence.city",
    "residence.country",
    "registered_on",
    "consulate",
];

const CARE: Care = Care {
    typo: 0.05,
    no_father: 0.15,
    family_alt: 0.06,
    other_translit: 0.08,
    swap_day_month: 0.02,
};

const STREETS: &[&str] = &[
    "rue de la République",
    "avenue Jean Jaurès",
    "Via Roma",
    "Hauptstraße",
    "King Fahd Road",
    "Al Sadd Street",
    "rue Saint-Denis",
    "Sheikh Zayed Road",
    "Boulevard Anspach",
    "Bahnhofstrasse",
    "Corso Italia",
    "Main Street",
];

fn registration_date<R: Rng>(rng: &mut R, ctx: &Ctx<'_>, p: &Person) -> NaiveDate {
    let (first, last) = (first_day(ctx.cfg), last_day(ctx.cfg));
    let from = if p.moved_year >= ctx.cfg.first_year {
        NaiveDate::from_ymd_opt(p.moved_year, 1, 1).unwrap_or(first)
    } else {
        first
    };
    day_between(rng, from.max(first), last)
}

fn phone<R: Rng>(rng: &mut R, country: &str) -> String {
    let prefix = match country {
        "FRA" => "+33 6",
        "ITA" => "+39 3",
        "DEU" => "+49 15",
        "BEL" => "+32 4",
        "CHE" => "+41 7",
        "CAN" => "+1 514",
        "USA" => "+1 202",
        "SAU" => "+966 5",
        "QAT" => "+974 5",
        "ARE" => "+971 5",
        "LBY" => "+218 9",
        "DZA" => "+213 5",
        "OMN" => "+968 9",
        "KWT" => "+965 6",
        "BHR" => "+973 3",
        "NLD" => "+31 6",
        "GBR" => "+44 7",
        "ESP" => "+34 6",
        "TUR" => "+90 5",
        _ => "+1 555",
    };
    format!(
        "{prefix} 55 {:02} {:02} {:02}",
        rng.gen_range(0..100),
        rng.gen_range(0..100),
        rng.gen_range(0..100)
    )
}

pub(crate) fn write(
    ctx: &Ctx<'_>,
    dir: &Path,
    seen: &mut Seen,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Written, DemoError> {
    let cfg = ctx.cfg;
    crate::out::write_text(dir, MAPPING_FILE, MAPPING)?;
    let mut regs: Vec<(NaiveDate, u32, usize)> = Vec::new();
    for p in ctx.people.iter().filter(|p| p.status == Status::Emigrant) {
        let mut rng = rng_for(cfg.seed, "consulate", u64::from(p.id));
        let abroad = p.abroad_country().alpha3;
        let offices: Vec<usize> = (0..CONSULATES.len())
            .filter(|&i| CONSULATES[i].0 == abroad)
            .collect();
        if offices.is_empty() || !rng.gen_bool(0.7) {
            continue;
        }
        let office = offices[rng.gen_range(0..offices.len())];
        regs.push((registration_date(&mut rng, ctx, p), p.id, office));
    }
    regs.sort_unstable();

    let path = dir.join(FILE);
    let file = File::create(&path).map_err(io_err(&path))?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    let mut count = Counter::new(FILE, progress);
    let mut rng = rng_for(cfg.seed, "consulate-rows", 0);
    for (i, &(date, pid, office)) in regs.iter().enumerate() {
        let Some(p) = ctx.people.get(pid as usize) else {
            continue;
        };
        let mut prng = rng_for(cfg.seed, "consulate-person", u64::from(p.id));
        let n = spell::spell(p, ctx.names, Script::English, &CARE, &mut prng);
        let birth = spell::birth(p, &CARE, &mut prng);
        let (country_code, consulate, cities) = CONSULATES[office];
        let country = &crate::world::COUNTRIES[crate::world::country(country_code)];
        let city = cities[prng.gen_range(0..cities.len())];
        let code: String = consulate
            .split(" in ")
            .nth(1)
            .unwrap_or("XXX")
            .chars()
            .filter(char::is_ascii_alphabetic)
            .take(3)
            .collect::<String>()
            .to_uppercase();
        let gov = &GOVERNORATES[usize::from(p.birth_gov).min(GOVERNORATES.len() - 1)];
        let father = if n.father.is_empty() {
            Value::Null
        } else {
            Value::String(n.father)
        };
        let mut residence_country = country.en.to_string();
        let mut registered_on = Value::String(super::iso(date));
        let bad = roll_bad(&mut rng);
        match bad {
            Some(Bad::ImpossibleDate) => {
                registered_on = Value::String(impossible_date(
                    &mut rng,
                    super::year_of(date),
                    DateOrder::Iso,
                ));
            }
            Some(Bad::UnknownCountry) => residence_country = unknown_country(&mut rng).to_string(),
            Some(Bad::EmptyRequired) => registered_on = Value::Null,
            None => {}
        }
        let obj = json!({
            "registration_no": format!("{code}-{}-{:06}", super::year_of(date), i + 1),
            "registered_on": registered_on,
            "consulate": consulate,
            "applicant": {
                "names": { "first": n.given, "father": father, "last": n.family },
                "sex": if p.female { "female" } else { "male" },
                "date_of_birth": super::iso(birth),
                "place_of_birth": gov.fr,
                "nationality": "Tunisia",
                "passport": { "number": p.passport(), "issuing_country": "TUN" },
                "phone": phone(&mut prng, country_code),
            },
            "residence": {
                "country": residence_country,
                "city": city,
                "address": format!("{} {}", prng.gen_range(1..200), STREETS[prng.gen_range(0..STREETS.len())]),
            },
        });
        serde_json::to_writer(&mut w, &obj).map_err(|source| DemoError::Io {
            path: path.clone(),
            source: source.into(),
        })?;
        w.write_all(b"\n").map_err(io_err(&path))?;
        count.count(bad.is_some());
        mark(seen, p.id, 4);
    }
    w.flush().map_err(io_err(&path))?;
    Ok(count.done(Some(MAPPING_FILE)))
}

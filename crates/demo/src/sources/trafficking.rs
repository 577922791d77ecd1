//! Anti-trafficking authority: identified victims and their cases. Names in mixed scripts,
//! nationality written any way the officer liked. Sensitive.

use std::path::Path;

use chrono::NaiveDate;
use rand::Rng;

use super::{day_between, dmy, first_day, impossible_date, last_day, mark, roll_bad};
use super::{unknown_country, Bad, Ctx, DateOrder, Seen};
use crate::out::{Counter, CsvOut, CsvStyle, Written};
use crate::population::{Person, Status};
use crate::spell::{self, Care, Script};
use crate::{rng_for, DemoError};

pub(crate) const FILE: &str = "instance_traite_victimes.csv";
pub(crate) const MAPPING_FILE: &str = "instance_traite_victimes.toml";

pub(crate) const HEADER: &[&str] = &[
    "num_dossier",
    "ref_victime",
    "nom",
    "prenom",
    "nom_pere",
    "sexe",
    "date_naissance",
    "nationalite",
    "date_identification",
    "forme_exploitation",
    "statut_orientation",
    "identifie_par",
    "pays_exploitation",
];

pub(crate) const MAPPING: &str = r#"# Instance nationale de lutte contre la traite des personnes — identified victims.
# Sensitive: access restricted to the authority's case workers.
[file]
format = "csv"
encoding = "utf-8"
delimiter = ","
date_format = "%d/%m/%Y"

[[record]]
kind = "person"
[record.fields]
record_id = "ref_victime"
given_name = "prenom"
father_name = "nom_pere"
family_name = "nom"
sex = { column = "sexe", map = { M = "M", F = "F", H = "M" } }
birth_date = { column = "date_naissance", format = "%d/%m/%Y" }
nationality = "nationalite"

[[record]]
kind = "trafficking_case"
[record.fields]
record_id = "num_dossier"
person_record_id = "ref_victime"
identification_date = "date_identification"
exploitation_form = { column = "forme_exploitation", map = { "exploitation sexuelle" = "sexual", "travail forcé" = "forced_labour", "servitude domestique" = "domestic_servitude", "mendicité forcée" = "forced_begging", "criminalité forcée" = "forced_criminality", "mariage forcé" = "forced_marriage", "autre" = "other" } }
referral_status = { column = "statut_orientation", map = { "identifiée" = "identified", "orientée" = "referred", "prise en charge" = "assisted", "clôturée" = "closed" } }
identified_by = "identifie_par"
country_of_exploitation = "pays_exploitation"
"#;

const CARE: Care = Care {
    typo: 0.08,
    no_father: 0.35,
    family_alt: 0.08,
    other_translit: 0.15,
    swap_day_month: 0.03,
};

const IDENTIFIED_BY: &[&str] = &[
    "Garde nationale",
    "Police judiciaire",
    "Inspection du travail",
    "Société civile",
    "OIM",
    "HCR",
    "Délégué à la protection de l'enfance",
    "Auto-signalement",
];

fn is_victim<R: Rng>(rng: &mut R, p: &Person, today: NaiveDate) -> bool {
    let age = p.age_at(today);
    let prob = match p.status {
        Status::Transit => 0.25,
        Status::Immigrant => 0.07,
        Status::Emigrant
            if p.female
                && matches!(
                    p.abroad_country().alpha3,
                    "SAU" | "QAT" | "ARE" | "KWT" | "OMN" | "BHR" | "LBY"
                ) =>
        {
            0.08
        }
        Status::Resident if age < 18 => 0.004,
        _ => 0.0,
    };
    rng.gen_bool(prob)
}

pub(crate) fn write(
    ctx: &Ctx<'_>,
    dir: &Path,
    seen: &mut Seen,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Written, DemoError> {
    let cfg = ctx.cfg;
    crate::out::write_text(dir, MAPPING_FILE, MAPPING)?;
    let (first, last) = (first_day(cfg), last_day(cfg));
    let mut cases: Vec<(NaiveDate, u32)> = Vec::new();
    for p in ctx.people {
        let mut rng = rng_for(cfg.seed, "trafficking", u64::from(p.id));
        if is_victim(&mut rng, p, cfg.today) {
            cases.push((day_between(&mut rng, first, last), p.id));
        }
    }
    cases.sort_unstable();
    let mut out = CsvOut::create(&dir.join(FILE), CsvStyle::default())?;
    out.write(HEADER)?;
    let mut count = Counter::new(FILE, progress);
    let mut rng = rng_for(cfg.seed, "trafficking-rows", 0);
    for (i, &(date, pid)) in cases.iter().enumerate() {
        let Some(p) = ctx.people.get(pid as usize) else {
            continue;
        };
        let mut prng = rng_for(cfg.seed, "trafficking-person", u64::from(p.id));
        // Officers write Arabic names in Arabic script about half the time.
        let script = if !p.african && prng.gen_bool(0.55) {
            Script::Arabic
        } else {
            Script::French
        };
        let n = spell::spell(p, ctx.names, script, &CARE, &mut prng);
        let birth = spell::birth(p, &CARE, &mut prng);
        let c = p.country();
        let nationality = match prng.gen_range(0..5) {
            0 => c.ar,
            1 | 2 => c.fr,
            3 => c.en,
            _ => c.alpha3,
        };
        let age = p.age_at(date);
        let form = match (p.status, p.female, age < 18) {
            (_, _, true) => {
                ["mendicité forcée", "travail forcé", "exploitation sexuelle"][rng.gen_range(0..3)]
            }
            (Status::Emigrant, _, _) => [
                "servitude domestique",
                "servitude domestique",
                "travail forcé",
            ][rng.gen_range(0..3)],
            (_, true, _) => [
                "servitude domestique",
                "exploitation sexuelle",
                "travail forcé",
                "mariage forcé",
            ][rng.gen_range(0..4)],
            _ => [
                "travail forcé",
                "travail forcé",
                "criminalité forcée",
                "autre",
            ][rng.gen_range(0..4)],
        };
        let exploitation = if p.status == Status::Emigrant {
            p.abroad_country().fr
        } else if rng.gen_bool(0.15) {
            "Libye"
        } else {
            "Tunisie"
        };
        let months = (last - date).num_days() / 30;
        let status = match months {
            0..=2 => "identifiée",
            3..=8 => ["orientée", "prise en charge"][rng.gen_range(0..2)],
            _ => ["prise en charge", "clôturée", "clôturée"][rng.gen_range(0..3)],
        };
        let birth_text = if rng.gen_bool(0.12) {
            String::new()
        } else {
            dmy(birth)
        };
        let mut rec = vec![
            format!("TR-{}-{:05}", super::year_of(date), i + 1),
            format!("V{:06}", (u64::from(p.id) * 48_271) % 1_000_000),
            n.family,
            n.given,
            n.father,
            if p.female { "F" } else { "M" }.to_string(),
            birth_text,
            nationality.to_string(),
            dmy(date),
            form.to_string(),
            status.to_string(),
            IDENTIFIED_BY[rng.gen_range(0..IDENTIFIED_BY.len())].to_string(),
            exploitation.to_string(),
        ];
        let bad = roll_bad(&mut rng);
        match bad {
            Some(Bad::ImpossibleDate) => {
                rec[8] = impossible_date(&mut rng, super::year_of(date), DateOrder::Dmy);
            }
            Some(Bad::UnknownCountry) => rec[12] = unknown_country(&mut rng).to_string(),
            Some(Bad::EmptyRequired) => rec[9].clear(),
            None => {}
        }
        out.write(&rec)?;
        count.count(bad.is_some());
        mark(seen, p.id, 6);
    }
    out.finish()?;
    Ok(count.done(Some(MAPPING_FILE)))
}

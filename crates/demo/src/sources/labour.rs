//! Labour placement agency: workers placed abroad, with ISCO-08 occupation, ISIC sector, wage
//! and recruitment cost (SDG 10.7.1). An Excel workbook with a title row above the header and
//! real Excel dates; French-style transliterations.

use std::path::Path;

use chrono::{Datelike, Months, NaiveDate};
use rand::Rng;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::{day_in_year, last_day, mark, roll_bad, unknown_country, Bad, Ctx, Seen};
use crate::out::{Counter, Written};
use crate::population::{Person, Status};
use crate::spell::{self, Care, Script};
use crate::world::GOVERNORATES;
use crate::{rng_for, DemoError};

pub(crate) const FILE: &str = "placements_etranger_2019_2024.xlsx";
pub(crate) const MAPPING_FILE: &str = "placements_etranger.toml";
pub(crate) const SHEET: &str = "Placements";

pub(crate) const HEADER: &[&str] = &[
    "N° dossier",
    "CIN",
    "Nom",
    "Prénom",
    "Nom du père",
    "Sexe",
    "Date de naissance",
    "Gouvernorat",
    "Pays de destination",
    "Employeur",
    "Secteur (CITI)",
    "Code CITP",
    "Profession",
    "Date début contrat",
    "Date fin contrat",
    "Salaire mensuel",
    "Devise",
    "Frais de recrutement",
    "Devise frais",
    "Bureau de placement",
];

pub(crate) const MAPPING: &str = r#"# Agence nationale de placement à l'étranger — workers placed abroad.
# Workbook with a title in row 1 and the column names in row 2; dates are Excel dates.
[file]
format = "xlsx"
sheet = "Placements"
header_row = 2

[[record]]
kind = "person"
[record.fields]
record_id = "CIN"
given_name = "Prénom"
father_name = "Nom du père"
family_name = "Nom"
sex = { column = "Sexe", map = { Homme = "M", Femme = "F" } }
birth_date = "Date de naissance"
nationality = { value = "TUN" }
document_type = { value = "national_id" }
document_number = "CIN"

[[record]]
kind = "labour_placement"
[record.fields]
record_id = "N° dossier"
person_record_id = "CIN"
destination_country = "Pays de destination"
employer_sector = "Secteur (CITI)"
occupation = "Code CITP"
contract_start = "Date début contrat"
contract_end = "Date fin contrat"
monthly_wage = "Salaire mensuel"
wage_currency = "Devise"
recruitment_cost = "Frais de recrutement"
recruitment_cost_currency = "Devise frais"
placement_agency = "Bureau de placement"
"#;

const CARE: Care = Care {
    typo: 0.06,
    no_father: 0.08,
    family_alt: 0.05,
    other_translit: 0.04,
    swap_day_month: 0.02,
};

/// Destination, currency, low and high monthly wage.
const DESTINATIONS: &[(&str, &str, f64, f64)] = &[
    ("FRA", "EUR", 1_700.0, 3_800.0),
    ("DEU", "EUR", 2_100.0, 4_200.0),
    ("ITA", "EUR", 1_200.0, 2_400.0),
    ("BEL", "EUR", 1_900.0, 3_500.0),
    ("CHE", "CHF", 3_800.0, 6_500.0),
    ("CAN", "CAD", 3_000.0, 6_000.0),
    ("SAU", "SAR", 3_500.0, 14_000.0),
    ("QAT", "QAR", 3_500.0, 15_000.0),
    ("ARE", "AED", 3_500.0, 16_000.0),
    ("KWT", "KWD", 250.0, 1_300.0),
    ("OMN", "OMR", 250.0, 1_200.0),
    ("BHR", "BHD", 250.0, 1_200.0),
    ("LBY", "LYD", 1_200.0, 3_500.0),
];

/// ISCO-08 code, label, ISIC section, share of women, Gulf-only.
const JOBS: &[(&str, &str, &str, f64)] = &[
    ("2221", "Infirmier / infirmière", "Q", 0.6),
    ("2211", "Médecin généraliste", "Q", 0.5),
    ("3221", "Aide-soignant", "Q", 0.6),
    ("5321", "Auxiliaire de vie", "Q", 0.7),
    ("2330", "Professeur de l'enseignement secondaire", "P", 0.5),
    ("2142", "Ingénieur en génie civil", "F", 0.2),
    ("2144", "Ingénieur mécanicien", "C", 0.1),
    ("2512", "Développeur de logiciels", "J", 0.25),
    ("7126", "Plombier", "F", 0.0),
    ("7411", "Électricien du bâtiment", "F", 0.0),
    ("7115", "Charpentier menuisier", "F", 0.0),
    ("7231", "Mécanicien automobile", "G", 0.0),
    ("7212", "Soudeur", "C", 0.0),
    ("8322", "Chauffeur", "H", 0.0),
    ("5120", "Cuisinier", "I", 0.2),
    ("5131", "Serveur", "I", 0.3),
    ("9112", "Agent d'entretien", "N", 0.5),
    ("9111", "Employé de maison", "T", 0.95),
    ("9211", "Ouvrier agricole saisonnier", "A", 0.3),
    ("7531", "Couturier", "C", 0.8),
];

const EMPLOYERS: &[&str] = &[
    "Centre hospitalier",
    "Groupe BTP",
    "Clinique privée",
    "Société de services",
    "Exploitation agricole",
    "Hôtel",
    "Ministère de l'éducation",
    "Famille (particulier)",
    "Entreprise industrielle",
    "Société de transport",
];

const OFFICES: &[&str] = &[
    "Bureau de Tunis",
    "Bureau de Sfax",
    "Bureau de Sousse",
    "Bureau de Gabès",
    "Bureau de Bizerte",
    "Bureau de Kairouan",
    "Bureau de Médenine",
    "Agence privée agréée",
];

fn xerr(path: &Path) -> impl Fn(XlsxError) -> DemoError + '_ {
    move |source| DemoError::Xlsx {
        path: path.to_path_buf(),
        source,
    }
}

fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day() as u8)
}

/// Placements of one person: (destination index, contract start).
fn placements_of(ctx: &Ctx<'_>, p: &Person) -> Vec<(usize, NaiveDate)> {
    let cfg = ctx.cfg;
    let mut rng = rng_for(cfg.seed, "labour", u64::from(p.id));
    let eligible = matches!(p.status, Status::Emigrant | Status::Returnee)
        && p.moved_year >= cfg.first_year
        && p.moved_year <= cfg.last_year
        && p.age_at(cfg.today) >= 20;
    let Some(dest) = DESTINATIONS
        .iter()
        .position(|d| d.0 == p.abroad_country().alpha3)
    else {
        return Vec::new();
    };
    if !eligible || !rng.gen_bool(0.7) {
        return Vec::new();
    }
    let start = day_in_year(&mut rng, p.moved_year, last_day(cfg));
    let mut out = vec![(dest, start)];
    // A renewal or a second contract.
    if rng.gen_bool(0.2) {
        let next = start + Months::new(rng.gen_range(12..30));
        if next <= last_day(cfg) {
            out.push((dest, next));
        }
    }
    out
}

pub(crate) fn write(
    ctx: &Ctx<'_>,
    dir: &Path,
    seen: &mut Seen,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Written, DemoError> {
    let cfg = ctx.cfg;
    crate::out::write_text(dir, MAPPING_FILE, MAPPING)?;
    let path = dir.join(FILE);
    let e = xerr(&path);
    let mut workbook = Workbook::new();
    let created = excel_date(cfg.today).map_err(&e)?;
    workbook.set_properties(
        &DocProperties::new()
            .set_title("Placements à l'étranger")
            .set_author("Agence nationale de placement à l'étranger")
            .set_creation_datetime(&created),
    );
    let mut count = Counter::new(FILE, progress);
    {
        let sheet = workbook.add_worksheet_with_constant_memory().map_err(&e)?;
        sheet.set_name(SHEET).map_err(&e)?;
        write_sheet(ctx, sheet, seen, &mut count).map_err(&e)?;
    }
    workbook.save(&path).map_err(&e)?;
    Ok(count.done(Some(MAPPING_FILE)))
}

fn write_sheet(
    ctx: &Ctx<'_>,
    sheet: &mut Worksheet,
    seen: &mut Seen,
    count: &mut Counter<'_>,
) -> Result<(), XlsxError> {
    let cfg = ctx.cfg;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let money = Format::new().set_num_format("#,##0.00");
    sheet.write_string_with_format(
        0,
        0,
        format!(
            "Agence nationale de placement à l'étranger — placements {}–{} (extrait du {})",
            cfg.first_year,
            cfg.last_year,
            cfg.today.format("%d/%m/%Y")
        ),
        &bold,
    )?;
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string_with_format(1, c as u16, *h, &bold)?;
    }
    let mut rows = Vec::new();
    for p in ctx.people {
        for (dest, start) in placements_of(ctx, p) {
            rows.push((start, p.id, dest));
        }
    }
    rows.sort_unstable();
    let mut rng = rng_for(cfg.seed, "labour-rows", 0);
    let mut row: u32 = 2;
    for (i, &(start, pid, dest)) in rows.iter().enumerate() {
        let Some(p) = ctx.people.get(pid as usize) else {
            continue;
        };
        let mut prng = rng_for(cfg.seed, "labour-person", u64::from(p.id));
        let n = spell::spell(p, ctx.names, Script::French, &CARE, &mut prng);
        let birth = spell::birth(p, &CARE, &mut prng);
        let (dest_code, currency, low, high) = DESTINATIONS[dest];
        let gulf = matches!(currency, "SAR" | "QAR" | "AED" | "KWD" | "OMR" | "BHD");
        let job = loop {
            let j = &JOBS[rng.gen_range(0..JOBS.len())];
            let fits_sex = if p.female {
                rng.gen_bool(j.3.max(0.05))
            } else {
                j.3 < 0.9
            };
            let fits_place = (j.0 != "9111" || gulf) && (j.0 != "9211" || !gulf);
            if fits_sex && fits_place {
                break j;
            }
        };
        let country = &crate::world::COUNTRIES[crate::world::country(dest_code)];
        let wage = (rng.gen_range(low..high) / 10.0).round() * 10.0;
        // Recruitment costs in dinars; higher for the Gulf and for private agencies.
        let office = OFFICES[rng.gen_range(0..OFFICES.len())];
        let private = office.starts_with("Agence");
        let cost = if private || (gulf && rng.gen_bool(0.3)) {
            (rng.gen_range(800.0..6_000.0_f64) / 50.0).round() * 50.0
        } else {
            (rng.gen_range(0.0..600.0_f64) / 10.0).round() * 10.0
        };
        let end = start + Months::new([12, 24, 24, 36][rng.gen_range(0..4)]);
        let bad = roll_bad(&mut rng);
        let r = row;
        row += 1;
        sheet.write_string(r, 0, format!("PL-{}-{:06}", start.year(), i + 1))?;
        sheet.write_string(r, 1, p.cin())?;
        sheet.write_string(r, 2, &n.family)?;
        sheet.write_string(r, 3, &n.given)?;
        if !n.father.is_empty() {
            sheet.write_string(r, 4, &n.father)?;
        }
        sheet.write_string(r, 5, if p.female { "Femme" } else { "Homme" })?;
        sheet.write_datetime_with_format(r, 6, excel_date(birth)?, &date)?;
        let gov = &GOVERNORATES[usize::from(p.gov).min(GOVERNORATES.len() - 1)];
        sheet.write_string(r, 7, gov.fr)?;
        match bad {
            Some(Bad::UnknownCountry) => {
                sheet.write_string(r, 8, unknown_country(&mut rng))?;
            }
            Some(Bad::EmptyRequired) => {}
            _ => {
                sheet.write_string(r, 8, country.fr)?;
            }
        }
        sheet.write_string(r, 9, EMPLOYERS[rng.gen_range(0..EMPLOYERS.len())])?;
        sheet.write_string(r, 10, job.2)?;
        sheet.write_string(r, 11, job.0)?;
        sheet.write_string(r, 12, job.1)?;
        if bad == Some(Bad::ImpossibleDate) {
            // Typed by hand into a text cell.
            let text = super::impossible_date(&mut rng, start.year(), super::DateOrder::Dmy);
            sheet.write_string(r, 13, text)?;
        } else {
            sheet.write_datetime_with_format(r, 13, excel_date(start)?, &date)?;
        }
        sheet.write_datetime_with_format(r, 14, excel_date(end)?, &date)?;
        sheet.write_number_with_format(r, 15, wage, &money)?;
        sheet.write_string(r, 16, currency)?;
        sheet.write_number_with_format(r, 17, cost, &money)?;
        sheet.write_string(r, 18, "TND")?;
        sheet.write_string(r, 19, office)?;
        count.count(bad.is_some());
        mark(seen, p.id, 3);
    }
    Ok(())
}

//! Ministry of social affairs: nationals who came back (voluntary, assisted voluntary, forced)
//! and their reintegration assistance. CSV with Arabic column names, names in Arabic script.

use std::path::Path;

use rand::Rng;

use super::{day_in_year, dmy, impossible_date, last_day, mark, roll_bad, unknown_country};
use super::{Bad, Ctx, DateOrder, Seen};
use crate::out::{Counter, CsvOut, CsvStyle, Written};
use crate::population::Status;
use crate::spell::{self, Care, Script};
use crate::world::GOVERNORATES;
use crate::{rng_for, DemoError};

pub(crate) const FILE: &str = "affaires_sociales_retours.csv";
pub(crate) const MAPPING_FILE: &str = "affaires_sociales_retours.toml";

pub(crate) const HEADER: &[&str] = &[
    "رقم_الملف",
    "رقم_بطاقة_التعريف",
    "اللقب",
    "الاسم",
    "اسم_الأب",
    "الجنس",
    "تاريخ_الولادة",
    "الولاية",
    "نوع_العودة",
    "تاريخ_العودة",
    "بلد_القدوم",
    "المساعدات",
    "وضعية_الإدماج",
];

pub(crate) const MAPPING: &str = r#"# وزارة الشؤون الاجتماعية — Ministère des affaires sociales: returns and reintegration.
[file]
format = "csv"
encoding = "utf-8"
delimiter = ","
date_format = "%d/%m/%Y"

[[record]]
kind = "person"
[record.fields]
record_id = "رقم_بطاقة_التعريف"
given_name = "الاسم"
father_name = "اسم_الأب"
family_name = "اللقب"
sex = { column = "الجنس", map = { "ذكر" = "M", "أنثى" = "F" } }
birth_date = { column = "تاريخ_الولادة", format = "%d/%m/%Y" }
nationality = { value = "TUN" }
document_type = { value = "national_id" }
document_number = "رقم_بطاقة_التعريف"
locality = "الولاية"

[[record]]
kind = "return"
[record.fields]
record_id = "رقم_الملف"
person_record_id = "رقم_بطاقة_التعريف"
return_type = { column = "نوع_العودة", map = { "عودة طوعية" = "voluntary", "عودة طوعية مساعدة" = "assisted_voluntary", "ترحيل" = "forced" } }
return_date = "تاريخ_العودة"
from_country = "بلد_القدوم"
assistance = "المساعدات"
reintegration_status = { column = "وضعية_الإدماج", map = { "مبرمج" = "planned", "جاري" = "in_progress", "مكتمل" = "completed", "منقطع" = "abandoned" } }
"#;

const CARE: Care = Care {
    typo: 0.06,
    no_father: 0.05,
    family_alt: 0.1,
    other_translit: 0.05,
    swap_day_month: 0.02,
};

const ASSISTANCE: &[&str] = &[
    "cash",
    "business",
    "training",
    "housing",
    "medical",
    "psychosocial",
    "education",
    "legal",
];

pub(crate) fn write(
    ctx: &Ctx<'_>,
    dir: &Path,
    seen: &mut Seen,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Written, DemoError> {
    let cfg = ctx.cfg;
    crate::out::write_text(dir, MAPPING_FILE, MAPPING)?;
    let last = last_day(cfg);
    let mut returns = Vec::new();
    for p in ctx.people.iter().filter(|p| p.status == Status::Returnee) {
        let mut rng = rng_for(cfg.seed, "returns", u64::from(p.id));
        if rng.gen_bool(0.7) {
            returns.push((day_in_year(&mut rng, p.return_year, last), p.id));
        }
    }
    returns.sort_unstable();
    let mut out = CsvOut::create(&dir.join(FILE), CsvStyle::default())?;
    out.write(HEADER)?;
    let mut count = Counter::new(FILE, progress);
    let mut rng = rng_for(cfg.seed, "returns-rows", 0);
    for (i, &(date, pid)) in returns.iter().enumerate() {
        let Some(p) = ctx.people.get(pid as usize) else {
            continue;
        };
        let mut prng = rng_for(cfg.seed, "returns-person", u64::from(p.id));
        let n = spell::spell(p, ctx.names, Script::Arabic, &CARE, &mut prng);
        let birth = spell::birth(p, &CARE, &mut prng);
        let from = p.abroad_country();
        let forced_likely = matches!(from.alpha3, "ITA" | "DEU" | "FRA" | "BEL" | "CHE" | "NLD");
        let x: f64 = rng.gen();
        let (kind, assisted) = if forced_likely && x < 0.3 {
            ("ترحيل", rng.gen_bool(0.3))
        } else if x < 0.55 || from.alpha3 == "LBY" {
            ("عودة طوعية مساعدة", true)
        } else {
            ("عودة طوعية", rng.gen_bool(0.1))
        };
        let (assistance, status) = if assisted {
            let mut kinds: Vec<&str> = (0..rng.gen_range(1..=3))
                .map(|_| ASSISTANCE[rng.gen_range(0..ASSISTANCE.len())])
                .collect();
            kinds.sort_unstable();
            kinds.dedup();
            let months = (last - date).num_days() / 30;
            let status = match months {
                0..=3 => "مبرمج",
                4..=14 => ["جاري", "جاري", "منقطع"][rng.gen_range(0..3)],
                _ => ["مكتمل", "مكتمل", "منقطع", "جاري"][rng.gen_range(0..4)],
            };
            (kinds.join(";"), status)
        } else {
            ("none".to_string(), "")
        };
        let gov = &GOVERNORATES[usize::from(p.gov).min(GOVERNORATES.len() - 1)];
        let mut rec = vec![
            format!("ع-{}-{:05}", super::year_of(date), i + 1),
            p.cin(),
            n.family,
            n.given,
            n.father,
            if p.female { "أنثى" } else { "ذكر" }.to_string(),
            dmy(birth),
            gov.ar.to_string(),
            kind.to_string(),
            dmy(date),
            from.ar.to_string(),
            assistance,
            status.to_string(),
        ];
        let bad = roll_bad(&mut rng);
        match bad {
            Some(Bad::ImpossibleDate) => {
                rec[9] = impossible_date(&mut rng, super::year_of(date), DateOrder::Dmy);
            }
            Some(Bad::UnknownCountry) => rec[10] = unknown_country(&mut rng).to_string(),
            Some(Bad::EmptyRequired) => rec[8].clear(),
            None => {}
        }
        out.write(&rec)?;
        count.count(bad.is_some());
        mark(seen, p.id, 7);
    }
    out.finish()?;
    Ok(count.done(Some(MAPPING_FILE)))
}

//! Central bank: monthly remittance flows by corridor country and channel, in US dollars, with
//! the average cost of sending 200 USD (SDG 10.c.1). Not personal data.

use std::path::Path;

use rand::Rng;

use super::{roll_bad, unknown_country, Bad, Ctx, Seen};
use crate::out::{Counter, CsvOut, CsvStyle, Written};
use crate::world::{country, COUNTRIES};
use crate::{rng_for, DemoError};

pub(crate) const FILE: &str = "bct_transferts_mensuels.csv";
pub(crate) const MAPPING_FILE: &str = "bct_transferts_mensuels.toml";

pub(crate) const HEADER: &[&str] = &[
    "id_flux",
    "periode",
    "sens",
    "pays_corridor",
    "canal",
    "montant_usd",
    "devise",
    "cout_moyen_envoi_200usd",
];

pub(crate) const MAPPING: &str = r#"# Banque centrale — monthly remittance flows by corridor and channel (USD).
[file]
format = "csv"
encoding = "utf-8"
delimiter = ","

[[record]]
kind = "remittance_flow"
[record.fields]
record_id = "id_flux"
month = "periode"
direction = { column = "sens", map = { RECU = "inward", EMIS = "outward" } }
corridor_country = "pays_corridor"
channel = { column = "canal", map = { BANQUE = "bank", OTM = "money_transfer_operator", POSTE = "post", MOBILE = "mobile" } }
amount = "montant_usd"
currency = "devise"
avg_cost_pct_200usd = "cout_moyen_envoi_200usd"
"#;

/// Corridor, millions of USD a month in the first year, average cost of sending 200 USD (%).
const INWARD: &[(&str, f64, f64)] = &[
    ("FRA", 95.0, 6.8),
    ("ITA", 28.0, 6.1),
    ("DEU", 24.0, 7.9),
    ("LBY", 14.0, 9.5),
    ("SAU", 12.0, 4.9),
    ("QAT", 10.0, 4.6),
    ("ARE", 11.0, 4.4),
    ("CAN", 8.0, 8.2),
    ("BEL", 7.0, 6.5),
    ("CHE", 9.0, 7.4),
    ("USA", 6.0, 5.9),
    ("KWT", 3.5, 4.8),
    ("OMN", 3.0, 5.0),
    ("NLD", 2.5, 6.9),
    ("GBR", 3.0, 6.2),
    ("ESP", 1.8, 6.7),
    ("DZA", 1.5, 10.5),
    ("BHR", 1.0, 5.2),
    ("TUR", 1.2, 7.5),
];

/// Corridor, millions of USD a month sent out by immigrants, cost (%).
const OUTWARD: &[(&str, f64, f64)] = &[
    ("CIV", 1.6, 8.9),
    ("SEN", 0.7, 8.1),
    ("MLI", 0.6, 9.4),
    ("CMR", 0.5, 9.8),
    ("EGY", 0.9, 6.3),
    ("SYR", 0.4, 11.2),
];

/// Channel code, share, cost multiplier.
const CHANNELS: &[(&str, f64, f64)] = &[
    ("BANQUE", 0.46, 1.35),
    ("OTM", 0.38, 0.9),
    ("POSTE", 0.11, 0.8),
    ("MOBILE", 0.05, 0.6),
];

fn season(month: u32) -> f64 {
    match month {
        7 | 8 => 1.32,
        6 | 12 => 1.12,
        4 | 5 => 1.08,
        1 | 2 => 0.88,
        _ => 1.0,
    }
}

pub(crate) fn write(
    ctx: &Ctx<'_>,
    dir: &Path,
    _seen: &mut Seen,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Written, DemoError> {
    let cfg = ctx.cfg;
    crate::out::write_text(dir, MAPPING_FILE, MAPPING)?;
    let mut out = CsvOut::create(&dir.join(FILE), CsvStyle::default())?;
    out.write(HEADER)?;
    let mut count = Counter::new(FILE, progress);
    let mut rng = rng_for(cfg.seed, "bank", 0);
    let last = super::last_day(cfg);
    for year in cfg.first_year..=cfg.last_year {
        for month in 1..=12u32 {
            let Some(first_of_month) = chrono::NaiveDate::from_ymd_opt(year, month, 1) else {
                continue;
            };
            if first_of_month > last {
                continue;
            }
            let t = f64::from(year - cfg.first_year) + f64::from(month - 1) / 12.0;
            let trend = 1.05_f64.powf(t);
            // Transfers dipped in spring 2020, then rebounded above trend.
            let shock = match (year, month) {
                (2020, 4 | 5) => 0.72,
                (2020, 6..=12) => 1.12,
                (2021, _) => 1.08,
                _ => 1.0,
            };
            for (dir_code, table) in [("RECU", INWARD), ("EMIS", OUTWARD)] {
                for &(corridor, base, cost) in table {
                    let c = &COUNTRIES[country(corridor)];
                    for &(channel, share, cost_mult) in CHANNELS {
                        if corridor == "LBY" && channel == "POSTE" {
                            continue;
                        }
                        let noise = rng.gen_range(0.94..1.06);
                        let amount = base * 1e6 * share * season(month) * trend * shock * noise;
                        // Costs fall slowly over the years.
                        let pct = cost * cost_mult * 0.97_f64.powf(t) * rng.gen_range(0.97..1.03);
                        let mut rec = vec![
                            format!("{dir_code}-{year}{month:02}-{}-{channel}", c.alpha3),
                            format!("{year}-{month:02}"),
                            dir_code.to_string(),
                            c.fr.to_string(),
                            channel.to_string(),
                            format!("{amount:.2}"),
                            "USD".to_string(),
                            format!("{pct:.2}"),
                        ];
                        let bad = roll_bad(&mut rng);
                        match bad {
                            Some(Bad::ImpossibleDate) => rec[1] = format!("{year}-13"),
                            Some(Bad::UnknownCountry) => {
                                rec[3] = unknown_country(&mut rng).to_string();
                            }
                            Some(Bad::EmptyRequired) => rec[5].clear(),
                            None => {}
                        }
                        out.write(&rec)?;
                        count.count(bad.is_some());
                    }
                }
            }
        }
    }
    out.finish()?;
    Ok(count.done(Some(MAPPING_FILE)))
}

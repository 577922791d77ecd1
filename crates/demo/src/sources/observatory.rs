//! Observatory: deaths and disappearances of migrants, in the shape of IOM's Missing Migrants
//! Project export (Central Mediterranean off the coast, Sahara crossing, ...). Not personal data.

use std::path::Path;

use chrono::Datelike;
use rand::Rng;

use super::{day_in_year, impossible_date, last_day, roll_bad, Bad, Ctx, DateOrder, Seen};
use crate::out::{Counter, CsvOut, CsvStyle, Written};
use crate::{rng_for, DemoError};

pub(crate) const FILE: &str = "observatoire_migrants_disparus.csv";
pub(crate) const MAPPING_FILE: &str = "observatoire_migrants_disparus.toml";

pub(crate) const HEADER: &[&str] = &[
    "Main ID",
    "Incident Type",
    "Region of Incident",
    "Incident Date",
    "Incident Year",
    "Reported Month",
    "Number of Dead",
    "Minimum Estimated Number of Missing",
    "Total Number of Dead and Missing",
    "Number of Survivors",
    "Number of Females",
    "Number of Males",
    "Number of Children",
    "Cause of Death",
    "Region of Origin",
    "Migration Route",
    "Location of Incident",
    "Country of Incident",
    "Information Source",
    "Coordinates",
    "Latitude",
    "Longitude",
    "Source Quality",
];

pub(crate) const MAPPING: &str = r#"# Observatoire national de la migration — incidents in the shape of IOM's Missing Migrants
# Project export, with coordinates split into Latitude / Longitude by the observatory.
[file]
format = "csv"
encoding = "utf-8"
delimiter = ","

[[record]]
kind = "missing_migrant_incident"
[record.fields]
record_id = "Main ID"
incident_date = "Incident Date"
latitude = "Latitude"
longitude = "Longitude"
route = { column = "Migration Route", map = { "Central Mediterranean" = "central_mediterranean", "Western Mediterranean" = "western_mediterranean", "Eastern Mediterranean" = "eastern_mediterranean", "Sahara Desert crossing" = "sahara_crossing" } }
country_of_incident = "Country of Incident"
dead = { column = "Number of Dead", default = "0" }
missing = "Minimum Estimated Number of Missing"
survivors = "Number of Survivors"
females = "Number of Females"
males = "Number of Males"
children = "Number of Children"
cause_of_death = { column = "Cause of Death", map = { "Drowning" = "drowning", "Vehicle accident / death linked to hazardous transport" = "vehicle_accident", "Violence" = "violence", "Harsh environmental conditions / lack of adequate shelter, food, water" = "harsh_conditions", "Sickness / lack of access to adequate healthcare" = "sickness", "Accidental death" = "accidental", "Mixed or unknown" = "mixed_or_unknown" } }
information_source = "Information Source"
location_description = "Location of Incident"
"#;

/// Area: route, region, country, description, lat range, lon range, weight.
type Area = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    (f64, f64),
    (f64, f64),
    u32,
);

const AREAS: &[Area] = &[
    (
        "Central Mediterranean",
        "Mediterranean",
        "Tunisia",
        "Off the coast of Sfax / Kerkennah islands",
        (34.45, 35.10),
        (10.95, 11.75),
        40,
    ),
    (
        "Central Mediterranean",
        "Mediterranean",
        "Tunisia",
        "Off Mahdia and Chebba",
        (35.10, 35.60),
        (11.05, 11.60),
        12,
    ),
    (
        "Central Mediterranean",
        "Mediterranean",
        "Italy",
        "Between Tunisia and Lampedusa",
        (35.20, 35.85),
        (11.80, 12.55),
        20,
    ),
    (
        "Central Mediterranean",
        "Mediterranean",
        "Libya",
        "Off Zuwara / Sabratha",
        (32.95, 33.55),
        (11.60, 12.60),
        18,
    ),
    (
        "Central Mediterranean",
        "Mediterranean",
        "Tunisia",
        "Off Zarzis / Djerba",
        (33.40, 33.90),
        (11.00, 11.45),
        8,
    ),
    (
        "Central Mediterranean",
        "Mediterranean",
        "Tunisia",
        "Off Bizerte / Kelibia",
        (37.10, 37.45),
        (10.10, 11.25),
        5,
    ),
    (
        "Western Mediterranean",
        "Mediterranean",
        "Algeria",
        "Off Annaba / Oran towards Spain and Sardinia",
        (36.95, 38.20),
        (-0.80, 8.20),
        7,
    ),
    (
        "Sahara Desert crossing",
        "Northern Africa",
        "Tunisia",
        "Desert near the Tunisia–Libya border",
        (32.00, 33.20),
        (10.30, 11.40),
        4,
    ),
    (
        "Sahara Desert crossing",
        "Northern Africa",
        "Tunisia",
        "Desert near the Tunisia–Algeria border (Tozeur, Hazoua)",
        (33.40, 34.20),
        (7.50, 8.20),
        3,
    ),
    (
        "Sahara Desert crossing",
        "Northern Africa",
        "Niger",
        "Agadez – Séguédine route",
        (18.50, 21.50),
        (8.50, 13.00),
        4,
    ),
    (
        "Sahara Desert crossing",
        "Northern Africa",
        "Libya",
        "South of Libya (Fezzan)",
        (24.50, 27.50),
        (12.00, 15.50),
        3,
    ),
];

const SOURCES: &[&str] = &[
    "Garde nationale maritime",
    "Survivors' testimonies (IOM)",
    "Media reports",
    "Tunisian Forum for Economic and Social Rights (FTDES)",
    "Italian Coast Guard",
    "Alarm Phone",
    "Protection civile",
];

pub(crate) fn write(
    ctx: &Ctx<'_>,
    dir: &Path,
    _seen: &mut Seen,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Written, DemoError> {
    let cfg = ctx.cfg;
    crate::out::write_text(dir, MAPPING_FILE, MAPPING)?;
    let mut rng = rng_for(cfg.seed, "observatory", 0);
    let last = last_day(cfg);
    let mut incidents = Vec::new();
    for year in cfg.first_year..=cfg.last_year {
        // Departures from the coast peaked in 2022-2023.
        let n = match year {
            2019 => 140,
            2020 => 190,
            2021 => 240,
            2022 => 330,
            2023 => 420,
            _ => 260,
        };
        for _ in 0..n {
            let d = day_in_year(&mut rng, year, last);
            let total: u32 = AREAS.iter().map(|a| a.6).sum();
            let mut x = rng.gen_range(0..total);
            let mut area = 0;
            for (i, a) in AREAS.iter().enumerate() {
                if x < a.6 {
                    area = i;
                    break;
                }
                x -= a.6;
            }
            incidents.push((d, area));
        }
    }
    incidents.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut out = CsvOut::create(&dir.join(FILE), CsvStyle::default())?;
    out.write(HEADER)?;
    let mut count = Counter::new(FILE, progress);
    for (i, &(d, area)) in incidents.iter().enumerate() {
        let (route, region, country, place, lat, lon, _) = AREAS[area];
        let at_sea = region == "Mediterranean";
        let lat_v = rng.gen_range(lat.0..lat.1);
        let lon_v = rng.gen_range(lon.0..lon.1);
        let shipwreck = at_sea && rng.gen_bool(0.06);
        let (dead, missing, survivors) = if shipwreck {
            (
                rng.gen_range(5..60),
                rng.gen_range(10..90),
                rng.gen_range(0..40),
            )
        } else if at_sea {
            (
                rng.gen_range(0..4),
                rng.gen_range(0..12),
                rng.gen_range(0..30),
            )
        } else {
            (
                rng.gen_range(1..6),
                rng.gen_range(0..3),
                rng.gen_range(0..8),
            )
        };
        let total = dead + missing;
        let known = (f64::from(total) * rng.gen_range(0.0..0.6)) as u32;
        let females = rng.gen_range(0..=known / 2);
        let children = rng.gen_range(0..=known / 5);
        let males = known.saturating_sub(females + children);
        let cause = if at_sea {
            if rng.gen_bool(0.85) {
                "Drowning"
            } else {
                "Mixed or unknown"
            }
        } else {
            [
                "Harsh environmental conditions / lack of adequate shelter, food, water",
                "Vehicle accident / death linked to hazardous transport",
                "Violence",
                "Sickness / lack of access to adequate healthcare",
                "Mixed or unknown",
            ][rng.gen_range(0..5)]
        };
        let origin =
            ["Sub-Saharan Africa", "Northern Africa", "Mixed", "Unknown"][rng.gen_range(0..4)];
        let opt = |v: u32, p: f64, rng: &mut rand_chacha::ChaCha8Rng| {
            if rng.gen_bool(p) {
                v.to_string()
            } else {
                String::new()
            }
        };
        let mut rec = vec![
            format!("{}.{:04}", d.year(), i + 1),
            "Incident".to_string(),
            region.to_string(),
            super::iso(d),
            d.year().to_string(),
            d.format("%b").to_string(),
            if dead == 0 && rng.gen_bool(0.5) {
                String::new()
            } else {
                dead.to_string()
            },
            missing.to_string(),
            total.to_string(),
            opt(survivors, 0.8, &mut rng),
            opt(females, 0.6, &mut rng),
            opt(males, 0.6, &mut rng),
            opt(children, 0.6, &mut rng),
            cause.to_string(),
            origin.to_string(),
            route.to_string(),
            place.to_string(),
            country.to_string(),
            SOURCES[rng.gen_range(0..SOURCES.len())].to_string(),
            format!("{lat_v:.5}, {lon_v:.5}"),
            format!("{lat_v:.5}"),
            format!("{lon_v:.5}"),
            rng.gen_range(1..=5).to_string(),
        ];
        let bad = roll_bad(&mut rng);
        match bad {
            Some(Bad::ImpossibleDate) => {
                rec[3] = impossible_date(&mut rng, d.year(), DateOrder::Iso)
            }
            Some(Bad::UnknownCountry) => rec[17] = super::unknown_country(&mut rng).to_string(),
            Some(Bad::EmptyRequired) => rec[7].clear(),
            None => {}
        }
        out.write(&rec)?;
        count.count(bad.is_some());
    }
    out.finish()?;
    Ok(count.done(Some(MAPPING_FILE)))
}

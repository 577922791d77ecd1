//! Border police: every crossing at air, land and sea posts. Names in MRZ upper case, dates
//! dd/mm/yyyy, French headers, `;`-delimited, CRLF, Windows-1256 with an Arabic place-of-birth
//! column. One row yields the traveller and the crossing.

use std::path::Path;

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use rand::Rng;

use super::{
    at_time, day_between, first_day, impossible_date, last_day, mark, roll_bad, unknown_country,
    Bad, Ctx, DateOrder, Seen,
};
use crate::out::{Counter, CsvOut, CsvStyle, Written};
use crate::population::{weighted, Person, Status};
use crate::spell::{self, Care, Script};
use crate::world::{self, PostType, COUNTRIES, GOVERNORATES, POSTS};
use crate::{rng_for, DemoError};

pub(crate) const FILE: &str = "police_passages_2019_2024.csv";
pub(crate) const MAPPING_FILE: &str = "police_passages.toml";

pub(crate) const HEADER: &[&str] = &[
    "ID_PASSAGE",
    "DATE_HEURE",
    "SENS",
    "POSTE",
    "TYPE_POSTE",
    "NUM_PASSEPORT",
    "PAYS_EMETTEUR",
    "NOM",
    "PRENOM",
    "NOM_PERE",
    "SEXE",
    "DATE_NAISSANCE",
    "LIEU_NAISSANCE_AR",
    "NATIONALITE",
    "PROVENANCE",
    "DESTINATION",
    "MOTIF",
];

pub(crate) const MAPPING: &str = r#"# Direction des frontières et des étrangers — export of all crossings, one row per passage.
# Windows-1256, ';'-delimited; names as in the passport's machine-readable zone.
[file]
format = "csv"
encoding = "windows-1256"
delimiter = ";"
header_row = 1
date_format = "%d/%m/%Y"
datetime_format = "%d/%m/%Y %H:%M"

[[record]]
kind = "person"
[record.fields]
record_id = "NUM_PASSEPORT"
given_name = "PRENOM"
father_name = "NOM_PERE"
family_name = "NOM"
sex = { column = "SEXE", map = { H = "M", F = "F" } }
birth_date = { column = "DATE_NAISSANCE", format = "%d/%m/%Y" }
birth_place = "LIEU_NAISSANCE_AR"
nationality = "NATIONALITE"
document_type = { value = "passport" }
document_number = "NUM_PASSEPORT"

[[record]]
kind = "border_crossing"
[record.fields]
record_id = "ID_PASSAGE"
person_record_id = "NUM_PASSEPORT"
crossed_at = "DATE_HEURE"
direction = { column = "SENS", map = { E = "in", S = "out" } }
border_post = "POSTE"
post_type = { column = "TYPE_POSTE", map = { A = "air", T = "land", M = "sea" } }
document_type = { value = "passport" }
document_number = "NUM_PASSEPORT"
document_country = "PAYS_EMETTEUR"
departure_country = "PROVENANCE"
destination_country = "DESTINATION"
purpose = { column = "MOTIF", map = { TOUR = "tourism", TRAV = "work", ETUD = "study", FAM = "family", AFF = "business", TRANS = "transit", MED = "medical", REL = "religious", RET = "return", AUT = "other" } }
"#;

const CARE: Care = Care {
    typo: 0.03,
    no_father: 0.25,
    family_alt: 0.03,
    other_translit: 0.05,
    swap_day_month: 0.01,
};

const PURPOSES: &[&str] = &[
    "TOUR", "TRAV", "ETUD", "FAM", "AFF", "TRANS", "MED", "REL", "RET", "AUT",
];
const TOUR: u8 = 0;
const TRAV: u8 = 1;
const ETUD: u8 = 2;
const FAM: u8 = 3;
const AFF: u8 = 4;
const MED: u8 = 6;
const REL: u8 = 7;
const RET: u8 = 8;

/// One crossing before it gets its number.
#[derive(Debug, Clone, Copy)]
struct Event {
    at: NaiveDateTime,
    person: u32,
    inbound: bool,
    post: u8,
    foreign: u8,
    purpose: u8,
}

/// Where residents travel to, with weights.
const TRAVEL: &[(&str, u32)] = &[
    ("FRA", 200),
    ("TUR", 120),
    ("LBY", 110),
    ("DZA", 120),
    ("SAU", 60),
    ("ARE", 40),
    ("ITA", 60),
    ("EGY", 30),
    ("DEU", 40),
    ("QAT", 20),
    ("MAR", 15),
    ("CAN", 10),
];

fn pick_post<R: Rng>(rng: &mut R, foreign: &str, when: NaiveDate) -> u8 {
    let land: Vec<usize> = POSTS
        .iter()
        .enumerate()
        .filter(|(_, p)| p.neighbour == foreign)
        .map(|(i, _)| i)
        .collect();
    if !land.is_empty() && rng.gen_bool(0.85) {
        let total: u32 = land.iter().map(|&i| POSTS[i].weight).sum();
        let mut x = rng.gen_range(0..total.max(1));
        for &i in &land {
            if x < POSTS[i].weight {
                return i as u8;
            }
            x -= POSTS[i].weight;
        }
    }
    let summer = matches!(when.month(), 6..=9);
    let ferry = matches!(foreign, "FRA" | "ITA");
    if ferry && rng.gen_bool(if summer { 0.35 } else { 0.08 }) {
        return [6u8, 6, 6, 7, 8][rng.gen_range(0..5)];
    }
    let air: Vec<(usize, u32)> = POSTS
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind == PostType::Air)
        .map(|(i, p)| (i, p.weight))
        .collect();
    let total: u32 = air.iter().map(|a| a.1).sum();
    let mut x = rng.gen_range(0..total.max(1));
    for (i, w) in air {
        if x < w {
            return i as u8;
        }
        x -= w;
    }
    0
}

/// How likely travel is in a month (the 2020 closure, summer peaks).
fn travel_factor(d: NaiveDate) -> f64 {
    match (d.year(), d.month()) {
        (2020, 3..=6) => 0.03,
        (2020, _) => 0.35,
        (2021, 1..=6) => 0.5,
        (_, 7 | 8) => 1.0,
        _ => 0.8,
    }
}

#[allow(clippy::too_many_arguments)] // one trip is described by all of these
fn trip<R: Rng>(
    rng: &mut R,
    events: &mut Vec<Event>,
    p: &Person,
    foreign: &str,
    leave: NaiveDate,
    days: i64,
    purpose: u8,
    starts_abroad: bool,
    last: NaiveDate,
) {
    let back = leave + Duration::days(days);
    let post_out = pick_post(rng, foreign, leave);
    let post_back = if POSTS[usize::from(post_out)].kind == PostType::Land || rng.gen_bool(0.7) {
        post_out
    } else {
        pick_post(rng, foreign, back)
    };
    let foreign_i = world::country(foreign) as u8;
    let first = Event {
        at: at_time(rng, leave),
        person: p.id,
        inbound: starts_abroad,
        post: post_out,
        foreign: foreign_i,
        purpose,
    };
    events.push(first);
    if back <= last {
        let purpose_back = if p.is_national() && !starts_abroad {
            RET
        } else {
            purpose
        };
        events.push(Event {
            at: at_time(rng, back),
            person: p.id,
            inbound: !starts_abroad,
            post: post_back,
            foreign: foreign_i,
            purpose: if starts_abroad { purpose } else { purpose_back },
        });
    }
}

fn events_of(ctx: &Ctx<'_>, p: &Person, events: &mut Vec<Event>) {
    let cfg = ctx.cfg;
    let (first, last) = (first_day(cfg), last_day(cfg));
    let mut rng = rng_for(cfg.seed, "border", u64::from(p.id));
    let age = p.age_at(cfg.today);
    let home_trips = |rng: &mut rand_chacha::ChaCha8Rng, n: u32, events: &mut Vec<Event>| {
        for _ in 0..n {
            let d = day_between(rng, first, last);
            if !rng.gen_bool(travel_factor(d)) {
                continue;
            }
            let foreign = TRAVEL[weighted(rng, TRAVEL)].0;
            let purpose = match foreign {
                "SAU" => [REL, REL, TRAV][rng.gen_range(0..3)],
                "LBY" | "DZA" => [AFF, FAM, TOUR, TRAV][rng.gen_range(0..4)],
                "FRA" | "DEU" | "ITA" | "CAN" => [FAM, TOUR, AFF, ETUD, MED][rng.gen_range(0..5)],
                _ => [TOUR, TOUR, AFF][rng.gen_range(0..3)],
            };
            let days = rng.gen_range(2..30);
            trip(rng, events, p, foreign, d, days, purpose, false, last);
        }
    };
    match p.status {
        Status::Resident => {
            let travels = if age >= 18 { 0.68 } else { 0.3 };
            if rng.gen_bool(travels) {
                let n = rng.gen_range(1..=5);
                home_trips(&mut rng, n, events);
            }
        }
        Status::Emigrant | Status::Returnee => {
            if !rng.gen_bool(0.9) {
                return;
            }
            let abroad = p.abroad_country().alpha3;
            let until = if p.status == Status::Returnee {
                p.return_year
            } else {
                cfg.last_year
            };
            if p.moved_year >= cfg.first_year {
                let d = super::day_in_year(&mut rng, p.moved_year, last);
                let purpose = [TRAV, TRAV, TRAV, ETUD, FAM][rng.gen_range(0..5)];
                events.push(Event {
                    at: at_time(&mut rng, d),
                    person: p.id,
                    inbound: false,
                    post: pick_post(&mut rng, abroad, d),
                    foreign: world::country(abroad) as u8,
                    purpose,
                });
            }
            let visits = rng.gen_range(0.4..0.95);
            for year in (p.moved_year + 1).max(cfg.first_year)..until {
                let summer = rng.gen_bool(0.65);
                let d = if summer {
                    NaiveDate::from_ymd_opt(year, rng.gen_range(6..=8), rng.gen_range(1..=28))
                        .unwrap_or(first)
                } else {
                    super::day_in_year(&mut rng, year, last)
                };
                if d > last || !rng.gen_bool(visits * travel_factor(d)) {
                    continue;
                }
                let days = rng.gen_range(7..45);
                trip(&mut rng, events, p, abroad, d, days, FAM, true, last);
            }
            if p.status == Status::Returnee {
                let d = super::day_in_year(&mut rng, p.return_year, last);
                events.push(Event {
                    at: at_time(&mut rng, d),
                    person: p.id,
                    inbound: true,
                    post: pick_post(&mut rng, abroad, d),
                    foreign: world::country(abroad) as u8,
                    purpose: RET,
                });
            }
        }
        Status::Immigrant => {
            if !rng.gen_bool(0.7) {
                return;
            }
            let origin = p.country().alpha3;
            if p.moved_year >= cfg.first_year {
                let d = super::day_in_year(&mut rng, p.moved_year, last);
                events.push(Event {
                    at: at_time(&mut rng, d),
                    person: p.id,
                    inbound: true,
                    post: pick_post(&mut rng, origin, d),
                    foreign: p.nationality,
                    purpose: [TRAV, ETUD, FAM, MED][rng.gen_range(0..4)],
                });
            }
            for _ in 0..rng.gen_range(0..=3) {
                let from = NaiveDate::from_ymd_opt(p.moved_year.max(cfg.first_year) + 1, 1, 1)
                    .unwrap_or(first);
                if from >= last {
                    break;
                }
                let d = day_between(&mut rng, from, last);
                let days = rng.gen_range(10..60);
                trip(&mut rng, events, p, origin, d, days, FAM, false, last);
            }
        }
        Status::Transit => {
            if p.moved_year >= cfg.first_year && rng.gen_bool(0.55) {
                let d = super::day_in_year(&mut rng, p.moved_year, last);
                events.push(Event {
                    at: at_time(&mut rng, d),
                    person: p.id,
                    inbound: true,
                    post: 0,
                    foreign: p.nationality,
                    purpose: [TOUR, TOUR, ETUD, AFF][rng.gen_range(0..4)],
                });
            }
        }
    }
}

pub(crate) fn write(
    ctx: &Ctx<'_>,
    dir: &Path,
    seen: &mut Seen,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Written, DemoError> {
    let cfg = ctx.cfg;
    crate::out::write_text(dir, MAPPING_FILE, MAPPING)?;
    let mut events = Vec::new();
    for p in ctx.people {
        events_of(ctx, p, &mut events);
    }
    let (first, last) = (first_day(cfg), last_day(cfg));
    events.retain(|e| {
        let born = ctx.people.get(e.person as usize).map_or(first, |p| p.birth);
        let d = e.at.date();
        d >= first && d <= last && d > born + chrono::Days::new(20)
    });
    events.sort_by_key(|e| (e.at, e.person, e.inbound));

    let style = CsvStyle {
        delimiter: b';',
        crlf: true,
        encoding: Some(encoding_rs::WINDOWS_1256),
        ..CsvStyle::default()
    };
    let mut out = CsvOut::create(&dir.join(FILE), style)?;
    out.write(HEADER)?;
    let mut count = Counter::new(FILE, progress);
    let mut rng = rng_for(cfg.seed, "border-rows", 0);
    let mut year = 0;
    let mut seq = 0u64;
    for e in &events {
        let Some(p) = ctx.people.get(e.person as usize) else {
            continue;
        };
        if e.at.year() != year {
            year = e.at.year();
            seq = 0;
        }
        seq += 1;
        // The person as the border system knows them: the same every time.
        let mut prng = rng_for(cfg.seed, "border-person", u64::from(p.id));
        let n = spell::spell(p, ctx.names, Script::Mrz, &CARE, &mut prng);
        let birth = spell::birth(p, &CARE, &mut prng);
        let post = &POSTS[usize::from(e.post).min(POSTS.len() - 1)];
        let foreign = COUNTRIES[usize::from(e.foreign).min(COUNTRIES.len() - 1)].alpha3;
        let home = COUNTRIES[0].alpha3;
        let (from, to) = if e.inbound {
            (foreign, home)
        } else {
            (home, foreign)
        };
        let birth_place = if p.is_national() {
            GOVERNORATES[usize::from(p.birth_gov).min(GOVERNORATES.len() - 1)].ar
        } else {
            p.country().ar
        };
        let mut rec = vec![
            format!("{year}{seq:07}"),
            e.at.format("%d/%m/%Y %H:%M").to_string(),
            if e.inbound { "E" } else { "S" }.to_string(),
            post.name.to_string(),
            match post.kind {
                PostType::Air => "A",
                PostType::Land => "T",
                PostType::Sea => "M",
            }
            .to_string(),
            p.passport(),
            p.country().alpha3.to_string(),
            n.family,
            n.given,
            n.father,
            if p.female { "F" } else { "H" }.to_string(),
            super::dmy(birth),
            birth_place.to_string(),
            p.country().alpha3.to_string(),
            from.to_string(),
            to.to_string(),
            PURPOSES[usize::from(e.purpose).min(PURPOSES.len() - 1)].to_string(),
        ];
        let bad = roll_bad(&mut rng);
        match bad {
            Some(Bad::ImpossibleDate) => {
                rec[1] = format!(
                    "{} {}",
                    impossible_date(&mut rng, year, DateOrder::Dmy),
                    e.at.format("%H:%M")
                );
            }
            Some(Bad::UnknownCountry) => {
                let at = if e.inbound { 14 } else { 15 };
                rec[at] = crate::names::mrz(unknown_country(&mut rng));
            }
            Some(Bad::EmptyRequired) => rec[3].clear(),
            None => {}
        }
        out.write(&rec)?;
        count.count(bad.is_some());
        mark(seen, p.id, 2);
    }
    out.finish()?;
    Ok(count.done(Some(MAPPING_FILE)))
}

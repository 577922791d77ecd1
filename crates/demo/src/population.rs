//! The synthetic population: households of nationals (residents, emigrants, returnees) and of
//! foreigners (immigrants, transit migrants). Every institution sees a subset of it.

use chrono::{Datelike, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::names::{Name, Names};
use crate::world::{self, COUNTRIES, EMIGRATION, GOVERNORATES, IMMIGRATION};
use crate::{rng_for, DemoConfig};

/// Where a person stands with respect to migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    /// National living in the country.
    Resident,
    /// National living abroad.
    Emigrant,
    /// National back from abroad during the period.
    Returnee,
    /// Foreigner living in the country.
    Immigrant,
    /// Foreigner passing through on the way to Europe.
    Transit,
}

#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub id: u32,
    pub household: u32,
    pub female: bool,
    /// Sub-Saharan naming (african tables) instead of Arabic naming.
    pub african: bool,
    pub given: u16,
    pub father: u16,
    pub grandfather: u16,
    pub family: u16,
    pub birth: NaiveDate,
    /// Index into GOVERNORATES (nationals).
    pub birth_gov: u8,
    /// Governorate of residence in the country (or of origin for emigrants).
    pub gov: u8,
    /// Index into COUNTRIES.
    pub nationality: u8,
    pub status: Status,
    /// Country of residence abroad (emigrants), of last residence abroad (returnees), or of
    /// intended destination (transit).
    pub abroad: u8,
    /// Year the person emigrated (emigrants, returnees) or arrived (immigrants, transit).
    pub moved_year: i32,
    /// Return year (returnees).
    pub return_year: i32,
}

impl Person {
    pub fn given_name<'a>(&self, names: &'a Names) -> &'a Name {
        match (self.african, self.female) {
            (false, false) => names.male.get(self.given),
            (false, true) => names.female.get(self.given),
            (true, false) => names.af_male.get(self.given),
            (true, true) => names.af_female.get(self.given),
        }
    }
    pub fn father_name<'a>(&self, names: &'a Names) -> &'a Name {
        if self.african {
            names.af_male.get(self.father)
        } else {
            names.male.get(self.father)
        }
    }
    pub fn grandfather_name<'a>(&self, names: &'a Names) -> &'a Name {
        if self.african {
            names.af_male.get(self.grandfather)
        } else {
            names.male.get(self.grandfather)
        }
    }
    pub fn family_name<'a>(&self, names: &'a Names) -> &'a Name {
        if self.african {
            names.af_family.get(self.family)
        } else {
            names.family.get(self.family)
        }
    }
    pub fn is_national(&self) -> bool {
        self.nationality == 0
    }
    pub fn age_at(&self, date: NaiveDate) -> i32 {
        let mut age = date.year() - self.birth.year();
        if (date.month(), date.day()) < (self.birth.month(), self.birth.day()) {
            age -= 1;
        }
        age
    }
    pub fn country(&self) -> &'static world::Country {
        &COUNTRIES[usize::from(self.nationality).min(COUNTRIES.len() - 1)]
    }
    pub fn abroad_country(&self) -> &'static world::Country {
        &COUNTRIES[usize::from(self.abroad).min(COUNTRIES.len() - 1)]
    }
    /// Passport number: unique per person, not sequential.
    pub fn passport(&self) -> String {
        let n = (u64::from(self.id) * 7_919_773 + 1_234_567) % 10_000_000;
        if self.is_national() {
            let letters = b"ABCDEFGHJKLMNPRSTUVWXYZ";
            let l = letters[(n % letters.len() as u64) as usize] as char;
            format!("{l}{n:07}")
        } else {
            format!("{}{n:07}", self.country().alpha2)
        }
    }
    /// National identity card number (8 digits), nationals only.
    pub fn cin(&self) -> String {
        let n = (u64::from(self.id) * 7_654_321 + 3_141_592) % 100_000_000;
        format!("{n:08}")
    }
}

pub(crate) fn weighted<R: Rng>(rng: &mut R, table: &[(&str, u32)]) -> usize {
    let total: u32 = table.iter().map(|&(_, w)| w).sum();
    let mut x = rng.gen_range(0..total.max(1));
    for (i, &(_, w)) in table.iter().enumerate() {
        if x < w {
            return i;
        }
        x -= w;
    }
    0
}

fn pick_gov<R: Rng>(rng: &mut R) -> u8 {
    let total: u32 = GOVERNORATES.iter().map(|g| g.weight).sum();
    let mut x = rng.gen_range(0..total);
    for (i, g) in GOVERNORATES.iter().enumerate() {
        if x < g.weight {
            return i as u8;
        }
        x -= g.weight;
    }
    0
}

fn birth_date<R: Rng>(rng: &mut R, today: NaiveDate, age: i32) -> NaiveDate {
    let year = today.year() - age - 1;
    let start = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
    start + chrono::Days::new(rng.gen_range(0..365))
}

struct Builder<'a> {
    cfg: &'a DemoConfig,
    names: &'a Names,
    people: Vec<Person>,
}

impl Builder<'_> {
    #[allow(clippy::too_many_arguments)] // a plain record constructor
    fn add(
        &mut self,
        rng: &mut ChaCha8Rng,
        household: u32,
        female: bool,
        african: bool,
        age: i32,
        family: u16,
        father: u16,
        grandfather: u16,
        gov: u8,
        nationality: u8,
    ) -> u16 {
        let given = match (african, female) {
            (false, false) => self.names.male.pick(rng),
            (false, true) => self.names.female.pick(rng),
            (true, false) => self.names.af_male.pick(rng),
            (true, true) => self.names.af_female.pick(rng),
        };
        let birth = birth_date(rng, self.cfg.today, age);
        let birth_gov = if rng.gen_bool(0.8) {
            gov
        } else {
            pick_gov(rng)
        };
        self.people.push(Person {
            id: self.people.len() as u32,
            household,
            female,
            african,
            given,
            father,
            grandfather,
            family,
            birth,
            birth_gov,
            gov,
            nationality,
            status: Status::Resident,
            abroad: 0,
            moved_year: 0,
            return_year: 0,
        });
        given
    }

    fn set_status(&mut self, rng: &mut ChaCha8Rng, idx: usize) {
        let cfg = self.cfg;
        let Some(p) = self.people.get_mut(idx) else {
            return;
        };
        let age = p.age_at(cfg.today);
        if !p.is_national() {
            return;
        }
        let p_emig = match age {
            20..=45 => 0.34,
            46..=65 => 0.16,
            18..=19 => 0.08,
            _ => 0.0,
        };
        let p_ret = if age >= 22 { 0.08 } else { 0.0 };
        let x: f64 = rng.gen();
        if x < p_emig {
            p.status = Status::Emigrant;
            p.abroad = world::country(EMIGRATION[weighted(rng, EMIGRATION)].0) as u8;
            let earliest = (cfg.today.year() - (age - 18)).max(cfg.today.year() - 30);
            p.moved_year = rng.gen_range(earliest.min(cfg.last_year)..=cfg.last_year);
        } else if x < p_emig + p_ret {
            p.status = Status::Returnee;
            p.abroad = world::country(EMIGRATION[weighted(rng, EMIGRATION)].0) as u8;
            p.return_year = rng.gen_range(cfg.first_year..=cfg.last_year);
            let earliest = (cfg.today.year() - (age - 18)).max(p.return_year - 15);
            p.moved_year = rng.gen_range(earliest.min(p.return_year - 1)..p.return_year);
        }
    }
}

/// Builds the population, household by household.
pub(crate) fn build(cfg: &DemoConfig, names: &Names) -> Vec<Person> {
    let mut rng = rng_for(cfg.seed, "population", 0);
    let mut b = Builder {
        cfg,
        names,
        people: Vec::with_capacity(cfg.people + 8),
    };
    let mut household = 0u32;
    while b.people.len() < cfg.people {
        household += 1;
        let first = b.people.len();
        if rng.gen_bool(0.86) {
            // A household of nationals.
            let gov = pick_gov(&mut rng);
            let head_age = rng.gen_range(22..82);
            let family = names.family.pick(&mut rng);
            let father = names.male.pick(&mut rng);
            let grandfather = names.male.pick(&mut rng);
            let head_female = rng.gen_bool(0.12);
            let head = b.add(
                &mut rng,
                household,
                head_female,
                false,
                head_age,
                family,
                father,
                grandfather,
                gov,
                0,
            );
            if !head_female && head_age >= 24 && rng.gen_bool(0.82) {
                let wife_age = (head_age - rng.gen_range(0..10)).max(19);
                let wf = names.family.pick(&mut rng);
                let wfa = names.male.pick(&mut rng);
                let wga = names.male.pick(&mut rng);
                b.add(
                    &mut rng, household, true, false, wife_age, wf, wfa, wga, gov, 0,
                );
            }
            if !head_female && head_age >= 24 {
                let children = rng.gen_range(0..=4);
                for _ in 0..children {
                    let max_age = (head_age - 20).max(1);
                    let age = rng.gen_range(0..max_age);
                    let female = rng.gen_bool(0.5);
                    b.add(
                        &mut rng, household, female, false, age, family, head, father, gov, 0,
                    );
                }
            }
            for i in first..b.people.len() {
                b.set_status(&mut rng, i);
            }
        } else {
            let origin = world::country(IMMIGRATION[weighted(&mut rng, IMMIGRATION)].0) as u8;
            let arab = world::arabic_naming(COUNTRIES[usize::from(origin)].alpha3);
            let african = !arab;
            let gov = if rng.gen_bool(0.6) {
                // Sfax, Tunis, Ariana, Médenine host most foreigners.
                [17u8, 0, 1, 22][rng.gen_range(0..4)]
            } else {
                pick_gov(&mut rng)
            };
            let (fam_t, male_t) = if african {
                (&names.af_family, &names.af_male)
            } else {
                (&names.family, &names.male)
            };
            let family = fam_t.pick(&mut rng);
            let father = male_t.pick(&mut rng);
            let grandfather = male_t.pick(&mut rng);
            let single = african && rng.gen_bool(0.8) || rng.gen_bool(0.4);
            let female = rng.gen_bool(if african { 0.3 } else { 0.2 });
            let age = rng.gen_range(17..45);
            let head = b.add(
                &mut rng,
                household,
                female,
                african,
                age,
                family,
                father,
                grandfather,
                gov,
                origin,
            );
            if !single && !female {
                let wf = fam_t.pick(&mut rng);
                let wfa = male_t.pick(&mut rng);
                b.add(
                    &mut rng,
                    household,
                    true,
                    african,
                    age - 3,
                    wf,
                    wfa,
                    0,
                    gov,
                    origin,
                );
                for _ in 0..rng.gen_range(0..=3) {
                    let female = rng.gen_bool(0.5);
                    let age = rng.gen_range(0..(age - 18).max(1));
                    b.add(
                        &mut rng, household, female, african, age, family, head, father, gov,
                        origin,
                    );
                }
            }
            let transit = african && rng.gen_bool(0.55);
            let arrival = rng.gen_range(cfg.first_year - 3..=cfg.last_year);
            for p in &mut b.people[first..] {
                p.status = if transit {
                    Status::Transit
                } else {
                    Status::Immigrant
                };
                p.abroad = if transit {
                    world::country("ITA") as u8
                } else {
                    origin
                };
                p.moved_year = arrival;
            }
        }
    }
    b.people.truncate(cfg.people);
    b.people
}

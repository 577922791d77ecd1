//! A record-linkage truth set: the demo's synthetic population written by five institutions as
//! canonical person CSVs (one file per source), with `truth.csv` naming the person behind every
//! record. Used by `bench/link` to measure `marsad link` and Splink side by side.
//!
//! The sources write the same people the way the demo's institutions do: the census in Arabic
//! script with the year of birth only, the border police in MRZ upper case with passports, the
//! labour agency French-style with the national identity card, the consulates English-style with
//! an address abroad, the social-affairs ministry's returns register in Arabic script. Clerks'
//! typos, other transliterations, missing father names, day and month swapped, year-only and
//! off-by-one-year dates come from the same spelling model as the demo's exports.
//!
//! The hard cases a linker must get right are there on purpose:
//! - siblings (and twins, added here: same birth date, different given names) sharing father,
//!   mother, family name, address and phone;
//! - many distinct people named محمد بن علي (Mohamed, son of Ali, family Ben Ali) born in the same
//!   few years;
//! - the same person in Arabic script in one source and Latin script in another;
//! - a few Latin names typed with the Arabic keyboard layout by mistake, a few fields holding
//!   both scripts, a few records with nothing but their id (each its own person), several
//!   records of one person within one source.
//!
//! Pure and reproducible: the same [`LinkageConfig`] gives byte-identical files.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::names::{Name, Names};
use crate::out::io_err;
use crate::population::{self, Person, Status};
use crate::spell::{self, Care, Script};
use crate::world::{COUNTRIES, GOVERNORATES};
use crate::{rng_for, DemoConfig, DemoError};

/// Header of the canonical person CSV (DESIGN.md, contract).
pub const CANONICAL_PERSON_HEADER: [&str; 16] = [
    "source",
    "record_id",
    "given_name",
    "family_name",
    "father_name",
    "mother_name",
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "document_type",
    "document_number",
    "phone",
    "address",
    "locality",
    "postcode",
];

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkageConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Size of the synthetic population before twins are added (about one record per person:
    /// some appear in several sources, many in none).
    pub people: usize,
}

impl Default for LinkageConfig {
    fn default() -> Self {
        LinkageConfig {
            seed: 2024,
            people: 26_000,
        }
    }
}

/// Average records per person of the default mix, to choose `people` for a wanted size.
pub const RECORDS_PER_PERSON: f64 = 0.965;

/// One written source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkageFile {
    pub source: String,
    pub path: PathBuf,
    pub rows: u64,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkageSet {
    /// One canonical person CSV per source, in a fixed order.
    pub files: Vec<LinkageFile>,
    /// `truth.csv`: `source,record_id,entity`.
    pub truth: PathBuf,
    /// Records over all files.
    pub records: u64,
    /// Distinct true persons with at least one record.
    pub entities: u64,
    /// Pairs of records of the same person (what pairwise recall counts).
    pub true_pairs: u64,
    /// Records of persons named محمد بن علي (the common-name trap).
    pub common_name_records: u64,
    /// Twins added to the population.
    pub twins: u64,
    /// Records with a Latin name typed in the Arabic keyboard layout.
    pub keyboard_slips: u64,
}

/// Name of the truth file.
pub const TRUTH_FILE: &str = "truth.csv";

/// Writes the truth set into `dir` (created if missing).
pub fn linkage_benchmark(dir: &Path, cfg: &LinkageConfig) -> Result<LinkageSet, DemoError> {
    if cfg.people < 10 {
        return Err(DemoError::Config("people must be at least 10".to_string()));
    }
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let demo = DemoConfig {
        seed: cfg.seed,
        people: cfg.people,
        ..DemoConfig::default()
    };
    let names = Names::load();
    let mut people = population::build(&demo, &names);
    let mut stats = Stats::default();
    let traits = Traits::build(cfg.seed, &names, &mut people, &mut stats);
    let today = demo.today;

    let mut set_files = Vec::new();
    let mut truth: Vec<(String, String, u32)> = Vec::new();
    let mut entity_records = vec![0u32; people.len()];
    for src in SOURCES {
        let mut rows: Vec<(Row, u32)> = Vec::new();
        for p in &people {
            let mut rng = rng_for(cfg.seed, src.tag, u64::from(p.id));
            let copies = (src.copies)(p, today, &mut rng);
            for copy in 0..copies {
                let mut rrng = rng_for(
                    cfg.seed,
                    src.tag,
                    (u64::from(p.id) << 4) | u64::from(copy) | (1 << 62),
                );
                let row = record(src, p, &traits, &names, today, &mut rrng, &mut stats);
                rows.push((row, p.id));
            }
        }
        // A handful of records with nothing but their id: each is its own person.
        let mut erng = rng_for(cfg.seed, src.tag, u64::MAX);
        let empties = (rows.len() / 2000).max(1);
        for _ in 0..empties {
            rows.push((Row::default(), u32::MAX));
        }
        rows.shuffle(&mut erng);
        let file = format!("{}.csv", src.name);
        let path = dir.join(&file);
        let mut w = csv_writer(&path)?;
        w.write_record(CANONICAL_PERSON_HEADER)
            .map_err(csv_err(&path))?;
        let mut empty_no = 0u32;
        for (i, (row, pid)) in rows.iter().enumerate() {
            let record_id = format!("{}{:07}", src.prefix, i + 1);
            let mut fields: Vec<&str> = Vec::with_capacity(16);
            fields.push(src.name);
            fields.push(&record_id);
            fields.extend(row.0.iter().map(String::as_str));
            w.write_record(&fields).map_err(csv_err(&path))?;
            let entity = if *pid == u32::MAX {
                empty_no += 1;
                u32::MAX - empty_no
            } else {
                if let Some(n) = entity_records.get_mut(*pid as usize) {
                    *n += 1;
                }
                *pid
            };
            truth.push((src.name.to_string(), record_id, entity));
        }
        w.flush().map_err(io_err(&path))?;
        set_files.push(LinkageFile {
            source: src.name.to_string(),
            path,
            rows: rows.len() as u64,
        });
    }

    let truth_path = dir.join(TRUTH_FILE);
    let mut w = csv_writer(&truth_path)?;
    w.write_record(["source", "record_id", "entity"])
        .map_err(csv_err(&truth_path))?;
    for (source, record_id, entity) in &truth {
        let e = if *entity > u32::MAX - 1_000_000 {
            format!("empty-{source}-{}", u32::MAX - entity)
        } else {
            format!("p{entity}")
        };
        w.write_record([source.as_str(), record_id.as_str(), e.as_str()])
            .map_err(csv_err(&truth_path))?;
    }
    w.flush().map_err(io_err(&truth_path))?;

    let empties: u64 = truth.iter().filter(|t| t.2 > u32::MAX - 1_000_000).count() as u64;
    Ok(LinkageSet {
        records: truth.len() as u64,
        files: set_files,
        truth: truth_path,
        entities: entity_records.iter().filter(|&&n| n > 0).count() as u64 + empties,
        true_pairs: entity_records
            .iter()
            .map(|&n| u64::from(n) * u64::from(n.saturating_sub(1)) / 2)
            .sum(),
        common_name_records: people
            .iter()
            .filter(|p| {
                traits
                    .common_name
                    .get(p.id as usize)
                    .copied()
                    .unwrap_or(false)
            })
            .map(|p| u64::from(entity_records[p.id as usize]))
            .sum(),
        twins: stats.twins,
        keyboard_slips: stats.keyboard_slips,
    })
}

fn csv_writer(path: &Path) -> Result<csv::Writer<BufWriter<File>>, DemoError> {
    let f = File::create(path).map_err(io_err(path))?;
    Ok(csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 20, f)))
}

fn csv_err(path: &Path) -> impl Fn(csv::Error) -> DemoError + '_ {
    move |source| DemoError::Csv {
        path: path.to_path_buf(),
        source,
    }
}

#[derive(Debug, Default)]
struct Stats {
    twins: u64,
    keyboard_slips: u64,
}

/// What the population does not carry but linkage needs: mother, household address and phone,
/// a personal mobile, the common-name flag.
struct Traits {
    /// Mother's given name: index into the female table (African table for African persons).
    mother: Vec<u16>,
    /// Personal mobile number (None: uses the household's).
    mobile: Vec<Option<String>>,
    /// Household's street number and street index.
    home: Vec<(u16, u8, u16)>,
    /// Household phone, per household.
    household_phone: Vec<String>,
    common_name: Vec<bool>,
}

/// Streets: Arabic, French, English.
const STREETS: &[(&str, &str, &str)] = &[
    ("نهج الحرية", "Rue de la Liberté", "Liberty Street"),
    (
        "شارع الحبيب بورقيبة",
        "Avenue Habib Bourguiba",
        "Habib Bourguiba Avenue",
    ),
    ("نهج فلسطين", "Rue de Palestine", "Palestine Street"),
    ("نهج الجمهورية", "Rue de la République", "Republic Street"),
    (
        "شارع الاستقلال",
        "Avenue de l'Indépendance",
        "Independence Avenue",
    ),
    ("نهج ابن خلدون", "Rue Ibn Khaldoun", "Ibn Khaldun Street"),
    ("نهج المنجي سليم", "Rue Mongi Slim", "Mongi Slim Street"),
    ("نهج الياسمين", "Rue des Jasmins", "Jasmine Street"),
    (
        "شارع فرحات حشاد",
        "Avenue Farhat Hached",
        "Farhat Hached Avenue",
    ),
    ("نهج القدس", "Rue d'Al Qods", "Al Quds Street"),
    ("نهج الزيتون", "Rue des Oliviers", "Olive Street"),
    ("نهج مالطة", "Rue de Malte", "Malta Street"),
    (
        "شارع الهادي شاكر",
        "Avenue Hédi Chaker",
        "Hedi Chaker Avenue",
    ),
    ("نهج النخيل", "Rue des Palmiers", "Palm Street"),
    ("نهج الأندلس", "Rue de l'Andalousie", "Andalusia Street"),
    (
        "نهج الشابي",
        "Rue Abou El Kacem Chebbi",
        "Abul Qasim Shabbi Street",
    ),
    ("حي النصر", "Cité Ennasr", "Ennasr District"),
    ("حي الزهور", "Cité Ezzouhour", "Ezzouhour District"),
    ("حي التضامن", "Cité Ettadhamen", "Ettadhamen District"),
    ("حي الرياض", "Cité Erriadh", "Erriadh District"),
];

/// Streets abroad (consulate addresses).
const STREETS_ABROAD: &[&str] = &[
    "rue de la Paix",
    "avenue Jean Jaures",
    "rue Victor Hugo",
    "boulevard Voltaire",
    "via Roma",
    "via Garibaldi",
    "Hauptstrasse",
    "Bahnhofstrasse",
    "rue Royale",
    "High Street",
    "Main Street",
    "King Fahd Road",
];

fn household_phone(seed: u64, household: u32) -> String {
    let mut rng = rng_for(seed, "link-household-phone", u64::from(household));
    format!(
        "+216 7{} {:03} {:03}",
        rng.gen_range(0..10),
        rng.gen_range(0..1000),
        rng.gen_range(0..1000)
    )
}

impl Traits {
    fn build(seed: u64, names: &Names, people: &mut Vec<Person>, stats: &mut Stats) -> Traits {
        let mohamed = index_of(&names.male.names, "محمد");
        let ali = index_of(&names.male.names, "علي");
        let ben_ali = index_of(&names.family.names, "بن علي");

        // Households: the first person is the head; a wife follows; children carry the head's
        // given name as father's name and the head's family name.
        let n = people.len();
        let mut mother: Vec<u16> = vec![0; n];
        let mut household_start = 0usize;
        let mut wife: Option<u16> = None;
        for i in 0..n {
            if i == 0 || people[i].household != people[i - 1].household {
                household_start = i;
                wife = None;
            }
            let head = &people[household_start];
            let p = &people[i];
            let is_child = i > household_start
                && !head.female
                && p.family == head.family
                && p.father == head.given
                && p.african == head.african;
            if i == household_start + 1 && p.female && !is_child {
                wife = Some(p.given);
            }
            mother[i] = match (is_child, wife) {
                (true, Some(w)) => w,
                _ => {
                    let mut rng = rng_for(seed, "link-mother", i as u64);
                    if p.african {
                        names.af_female.pick(&mut rng)
                    } else {
                        names.female.pick(&mut rng)
                    }
                }
            };
        }

        // Twins: a child gets a twin (same birth date, family, parents, home; own given name).
        let mut extra: Vec<Person> = Vec::new();
        let mut extra_mother: Vec<u16> = Vec::new();
        for i in 1..n {
            let p = &people[i];
            let head_idx = (0..i)
                .rev()
                .take_while(|&j| people[j].household == p.household)
                .last()
                .unwrap_or(i);
            let head = &people[head_idx];
            let is_child =
                head_idx < i && !head.female && p.family == head.family && p.father == head.given;
            let mut rng = rng_for(seed, "link-twin", i as u64);
            if is_child && rng.gen_bool(0.04) {
                let mut t = p.clone();
                t.id = (n + extra.len()) as u32;
                t.female = if rng.gen_bool(0.6) {
                    p.female
                } else {
                    rng.gen_bool(0.5)
                };
                let table = match (t.african, t.female) {
                    (false, false) => &names.male,
                    (false, true) => &names.female,
                    (true, false) => &names.af_male,
                    (true, true) => &names.af_female,
                };
                t.given = table.pick(&mut rng);
                if t.given == p.given && t.female == p.female {
                    t.given = (t.given + 1) % table.names.len().max(1) as u16;
                }
                extra.push(t);
                extra_mother.push(mother[i]);
                stats.twins += 1;
            }
        }
        people.extend(extra);
        mother.extend(extra_mother);

        // The common-name trap: many men named محمد, son of علي, family بن علي, born 1986–1989.
        let mut common_name = vec![false; people.len()];
        for (i, p) in people.iter_mut().enumerate() {
            let mut rng = rng_for(seed, "link-common-name", i as u64);
            if !p.female
                && !p.african
                && (1960..=2004).contains(&p.birth.year())
                && rng.gen_bool(0.03)
            {
                p.given = mohamed;
                p.father = ali;
                p.family = ben_ali;
                let year = rng.gen_range(1986..=1989);
                p.birth =
                    NaiveDate::from_yo_opt(year, p.birth.ordinal().min(365)).unwrap_or(p.birth);
                common_name[i] = true;
            }
        }

        let households = people.iter().map(|p| p.household).max().unwrap_or(0) as usize + 1;
        let mut home = vec![(0u16, 0u8, 0u16); households];
        let mut household_phones = vec![String::new(); households];
        for (h, slot) in home.iter_mut().enumerate() {
            let mut rng = rng_for(seed, "link-home", h as u64);
            *slot = (
                rng.gen_range(1..200),
                rng.gen_range(0..STREETS.len()) as u8,
                rng.gen_range(0..100),
            );
            household_phones[h] = household_phone(seed, h as u32);
        }
        let mobile = people
            .iter()
            .map(|p| {
                let mut rng = rng_for(seed, "link-mobile", u64::from(p.id));
                let adult = p.age_at(NaiveDate::from_ymd_opt(2025, 1, 1).unwrap_or_default()) >= 18;
                (adult && rng.gen_bool(0.7)).then(|| {
                    format!(
                        "+216 {}{} {:03} {:03}",
                        [2, 5, 9][rng.gen_range(0..3)],
                        rng.gen_range(0..10),
                        rng.gen_range(0..1000),
                        rng.gen_range(0..1000)
                    )
                })
            })
            .collect();
        Traits {
            mother,
            mobile,
            home,
            household_phone: household_phones,
            common_name,
        }
    }

    fn phone(&self, p: &Person) -> &str {
        match self.mobile.get(p.id as usize) {
            Some(Some(m)) => m,
            _ => self
                .household_phone
                .get(p.household as usize)
                .map(String::as_str)
                .unwrap_or(""),
        }
    }

    fn mother<'a>(&self, p: &Person, names: &'a Names) -> &'a Name {
        let i = self.mother.get(p.id as usize).copied().unwrap_or(0);
        if p.african {
            names.af_female.get(i)
        } else {
            names.female.get(i)
        }
    }
}

fn index_of(names: &[Name], ar: &str) -> u16 {
    names.iter().position(|n| n.ar == ar).unwrap_or(0) as u16
}

/// The fields after `source,record_id`, in header order.
#[derive(Debug, Clone, Default)]
struct Row([String; 14]);

/// How one source sees the population.
struct SourceSpec {
    name: &'static str,
    tag: &'static str,
    prefix: &'static str,
    script: Script,
    care: Care,
    /// How many records of this person the source holds (0: not seen).
    copies: fn(&Person, NaiveDate, &mut ChaCha8Rng) -> u8,
    /// Probability that a record carries the mother's name.
    mother: f64,
    /// Probability of a year-only birth date.
    year_only: f64,
    /// Probability that the birth year is off by one.
    year_off: f64,
    /// Probability of a Latin name typed in the Arabic keyboard layout.
    keyboard_slip: f64,
}

fn lives_here(p: &Person) -> bool {
    matches!(
        p.status,
        Status::Resident | Status::Returnee | Status::Immigrant | Status::Transit
    )
}

fn census_copies(p: &Person, _today: NaiveDate, rng: &mut ChaCha8Rng) -> u8 {
    u8::from(lives_here(p) && rng.gen_bool(0.5))
}

fn returns_copies(p: &Person, _today: NaiveDate, rng: &mut ChaCha8Rng) -> u8 {
    match p.status {
        Status::Returnee => 1 + u8::from(rng.gen_bool(0.05)),
        Status::Emigrant if rng.gen_bool(0.03) => 1,
        _ => 0,
    }
}

fn border_copies(p: &Person, today: NaiveDate, rng: &mut ChaCha8Rng) -> u8 {
    let share = match p.status {
        Status::Emigrant | Status::Returnee => 0.85,
        Status::Immigrant => 0.6,
        Status::Transit => 0.45,
        Status::Resident if p.age_at(today) >= 18 => 0.12,
        Status::Resident => 0.04,
    };
    if !rng.gen_bool(share) {
        0
    } else if rng.gen_bool(0.1) {
        2
    } else {
        1
    }
}

fn labour_copies(p: &Person, today: NaiveDate, rng: &mut ChaCha8Rng) -> u8 {
    let age = p.age_at(today);
    if !p.is_national() || !(20..=62).contains(&age) {
        return 0;
    }
    let share = match p.status {
        Status::Emigrant => 0.45,
        Status::Returnee => 0.3,
        Status::Resident => 0.06,
        _ => 0.0,
    };
    if !rng.gen_bool(share) {
        0
    } else if rng.gen_bool(0.05) {
        2
    } else {
        1
    }
}

fn consulate_copies(p: &Person, _today: NaiveDate, rng: &mut ChaCha8Rng) -> u8 {
    if p.status != Status::Emigrant || !rng.gen_bool(0.55) {
        0
    } else if rng.gen_bool(0.03) {
        2
    } else {
        1
    }
}

const SOURCES: &[SourceSpec] = &[
    SourceSpec {
        name: "census",
        tag: "link-census",
        prefix: "CEN",
        script: Script::Arabic,
        care: Care {
            typo: 0.05,
            no_father: 0.04,
            family_alt: 0.08,
            other_translit: 0.06,
            swap_day_month: 0.0,
        },
        copies: census_copies,
        mother: 0.7,
        year_only: 1.0,
        year_off: 0.01,
        keyboard_slip: 0.0,
    },
    SourceSpec {
        name: "border",
        tag: "link-border",
        prefix: "BRD",
        script: Script::Mrz,
        care: Care {
            typo: 0.03,
            no_father: 0.25,
            family_alt: 0.03,
            other_translit: 0.05,
            swap_day_month: 0.01,
        },
        copies: border_copies,
        mother: 0.0,
        year_only: 0.0,
        year_off: 0.003,
        keyboard_slip: 0.0,
    },
    SourceSpec {
        name: "labour",
        tag: "link-labour",
        prefix: "LAB",
        script: Script::French,
        care: Care {
            typo: 0.06,
            no_father: 0.08,
            family_alt: 0.05,
            other_translit: 0.04,
            swap_day_month: 0.02,
        },
        copies: labour_copies,
        mother: 0.6,
        year_only: 0.01,
        year_off: 0.01,
        keyboard_slip: 0.004,
    },
    SourceSpec {
        name: "consulate",
        tag: "link-consulate",
        prefix: "CON",
        script: Script::English,
        care: Care {
            typo: 0.05,
            no_father: 0.15,
            family_alt: 0.06,
            other_translit: 0.08,
            swap_day_month: 0.02,
        },
        copies: consulate_copies,
        mother: 0.3,
        year_only: 0.0,
        year_off: 0.005,
        keyboard_slip: 0.002,
    },
    SourceSpec {
        name: "returns",
        tag: "link-returns",
        prefix: "RET",
        script: Script::Arabic,
        care: Care {
            typo: 0.06,
            no_father: 0.05,
            family_alt: 0.1,
            other_translit: 0.05,
            swap_day_month: 0.02,
        },
        copies: returns_copies,
        mother: 0.5,
        year_only: 0.02,
        year_off: 0.01,
        keyboard_slip: 0.0,
    },
];

fn in_script(n: &Name, script: Script) -> String {
    match script {
        Script::Arabic => n.ar.to_string(),
        Script::French => n.fr.to_string(),
        Script::English => n.en.to_string(),
        Script::Mrz => crate::names::mrz(n.fr),
    }
}

/// A Latin name typed with the Arabic (101) keyboard layout active: each key gives the Arabic
/// letter on the same key ("Mohamed" → "ةخاشةثي").
pub fn arabic_keyboard(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        let key = match c.to_ascii_lowercase() {
            'q' => "ض",
            'w' => "ص",
            'e' | 'é' | 'è' | 'ê' | 'ë' => "ث",
            'r' => "ق",
            't' => "ف",
            'y' => "غ",
            'u' => "ع",
            'i' => "ه",
            'o' => "خ",
            'p' => "ح",
            'a' => "ش",
            's' => "س",
            'd' => "ي",
            'f' => "ب",
            'g' => "ل",
            'h' => "ا",
            'j' => "ت",
            'k' => "ن",
            'l' => "م",
            'z' => "ئ",
            'x' => "ء",
            'c' => "ؤ",
            'v' => "ر",
            // The B key types lam-alef, two letters.
            'b' => "لا",
            'n' => "ى",
            'm' => "ة",
            _ => {
                out.push(c);
                continue;
            }
        };
        out.push_str(key);
    }
    out
}

fn record(
    src: &SourceSpec,
    p: &Person,
    traits: &Traits,
    names: &Names,
    today: NaiveDate,
    rng: &mut ChaCha8Rng,
    stats: &mut Stats,
) -> Row {
    let spelled = spell::spell(p, names, src.script, &src.care, rng);
    let mut given = spelled.given;
    let mut family = spelled.family;
    if src.keyboard_slip > 0.0 && rng.gen_bool(src.keyboard_slip) {
        stats.keyboard_slips += 1;
        if rng.gen_bool(0.5) {
            given = arabic_keyboard(&given);
        } else {
            family = arabic_keyboard(&family);
        }
    } else if src.script != Script::Arabic && rng.gen_bool(0.001) {
        // Both scripts in one field: "Mohamed محمد".
        given = format!("{given} {}", p.given_name(names).ar);
    }
    if rng.gen_bool(0.002) {
        given.clear();
    }
    let mother = if rng.gen_bool(src.mother) {
        in_script(traits.mother(p, names), src.script)
    } else {
        String::new()
    };
    let sex = if rng.gen_bool(0.01) {
        ""
    } else if p.female {
        "F"
    } else {
        "M"
    };
    let b = spell::birth(p, &src.care, rng);
    let b = if rng.gen_bool(src.year_off) {
        let year = b.year() + if rng.gen_bool(0.5) { 1 } else { -1 };
        NaiveDate::from_ymd_opt(year, b.month(), b.day().min(28)).unwrap_or(b)
    } else {
        b
    };
    let birth_date = if src.year_only >= 1.0 || rng.gen_bool(src.year_only) {
        format!("{}", b.year())
    } else {
        b.format("%Y-%m-%d").to_string()
    };
    let gov = &GOVERNORATES[usize::from(p.birth_gov).min(GOVERNORATES.len() - 1)];
    let home_gov = &GOVERNORATES[usize::from(p.gov).min(GOVERNORATES.len() - 1)];
    let country = &COUNTRIES[usize::from(p.nationality).min(COUNTRIES.len() - 1)];
    let birth_place = if !p.is_national() {
        match src.script {
            Script::Arabic => country.ar.to_string(),
            Script::Mrz => crate::names::mrz(country.fr),
            Script::French => country.fr.to_string(),
            Script::English => country.en.to_string(),
        }
    } else if rng.gen_bool(0.85) {
        match src.script {
            Script::Arabic => gov.ar.to_string(),
            Script::Mrz => crate::names::mrz(gov.fr),
            Script::French | Script::English => gov.fr.to_string(),
        }
    } else {
        String::new()
    };
    let nationality = if rng.gen_bool(0.005) {
        String::new()
    } else {
        country.alpha3.to_string()
    };
    let (document_type, document_number) = match src.name {
        "census" => (String::new(), String::new()),
        "labour" | "returns" if p.is_national() => {
            let mut cin = p.cin();
            if rng.gen_bool(0.01) {
                // one mistyped digit
                let mut digits: Vec<char> = cin.chars().collect();
                let i = rng.gen_range(0..digits.len());
                digits[i] = char::from(b'0' + rng.gen_range(0..10u8));
                cin = digits.into_iter().collect();
            }
            ("national_id".to_string(), cin)
        }
        _ if rng.gen_bool(0.95) => ("passport".to_string(), p.passport()),
        _ => (String::new(), String::new()),
    };
    let (phone, address, locality, postcode) = match src.name {
        "border" => (String::new(), String::new(), String::new(), String::new()),
        "consulate" => {
            let abroad = p.abroad_country();
            (
                if rng.gen_bool(0.8) {
                    traits.phone(p).to_string()
                } else {
                    String::new()
                },
                format!(
                    "{} {}",
                    rng.gen_range(1..120),
                    STREETS_ABROAD[rng.gen_range(0..STREETS_ABROAD.len())]
                ),
                abroad.en.to_string(),
                String::new(),
            )
        }
        _ => {
            let (number, street, post) = traits
                .home
                .get(p.household as usize)
                .copied()
                .unwrap_or((1, 0, 0));
            let st = &STREETS[usize::from(street) % STREETS.len()];
            let address = match src.script {
                Script::Arabic => format!("{} عدد {number}", st.0),
                _ => format!("{number} {}", st.1),
            };
            let locality = match src.script {
                Script::Arabic => home_gov.ar.to_string(),
                _ => home_gov.fr.to_string(),
            };
            let code: u32 = home_gov.code[3..].parse().unwrap_or(10);
            let postcode = format!("{code}{post:02}");
            let phone = if src.name == "census" && rng.gen_bool(0.6) {
                String::new()
            } else if p.age_at(today) < 18 || rng.gen_bool(0.2) {
                traits
                    .household_phone
                    .get(p.household as usize)
                    .cloned()
                    .unwrap_or_default()
            } else {
                traits.phone(p).to_string()
            };
            let keep_address = rng.gen_bool(0.9);
            (
                phone,
                if keep_address { address } else { String::new() },
                locality,
                if keep_address {
                    postcode
                } else {
                    String::new()
                },
            )
        }
    };
    Row([
        given,
        family,
        spelled.father,
        mother,
        sex.to_string(),
        birth_date,
        birth_place,
        nationality,
        document_type,
        document_number,
        phone,
        address,
        locality,
        postcode,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyboard_slip() {
        assert_eq!(arabic_keyboard("Mohamed"), "ةخاشةثي");
        assert_eq!(arabic_keyboard("Abbes"), "شلالاثس");
        assert_eq!(arabic_keyboard("Ben Ali"), "لاثى شمه");
    }

    #[test]
    fn small_set_is_reproducible_and_complete() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let cfg = LinkageConfig {
            seed: 7,
            people: 3000,
        };
        let sa = linkage_benchmark(a.path(), &cfg).unwrap();
        let sb = linkage_benchmark(b.path(), &cfg).unwrap();
        assert_eq!(sa.records, sb.records);
        for f in &sa.files {
            let other = b.path().join(f.path.file_name().unwrap());
            assert_eq!(
                std::fs::read(&f.path).unwrap(),
                std::fs::read(other).unwrap()
            );
        }
        let truth = std::fs::read_to_string(&sa.truth).unwrap();
        assert_eq!(truth.lines().count() as u64, sa.records + 1);
        assert_eq!(sa.files.iter().map(|f| f.rows).sum::<u64>(), sa.records);
        assert!(sa.twins > 10, "twins {}", sa.twins);
        assert!(sa.common_name_records > 20, "{}", sa.common_name_records);
        assert!(sa.true_pairs > sa.records / 4, "{sa:?}");
        let census = std::fs::read_to_string(a.path().join("census.csv")).unwrap();
        assert!(census.starts_with(&CANONICAL_PERSON_HEADER.join(",")));
        assert!(census.contains("محمد"));
        let border = std::fs::read_to_string(a.path().join("border.csv")).unwrap();
        assert!(border.contains("MOHAMED"));
    }
}

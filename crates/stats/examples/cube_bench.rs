//! Cube figures on synthetic facts: build time, a 3-dimension query with all margins, and an
//! incremental refresh of 10 000 records.
//!
//! ```text
//! cargo run --release -p marsad-stats --example cube_bench -- [FACTS] [--flat] [--csv FILE]
//! ```
//!
//! FACTS defaults to 10 000 000 border crossings (six dimensions besides the month; countries
//! skewed as in real crossings, or much flatter with `--flat`, the worst case: about as many
//! cells as facts). `--csv FILE` also writes the materialised cube (one row per cell) for a
//! side-by-side run of the same query in another engine, e.g. DuckDB:
//!
//! ```sql
//! create table cube as select substr(period, 1, 4) as year, * from read_csv_auto('FILE');
//! create table r as select year, sex, age, citizenship, sum(value), sum(units) from cube
//!   group by year, cube(sex, age, citizenship);
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::time::Instant;

use marsad_stats::catalogue::IndicatorId;
use marsad_stats::cube::{Cubes, Fact, Query, Sums};
use marsad_stats::dims::{Dim, Month, Period};

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Skewed towards the first items: `n × u^power`. Power 5 is like real crossings (a few
    /// countries make most of them); power 2 is a much flatter worst case.
    fn skewed(&mut self, n: usize, power: i32) -> usize {
        ((n as f64 * self.unit().powi(power)) as usize).min(n - 1)
    }
}

const SEXES: [&str; 3] = ["F", "M", "_U"];
const AGES: [&str; 19] = [
    "Y0T4", "Y5T9", "Y10T14", "Y15T19", "Y20T24", "Y25T29", "Y30T34", "Y35T39", "Y40T44", "Y45T49",
    "Y50T54", "Y55T59", "Y60T64", "Y65T69", "Y70T74", "Y75T79", "Y80T84", "Y_GE85", "_U",
];
const FLOWS: [&str; 2] = ["IMM", "EMI"];
const RESIDENCE: [&str; 2] = ["RES", "NRES"];

fn countries() -> Vec<&'static str> {
    marsad_model::codes::countries()
        .map(marsad_model::codes::Country::alpha3)
        .collect()
}

fn fact(rng: &mut Rng, countries: &[&'static str], power: i32) -> Fact<'static> {
    let month = Month::new(2015 + rng.below(10) as i32, 1 + rng.below(12) as u32).unwrap();
    let n = countries.len();
    Fact::new(IndicatorId::BorderCrossings, month, Sums::count(1))
        .with(Dim::Flow, FLOWS[rng.below(2)])
        .with(Dim::Residence, RESIDENCE[rng.below(2)])
        .with(Dim::Sex, SEXES[rng.below(3)])
        .with(Dim::Age, AGES[rng.below(AGES.len())])
        .with(Dim::Citizenship, countries[rng.skewed(n, power)])
        .with(Dim::CounterpartArea, countries[rng.skewed(n, power)])
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let total: usize = args
        .iter()
        .find(|a| a.chars().all(|c| c.is_ascii_digit()))
        .map_or(10_000_000, |a| a.parse().unwrap());
    let csv = args
        .iter()
        .position(|a| a == "--csv")
        .and_then(|i| args.get(i + 1));
    let power = if args.iter().any(|a| a == "--flat") {
        2
    } else {
        5
    };
    let countries = countries();
    let ind = IndicatorId::BorderCrossings;

    let mut rng = Rng(42);
    let mut cubes = Cubes::new();
    let mut first_batch: Vec<Fact<'static>> = Vec::new();
    let batch = 1_000_000.min(total);
    let mut generated = 0;
    let mut apply_time = 0.0;
    let start = Instant::now();
    while generated < total {
        let n = batch.min(total - generated);
        let facts: Vec<Fact<'static>> = (0..n).map(|_| fact(&mut rng, &countries, power)).collect();
        let t = Instant::now();
        cubes.apply(&facts, &[]).unwrap();
        apply_time += t.elapsed().as_secs_f64();
        if first_batch.is_empty() {
            first_batch = facts[..10_000.min(facts.len())].to_vec();
        }
        generated += n;
    }
    println!(
        "build: {total} facts -> {} cells in {:.2} s (apply {:.2} s, generation the rest)",
        cubes.cell_count(ind),
        start.elapsed().as_secs_f64(),
        apply_time
    );

    let years: Vec<Period> = (2015..2025).map(Period::Year).collect();
    let q = Query::new(ind, &[Dim::Sex, Dim::Age, Dim::Citizenship], &years);
    let mut times = Vec::new();
    let mut cells = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let table = cubes.query(&q).unwrap();
        times.push(t.elapsed().as_secs_f64());
        cells = table.cells.len();
    }
    times.sort_by(f64::total_cmp);
    println!(
        "query SEX x AGE x CITIZENSHIP, 10 years, all margins: {cells} cells, median {:.1} ms (min {:.1} ms)",
        times[2] * 1e3,
        times[0] * 1e3
    );
    let q1 = Query::new(
        ind,
        &[Dim::Sex, Dim::Age, Dim::Citizenship],
        &[Period::Year(2020)],
    )
    .filter(Dim::Flow, &["IMM"]);
    let t = Instant::now();
    let table = cubes.query(&q1).unwrap();
    println!(
        "query same, one year, FLOW=IMM: {} cells in {:.1} ms",
        table.cells.len(),
        t.elapsed().as_secs_f64() * 1e3
    );

    // Incremental: 10 000 records get new versions (their old facts out, new facts in).
    let replacement: Vec<Fact<'static>> = (0..first_batch.len())
        .map(|_| fact(&mut rng, &countries, power))
        .collect();
    let t = Instant::now();
    let report = cubes.apply(&replacement, &first_batch).unwrap();
    println!(
        "incremental: {} records replaced in {:.1} ms ({} cells created, {} deleted)",
        first_batch.len(),
        t.elapsed().as_secs_f64() * 1e3,
        report.cells_created,
        report.cells_deleted
    );

    let t = Instant::now();
    let rows = cubes.indicator_rows(ind);
    println!(
        "serialise: {} rows in {:.2} s",
        rows.len(),
        t.elapsed().as_secs_f64()
    );

    if let Some(path) = csv {
        let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
        writeln!(
            out,
            "period,flow,residence,sex,age,citizenship,counterpart,value,units"
        )
        .unwrap();
        for r in &rows {
            let codes: Vec<&str> = r
                .key
                .split(';')
                .map(|p| &p[p.find('=').unwrap() + 1..])
                .collect();
            writeln!(
                out,
                "{},{},{},{}",
                r.period,
                codes.join(","),
                r.sums.value,
                r.sums.units
            )
            .unwrap();
        }
        println!("wrote {path}");
    }
}

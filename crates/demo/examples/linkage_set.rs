//! Writes the record-linkage truth set (canonical person CSVs per source and `truth.csv`) into a
//! folder and prints what was written.
//!
//! `cargo run --release -p marsad-demo --example linkage_set -- DIR [PEOPLE] [SEED]`
//!
//! PEOPLE may also be given as a wanted number of records, e.g. `25000r` (the population is
//! sized with `RECORDS_PER_PERSON`; the record count lands within a few per cent).

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .unwrap_or_else(|| "marsad-linkage-data".to_string());
    let mut cfg = marsad_demo::LinkageConfig::default();
    if let Some(people) = args.next() {
        cfg.people = match people.strip_suffix('r') {
            Some(records) => {
                let records: f64 = records.parse()?;
                (records / marsad_demo::RECORDS_PER_PERSON).round() as usize
            }
            None => people.parse()?,
        };
    }
    if let Some(seed) = args.next() {
        cfg.seed = seed.parse()?;
    }
    let started = Instant::now();
    let set = marsad_demo::linkage_benchmark(std::path::Path::new(&dir), &cfg)?;
    for f in &set.files {
        println!(
            "{:<10} {:>8} records  {}",
            f.source,
            f.rows,
            f.path.display()
        );
    }
    println!(
        "total {} records, {} persons ({} in the population), {} true pairs, {} records named \
         Mohamed Ben Ali, {} twins, {} keyboard slips, truth {}, {:.1} s",
        set.records,
        set.entities,
        cfg.people,
        set.true_pairs,
        set.common_name_records,
        set.twins,
        set.keyboard_slips,
        set.truth.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

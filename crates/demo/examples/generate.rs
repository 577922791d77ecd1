//! Generates the demo data set into a folder and prints what was written and how long it took.
//!
//! `cargo run --release -p marsad-demo --example generate -- DIR [PEOPLE] [SEED]`

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .unwrap_or_else(|| "marsad-demo-data".to_string());
    let mut cfg = marsad_demo::DemoConfig::default();
    if let Some(people) = args.next() {
        cfg.people = people.parse()?;
    }
    if let Some(seed) = args.next() {
        cfg.seed = seed.parse()?;
    }
    let started = Instant::now();
    let manifest = marsad_demo::generate(std::path::Path::new(&dir), &cfg, &mut |_, _| {})?;
    let took = started.elapsed();
    for f in &manifest.files {
        println!(
            "{:<20} {:>8} rows {:>5} bad  {}",
            f.source,
            f.rows,
            f.bad_rows,
            f.path.display()
        );
    }
    println!(
        "total {} rows, {} bad, {} people, {:.1} s",
        manifest.total_rows(),
        manifest.total_bad_rows(),
        cfg.people,
        took.as_secs_f64()
    );
    Ok(())
}

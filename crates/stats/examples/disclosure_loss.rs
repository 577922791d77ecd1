//! Measures secondary suppression on seeded random frequency tables: cells and value suppressed,
//! linear programs solved and time, with and without the clean-up pass; every pattern is audited
//! by the attacker's LPs.
//!
//! `cargo run --release -p marsad-stats --example disclosure_loss -- [SHAPE ...] [--tables N]`
//!
//! A shape is the sizes of the dimensions, e.g. `2x30x10` (sex × destination × occupation);
//! without shapes, a fixed list from 6×6 to 2×30×10.

use std::time::Instant;

use marsad_stats::disclosure::{
    attacker_ranges, protect, Cell, Dimension, FrequencyRule, Rules, Table,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn codes(prefix: &str, n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("{prefix}{i}")).collect()
}

fn table(rng: &mut ChaCha8Rng, sizes: &[usize]) -> Result<Table, Box<dyn std::error::Error>> {
    let names = ["SEX", "AGE", "CITIZENSHIP", "GOVERNORATE"];
    let dims = sizes
        .iter()
        .zip(names)
        .map(|(&n, id)| Dimension::flat(id, &codes(&id[..1], n)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut keys: Vec<Vec<String>> = vec![vec![]];
    for (d, &n) in sizes.iter().enumerate() {
        keys = keys
            .into_iter()
            .flat_map(|k| {
                codes(&names[d][..1], n).into_iter().map(move |c| {
                    let mut k = k.clone();
                    k.push(c);
                    k
                })
            })
            .collect();
    }
    let cells = keys
        .into_iter()
        .map(|key| {
            let v: u64 = match rng.gen_range(0..100) {
                0..=9 => 0,
                10..=29 => rng.gen_range(1..5),
                _ => rng.gen_range(5..200),
            };
            Cell {
                key,
                value: v as f64,
                count: v,
                top: vec![],
            }
        })
        .collect();
    Ok(Table::from_leaves(dims, cells)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "shape        tables cells primary secondary %cells %value   LPs   ms/table  clean-up"
    );
    let mut shapes: Vec<Vec<usize>> = Vec::new();
    let mut tables = 10;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--tables" {
            tables = args
                .next()
                .and_then(|n| n.parse().ok())
                .ok_or("--tables N")?;
        } else {
            shapes.push(
                a.split('x')
                    .map(str::parse)
                    .collect::<Result<_, _>>()
                    .map_err(|_| format!("not a shape: {a}"))?,
            );
        }
    }
    if shapes.is_empty() {
        shapes = vec![
            vec![6, 6],
            vec![10, 12],
            vec![2, 5, 6],
            vec![4, 5, 6],
            vec![2, 2, 3, 4],
            vec![12, 20],
            vec![2, 8, 12],
            vec![2, 30, 10],
        ];
    }
    for sizes in shapes {
        for cleanup in [false, true] {
            let mut rng = ChaCha8Rng::seed_from_u64(1);
            let rules = Rules {
                frequency: Some(FrequencyRule {
                    threshold: 5,
                    protection: 3.0,
                    protection_percent: 0.0,
                }),
                cleanup,
                ..Rules::default()
            };
            let (mut cells, mut primary, mut secondary, mut sec_value, mut total, mut lps) =
                (0, 0, 0, 0.0, 0.0, 0);
            let mut elapsed = 0.0;
            for _ in 0..tables {
                let t = table(&mut rng, &sizes)?;
                let start = Instant::now();
                let out = protect(&t, &rules)?;
                elapsed += start.elapsed().as_secs_f64();
                let ranges = attacker_ranges(&t, &out.status)?;
                for (i, p) in out.protection.iter().enumerate() {
                    if let (Some(p), Some((lo, hi))) = (p, ranges[i]) {
                        let a = t.value(i);
                        if hi < a + p.upper - 1e-6 * a.max(1.0)
                            || lo > a - p.lower + 1e-6 * a.max(1.0)
                        {
                            return Err(
                                format!("{} not protected: [{lo}, {hi}]", t.key_text(i)).into()
                            );
                        }
                    }
                }
                cells += t.len();
                primary += out.report.primary;
                secondary += out.report.secondary;
                sec_value += out.report.secondary_value;
                total += out.report.total_value;
                lps += out.report.linear_programs;
            }
            println!(
                "{:<12} {:>6} {:>5} {:>7} {:>9} {:>5.1}% {:>5.2}% {:>5} {:>10.1}  {}",
                format!("{sizes:?}"),
                tables,
                cells,
                primary,
                secondary,
                100.0 * secondary as f64 / cells as f64,
                100.0 * sec_value / total,
                lps,
                1000.0 * elapsed / tables as f64,
                if cleanup { "yes" } else { "no" }
            );
        }
    }
    Ok(())
}

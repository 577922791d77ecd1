//! Micro benchmark of the per-row model work of an import: [`validate`] +
//! [`CanonicalRecord::to_json`] + [`CanonicalRecord::content_hash`] on generated person rows
//! (Arabic and Latin names, ISO and `dd/mm/yyyy` dates, country codes and names).
//!
//! `cargo run --release -p marsad-model --example validate_bench [ROWS]` (default 200,000).

use std::hint::black_box;
use std::time::Instant;

use chrono::NaiveDate;
use marsad_model::{validate, Context, RawField, RecordKind};
use sha2::{Digest, Sha256};

const GIVEN_LAT: [&str; 10] = [
    "Mohamed", "Ahmed", "Ali", "Youssef", "Fatma", "Amira", "Salah", "Hélène", "Nour", "Leila",
];
const GIVEN_AR: [&str; 8] = [
    "محمد",
    "أحمد",
    "علي",
    "يوسف",
    "فاطمة",
    "أميرة",
    "صالح",
    "محمد الهادي",
];
const FAMILY_LAT: [&str; 6] = [
    "Trabelsi", "Ben Ali", "Gharbi", "Jebali", "Hammami", "Zouari",
];
const FAMILY_AR: [&str; 5] = ["الطرابلسي", "بن علي", "الغربي", "الجبالي", "العياري"];
const NAT: [&str; 8] = ["TUN", "TUN", "tun", "LBY", "DZA", "MA", "Tunisie", "ليبيا"];

/// A small deterministic generator (xorshift64*), so the example needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

/// The values of one person row, in the order of [`NAMES`].
fn rows(n: usize, day_first: bool) -> Vec<[String; 12]> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    (0..n)
        .map(|i| {
            let arabic = rng.below(10) < 4;
            let (given, family) = if arabic {
                (&GIVEN_AR[..], &FAMILY_AR[..])
            } else {
                (&GIVEN_LAT[..], &FAMILY_LAT[..])
            };
            let (y, m, d) = (1940 + rng.below(70), 1 + rng.below(12), 1 + rng.below(28));
            let birth = if day_first {
                format!("{d:02}/{m:02}/{y:04}")
            } else {
                format!("{y:04}-{m:02}-{d:02}")
            };
            [
                format!("P{i:08}"),
                rng.pick(given).to_owned(),
                rng.pick(family).to_owned(),
                rng.pick(given).to_owned(),
                if rng.below(2) == 0 { "M" } else { "F" }.to_owned(),
                birth,
                "Tunis".to_owned(),
                rng.pick(&NAT).to_owned(),
                "passport".to_owned(),
                format!("X{:08}", rng.below(100_000_000)),
                format!("+216{}", 20_000_000 + rng.below(80_000_000)),
                format!("{} rue de la Liberté", 1 + rng.below(200)),
            ]
        })
        .collect()
}

const NAMES: [&str; 12] = [
    "record_id",
    "given_name",
    "family_name",
    "father_name",
    "sex",
    "birth_date",
    "birth_place",
    "nationality",
    "document_type",
    "document_number",
    "phone",
    "address",
];

fn run(label: &str, rows: &[[String; 12]], ctx: &Context<'_>) {
    let mut fields: Vec<RawField<'_>> = Vec::with_capacity(NAMES.len());
    let mut bytes = 0usize;
    let start = Instant::now();
    for row in rows {
        fields.clear();
        fields.extend(NAMES.iter().zip(row).map(|(n, v)| RawField::new(n, v)));
        match validate(RecordKind::Person, black_box(&fields), ctx) {
            Ok(v) => {
                bytes += v.record.to_json().len();
                bytes += v.record.content_hash().len();
            }
            Err(issues) => {
                eprintln!("unexpected issues: {issues:?}");
                std::process::exit(1);
            }
        }
    }
    let elapsed = start.elapsed();
    let per_row = elapsed.as_nanos() / rows.len().max(1) as u128;
    println!(
        "{label}: {} rows in {elapsed:.2?}: {per_row} ns/row ({bytes} bytes)",
        rows.len()
    );
}

/// Values that exercise the slow paths: padding, tabs, invisible characters, Arabic-Indic
/// digits, lower case, other scripts, and invalid values.
const NOISE: [&str; 24] = [
    "",
    " ",
    "  Ali  ",
    "Ben\tAli",
    "Ben  Ali",
    "\u{200F}محمد",
    "علي\u{200B} ",
    "Дмитрий",
    "٢٠٢٣-٠٥-٠١",
    "1985-02-30",
    "1985-13-01",
    "1985-03",
    "1985",
    "12/03/1985",
    "2/3/1985",
    "ab 123 456",
    "x\u{1}y",
    "00216 20 123 456",
    "+216-20",
    "tunisie",
    "ليبيا",
    "Narnia",
    "femme",
    "2",
];

/// A digest of everything `validate` answers for `rows` with some values replaced by
/// [`NOISE`]: canonical JSON, hashes, warnings and errors. Equal digests, equal behaviour.
fn digest(rows: &[[String; 12]], ctx: &Context<'_>) -> String {
    let mut rng = Rng(7);
    let mut h = Sha256::new();
    for row in rows {
        let mut values: Vec<&str> = row.iter().map(String::as_str).collect();
        for _ in 0..rng.below(3) {
            let i = rng.below(values.len());
            values[i] = rng.pick(&NOISE);
        }
        let fields: Vec<RawField<'_>> = NAMES
            .iter()
            .zip(&values)
            .map(|(n, v)| RawField::new(n, v))
            .collect();
        match validate(RecordKind::Person, &fields, ctx) {
            Ok(v) => {
                h.update(v.record.to_json());
                h.update(v.record.content_hash());
                h.update(format!("{:?}", v.warnings));
            }
            Err(issues) => h.update(format!("{issues:?}")),
        }
    }
    hex::encode(h.finalize())
}

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let Some(today) = NaiveDate::from_ymd_opt(2025, 6, 1) else {
        return;
    };
    let iso = rows(n, false);
    let day_first = rows(n, true);
    let ctx = Context::new(today);
    let ctx_fmt = Context {
        date_format: Some("%d/%m/%Y"),
        ..Context::new(today)
    };
    if std::env::args().any(|a| a == "--digest") {
        println!("ISO digest:        {}", digest(&iso, &ctx));
        println!("dd/mm/yyyy digest: {}", digest(&day_first, &ctx_fmt));
        return;
    }
    for _ in 0..2 {
        run("ISO dates         ", &iso, &ctx);
        run("dd/mm/yyyy format ", &day_first, &ctx_fmt);
    }
}

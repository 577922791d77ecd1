//! `marsad stats refresh` and `marsad export sdmx` on the demo: the demo refreshes at its end;
//! `marsad stats input`/`inputs` on imported remittances (SDG 17.3.2 exported once GDP is given);
//! after unification an incremental refresh gives the cube a full one gives; the export writes
//! every file, and a real SDMX client (sdmx1) reads them when `MARSAD_SDMX_PYTHON` names its
//! Python (required when `MARSAD_REQUIRE_SDMX_CLIENT=1`).

use std::path::Path;

use crate::Cli;

fn cells(out: &str) -> u64 {
    out.split(", ")
        .find_map(|part| part.strip_suffix(" cells in the cube"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no cell count in {out}"))
}

/// The Python with sdmx1, or `None` (printing why) when the check is not required.
pub fn sdmx_python() -> Option<String> {
    match std::env::var("MARSAD_SDMX_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            assert!(
                std::env::var("MARSAD_REQUIRE_SDMX_CLIENT").as_deref() != Ok("1"),
                "MARSAD_REQUIRE_SDMX_CLIENT=1 but MARSAD_SDMX_PYTHON is not set"
            );
            println!("skipped the sdmx1 check: MARSAD_SDMX_PYTHON is not set");
            None
        }
    }
}

pub fn statistics_after_unify(cli: &Cli, demo_stdout: &str) {
    assert!(
        demo_stdout.contains("statistics full refresh"),
        "the demo refreshes the statistics: {demo_stdout}"
    );
    let inc = cli.ok(&["stats", "refresh"]);
    assert!(inc.contains("statistics incremental refresh"), "{inc}");
    let full = cli.ok(&["stats", "refresh", "--full"]);
    assert!(full.contains("statistics full refresh"), "{full}");
    assert_eq!(cells(&inc), cells(&full), "{inc}\n{full}");
    assert!(cells(&full) > 1000, "{full}");
    let idle = cli.ok(&["stats", "refresh"]);
    assert!(idle.contains(" 0 units computed"), "{idle}");
    cli.fails(&["stats", "refresh", "--survey-date", "census"]);

    let dir = cli.data().join("sdmx-export");
    let printed = cli.ok(&["export", "sdmx", "--out", dir.to_str().unwrap()]);
    assert!(printed.contains("dataflows"), "{printed}");
    assert!(dir.join("structure.xml").is_file());
    for ext in ["ss.xml", "generic.xml", "json", "csv"] {
        let f = dir.join("data").join(format!("WORKERS_PLACED.{ext}"));
        assert!(f.is_file(), "{} missing", f.display());
    }
    let csv = std::fs::read_to_string(dir.join("data/WORKERS_PLACED.csv")).unwrap();
    assert!(csv.lines().count() > 10, "{csv}");
    // The demo gives GDP by year, so SDG 17.3.2 (remittances as a share of GDP) has figures.
    let listing = cli.ok(&["stats", "inputs"]);
    assert!(
        listing.contains("GDP_USD") && listing.contains("World Bank"),
        "{listing}"
    );
    let gdp = std::fs::read_to_string(dir.join("data/REMITTANCES_GDP.csv")).unwrap();
    assert!(gdp.lines().count() > 1, "{gdp}");
    // Suppressed observations are flagged and carry no value, never a zero.
    let structure = std::fs::read_to_string(dir.join("structure.xml")).unwrap();
    assert!(structure.contains("CL_CONF_STATUS"));
    if let Some(python) = sdmx_python() {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/sdmx_client_check.py");
        let out = std::process::Command::new(python)
            .arg(script)
            .arg("--dir")
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "sdmx1 refused the export:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Exporting before any refresh says what to do, on one line.
pub fn export_sdmx_needs_a_refresh(cli: &Cli) {
    let err = cli.fails(&[
        "export",
        "sdmx",
        "--out",
        cli.data().join("x").to_str().unwrap(),
    ]);
    assert!(err.contains("marsad stats refresh"), "{err}");
    let err = cli.fails(&["stats", "refresh", "--ref-area", "ZZZ"]);
    assert!(err.contains("ZZZ"), "{err}");
}

/// `marsad stats input` and `marsad stats inputs`: remittances imported through a mapping, GDP
/// given for 2024, SDG 17.3.2 exported for 2024 only; bad inputs refused naming the field; a
/// later value replaces the earlier one, which the listing keeps.
pub fn gdp_input(cli: &Cli) {
    let listing = cli.ok(&["stats", "inputs"]);
    assert!(
        listing.contains("GDP_USD") && listing.contains("no value given"),
        "{listing}"
    );
    cli.ok(&["source", "add", "bank"]);
    let dir = cli.data().join("bank");
    std::fs::create_dir_all(&dir).unwrap();
    let mut csv = String::from("id,country,month,amount,currency\n");
    for i in 0..24 {
        csv.push_str(&format!(
            "RF{i},{},{}-{:02},{},USD\n",
            if i % 2 == 0 { "FRA" } else { "ITA" },
            2023 + i / 12,
            i % 12 + 1,
            1000 + i * 10
        ));
    }
    std::fs::write(dir.join("flows.csv"), csv).unwrap();
    std::fs::write(
        dir.join("flows.toml"),
        r#"[[record]]
kind = "remittance_flow"
[record.fields]
record_id = "id"
corridor_country = "country"
month = "month"
amount = "amount"
currency = "currency"
channel = { value = "bank" }
direction = { value = "inward" }
"#,
    )
    .unwrap();
    cli.ok(&[
        "import",
        "--source",
        "bank",
        "--file",
        dir.join("flows.csv").to_str().unwrap(),
        "--mapping",
        dir.join("flows.toml").to_str().unwrap(),
    ]);
    cli.ok(&["stats", "refresh"]);
    fn give<'a>(args: &[&'a str]) -> Vec<&'a str> {
        let mut all = vec!["stats", "input"];
        all.extend_from_slice(args);
        all
    }
    for (args, field) in [
        (
            give(&["GNI", "--period", "2024", "--value", "1e9", "--source", "x"]),
            "code",
        ),
        (
            give(&[
                "GDP_USD", "--period", "2024-03", "--value", "1e9", "--source", "x",
            ]),
            "period",
        ),
        (
            give(&[
                "GDP_USD", "--period", "2024", "--value", "-5", "--source", "x",
            ]),
            "value",
        ),
        (
            give(&[
                "GDP_USD", "--period", "2024", "--value", "inf", "--source", "x",
            ]),
            "value",
        ),
        (
            give(&[
                "GDP_USD", "--period", "2024", "--value", "1e9", "--source", "x", "--unit", "EUR",
            ]),
            "unit",
        ),
        (
            give(&[
                "GDP_USD", "--period", "2024", "--value", "1e9", "--source", " ",
            ]),
            "source",
        ),
    ] {
        let err = cli.fails(&args);
        assert!(
            err.starts_with(&format!("marsad: {field}:")),
            "{args:?}: {err}"
        );
    }
    let out = cli.ok(&give(&[
        "GDP_USD",
        "--period",
        "2024",
        "--value",
        "1e6",
        "--source",
        "national accounts (test)",
        "--by",
        "analyst",
    ]));
    assert!(out.contains("REMITTANCES_GDP"), "{out}");
    cli.ok(&give(&[
        "GDP_USD",
        "--period",
        "2024",
        "--value",
        "2e6",
        "--source",
        "World Bank WDI NY.GDP.MKTP.CD",
    ]));
    let listing = cli.ok(&["stats", "inputs"]);
    assert!(
        listing.contains("replaced") && listing.contains("in use"),
        "{listing}"
    );
    assert!(listing.contains("national accounts (test)") && listing.contains("by analyst"));
    // The later refreshes keep the input.
    cli.ok(&["stats", "refresh"]);
    let out = cli.data().join("sdmx-gdp");
    cli.ok(&["export", "sdmx", "--out", out.to_str().unwrap()]);
    let csv = std::fs::read_to_string(out.join("data/REMITTANCES_GDP.csv")).unwrap();
    let sum_2024: f64 = (12..24).map(|i| 1000.0 + f64::from(i) * 10.0).sum();
    let expected = 100.0 * sum_2024 / 2e6;
    let total = csv
        .lines()
        .find(|l| l.contains("2024") && l.contains(",_T,"))
        .unwrap_or_else(|| panic!("no 2024 total in {csv}"));
    assert!(
        total
            .split(',')
            .filter_map(|x| x.parse::<f64>().ok())
            .any(|v| (v - expected).abs() < 1e-6),
        "{expected} not in {total}"
    );
    assert!(!csv.contains(",2023,"), "no GDP for 2023: {csv}");
}

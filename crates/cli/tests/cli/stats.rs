//! `marsad stats refresh` and `marsad export sdmx` on the demo: the demo refreshes at its end;
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

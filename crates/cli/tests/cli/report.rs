//! `marsad report gcm`: the progress report of the plan in the store, in the three languages, as
//! HTML, and as PDF printed by Chromium (when a browser is installed; CI requires one). The PDF's
//! first page is rendered to a PNG artefact (with poppler's pdftoppm, when installed) and looked
//! at: it must not be blank.

use chrono::{NaiveDate, TimeZone};
use marsad_store::{IndicatorRow, MeasurementRow, PlanActionRow, Store};
use marsad_testkit::Engine;

use super::Cli;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn year(y: i32, value: f64) -> MeasurementRow {
    MeasurementRow {
        period_start: d(y, 1, 1),
        period_end: d(y, 12, 31),
        value,
        source: "INS".into(),
    }
}

fn plan(store: &dyn Store) {
    let at = chrono::Utc.with_ymd_and_hms(2025, 2, 1, 9, 0, 0).unwrap();
    store
        .save_plan_action(&PlanActionRow {
            id: "A-06-1".into(),
            version: 1,
            title: "Réduire les frais de recrutement des travailleurs placés".into(),
            objectives: vec![6, 18],
            owner: "labour-agency".into(),
            partners: vec!["ILO".into()],
            budget: Some((300_000, "TND".into())),
            start: d(2024, 1, 1),
            end: Some(d(2027, 12, 31)),
            status: "ongoing".into(),
            step: "implementation".into(),
            changed_by: "analyst".into(),
            changed_at: at,
        })
        .unwrap();
    store
        .add_plan_indicator(&IndicatorRow {
            action: "A-06-1".into(),
            code: "10.7.1".into(),
            baseline: year(2023, 14.0),
            target: year(2027, 5.0),
            direction: None,
            measurements: vec![],
            created_by: "analyst".into(),
            created_at: at,
        })
        .unwrap();
    for (y, v) in [(2024, 12.0), (2025, 9.5)] {
        store
            .add_plan_measurement("A-06-1", "10.7.1", &year(y, v), "analyst", at)
            .unwrap();
    }
}

fn report_gcm(cli: &Cli) {
    cli.ok(&["source", "add", "census"]);
    plan(cli.store().as_ref());
    let dir = cli.db.dir().to_path_buf();
    for (lang, dir_attr, title) in [
        ("ar", "rtl", "تقرير التقدم المحرز"),
        ("fr", "ltr", "rapport d’avancement"),
        ("en", "ltr", "progress report"),
    ] {
        let out = dir.join(format!("gcm-{lang}.html"));
        let printed = cli.ok(&[
            "report",
            "gcm",
            "--period",
            "2025",
            "--lang",
            lang,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(
            printed.contains("1 actions") && printed.contains(lang),
            "{printed}"
        );
        let html = std::fs::read_to_string(&out).unwrap();
        assert!(html.contains(&format!("dir=\"{dir_attr}\"")), "{lang}");
        assert!(html.contains(title), "{lang}: {title}");
        assert!(html.contains("Réduire les frais de recrutement"), "{lang}");
        assert!(html.contains("<svg"), "{lang}: the indicator's chart");
    }
    // Mistakes are named, one line each.
    let out = dir.join("x.html");
    let out = out.to_str().unwrap();
    assert!(cli
        .fails(&["report", "gcm", "--period", "20x5", "--out", out])
        .contains("--period 20x5"));
    assert!(cli
        .fails(&["report", "gcm", "--period", "2025", "--lang", "de", "--out", out])
        .contains("--lang de"));
    assert!(cli
        .fails(&["report", "gcm", "--period", "2025", "--out", "report.docx"])
        .contains(".html or .pdf"));

    // PDF, when a browser is there.
    let browser = marsad_testkit::browser::find_browser();
    if browser.is_none() {
        assert_ne!(
            std::env::var("MARSAD_REQUIRE_BROWSER").as_deref(),
            Ok("1"),
            "no browser to print the report with"
        );
        eprintln!("skipping the PDF report: no Chromium installed");
        return;
    }
    let artefacts = artefacts();
    for lang in ["ar", "fr", "en"] {
        let pdf = dir.join(format!("gcm-{lang}.pdf"));
        cli.ok(&[
            "report",
            "gcm",
            "--period",
            "2025",
            "--lang",
            lang,
            "--out",
            pdf.to_str().unwrap(),
        ]);
        let bytes = std::fs::read(&pdf).unwrap();
        assert!(bytes.starts_with(b"%PDF-") && bytes.len() > 5_000, "{lang}");
        let kept = artefacts.join(format!("gcm-report-2025-{lang}.pdf"));
        std::fs::copy(&pdf, &kept).unwrap();
        look_at_first_page(
            &kept,
            &artefacts.join(format!("gcm-report-2025-{lang}-page1")),
        );
    }
}

/// Where tests leave files for people to look at: `MARSAD_ARTEFACTS`, else
/// `$CARGO_TARGET_DIR/artefacts` (or `target/artefacts`).
fn artefacts() -> std::path::PathBuf {
    let dir = match std::env::var_os("MARSAD_ARTEFACTS") {
        Some(d) => std::path::PathBuf::from(d),
        None => std::env::var_os("CARGO_TARGET_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| {
                std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target")
            })
            .join("artefacts"),
    }
    .join("gcm");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Renders the PDF's first page to `{prefix}.png` with pdftoppm and checks the page is not
/// blank (some pixels are dark: text and rules were drawn).
fn look_at_first_page(pdf: &std::path::Path, prefix: &std::path::Path) {
    let run = std::process::Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"])
        .arg(pdf)
        .arg(prefix)
        .output();
    let Ok(out) = run else {
        assert_ne!(
            std::env::var("MARSAD_REQUIRE_BROWSER").as_deref(),
            Ok("1"),
            "pdftoppm (poppler-utils) is needed to look at the report's first page"
        );
        eprintln!("skipping the look at the PDF page: pdftoppm is not installed");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let png = prefix.with_extension("png");
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let pixels = &buf[..info.buffer_size()];
    let dark = pixels.iter().filter(|&&v| v < 100).count();
    assert!(
        dark > pixels.len() / 500,
        "{} looks blank ({dark} dark samples of {})",
        png.display(),
        pixels.len()
    );
    eprintln!("the report's first page: {}", png.display());
}

#[test]
fn sqlite_report_gcm() {
    report_gcm(&Cli::new(Engine::Sqlite).unwrap());
}

#[test]
fn postgres_report_gcm() {
    if let Some(cli) = Cli::new(Engine::Postgres) {
        report_gcm(&cli);
    }
}

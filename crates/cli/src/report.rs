//! `marsad report gcm --period YYYY --lang ar|fr|en --out FILE`: the GCM progress report of the
//! national plan in the store, as a self-contained HTML file, or as PDF when FILE ends in
//! `.pdf` (the same HTML printed by headless Chromium, which must then be installed).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand};
use marsad_model::{Clock, Lang};
use marsad_portal::format::Locale;
use marsad_portal::gcm_report::{report_document, ReportInput};

use crate::StoreArgs;

#[derive(Subcommand)]
pub enum ReportCommand {
    /// The progress report on the Global Compact for Migration for one year (HTML or PDF by
    /// the extension of --out).
    Gcm(GcmArgs),
}

#[derive(Args)]
pub struct GcmArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The reporting year.
    #[arg(long, value_name = "YYYY")]
    pub period: String,
    /// The report's language: ar, fr or en.
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Where to write it: FILE.html or FILE.pdf.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// The country named in the title (default: the statistics settings' reporting country).
    #[arg(long)]
    pub country: Option<String>,
}

/// How long Chromium may take to print the report.
const PRINT_TIMEOUT: Duration = Duration::from_secs(120);

pub fn report(cmd: ReportCommand, clock: &dyn Clock) -> Result<ExitCode> {
    match cmd {
        ReportCommand::Gcm(args) => gcm(&args, clock),
    }
}

enum Format {
    Html,
    Pdf,
}

fn gcm(args: &GcmArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let year: i32 = args
        .period
        .trim()
        .parse()
        .ok()
        .filter(|y| (1900..=9999).contains(y))
        .with_context(|| format!("--period {}: a year between 1900 and 9999", args.period))?;
    let Some(lang) = Lang::parse(&args.lang) else {
        bail!("--lang {}: ar, fr or en", args.lang);
    };
    let format = match args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => Format::Html,
        Some("pdf") => Format::Pdf,
        _ => bail!(
            "--out {}: the file must end in .html or .pdf",
            args.out.display()
        ),
    };
    let store = args.store.open()?;
    let plan = marsad_server::gcm::load_plan(store.as_ref())
        .map_err(|e| anyhow::anyhow!("reading the national plan: {}", e.detail))?;
    let country = match &args.country {
        Some(c) => c.clone(),
        None => marsad_server::gcm::report_country(store.as_ref(), lang)
            .map_err(|e| anyhow::anyhow!("reading the reporting country: {}", e.detail))?,
    };
    let input = ReportInput {
        plan: &plan,
        year,
        country: &country,
        made: clock.now().date_naive(),
    };
    let html = report_document(Locale::new(lang), &input).into_string();
    match format {
        Format::Html => std::fs::write(&args.out, html)
            .with_context(|| format!("cannot write {}", args.out.display()))?,
        Format::Pdf => print_pdf(&html, &args.out)?,
    }
    println!(
        "wrote {} ({} actions, year {year}, {})",
        args.out.display(),
        plan.actions.len(),
        lang.as_str()
    );
    Ok(ExitCode::SUCCESS)
}

/// The Chromium to print with: `MARSAD_CHROMIUM`, else the first of chromium, chromium-browser,
/// google-chrome on `PATH`.
fn find_browser() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MARSAD_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// Prints `html` to `out` as PDF with headless Chromium (A4, no header or footer).
fn print_pdf(html: &str, out: &Path) -> Result<()> {
    let Some(browser) = find_browser() else {
        bail!(
            "writing a PDF needs Chromium (chromium, chromium-browser or google-chrome on PATH, or MARSAD_CHROMIUM); write the report as .html and print it from a browser instead"
        );
    };
    let dir = tempfile::tempdir().context("cannot make a temporary folder")?;
    let page = dir.path().join("report.html");
    std::fs::write(&page, html).context("cannot write the report for printing")?;
    let out_abs = if out.is_absolute() {
        out.to_path_buf()
    } else {
        std::env::current_dir()?.join(out)
    };
    let _ = std::fs::remove_file(&out_abs);
    let spinner = crate::progress::spinner("printing the report to PDF with Chromium");
    let mut child = Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", out_abs.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {}", browser.display()))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > PRINT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{} did not print the report within {} s",
                browser.display(),
                PRINT_TIMEOUT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    spinner.finish_and_clear();
    let head = std::fs::read(&out_abs)
        .ok()
        .map(|b| b.starts_with(b"%PDF-"))
        .unwrap_or(false);
    if !status.success() || !head {
        bail!(
            "{} did not write a PDF to {} ({status})",
            browser.display(),
            out.display()
        );
    }
    Ok(())
}

//! `marsad report gcm --period YYYY --lang ar|fr|en --out FILE`: the GCM progress report of a
//! year from the plan in the store, rendered by `marsad_gcm::report` as one self-contained HTML
//! page, or printed to PDF by a headless Chromium when FILE ends in `.pdf`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context as _, Result};
use clap::Subcommand;
use marsad_model::{Clock, Lang};

use crate::StoreArgs;

/// The variable naming the browser to print PDFs with (as the test kit reads it).
pub const CHROMIUM_VAR: &str = "MARSAD_CHROMIUM";
/// The executables looked for on `PATH`, in order.
const BROWSER_NAMES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

#[derive(Subcommand)]
pub enum ReportCommand {
    /// The GCM progress report of a year: per objective, actions, status, indicator trends
    /// with charts, evaluations (HTML, or PDF when FILE ends in .pdf).
    Gcm {
        #[command(flatten)]
        store: StoreArgs,
        /// The year reported on.
        #[arg(long, value_name = "YYYY")]
        period: i32,
        /// The report's language: ar, fr or en.
        #[arg(long, default_value = "en")]
        lang: String,
        /// The file to write (.html or .pdf).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// A browser to print with: `MARSAD_CHROMIUM`, else the first of chromium, chromium-browser,
/// google-chrome on `PATH`.
pub fn find_browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(CHROMIUM_VAR).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    BROWSER_NAMES.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

fn print_pdf(html: &str, out: &Path) -> Result<()> {
    let browser = find_browser().ok_or_else(|| {
        anyhow!(
            "cannot write {}: printing a PDF needs Chromium (set {CHROMIUM_VAR} or put chromium on PATH), or ask for an .html file",
            out.display()
        )
    })?;
    // A private folder for the page and the browser's profile, removed afterwards.
    let dir = std::env::temp_dir().join(format!(
        "marsad-report-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = print_in(&browser, &dir, html, out);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn print_in(browser: &Path, dir: &Path, html: &str, out: &Path) -> Result<()> {
    let page = dir.join("report.html");
    std::fs::write(&page, html).with_context(|| format!("cannot write {}", page.display()))?;
    let target =
        std::path::absolute(out).with_context(|| format!("cannot resolve {}", out.display()))?;
    let status = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("--print-to-pdf={}", target.display()))
        .arg(format!("file://{}", page.display()))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .with_context(|| format!("cannot run {}", browser.display()))?;
    let written = std::fs::metadata(&target).map(|m| m.len()).unwrap_or(0);
    if !status.success() || written == 0 {
        bail!(
            "cannot write {}: {} did not print the report ({status})",
            out.display(),
            browser.display()
        );
    }
    Ok(())
}

pub fn report(cmd: ReportCommand, clock: &dyn Clock) -> Result<ExitCode> {
    let ReportCommand::Gcm {
        store,
        period,
        lang,
        out,
    } = cmd;
    let lang = Lang::parse(&lang).ok_or_else(|| anyhow!("--lang {lang}: use ar, fr or en"))?;
    if !(1900..=9999).contains(&period) {
        bail!("--period {period}: a year between 1900 and 9999");
    }
    let pdf = match out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
    {
        Some(e) if e == "pdf" => true,
        Some(e) if e == "html" || e == "htm" => false,
        _ => bail!(
            "--out {}: the file name must end in .html or .pdf",
            out.display()
        ),
    };
    let s = store.open()?;
    let plan = marsad_server::gcm::load_plan(s.as_ref())
        .map_err(|e| anyhow!("cannot read the plan: {}", e.detail))?;
    let html = marsad_gcm::report::render_html(&plan, period, lang, clock.now().date_naive());
    if pdf {
        print_pdf(&html, &out)?;
    } else {
        std::fs::write(&out, &html).with_context(|| format!("cannot write {}", out.display()))?;
    }
    eprintln!(
        "marsad: GCM report {period} ({}) written to {} ({} actions)",
        lang.as_str(),
        out.display(),
        plan.actions.len()
    );
    Ok(ExitCode::SUCCESS)
}

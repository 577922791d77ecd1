//! `marsad stats refresh` (the cube in the store, incremental unless `--full`), `marsad stats
//! input CODE --period --value --source` and `marsad stats inputs` (statistical inputs not in the
//! records, such as GDP), and `marsad
//! export sdmx --out DIR` (the protected SDMX structures and data as files, for partners with
//! no network link).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use marsad_figures::{Published, Settings};
use marsad_model::Clock;
use marsad_store::Store;

use crate::StoreArgs;

#[derive(Subcommand)]
pub enum StatsCommand {
    /// Bring the statistics cube up to date with the records: only what changed since the last
    /// refresh, unless `--full` (or the settings changed).
    Refresh(RefreshArgs),
    /// Give a statistical input the records do not hold, for one period (GDP_USD, for SDG
    /// 17.3.2 remittances as a share of GDP); a later value replaces the earlier one, which
    /// stays in the history. The figures over it are published again at once.
    Input(InputArgs),
    /// List the statistical inputs the indicators need and every value given.
    Inputs(InputsArgs),
}

#[derive(Args)]
pub struct InputArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The input code, e.g. GDP_USD.
    code: String,
    /// The period, e.g. 2024.
    #[arg(long)]
    period: String,
    /// The value, e.g. 46.7e9.
    #[arg(long, allow_hyphen_values = true)]
    value: f64,
    /// Where the figure comes from, e.g. "World Bank WDI NY.GDP.MKTP.CD".
    #[arg(long)]
    source: String,
    /// The unit or currency of the value [default: the input's own, USD for GDP_USD].
    #[arg(long)]
    unit: Option<String>,
    /// Who gives the figure [default: the user running the command].
    #[arg(long, value_name = "NAME")]
    by: Option<String>,
}

#[derive(Args)]
pub struct InputsArgs {
    #[command(flatten)]
    store: StoreArgs,
}

#[derive(Args)]
pub struct RefreshArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Recompute everything from every record.
    #[arg(long)]
    full: bool,
    /// The reporting country (ISO 3166-1 alpha-3); kept for later refreshes.
    #[arg(long, value_name = "ISO3")]
    ref_area: Option<String>,
    /// The last day the data cover (YYYY-MM-DD) [default: today]; kept for later refreshes.
    #[arg(long, value_name = "DATE")]
    data_end: Option<chrono::NaiveDate>,
    /// The reference date of a census or survey: SURVEY=YYYY-MM-DD (repeatable); kept.
    #[arg(long, value_name = "SURVEY=DATE")]
    survey_date: Vec<String>,
    /// US dollars per unit of a currency: CODE=RATE (repeatable); kept.
    #[arg(long, value_name = "CODE=RATE")]
    usd_rate: Vec<String>,
}

#[derive(Subcommand)]
pub enum ExportCommand {
    /// The published statistics as SDMX 2.1 files: `structure.xml` and per dataflow
    /// `data/ID.ss.xml`, `.generic.xml`, `.json`, `.csv` (disclosure-protected).
    Sdmx {
        #[command(flatten)]
        store: StoreArgs,
        /// The folder to write (created if missing).
        #[arg(long, value_name = "DIR")]
        out: std::path::PathBuf,
    },
}

/// The settings kept with the cube, or the defaults.
pub fn stored_settings(store: &dyn Store) -> Result<Settings> {
    Ok(match store.stats_state()? {
        Some(s) => Settings::from_json(&s.settings)?,
        None => Settings::default(),
    })
}

fn bar(visible: bool) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        None,
        if visible {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        },
    );
    if let Ok(style) = ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Refreshes with `settings`, drawing a progress bar; prints what it did.
pub fn run_refresh(
    store: &dyn Store,
    settings: &Settings,
    full: bool,
    clock: &dyn Clock,
) -> Result<()> {
    let started = Instant::now();
    let bar = bar(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let now = clock.now();
    let report = marsad_figures::refresh(
        store,
        settings,
        now.date_naive(),
        now,
        full,
        &mut |stage, done, total| {
            bar.set_message(stage.to_string());
            bar.set_length(total.max(done));
            bar.set_position(done);
        },
    );
    bar.finish_and_clear();
    let report = report.context("cannot refresh the statistics")?;
    println!(
        "statistics {} refresh: {} records read, {} units computed, {} cells changed, {} cells in the cube, {:.2} s",
        if report.full { "full" } else { "incremental" },
        report.records,
        report.units,
        report.cells_changed,
        report.cells,
        started.elapsed().as_secs_f64()
    );
    for (reason, n) in &report.skipped {
        println!("  left out  {n:>8}  {reason}");
    }
    for (kind, n) in &report.unreadable {
        println!("  unreadable {n:>7}  {kind} records");
    }
    Ok(())
}

pub fn refresh(args: &RefreshArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let store = args.store.open()?;
    let mut settings = stored_settings(store.as_ref())?;
    if let Some(r) = &args.ref_area {
        settings.ref_area = r.trim().to_ascii_uppercase();
    }
    if let Some(d) = args.data_end {
        settings.data_end = Some(d);
    }
    for s in &args.survey_date {
        let (name, date) = Settings::parse_survey_date(s)?;
        settings.survey_dates.insert(name, date);
    }
    for r in &args.usd_rate {
        let (code, rate) = r
            .split_once('=')
            .with_context(|| format!("--usd-rate '{r}': expected CODE=RATE"))?;
        let rate: f64 = rate
            .trim()
            .parse()
            .ok()
            .filter(|x: &f64| x.is_finite() && *x > 0.0)
            .with_context(|| format!("--usd-rate '{r}': the rate is not a positive number"))?;
        settings
            .usd_rates
            .insert(code.trim().to_ascii_uppercase(), rate);
    }
    run_refresh(store.as_ref(), &settings, args.full, clock)?;
    Ok(ExitCode::SUCCESS)
}

pub fn export(cmd: ExportCommand, clock: &dyn Clock) -> Result<ExitCode> {
    let ExportCommand::Sdmx { store, out } = cmd;
    let s = store.open()?;
    if s.stats_state()?.is_none() {
        anyhow::bail!("no statistics yet: run `marsad stats refresh` first");
    }
    let published = Published::load(s.as_ref()).context("cannot read the statistics")?;
    let publication =
        marsad_figures::sdmx_structures(&published).context("cannot build the SDMX publication")?;
    let header = marsad_sdmx::Header {
        id: format!("MARSAD_EXPORT_{}", clock.now().format("%Y%m%dT%H%M%S")),
        test: false,
        prepared: clock.now(),
        sender: "MARSAD".into(),
    };
    let files =
        marsad_sdmx::write::export_files(&header, &publication.structures, &publication.datasets)
            .context("cannot write the SDMX messages")?;
    write_files(&out, &files)?;
    let observations: usize = publication
        .datasets
        .iter()
        .map(|d| d.observation_count())
        .sum();
    println!(
        "wrote {} files to {}: {} dataflows, {} observations",
        files.len(),
        out.display(),
        publication.datasets.len(),
        observations
    );
    if !publication.omitted.is_empty() {
        println!(
            "left out for size ({} tables, never published unprotected; see docs/sdmx.md):",
            publication.omitted.len()
        );
        for table in publication.omitted.iter().take(20) {
            println!("  {table}");
        }
        if publication.omitted.len() > 20 {
            println!("  … and {} more", publication.omitted.len() - 20);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn write_files(out: &Path, files: &[(String, String)]) -> Result<()> {
    for (name, body) in files {
        let path = out.join(name);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        std::fs::write(&path, body).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

pub fn input(args: &InputArgs, clock: &dyn Clock) -> Result<ExitCode> {
    let store = args.store.open()?;
    let by = args.by.clone().unwrap_or_else(|| {
        std::env::var("USER")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .map_or_else(|| "command line".to_string(), |u| format!("cli:{u}"))
    });
    let new = marsad_figures::inputs::NewInput {
        code: args.code.trim().to_ascii_uppercase(),
        period: args.period.clone(),
        value: args.value,
        unit: args.unit.clone().unwrap_or_default(),
        source: args.source.clone(),
        entered_by: by,
    };
    let (def, period) = new.check()?;
    let now = clock.now();
    marsad_figures::inputs::give(store.as_ref(), &new, now.date_naive(), now)
        .context("cannot give the input")?;
    let indicators: Vec<&str> = def.indicators.iter().map(|i| i.as_str()).collect();
    println!(
        "{} {}: {} {} ({}); published again: {}",
        def.code,
        period.code(),
        new.value,
        def.unit,
        new.source.trim(),
        indicators.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

pub fn inputs(args: &InputsArgs) -> Result<ExitCode> {
    let store = args.store.open()?;
    let settings = stored_settings(store.as_ref())?;
    for def in marsad_figures::inputs::known() {
        let indicators: Vec<&str> = def.indicators.iter().map(|i| i.as_str()).collect();
        println!(
            "{} ({}, by {}) for {}",
            def.code,
            if def.unit.is_empty() {
                "number"
            } else {
                def.unit
            },
            def.freq.code(),
            indicators.join(", ")
        );
        let periods = settings.inputs.get(def.code);
        if periods.is_none_or(|p| p.is_empty()) {
            println!("  no value given");
        }
        for (period, history) in periods.into_iter().flatten() {
            for (i, v) in history.iter().enumerate().rev() {
                println!(
                    "  {period:<8} {:>20} {} {}  {}  by {} at {}",
                    v.value,
                    v.unit,
                    if i + 1 == history.len() {
                        "in use  "
                    } else {
                        "replaced"
                    },
                    v.source,
                    v.entered_by,
                    v.entered_at.to_rfc3339()
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

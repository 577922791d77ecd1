//! `marsad`: the one binary. A thin layer over the library crates: it parses arguments, opens
//! the store, draws progress bars and prints reports. Every user-facing error is one line on
//! stderr and a non-zero exit.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{bail, Context as _, Result};
use clap::{Args, Parser, Subcommand};
use marsad_model::{Clock, SystemClock};
use marsad_store::Store;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod access;
mod admin;
mod backup;
mod config;
mod demo;
mod demo_cases;
mod demo_fingerprints;
mod demo_gcm;
mod fingerprint;
mod link;
mod persons;
mod progress;
mod quarantine;
mod report;
mod stats;
mod vault;

#[derive(Parser)]
#[command(
    name = "marsad",
    version,
    about = "marsad (مرصد) — a national migration information system",
    long_about = "marsad collects migration records from every institution, keeps them with their provenance, \
                  and serves them to the people entitled to see them. Run `marsad demo` to see it with a \
                  synthetic national data set."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// Where the data lives: a data folder (SQLite inside) or a PostgreSQL URL.
#[derive(Args, Clone)]
struct StoreArgs {
    /// Data folder: holds the SQLite database and files.
    #[arg(
        long,
        value_name = "DIR",
        default_value = "marsad-data",
        env = "MARSAD_DATA"
    )]
    data: PathBuf,
    /// PostgreSQL URL (postgres://...) to use instead of the SQLite file in the data folder.
    #[arg(
        long,
        value_name = "URL",
        env = "MARSAD_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,
}

impl StoreArgs {
    /// The data folder's configuration file.
    fn config(&self) -> Result<config::FileConfig> {
        config::FileConfig::load(&self.data)
    }

    /// The database: `--database-url`, else `database_url` in the data folder's configuration,
    /// else the SQLite file `DATA/marsad.sqlite`.
    fn url(&self) -> Result<String> {
        let from_file = self.config()?.database_url;
        Ok(match (&self.database_url, &from_file) {
            (Some(url), _) => url.clone(),
            (None, Some(secret)) => secret.expose().to_string(),
            (None, None) => self
                .data
                .join("marsad.sqlite")
                .to_string_lossy()
                .into_owned(),
        })
    }

    fn open(&self) -> Result<Arc<dyn Store>> {
        std::fs::create_dir_all(&self.data)
            .with_context(|| format!("cannot create the data folder {}", self.data.display()))?;
        let url = self.url()?;
        let store = marsad_store::open(&url).map_err(|e| {
            // A URL may hold a password: name the engine, not the URL.
            let shown = if url.starts_with("postgres") {
                "the PostgreSQL database".to_string()
            } else {
                url.clone()
            };
            anyhow::anyhow!("cannot open {shown}: {e}")
        })?;
        Ok(Arc::from(store))
    }
}

#[derive(Subcommand)]
enum Command {
    /// Generate (or reuse) a realistic synthetic national data set, import it and serve it.
    Demo {
        #[command(flatten)]
        store: StoreArgs,
        /// Address to serve on [default: 127.0.0.1:8080].
        #[arg(long, env = "MARSAD_LISTEN")]
        listen: Option<SocketAddr>,
        /// Number of synthetic people.
        #[arg(long, default_value_t = 200_000)]
        people: usize,
        /// Seed of the generator (same seed, same data).
        #[arg(long, default_value_t = 2024)]
        seed: u64,
        /// Load the data and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// Serve the API and portal.
    Serve {
        #[command(flatten)]
        store: StoreArgs,
        /// Address to serve on [default: 127.0.0.1:8080].
        #[arg(long, env = "MARSAD_LISTEN")]
        listen: Option<SocketAddr>,
    },
    /// Producing institutions.
    #[command(subcommand)]
    Institution(InstitutionCommand),
    /// Data sources (one per institution export).
    #[command(subcommand)]
    Source(SourceCommand),
    /// Import one file into a source and print the import report.
    Import {
        #[command(flatten)]
        store: StoreArgs,
        /// Registered source name.
        #[arg(long)]
        source: String,
        /// CSV, XLSX or JSON Lines file.
        #[arg(long)]
        file: PathBuf,
        /// Mapping file (TOML); not needed for a canonical person CSV.
        #[arg(long)]
        mapping: Option<PathBuf>,
        /// Print the report as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Submissions and their import reports.
    #[command(subcommand)]
    Submission(SubmissionCommand),
    /// Rejected rows: list, correct, resubmit.
    #[command(subcommand)]
    Quarantine(quarantine::QuarantineCommand),
    /// Give every person record the unified number of its person (links the records without a
    /// number against the numbered ones; `--full` relinks all; numbers already given never
    /// change; conflicts go to clerical review).
    Unify(persons::UnifyArgs),
    /// Persons (unified numbers): records, aliases, history.
    #[command(subcommand)]
    Person(persons::PersonCommand),
    /// The clerical review queue: pairs the linkage could not decide.
    #[command(subcommand)]
    Review(persons::ReviewCommand),
    /// Reports made from the store: `report gcm` (the GCM progress report, HTML or PDF).
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// The audit trail: check its hash chain, search it by person or account.
    #[command(subcommand)]
    Audit(admin::AuditCommand),
    /// Accounts: the first administrator, then every other one.
    #[command(subcommand)]
    User(admin::UserCommand),
    /// The access policy: show it, check or apply a new version.
    #[command(subcommand)]
    Policy(access::PolicyCommand),
    /// API tokens for institutions' systems.
    #[command(subcommand)]
    Token(access::TokenCommand),
    /// Back up the database and the attachment vault together into a new folder (master keys
    /// are never included: keep them apart).
    Backup {
        #[command(flatten)]
        store: StoreArgs,
        /// The backup folder (new or empty).
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup into an empty data folder (and an empty PostgreSQL database), check it
    /// against its manifest, and read every attachment back when the keys are there.
    Restore {
        #[command(flatten)]
        store: StoreArgs,
        /// The backup folder.
        #[arg(long)]
        from: PathBuf,
        /// A folder of master key files to copy into the new data folder's `keys`.
        #[arg(long)]
        keys_from: Option<PathBuf>,
    },
    /// The attachment vault's master keys.
    #[command(subcommand)]
    Key(backup::KeyCommand),
    /// Link canonical person CSVs offline: one person id per record (source,record_id,person_id).
    Link(link::LinkArgs),
    /// Fingerprints offline: extract a template from an image, compare pairs.
    #[command(subcommand)]
    Fingerprint(fingerprint::FingerprintCommand),
    /// Statistics: refresh the indicators' cube from the records.
    #[command(subcommand)]
    Stats(stats::StatsCommand),
    /// Export published statistics (disclosure-protected) as files.
    #[command(subcommand)]
    Export(stats::ExportCommand),
}

#[derive(Subcommand)]
enum InstitutionCommand {
    /// Register an institution (or show the existing one with that name).
    Add {
        #[command(flatten)]
        store: StoreArgs,
        /// Short name, e.g. border-police.
        name: String,
        /// Display name, any script.
        #[arg(long)]
        title: Option<String>,
        /// statistics, border_police, labour_agency, consulate, central_bank, anti_trafficking, ministry, observatory.
        #[arg(long, default_value = "ministry")]
        kind: String,
    },
    /// List institutions.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum SourceCommand {
    /// Register a data source.
    Add {
        #[command(flatten)]
        store: StoreArgs,
        name: String,
        /// Institution that produces it (registered with `marsad institution add`).
        #[arg(long)]
        institution: Option<String>,
    },
    /// List sources.
    List {
        #[command(flatten)]
        store: StoreArgs,
    },
}

#[derive(Subcommand)]
enum SubmissionCommand {
    /// Recent submissions.
    List {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        source: Option<String>,
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// The import report of one submission.
    Report {
        #[command(flatten)]
        store: StoreArgs,
        id: i64,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MARSAD_LOG")
                // The PostgreSQL driver logs server notices at info; they are not for users.
                .unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new("info,postgres=warn,tokio_postgres=warn")
                }),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => {
            let mut message = e.to_string();
            for cause in e.chain().skip(1) {
                message.push_str(": ");
                message.push_str(&cause.to_string());
            }
            eprintln!("marsad: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match cli.command {
        Command::Demo {
            store,
            listen,
            people,
            seed,
            no_serve,
        } => demo::run(&store, listen, people, seed, no_serve, clock),
        Command::Serve { store, listen } => serve(&store, store.open()?, listen, clock),
        Command::Institution(InstitutionCommand::Add {
            store,
            name,
            title,
            kind,
        }) => {
            let s = store.open()?;
            let i = s.ensure_institution(&marsad_store::NewInstitution {
                name: &name,
                title: title.as_deref().unwrap_or(&name),
                kind: &kind,
                created_at: clock.now(),
            })?;
            println!("institution {} ({}, {})", i.name, i.title, i.kind);
            Ok(ExitCode::SUCCESS)
        }
        Command::Institution(InstitutionCommand::List { store }) => {
            for i in store.open()?.institutions()? {
                println!("{}\t{}\t{}", i.name, i.kind, i.title);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Source(SourceCommand::Add {
            store,
            name,
            institution,
        }) => {
            let s = store.open()?;
            let source = s.add_source(&name, institution.as_deref(), clock.now())?;
            println!(
                "source {} registered{}",
                source.name,
                source
                    .institution
                    .map(|i| format!(" for {i}"))
                    .unwrap_or_default()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Source(SourceCommand::List { store }) => {
            for s in store.open()?.sources()? {
                println!("{}\t{}", s.name, s.institution.unwrap_or_default());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import {
            store,
            source,
            file,
            mapping,
            json,
        } => import(
            &store,
            &source,
            &file,
            mapping.as_deref(),
            json,
            clock.as_ref(),
        ),
        Command::Submission(SubmissionCommand::List {
            store,
            source,
            limit,
        }) => {
            let s = store.open()?;
            let source_id = match source {
                Some(name) => Some(
                    s.source(&name)?
                        .with_context(|| format!("unknown source '{name}'"))?
                        .id,
                ),
                None => None,
            };
            println!("id\tsource\tstatus\taccepted\tunchanged\trejected\trows\tfile");
            for sub in s.submissions(source_id, limit)? {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    sub.id.0,
                    sub.source_name,
                    sub.status.as_str(),
                    sub.accepted,
                    sub.unchanged,
                    sub.rejected,
                    sub.rows_read,
                    sub.file_name
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Submission(SubmissionCommand::Report { store, id, json }) => {
            let s = store.open()?;
            let report = s.report(marsad_store::SubmissionId(id))?;
            if json {
                println!("{}", marsad_ingest::report_json(&report, None));
            } else {
                print_report(&report, None);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Quarantine(cmd) => quarantine::run(cmd, clock.as_ref()),
        Command::Unify(args) => persons::unify(&args, clock.as_ref()),
        Command::Person(cmd) => persons::person(cmd, clock.as_ref()),
        Command::Review(cmd) => persons::review(cmd, clock.as_ref()),
        Command::Report(cmd) => report::report(cmd, clock.as_ref()),
        Command::Audit(cmd) => admin::audit(cmd, clock.as_ref()),
        Command::Policy(cmd) => access::policy(cmd, clock.as_ref()),
        Command::Token(cmd) => access::token(cmd, clock.as_ref()),
        Command::Backup { store, to } => backup::backup(&store, &to, clock.as_ref()),
        Command::Restore {
            store,
            from,
            keys_from,
        } => backup::restore(&store, &from, keys_from.as_deref()),
        Command::Key(cmd) => backup::key(cmd),
        Command::User(cmd) => admin::user(cmd, clock.as_ref()),
        Command::Link(args) => link::run(args),
        Command::Fingerprint(cmd) => fingerprint::run(cmd).map(|()| ExitCode::SUCCESS),
        Command::Stats(stats::StatsCommand::Refresh(args)) => stats::refresh(&args, clock.as_ref()),
        Command::Stats(stats::StatsCommand::Input(args)) => stats::input(&args, clock.as_ref()),
        Command::Stats(stats::StatsCommand::Inputs(args)) => stats::inputs(&args),
        Command::Export(cmd) => stats::export(cmd, clock.as_ref()),
    }
}

fn import(
    store: &StoreArgs,
    source: &str,
    file: &std::path::Path,
    mapping: Option<&std::path::Path>,
    json: bool,
    clock: &dyn Clock,
) -> Result<ExitCode> {
    let mapping_text = match mapping {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the mapping file {}", path.display()))?,
        ),
        None => None,
    };
    if !file.is_file() {
        bail!("cannot read {}: no such file", file.display());
    }
    let s = store.open()?;
    let bar = progress::Bar::new(!json);
    let outcome = marsad_ingest::import_file(
        s.as_ref(),
        &marsad_ingest::ImportRequest {
            source,
            path: file,
            file_name: None,
            mapping: mapping_text.as_deref(),
            submitted_by: "cli",
        },
        clock,
        &bar,
    );
    bar.finish();
    let outcome = outcome.map_err(|e| match mapping {
        Some(m) if matches!(e, marsad_ingest::IngestError::Mapping { .. }) => {
            anyhow::anyhow!("{}: {e}", m.display())
        }
        _ => anyhow::anyhow!("{}: {e}", file.display()),
    })?;
    let sub = &outcome.report.submission;
    s.audit_append(&marsad_store::AuditEvent {
        at: clock.now(),
        actor: marsad_store::Actor::System("cli".into()),
        institution: s.source(source)?.and_then(|src| src.institution),
        action: format!("import {source} ({})", sub.status.as_str()),
        object: Some(marsad_store::AuditObject {
            kind: "submission".into(),
            id: sub.id.0.to_string(),
        }),
        purpose: None,
        outcome: marsad_store::Outcome::Success,
    })?;
    if json {
        println!("{}", outcome.to_json());
    } else {
        print_report(&outcome.report, Some(outcome.disposition));
    }
    if outcome.disposition == marsad_ingest::Disposition::Rejected {
        if !json {
            eprintln!(
                "marsad: {}: refused: {}",
                file.display(),
                outcome
                    .report
                    .submission
                    .error
                    .as_deref()
                    .unwrap_or("unknown reason")
            );
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(
    report: &marsad_store::ImportReport,
    disposition: Option<marsad_ingest::Disposition>,
) {
    let s = &report.submission;
    let note = match disposition {
        Some(marsad_ingest::Disposition::AlreadyImported) => " (already imported: nothing changed)",
        Some(marsad_ingest::Disposition::Resumed) => " (resumed after an interruption)",
        _ => "",
    };
    println!(
        "submission {} — {} — {}{note}",
        s.id.0, s.source_name, s.file_name
    );
    println!("  status     {}", s.status.as_str());
    if let Some(err) = &s.error {
        println!("  reason     {err}");
    }
    let (accepted, unchanged) = marsad_ingest::reported_counts(s, disposition);
    println!("  rows       {}", s.rows_read);
    println!("  accepted   {accepted}");
    println!("  unchanged  {unchanged}");
    println!("  rejected   {} row(s)", s.rejected);
    println!("  warnings   {}", s.warnings);
    const SHOWN: usize = 20;
    for issue in report.rejected.iter().take(SHOWN) {
        println!(
            "  rejected   row {}{}: {}",
            issue.row,
            issue
                .field
                .as_deref()
                .map(|f| format!(", {f}"))
                .unwrap_or_default(),
            issue.reason
        );
    }
    if report.rejected.len() > SHOWN {
        println!(
            "  ... {} more; `marsad quarantine list --source {}` lists them all",
            report.rejected.len() - SHOWN,
            s.source_name
        );
    }
    for issue in report.warnings.iter().take(SHOWN) {
        let row = if issue.row == 0 {
            "file".to_string()
        } else {
            format!("row {}", issue.row)
        };
        println!(
            "  warning    {row}{}: {}",
            issue
                .field
                .as_deref()
                .map(|f| format!(", {f}"))
                .unwrap_or_default(),
            issue.reason
        );
    }
    if report.warnings.len() > SHOWN {
        println!(
            "  ... {} more warnings (use --json to see all)",
            report.warnings.len() - SHOWN
        );
    }
}

fn serve(
    args: &StoreArgs,
    store: Arc<dyn Store>,
    listen: Option<SocketAddr>,
    clock: Arc<dyn Clock>,
) -> Result<ExitCode> {
    let file = args.config()?;
    let config = marsad_server::ServerConfig {
        listen: file.listen(listen)?,
        data_dir: args.data.clone(),
        max_upload_bytes: file.max_upload_bytes(),
        origins: file.origins.clone().unwrap_or_default(),
        oidc: file.oidc.as_ref().map(|o| o.to_server()).transpose()?,
        attachments: {
            let d = marsad_server::AttachmentLimits::default();
            marsad_server::AttachmentLimits {
                max_bytes: file.max_attachment_bytes.unwrap_or(d.max_bytes),
                max_per_dossier: file
                    .max_attachments_per_dossier
                    .unwrap_or(d.max_per_dossier),
            }
        },
        microdata: file.microdata_level()?,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let vault = vault::open(args).await?;
        vault::cleanup_at_start(args, store.clone(), &vault).await?;
        marsad_server::serve(
            config,
            store,
            clock,
            Some(vault),
            marsad_server::shutdown_signal(),
        )
        .await
        .map_err(anyhow::Error::from)
    })?;
    Ok(ExitCode::SUCCESS)
}

//! `marsad quarantine ...`: rejected rows are kept; data officers list, correct and resubmit them.

use std::process::ExitCode;

use anyhow::{bail, Context as _, Result};
use clap::Subcommand;
use marsad_model::Clock;
use marsad_store::{QuarantineFilter, QuarantineId, QuarantineStatus};

use crate::StoreArgs;

#[derive(Subcommand)]
pub enum QuarantineCommand {
    /// List quarantined rows.
    List {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        submission: Option<i64>,
        /// open, resolved or dismissed (default open).
        #[arg(long, default_value = "open")]
        status: String,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Show one quarantined row: original values, correction, reasons.
    Show {
        #[command(flatten)]
        store: StoreArgs,
        id: i64,
    },
    /// Correct a quarantined row: set column values (the original stays on record).
    Correct {
        #[command(flatten)]
        store: StoreArgs,
        id: i64,
        /// COLUMN=VALUE, repeatable; starts from the previous correction or the original row.
        #[arg(long = "set", value_name = "COLUMN=VALUE")]
        set: Vec<String>,
    },
    /// Write a source's open entries as CSV for correction in a spreadsheet (UTF-8 with BOM).
    Export {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        source: String,
        /// Output file (default: standard output).
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Read an edited export back: changed rows become corrections (then `resubmit`).
    Apply {
        #[command(flatten)]
        store: StoreArgs,
        /// The edited CSV (any encoding; `,` or `;`).
        #[arg(long)]
        file: std::path::PathBuf,
    },
    /// Withdraw a quarantined row (it stays on record as dismissed).
    Dismiss {
        #[command(flatten)]
        store: StoreArgs,
        id: i64,
    },
    /// Re-validate corrected rows of a source as a new submission.
    Resubmit {
        #[command(flatten)]
        store: StoreArgs,
        #[arg(long)]
        source: String,
        /// Only these entries (default: every open entry with a correction).
        #[arg(long = "id")]
        ids: Vec<i64>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: QuarantineCommand, clock: &dyn Clock) -> Result<ExitCode> {
    match cmd {
        QuarantineCommand::List {
            store,
            source,
            submission,
            status,
            limit,
            json,
        } => {
            let s = store.open()?;
            let status = QuarantineStatus::parse(&status).with_context(|| {
                format!("unknown status '{status}'; use open, resolved or dismissed")
            })?;
            let source = match source {
                Some(name) => Some(
                    s.source(&name)?
                        .with_context(|| format!("unknown source '{name}'"))?
                        .id,
                ),
                None => None,
            };
            let entries = s.quarantine(&QuarantineFilter {
                source,
                submission: submission.map(marsad_store::SubmissionId),
                status: Some(status),
                after: None,
                limit: Some(limit),
            })?;
            for e in entries {
                if json {
                    println!("{}", entry_json(&e));
                } else {
                    let reasons: Vec<String> = e
                        .issues
                        .iter()
                        .map(|i| match &i.field {
                            Some(f) => format!("{f}: {}", i.reason),
                            None => i.reason.clone(),
                        })
                        .collect();
                    println!(
                        "{}\t{}\tsubmission {}\trow {}\t{}",
                        e.id.0,
                        e.source_name,
                        e.submission_id.0,
                        e.row,
                        reasons.join(" | ")
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        QuarantineCommand::Show { store, id } => {
            let e = store.open()?.quarantine_entry(QuarantineId(id))?;
            println!("{}", serde_json::to_string_pretty(&entry_json(&e))?);
            Ok(ExitCode::SUCCESS)
        }
        QuarantineCommand::Correct { store, id, set } => {
            if set.is_empty() {
                bail!("give at least one --set COLUMN=VALUE");
            }
            let s = store.open()?;
            let e = s.quarantine_entry(QuarantineId(id))?;
            let base = e.corrected.as_deref().unwrap_or(&e.raw);
            let mut row = match serde_json::from_str::<serde_json::Value>(base) {
                Ok(serde_json::Value::Object(map)) => map,
                _ => serde_json::Map::new(),
            };
            row.remove("_line");
            for pair in &set {
                let (column, value) = pair
                    .split_once('=')
                    .with_context(|| format!("'{pair}' is not COLUMN=VALUE"))?;
                row.insert(
                    column.trim().to_string(),
                    serde_json::Value::String(value.to_string()),
                );
            }
            s.correct_quarantine(
                QuarantineId(id),
                &serde_json::Value::Object(row).to_string(),
            )?;
            println!("quarantine entry {id} corrected; `marsad quarantine resubmit --source {}` re-validates it", e.source_name);
            Ok(ExitCode::SUCCESS)
        }
        QuarantineCommand::Export { store, source, out } => {
            let s = store.open()?;
            let n = match &out {
                Some(path) => {
                    let mut file = std::io::BufWriter::new(
                        std::fs::File::create(path)
                            .with_context(|| format!("cannot create {}", path.display()))?,
                    );
                    let n = marsad_ingest::corrections::export_quarantine(
                        s.as_ref(),
                        &source,
                        &mut file,
                    )?;
                    std::io::Write::flush(&mut file)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    n
                }
                None => marsad_ingest::corrections::export_quarantine(
                    s.as_ref(),
                    &source,
                    &mut std::io::stdout().lock(),
                )?,
            };
            if let Some(path) = out {
                println!(
                    "{n} open entr{} of '{source}' written to {}; correct the values, keep the quarantine_id column, then `marsad quarantine apply --file {}`",
                    if n == 1 { "y" } else { "ies" },
                    path.display(),
                    path.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        QuarantineCommand::Apply { store, file } => {
            let s = store.open()?;
            let applied = marsad_ingest::corrections::apply_corrections(s.as_ref(), &file)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            println!(
                "{} entr{} corrected, {} unchanged",
                applied.corrected,
                if applied.corrected == 1 { "y" } else { "ies" },
                applied.unchanged
            );
            for (row, reason) in &applied.problems {
                println!("  row {row}: {reason}");
            }
            if applied.corrected > 0 {
                println!(
                    "`marsad quarantine resubmit --source SOURCE` re-validates the corrected rows"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        QuarantineCommand::Dismiss { store, id } => {
            store.open()?.set_quarantine_status(
                QuarantineId(id),
                QuarantineStatus::Dismissed,
                None,
            )?;
            println!("quarantine entry {id} dismissed (kept on record)");
            Ok(ExitCode::SUCCESS)
        }
        QuarantineCommand::Resubmit {
            store,
            source,
            ids,
            json,
        } => {
            let s = store.open()?;
            let ids: Vec<QuarantineId> = ids.into_iter().map(QuarantineId).collect();
            let outcomes = marsad_ingest::resubmit_quarantine(
                s.as_ref(),
                &source,
                if ids.is_empty() { None } else { Some(&ids) },
                "cli",
                clock,
            )?;
            if outcomes.is_empty() {
                println!("nothing to resubmit: no open entry of '{source}' has a correction");
            }
            for o in outcomes {
                if json {
                    println!("{}", o.to_json());
                } else {
                    crate::print_report(&o.report, Some(o.disposition));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn entry_json(e: &marsad_store::QuarantineEntry) -> serde_json::Value {
    let parse = |s: &str| {
        serde_json::from_str::<serde_json::Value>(s)
            .unwrap_or(serde_json::Value::String(s.to_string()))
    };
    serde_json::json!({
        "id": e.id.0,
        "source": e.source_name,
        "submission": e.submission_id.0,
        "row": e.row,
        "status": e.status.as_str(),
        "raw": parse(&e.raw),
        "corrected": e.corrected.as_deref().map(parse),
        "issues": e.issues.iter().map(|i| serde_json::json!({"row": i.row, "field": i.field, "reason": i.reason})).collect::<Vec<_>>(),
        "resolved_by": e.resolved_by.map(|s| s.0),
        "created_at": e.created_at.to_rfc3339(),
    })
}

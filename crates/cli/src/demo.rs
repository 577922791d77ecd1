//! `marsad demo`: generate (or reuse) the synthetic national data set, load it through the real
//! import path, then serve it.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, Result};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use marsad_model::Clock;

use crate::{progress::Bar, StoreArgs};

pub fn run(
    args: &StoreArgs,
    listen: Option<SocketAddr>,
    people: usize,
    seed: u64,
    no_serve: bool,
    clock: Arc<dyn Clock>,
) -> Result<ExitCode> {
    let store = args.open()?;
    let dir = args.data.join("demo-files");
    let config = marsad_demo::DemoConfig {
        seed,
        people,
        ..marsad_demo::DemoConfig::default()
    };
    let manifest = match marsad_demo::Manifest::load(&dir) {
        Ok(m) if m.files.iter().all(|f| f.path.is_file()) => {
            eprintln!("marsad: reusing the demo files in {}", dir.display());
            m
        }
        _ => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let spinner = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} generating {msg}") {
                spinner.set_style(style);
            }
            let m = marsad_demo::generate(&dir, &config, &mut |file, rows| {
                if rows % 10_000 == 0 {
                    spinner.set_message(format!("{file}: {rows} rows"));
                    spinner.tick();
                }
            })
            .context("cannot generate the demo data set")?;
            spinner.finish_and_clear();
            m
        }
    };
    for i in &manifest.institutions {
        store.ensure_institution(&marsad_store::NewInstitution {
            name: &i.name,
            title: &i.title,
            kind: &i.kind,
            created_at: clock.now(),
        })?;
    }
    let multi = MultiProgress::new();
    let mut summary = Vec::new();
    for f in &manifest.files {
        if store.source(&f.source)?.is_none() {
            store.add_source(&f.source, Some(&f.institution), clock.now())?;
        }
        let mapping = match &f.mapping {
            Some(p) => Some(
                std::fs::read_to_string(p)
                    .with_context(|| format!("cannot read {}", p.display()))?,
            ),
            None => None,
        };
        let name = f
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bar = Bar::from(multi.add(ProgressBar::new(0))).with_prefix(name.clone());
        let outcome = marsad_ingest::import_file(
            store.as_ref(),
            &marsad_ingest::ImportRequest {
                source: &f.source,
                path: &f.path,
                file_name: None,
                mapping: mapping.as_deref(),
                submitted_by: "demo",
            },
            clock.as_ref(),
            &bar,
        )
        .with_context(|| format!("cannot import {}", f.path.display()))?;
        bar.finish();
        let s = &outcome.report.submission;
        summary.push(format!(
            "  {:<28} {:<40} {:>8} accepted {:>8} unchanged {:>6} in quarantine",
            f.source, name, s.accepted, s.unchanged, s.rejected
        ));
    }
    eprintln!(
        "marsad: demo data set loaded ({} files):",
        manifest.files.len()
    );
    for line in summary {
        eprintln!("{line}");
    }
    for c in store.count_records()? {
        eprintln!("  {:<28} {:>8} records", c.kind, c.records);
    }
    if no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    let addr = args.config()?.listen(listen)?;
    eprintln!("marsad: serving the demo on http://{addr}/ (Ctrl-C to stop)");
    crate::serve(args, store, Some(addr), clock)
}

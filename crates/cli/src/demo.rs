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
    // The institutions of the import files, and those only the GCM demo's referrals need.
    let institutions: Vec<marsad_demo::DemoInstitution> = manifest
        .institutions
        .iter()
        .cloned()
        .chain(marsad_demo::gcm::extra_institutions())
        .collect();
    for i in &institutions {
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
        store.audit_append(&marsad_store::AuditEvent {
            at: clock.now(),
            actor: marsad_store::Actor::System("demo".into()),
            institution: Some(f.institution.clone()),
            action: format!("import {} ({} accepted)", f.source, s.accepted),
            object: Some(marsad_store::AuditObject {
                kind: "submission".into(),
                id: s.id.0.to_string(),
            }),
            purpose: None,
            outcome: marsad_store::Outcome::Success,
        })?;
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
    let addr = args.config()?.listen(listen)?;
    accounts(store.as_ref(), clock.as_ref(), &institutions, addr)?;
    {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        let vault = runtime.block_on(crate::vault::open(args))?;
        crate::demo_cases::create(&store, &vault, clock.as_ref(), &runtime)?;
        crate::demo_gcm::load(store.as_ref(), clock.as_ref(), &config)?;
        let enrolled =
            crate::demo_fingerprints::create(store.as_ref(), &vault, clock.as_ref(), &runtime)?;
        if enrolled > 0 {
            eprintln!(
                "marsad: enrolled {enrolled} synthetic fingerprints (some of them one finger under two numbers: see the review queue)"
            );
        }
    }
    crate::stats::run_refresh(
        store.as_ref(),
        &demo_statistics(&config, clock.now())?,
        false,
        clock.as_ref(),
    )?;
    if no_serve {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("marsad: serving the demo on http://{addr}/ (Ctrl-C to stop)");
    eprintln!(
        "marsad: the portal in Arabic http://{addr}/ar/ · French http://{addr}/fr/ · English http://{addr}/en/"
    );
    crate::serve(args, store, Some(addr), clock)
}

/// The roles the demo gives each kind of institution (every one also has an administrator, a
/// data officer and an officer).
fn demo_roles(kind: &str) -> Vec<&'static str> {
    let mut roles = vec!["admin", "data_officer", "officer"];
    roles.extend(match kind {
        "observatory" => &[
            "analyst",
            "identity_analyst",
            "reviewer",
            "publisher",
            "dpo",
        ][..],
        "statistics" => &["analyst", "publisher"][..],
        "anti_trafficking" | "ministry" | "consulate" | "health_ministry" | "civil_society" => {
            &["case_worker"][..]
        }
        _ => &[][..],
    });
    roles
}

/// One account per role and institution, each with a fresh one-time password at every start
/// (never a fixed one), printed once.
fn accounts(
    store: &dyn marsad_store::Store,
    clock: &dyn Clock,
    institutions: &[marsad_demo::DemoInstitution],
    addr: SocketAddr,
) -> Result<()> {
    let mut lines = Vec::new();
    for i in institutions {
        for role in demo_roles(&i.kind) {
            let login = format!("{}.{role}", i.name);
            let password = match store.user_by_login(&login)? {
                Some(_) => crate::access::reset_password(store, clock, &login)?,
                None => crate::access::add_user(
                    store,
                    clock,
                    &login,
                    &i.name,
                    &[role.to_string()],
                    None,
                )?,
            };
            lines.push(format!("  {login:<36} {}", password.expose()));
        }
    }
    eprintln!(
        "marsad: demo accounts (one-time passwords, new at every start; sign in at http://{addr}/signin):"
    );
    for l in lines {
        eprintln!("{l}");
    }
    Ok(())
}

/// The statistics settings of the demo: Tunisia, data up to the generator's `today`, the census
/// and the migration survey on census day, and approximate 2024 average US dollar rates of the
/// currencies its files use, and the country's GDP by year (rounded, of the order the World Bank
/// publishes for Tunisia) so that SDG 17.3.2, remittances as a share of GDP, has figures.
fn demo_statistics(
    config: &marsad_demo::DemoConfig,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<marsad_figures::Settings> {
    let mut s = marsad_figures::Settings {
        data_end: Some(config.today),
        ..marsad_figures::Settings::default()
    };
    if let Some(day) = chrono::NaiveDate::from_ymd_opt(config.last_year, 11, 6) {
        s.survey_dates.insert("census".into(), day);
        s.survey_dates.insert("hims".into(), day);
    }
    for (code, rate) in [
        ("EUR", 1.08),
        ("CHF", 1.13),
        ("CAD", 0.73),
        ("SAR", 0.2667),
        ("QAR", 0.2747),
        ("AED", 0.2723),
        ("KWD", 3.25),
        ("OMR", 2.6),
        ("BHD", 2.65),
        ("LYD", 0.207),
        ("TND", 0.32),
    ] {
        s.usd_rates.insert(code.into(), rate);
    }
    for (year, billions) in [
        (2015, 43.2),
        (2016, 42.1),
        (2017, 40.1),
        (2018, 39.8),
        (2019, 38.8),
        (2020, 42.5),
        (2021, 46.7),
        (2022, 46.3),
        (2023, 48.5),
        (2024, 51.3),
        (2025, 53.0),
    ] {
        if !(config.first_year..=config.last_year).contains(&year) {
            continue;
        }
        s.add_input(
            &marsad_figures::inputs::NewInput {
                code: "GDP_USD".into(),
                period: year.to_string(),
                value: billions * 1e9,
                unit: String::new(),
                source: "demo: rounded, of the order of the World Bank's NY.GDP.MKTP.CD".into(),
                entered_by: "demo".into(),
            },
            at,
        )
        .context("the demo's GDP inputs")?;
    }
    Ok(s)
}

//! `marsad link`: offline linkage of canonical person CSVs (DESIGN.md contract). Reads every
//! input, runs the `marsad-link` engine, writes `source,record_id,person_id` (one row per input
//! record, in input order) and prints a summary on stderr.
//!
//! The person id is `P` followed by the cluster's number, clusters numbered 1, 2, … in the
//! order of their first record in the input (files in the order given): the same files in
//! the same order give the same ids. The 12-digit unified number belongs to the store.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use marsad_link::{LinkConfig, PersonRow, Record};

/// Arguments of `marsad link`.
#[derive(clap::Args)]
pub struct LinkArgs {
    /// A canonical person CSV (UTF-8, header row); repeat for several files.
    #[arg(long = "input", value_name = "FILE", required = true)]
    inputs: Vec<PathBuf>,
    /// Where to write `source,record_id,person_id`.
    #[arg(long, value_name = "FILE")]
    output: PathBuf,
    /// Linkage settings (TOML, any subset of the fields of the engine's `LinkConfig`).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// Columns a file must have; the other canonical columns are unknown when absent.
const REQUIRED: [&str; 5] = [
    "source",
    "record_id",
    "given_name",
    "family_name",
    "birth_date",
];

/// Reads canonical person CSVs. Errors (one line, naming the file): unreadable file, a missing
/// required column, no data row, a row without source or record id, a `(source, record_id)`
/// seen twice (naming both rows). Warnings: missing optional and extra columns.
///
/// Files are parsed on threads (one per file); the checks across files (duplicates) run in
/// file order, and a file's own error is reported before anything of the files after it.
pub fn read_inputs(paths: &[PathBuf]) -> Result<(Vec<PersonRow>, Vec<String>)> {
    let parsed: Vec<Result<(Vec<PersonRow>, Vec<String>)>> = std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .iter()
            .map(|path| s.spawn(move || read_file(path)))
            .collect();
        handles
            .into_iter()
            .map(|h| match h.join() {
                Ok(r) => r,
                // Parsing a file does not panic; if it did, the panic goes on here.
                Err(e) => std::panic::resume_unwind(e),
            })
            .collect()
    });
    let mut rows = Vec::new();
    let mut warnings = Vec::new();
    let mut seen: HashMap<(String, String), (usize, u64)> = HashMap::new();
    for (file_index, (path, file)) in paths.iter().zip(parsed).enumerate() {
        let shown = path.display();
        let (file_rows, file_warnings) = file?;
        warnings.extend(file_warnings);
        rows.reserve(file_rows.len());
        seen.reserve(file_rows.len());
        for (n, row) in file_rows.into_iter().enumerate() {
            let row_no = n as u64 + 1;
            let key = (row.source.clone(), row.record_id.clone());
            if let Some((f, r)) = seen.get(&key) {
                bail!(
                    "duplicated record (source {}, record_id {}): {} row {} and {shown} row {row_no}",
                    key.0,
                    key.1,
                    paths[*f].display(),
                    r
                );
            }
            seen.insert(key, (file_index, row_no));
            rows.push(row);
        }
    }
    Ok((rows, warnings))
}

/// One canonical person CSV: its rows and its warnings; the checks of [`read_inputs`] that
/// need no other file.
fn read_file(path: &Path) -> Result<(Vec<PersonRow>, Vec<String>)> {
    let shown = path.display();
    let mut warnings = Vec::new();
    let mut reader = csv::ReaderBuilder::new()
        .from_path(path)
        .with_context(|| format!("cannot read {shown}"))?;
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("{shown}: cannot read the header row"))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !header.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        bail!(
            "{shown}: missing required column(s) {} (a canonical person CSV has the header {})",
            missing.join(", "),
            PersonRow::COLUMNS.join(",")
        );
    }
    let absent: Vec<&str> = PersonRow::COLUMNS
        .iter()
        .copied()
        .filter(|c| !header.iter().any(|h| h == c))
        .collect();
    if !absent.is_empty() {
        warnings.push(format!(
            "{shown}: no column {}: treated as unknown",
            absent.join(", ")
        ));
    }
    let extra: Vec<&str> = header
        .iter()
        .map(String::as_str)
        .filter(|h| !PersonRow::COLUMNS.contains(h))
        .collect();
    if !extra.is_empty() {
        warnings.push(format!(
            "{shown}: extra column(s) ignored: {}",
            extra.join(", ")
        ));
    }
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut row_no = 0u64;
    loop {
        row_no += 1;
        let more = reader
            .read_record(&mut record)
            .with_context(|| format!("{shown}: row {row_no}"))?;
        if !more {
            break;
        }
        let mut row = PersonRow::default();
        for (h, v) in header.iter().zip(record.iter()) {
            if let Some(field) = row.field_mut(h) {
                *field = v.trim().to_string();
            }
        }
        if row.source.is_empty() || row.record_id.is_empty() {
            bail!("{shown}: row {row_no}: empty source or record_id");
        }
        rows.push(row);
    }
    if rows.is_empty() {
        bail!("{shown}: no data rows (only a header, or empty)");
    }
    Ok((rows, warnings))
}

/// Writes `source,record_id,person_id`.
pub fn write_output(path: &Path, rows: &[PersonRow], person_ids: &[String]) -> Result<()> {
    let shown = path.display();
    let mut w = csv::Writer::from_path(path).with_context(|| format!("cannot write {shown}"))?;
    w.write_record(["source", "record_id", "person_id"])
        .with_context(|| format!("cannot write {shown}"))?;
    for (row, id) in rows.iter().zip(person_ids) {
        w.write_record([row.source.as_str(), row.record_id.as_str(), id.as_str()])
            .with_context(|| format!("cannot write {shown}"))?;
    }
    w.flush().with_context(|| format!("cannot write {shown}"))?;
    Ok(())
}

/// A progress bar per phase on stderr (drawn only on a terminal), and each phase's time.
struct Phases {
    bar: ProgressBar,
    times: RefCell<Vec<(String, Instant, Option<Duration>)>>,
}

impl Phases {
    fn new() -> Phases {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        Phases {
            bar: ProgressBar::with_draw_target(None, target),
            times: RefCell::new(Vec::new()),
        }
    }

    fn close_last(&self) {
        if let Some(last) = self.times.borrow_mut().last_mut() {
            if last.2.is_none() {
                last.2 = Some(last.1.elapsed());
            }
        }
    }

    fn finish(&self) -> Vec<(String, Duration)> {
        self.close_last();
        self.bar.finish_and_clear();
        self.times
            .borrow()
            .iter()
            .map(|(n, _, d)| (n.clone(), d.unwrap_or_default()))
            .collect()
    }
}

impl marsad_link::Progress for Phases {
    fn phase(&self, name: &str, total: u64) {
        self.close_last();
        self.times
            .borrow_mut()
            .push((name.to_string(), Instant::now(), None));
        self.bar.set_length(total);
        self.bar.set_position(0);
        let template = if total > 0 {
            "{msg:>12} [{bar:30}] {human_pos}/{human_len} eta {eta}"
        } else {
            "{msg:>12} {spinner} {elapsed}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_message(name.to_string());
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }
}

/// The linkage settings of `--config FILE`, or the defaults.
pub fn load_config(path: Option<&std::path::Path>) -> Result<LinkConfig> {
    match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            LinkConfig::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        }
        None => Ok(LinkConfig::default()),
    }
}

/// Runs `marsad link`.
pub fn run(args: LinkArgs) -> Result<ExitCode> {
    use marsad_link::Progress as _;
    let config = load_config(args.config.as_deref())?;
    let phases = Phases::new();
    phases.phase("reading", 0);
    let (rows, warnings) = read_inputs(&args.inputs)?;
    for w in &warnings {
        eprintln!("marsad: warning: {w}");
    }
    let records = Record::from_rows(&rows, config.threads());
    let linkage = marsad_link::link(&records, &config, &phases);
    phases.phase("writing", 0);
    let ids: Vec<String> = (0..rows.len()).map(|i| linkage.person_id(i)).collect();
    write_output(&args.output, &rows, &ids)?;
    let times = phases.finish();

    let m = &linkage.model;
    tracing::debug!(lambda = m.lambda, prior = m.prior(), "model");
    for c in marsad_link::Comparison::ALL {
        let i = c as usize;
        for (l, name) in c.levels().iter().enumerate() {
            tracing::debug!(
                comparison = c.name(),
                level = name,
                m = m.m[i][l],
                u = m.u[i][l],
                weight = m.weights[i][l],
                "weight"
            );
        }
    }
    let s = &linkage.stats;
    eprintln!(
        "records          {} ({} with nothing to link on)",
        s.records, s.unusable
    );
    eprintln!(
        "candidate pairs  {} (after the union of the rules)",
        s.candidate_pairs
    );
    for r in &s.rules {
        let skipped = if r.skipped_blocks > 0 {
            format!(
                " ({} block(s) of {} records skipped: larger than {})",
                r.skipped_blocks, r.skipped_records, config.max_block_size
            )
        } else {
            String::new()
        };
        eprintln!("  {:<26} {}{skipped}", r.rule.name(), r.pairs);
    }
    eprintln!(
        "links            {} (score >= {})",
        s.links, config.link_threshold
    );
    eprintln!(
        "review pairs     {} ({} <= score < {})",
        s.reviews, config.review_threshold, config.link_threshold
    );
    eprintln!(
        "ambiguous links  {} (of the review pairs: linking as well to another person)",
        s.ambiguous
    );
    eprintln!(
        "clusters         {} (largest {})",
        s.clusters, s.largest_cluster
    );
    eprintln!("refused merges   {} (chaining guard)", s.refused_merges);
    let total: Duration = times.iter().map(|(_, d)| *d).sum();
    let shown: Vec<String> = times
        .iter()
        .map(|(n, d)| format!("{n} {:.2}s", d.as_secs_f64()))
        .collect();
    eprintln!(
        "time             {:.2}s: {}",
        total.as_secs_f64(),
        shown.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "source,record_id,given_name,family_name,father_name,mother_name,sex,birth_date,birth_place,nationality,document_type,document_number,phone,address,locality,postcode\n";

    fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn reads_checks_and_writes_person_csvs() {
        let dir = tempfile::tempdir().unwrap();
        let a = file(
            dir.path(),
            "a.csv",
            &format!(
                "{HEADER}census,1,محمد,الطرابلسي,صالح,,M,1985,,,,,,,,\ncensus,2,,,,,,,,,,,,,,\n"
            ),
        );
        let b = file(
            dir.path(),
            "b.csv",
            "\u{feff}source,record_id,given_name,family_name,birth_date,note\nborder,1,MOHAMED BEN SALAH,TRABELSI,1985-04-12,x\n",
        );
        let (rows, warnings) = read_inputs(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].father_name, "صالح");
        assert_eq!(rows[2].given_name, "MOHAMED BEN SALAH");
        assert_eq!(warnings.len(), 2, "{warnings:?}");

        let out = dir.path().join("out.csv");
        let ids = vec!["P1".to_string(), "P2".into(), "P1".into()];
        write_output(&out, &rows, &ids).unwrap();
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "source,record_id,person_id\ncensus,1,P1\ncensus,2,P2\nborder,1,P1\n"
        );

        let err = |paths: &[PathBuf]| format!("{:#}", read_inputs(paths).unwrap_err());
        let dup = err(&[a.clone(), a.clone()]);
        assert!(
            dup.contains("duplicated record") && dup.contains("row 1"),
            "{dup}"
        );
        let empty = file(dir.path(), "empty.csv", HEADER);
        assert!(err(&[empty]).contains("no data rows"));
        let nothing = file(dir.path(), "nothing.csv", "");
        assert!(err(&[nothing]).contains("nothing.csv"));
        let no_id = file(dir.path(), "no_id.csv", "source,given_name\ns,Ali\n");
        let e = err(&[no_id]);
        assert!(e.contains("no_id.csv") && e.contains("record_id"), "{e}");
    }
}

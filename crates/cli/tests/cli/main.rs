//! The `marsad` binary as its users run it: the command-line contract of DESIGN.md (one-line
//! errors, non-zero exits, the `--json` import report), and the demo loading through the real
//! import path. Runs on SQLite, and on PostgreSQL too when MARSAD_TEST_DATABASE_URL is set.

// Helpers of tests: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Output;

use marsad_testkit::{Engine, TestDb};

mod crash;
mod fingerprints;
mod persons;
mod report;
mod stats;

const HEADER: &str = "source,record_id,given_name,family_name,father_name,mother_name,sex,birth_date,birth_place,nationality,document_type,document_number,phone,address,locality,postcode";

struct Cli {
    db: TestDb,
}

impl Cli {
    fn new(engine: Engine) -> Option<Cli> {
        TestDb::new(engine).map(|db| Cli { db })
    }

    fn data(&self) -> PathBuf {
        self.db.dir().join("data")
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_marsad"));
        cmd.args(args)
            .arg("--data")
            .arg(self.data())
            .env("MARSAD_LOG", "warn");
        if let Some(url) = self.db.database_url() {
            cmd.arg("--database-url").arg(url);
        }
        cmd.output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "one line on stderr: {err:?}"
        );
        assert!(err.starts_with("marsad: "), "{err:?}");
        err
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.db.dir().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn import_json(&self, source: &str, file: &Path) -> serde_json::Value {
        let out = self.ok(&[
            "import",
            "--source",
            source,
            "--file",
            file.to_str().unwrap(),
            "--json",
        ]);
        serde_json::from_str(&out).unwrap()
    }
}

fn import_contract(cli: &Cli) {
    cli.ok(&[
        "institution",
        "add",
        "ins",
        "--title",
        "Institut national de la statistique",
        "--kind",
        "statistics",
    ]);
    assert!(cli
        .ok(&["source", "add", "census", "--institution", "ins"])
        .contains("census"));
    let file = cli.write(
        "people.csv",
        &format!(
            "{HEADER},extra\ncensus,P1,محمد,الطرابلسي,,,M,1980-03-04,,TUN,,,,,,,x\ncensus,P2,Ali,Gharbi,,,M,2023-02-30,,Tunisie,,,,,,,y\ncensus,P3,Sonia,Jebali,,,F,1990,,تونس,,,,,,,z\n"
        ),
    );
    let report = cli.import_json("census", &file);
    assert_eq!(report["accepted"], 2, "{report:#}");
    assert_eq!(report["unchanged"], 0);
    assert_eq!(
        report["rejected"],
        serde_json::json!([{
            "row": 2, "field": "birth_date",
            "reason": report["rejected"][0]["reason"].clone(),
        }])
    );
    assert!(report["rejected"][0]["reason"]
        .as_str()
        .unwrap()
        .contains("2023-02-30"));
    assert!(
        report["warnings"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("'extra'"),
        "{report:#}"
    );
    // The same file again changes nothing.
    let again = cli.import_json("census", &file);
    assert_eq!(
        (again["accepted"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(again["disposition"], "already_imported");
    // The quarantined row, corrected and resubmitted.
    let list = cli.ok(&["quarantine", "list", "--source", "census", "--json"]);
    let entry: serde_json::Value = serde_json::from_str(list.lines().next().unwrap()).unwrap();
    let id = entry["id"].to_string();
    assert_eq!(entry["raw"]["birth_date"], "2023-02-30");
    // Round trip through a spreadsheet export: unchanged rows stay as they are.
    let export = cli.db.dir().join("fix.csv");
    let said = cli.ok(&[
        "quarantine",
        "export",
        "--source",
        "census",
        "--out",
        export.to_str().unwrap(),
    ]);
    assert!(said.contains("1 open entry"), "{said}");
    let applied = cli.ok(&["quarantine", "apply", "--file", export.to_str().unwrap()]);
    assert!(
        applied.contains("0 entries corrected, 1 unchanged"),
        "{applied}"
    );
    cli.ok(&[
        "quarantine",
        "correct",
        &id,
        "--set",
        "birth_date=2023-02-28",
    ]);
    let resubmitted: serde_json::Value =
        serde_json::from_str(&cli.ok(&["quarantine", "resubmit", "--source", "census", "--json"]))
            .unwrap();
    assert_eq!(resubmitted["accepted"], 1, "{resubmitted:#}");
    assert_eq!(cli.ok(&["quarantine", "list", "--source", "census"]), "");
    let human = cli.ok(&["submission", "report", "1"]);
    assert!(
        human.contains("accepted   2") && human.contains("row 2, birth_date"),
        "{human}"
    );
}

fn errors_are_one_line(cli: &Cli) {
    let file = cli.write("x.csv", &format!("{HEADER}\n"));
    let err = cli.fails(&[
        "import",
        "--source",
        "nowhere",
        "--file",
        file.to_str().unwrap(),
    ]);
    assert!(err.contains("unknown source 'nowhere'"), "{err}");
    let err = cli.fails(&["import", "--source", "nowhere", "--file", "/no/such.csv"]);
    assert!(err.contains("/no/such.csv"), "{err}");
    cli.ok(&["source", "add", "s1"]);
    let err = cli.fails(&["source", "add", "s1"]);
    assert!(err.contains("already exists"), "{err}");
    let empty = cli.write("empty.csv", "");
    let err = cli.fails(&[
        "import",
        "--source",
        "s1",
        "--file",
        empty.to_str().unwrap(),
    ]);
    assert!(err.contains("empty (0 bytes)"), "{err}");
    let broken = cli.write("broken.toml", "[[record]]\nkind = \"person\"\n");
    let err = cli.fails(&[
        "import",
        "--source",
        "s1",
        "--file",
        file.to_str().unwrap(),
        "--mapping",
        broken.to_str().unwrap(),
    ]);
    assert!(
        err.contains("broken.toml") && err.contains("missing field `fields` (line 1, column 1)"),
        "{err}"
    );
    let bad_mapping = cli.write(
        "m.toml",
        "[[record]]\nkind = \"persons\"\n[record.fields]\nrecord_id = \"ID\"\n",
    );
    let err = cli.fails(&[
        "import",
        "--source",
        "s1",
        "--file",
        file.to_str().unwrap(),
        "--mapping",
        bad_mapping.to_str().unwrap(),
    ]);
    assert!(err.contains("m.toml") && err.contains("persons"), "{err}");
}

fn demo_loads_through_the_import_path(cli: &Cli) {
    let out = cli.run(&["demo", "--people", "2000", "--no-serve"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    // Synthetic fingerprints, some fingers under two numbers (waiting in the review queue).
    assert!(err.contains("enrolled 30 synthetic fingerprints"), "{err}");
    // One account per role and institution, each with a one-time password printed once.
    let password_of = |err: &str, login: &str| -> String {
        err.lines()
            .find_map(|l| l.trim().strip_prefix(login).map(|p| p.trim().to_string()))
            .unwrap_or_else(|| panic!("no account {login} in {err}"))
    };
    let first = password_of(&err, "observatoire.reviewer");
    assert_eq!(first.len(), 20);
    password_of(&err, "instance_traite.case_worker");
    password_of(&err, "police_frontieres.officer");
    // Case files with encrypted attachments for a share of the people, through the vault.
    let cases = err
        .lines()
        .find(|l| l.contains("demo case files:"))
        .unwrap_or_else(|| panic!("no case files in {err}"));
    let attachments: u64 = cases
        .split_whitespace()
        .rev()
        .nth(2)
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(attachments >= 20, "{cases}");
    // GCM monitoring: the plan over the 23 objectives, incidents (some linked across sources),
    // referrals with their moves, complaints.
    let gcm = err
        .lines()
        .find(|l| l.contains("demo GCM monitoring:"))
        .unwrap_or_else(|| panic!("no GCM monitoring in {err}"));
    let count = |label: &str| -> u64 {
        let before = gcm.split(label).next().unwrap_or("");
        before
            .split(|c: char| !c.is_ascii_digit())
            .rfind(|w| !w.is_empty())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no '{label}' in {gcm}"))
    };
    assert!(count(" plan actions") >= 23, "{gcm}");
    assert!(count(" linked to another source") >= 10, "{gcm}");
    assert!(count(" moves)") >= 50, "{gcm}");
    assert!(count(" complaints") >= 10, "{gcm}");
    // The GCM report of the demo's plan, in French (HTML) and in Arabic (PDF, when a browser is
    // there to print it).
    let html = cli.db.dir().join("gcm-2024.html");
    cli.ok(&[
        "report",
        "gcm",
        "--period",
        "2024",
        "--lang",
        "fr",
        "--out",
        html.to_str().unwrap(),
    ]);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<html lang=\"fr\" dir=\"ltr\">"));
    assert!(page.contains("id=\"objective-23\""), "every objective");
    assert!(
        page.contains("A-07-1") && page.contains("<svg"),
        "actions and sparklines"
    );
    if marsad_testkit::browser::find_browser().is_some() {
        let pdf = cli.db.dir().join("gcm-2024.pdf");
        cli.ok(&[
            "report",
            "gcm",
            "--period",
            "2024",
            "--lang",
            "ar",
            "--out",
            pdf.to_str().unwrap(),
        ]);
        let bytes = std::fs::read(&pdf).unwrap();
        assert!(
            bytes.starts_with(b"%PDF-") && bytes.len() > 5_000,
            "{} bytes",
            bytes.len()
        );
        // Its first page as an image, kept as a test artefact to look at.
        let png = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("gcm-report-ar");
        let rendered = std::process::Command::new("pdftoppm")
            .args(["-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile"])
            .arg(&pdf)
            .arg(&png)
            .status();
        if rendered.is_ok_and(|s| s.success()) {
            let image = std::fs::metadata(png.with_extension("png")).unwrap().len();
            assert!(image > 10_000, "a blank first page? {image} bytes");
        }
    }
    let mut stack = vec![cli.data().join("blobs")];
    let mut blob_files = 0;
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                blob_files += 1;
                let raw = std::fs::read(e.path()).unwrap();
                assert!(
                    !raw.windows(18).any(|w| w == b"Formulaire de cons"),
                    "plaintext in {}",
                    e.path().display()
                );
            }
        }
    }
    assert!(
        blob_files as u64 >= attachments,
        "{blob_files} files in the vault"
    );
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(cli.data().join("demo-files/manifest.json")).unwrap(),
    )
    .unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert!(files.len() >= 6);
    let institutions: std::collections::BTreeSet<&str> = files
        .iter()
        .map(|f| f["institution"].as_str().unwrap())
        .collect();
    assert!(institutions.len() >= 6, "{institutions:?}");
    // Every planted bad row, and only those, is in quarantine: each submission says so.
    let submissions = cli.ok(&["submission", "list", "--limit", "100"]);
    for f in files {
        let source = f["source"].as_str().unwrap();
        let line = submissions
            .lines()
            .find(|l| l.split('\t').nth(1) == Some(source))
            .unwrap_or_else(|| panic!("no submission for {source}: {submissions}"));
        let cols: Vec<&str> = line.split('\t').collect();
        assert_eq!(cols[2], "complete", "{line}");
        assert_eq!(cols[5], f["bad_rows"].to_string(), "{source}: {line}");
    }
    // Unified numbers for the demo's people; a rerun gives no new number.
    let first = cli.ok(&["unify"]);
    let numbered = |out: &str, label: &str| -> u64 {
        out.lines()
            .find(|l| l.starts_with(label))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no '{label}' in {out}"))
    };
    assert!(numbered(&first, "records numbered") > 1000, "{first}");
    assert!(
        numbered(&first, "new persons") < numbered(&first, "records numbered"),
        "{first}"
    );
    let again = cli.ok(&["unify"]);
    assert_eq!(
        (
            numbered(&again, "new persons"),
            numbered(&again, "records numbered")
        ),
        (0, 0),
        "{again}"
    );
    stats::statistics_after_unify(cli, &String::from_utf8_lossy(&out.stdout));
    // The mapping examples in the docs are the demo's own.
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples");
    for f in files {
        let mapping = cli
            .data()
            .join("demo-files")
            .join(f["mapping"].as_str().unwrap());
        let name = mapping.file_name().unwrap();
        assert_eq!(
            std::fs::read_to_string(&mapping).unwrap(),
            std::fs::read_to_string(docs.join(name)).unwrap(),
            "docs/examples/{} differs from the demo's mapping; copy it over",
            name.to_string_lossy()
        );
    }
    // A second run reuses the files and changes nothing.
    let out = cli.run(&["demo", "--people", "2000", "--no-serve"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("reusing the demo files"));
    assert!(
        !err.contains("demo case files:"),
        "case files are made once"
    );
    assert!(
        !err.contains("synthetic fingerprints"),
        "fingerprints are enrolled once"
    );
    assert!(
        !err.contains("demo GCM monitoring:"),
        "the GCM demo is loaded once"
    );
    assert_ne!(
        password_of(&err, "observatoire.reviewer"),
        first,
        "one-time passwords are new at every start"
    );
    // The imports are on the audit trail, and the chain holds.
    let verified = cli.ok(&["audit", "verify"]);
    assert!(verified.contains("audit chain intact"), "{verified}");
    let again = cli.ok(&["submission", "list", "--limit", "100"]);
    assert_eq!(again.lines().count(), submissions.lines().count());
}

/// `marsad report gcm`: arguments checked with one-line errors; an empty plan still reports the
/// 23 objectives (as gaps), right to left in Arabic.
fn report_gcm_contract(cli: &Cli) {
    let html = cli.db.dir().join("empty.html");
    let out = html.to_str().unwrap();
    let err = cli.fails(&[
        "report", "gcm", "--period", "2024", "--lang", "de", "--out", out,
    ]);
    assert!(err.contains("--lang de"), "{err}");
    let err = cli.fails(&["report", "gcm", "--period", "2024", "--out", "report.txt"]);
    assert!(err.contains(".html or .pdf"), "{err}");
    let err = cli.fails(&["report", "gcm", "--period", "20245", "--out", out]);
    assert!(err.contains("--period 20245"), "{err}");
    cli.ok(&[
        "report", "gcm", "--period", "2024", "--lang", "ar", "--out", out,
    ]);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<html lang=\"ar\" dir=\"rtl\">"));
    assert_eq!(page.matches("<section id=\"objective-").count(), 23);
    assert_eq!(
        page.matches("لا يخدم أي إجراء من الخطة الوطنية هذا الهدف")
            .count(),
        23,
        "every objective is a gap"
    );
}

/// A real `kill -9` in the middle of a long import: nothing of it is visible, and running the same
/// command again resumes from the last committed batch and completes.
fn killed_import_resumes(cli: &Cli) {
    cli.ok(&["source", "add", "border"]);
    let mut text = format!("{HEADER}\n");
    for i in 0..150_000 {
        text.push_str(&format!(
            "border,K{i},Ali,Gharbi{i},,,M,1980-01-01,,TUN,,,,,,\n"
        ));
    }
    let file = cli.write("big.csv", &text);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_marsad"));
    cmd.args([
        "import",
        "--source",
        "border",
        "--file",
        file.to_str().unwrap(),
        "--json",
        "--data",
    ])
    .arg(cli.data())
    .env("MARSAD_LOG", "warn")
    .stdout(std::process::Stdio::null());
    if let Some(url) = cli.db.database_url() {
        cmd.arg("--database-url").arg(url);
    }
    let mut child = cmd.spawn().unwrap();
    // Wait until at least one batch is committed, then kill without warning.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let staged = loop {
        let list = cli.ok(&["submission", "list"]);
        let rows: u64 = list
            .lines()
            .nth(1)
            .and_then(|l| l.split('\t').nth(6))
            .and_then(|r| r.parse().ok())
            .unwrap_or(0);
        if rows > 0 || std::time::Instant::now() > deadline {
            break rows;
        }
        std::thread::yield_now();
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let list = cli.ok(&["submission", "list"]);
    let line = list.lines().nth(1).unwrap_or_default().to_string();
    if line.split('\t').nth(2) == Some("complete") {
        eprintln!(
            "the import finished before it could be killed ({staged} rows seen); nothing to resume"
        );
        return;
    }
    assert!(staged > 0 && line.contains("importing"), "{list}");
    assert!(cli.ok(&["quarantine", "list"]).is_empty());
    let report = cli.import_json("border", &file);
    assert_eq!(report["disposition"], "resumed", "{report:#}");
    assert_eq!(report["accepted"], 150_000, "{report:#}");
    assert_eq!(report["status"], "complete");
}

/// The first administrator is created once, with a random one-time password; the creation is
/// audited, `audit verify` accepts the chain, and names the entry when one is tampered with.
fn first_admin_and_audit_verify(cli: &Cli) {
    let err = cli.fails(&[
        "user",
        "create-admin",
        "root",
        "--institution",
        "observatoire",
    ]);
    assert!(err.contains("unknown institution 'observatoire'"), "{err}");
    cli.ok(&[
        "institution",
        "add",
        "observatoire",
        "--kind",
        "observatory",
    ]);
    let out = cli.ok(&[
        "user",
        "create-admin",
        "amina",
        "--institution",
        "observatoire",
    ]);
    let password = out
        .lines()
        .find_map(|l| l.split("sign-in): ").nth(1))
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(password.len(), 20, "{out}");
    let again = cli.fails(&[
        "user",
        "create-admin",
        "amina2",
        "--institution",
        "observatoire",
    ]);
    assert!(again.contains("accounts exist already"), "{again}");
    let verified = cli.ok(&["audit", "verify"]);
    assert!(
        verified.contains("audit chain intact: 1 entry, head 1:"),
        "{verified}"
    );
    let head = verified
        .split("head ")
        .nth(1)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    assert!(cli
        .ok(&["audit", "verify", "--anchor", &head])
        .contains("intact"));
    let err = cli.fails(&["audit", "verify", "--anchor", "7:00"]);
    assert!(err.contains("--anchor '7:00'"), "{err}");
}

/// Policy, accounts, tokens and the audit trail, administered from the command line.
fn administration_on_the_command_line(cli: &Cli) {
    cli.ok(&["institution", "add", "police", "--kind", "border_police"]);
    let shown = cli.ok(&["policy", "show"]);
    assert!(
        shown.contains("#### `border_police`") && shown.contains("firewall-services"),
        "{shown}"
    );
    // A policy with a typo is refused with its rule and word; nothing changes.
    let bad =
        marsad_policy::DEFAULT_POLICY.replace("roles = [\"reviewer\"]", "roles = [\"reviewr\"]");
    let file = cli.write("bad.toml", &bad);
    let err = cli.fails(&["policy", "check", file.to_str().unwrap()]);
    assert!(err.contains("unknown role \"reviewr\""), "{err}");
    cli.fails(&["policy", "apply", file.to_str().unwrap()]);
    // A good change becomes version 2, audited.
    let good = format!("{}\n# reviewed 2026-11-30\n", marsad_policy::DEFAULT_POLICY);
    let file = cli.write("good.toml", &good);
    assert!(cli
        .ok(&["policy", "check", file.to_str().unwrap()])
        .contains("valid"));
    let applied = cli.ok(&["policy", "apply", file.to_str().unwrap()]);
    assert!(applied.contains("policy version 2 in force"), "{applied}");
    assert!(cli
        .ok(&["policy", "apply", file.to_str().unwrap()])
        .contains("already in force"));
    // Accounts.
    let err = cli.fails(&[
        "user",
        "add",
        "karim",
        "--institution",
        "police",
        "--role",
        "chief",
    ]);
    assert!(err.contains("unknown role 'chief'"), "{err}");
    let out = cli.ok(&[
        "user",
        "add",
        "karim",
        "--institution",
        "police",
        "--role",
        "officer",
    ]);
    let password = out
        .lines()
        .find_map(|l| l.split("sign-in): ").nth(1))
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(password.len(), 20);
    let reset = cli.ok(&["user", "reset-password", "Karim"]);
    assert!(!reset.contains(&password), "{reset}");
    cli.ok(&["user", "disable", "karim"]);
    assert!(cli.ok(&["user", "list"]).contains("disabled"));
    cli.ok(&["user", "enable", "karim"]);
    // Tokens: printed once, listed without their secret, revoked.
    let issued = cli.ok(&[
        "token",
        "issue",
        "--institution",
        "police",
        "--actions",
        "submit,read",
        "--days",
        "30",
    ]);
    let secret = issued
        .lines()
        .find_map(|l| l.split("Bearer ...`): ").nth(1))
        .unwrap()
        .trim()
        .to_string();
    assert!(secret.starts_with("marsad_"), "{issued}");
    let id = secret.split('_').nth(1).unwrap().to_string();
    let listed = cli.ok(&["token", "list", "--institution", "police"]);
    assert!(
        listed.contains(&id) && listed.contains("active") && !listed.contains(&secret),
        "{listed}"
    );
    cli.ok(&["token", "revoke", &id]);
    assert!(cli
        .ok(&["token", "list", "--institution", "police"])
        .contains("revoked"));
    // The trail: what happened to karim's account, and the chain.
    // karim has done nothing yet: his trail is empty (the administration of his account is the
    // command line's, not his).
    let trail = cli.ok(&["audit", "search", "--user", "karim"]);
    assert_eq!(trail.lines().count(), 1, "{trail}");
    let verified = cli.ok(&["audit", "verify"]);
    assert!(verified.contains("intact"), "{verified}");
    let err = cli.fails(&["audit", "search", "--person", "123"]);
    assert!(err.contains("not a unified number"), "{err}");
}

/// Backup of the database and the vault together, restored into an empty data folder (and an
/// empty database) and compared: the same records, audit head and attachments, byte for byte; a
/// damaged backup or a non-empty target is refused naming the problem.
fn backup_and_restore(cli: &Cli) {
    cli.ok(&["institution", "add", "police", "--kind", "border_police"]);
    cli.ok(&["source", "add", "persons", "--institution", "police"]);
    let file = cli.write(
        "p.csv",
        &format!("{HEADER}\npersons,A1,Amina,Benali,,,F,1990-05-01,,TUN,,,,,,\npersons,A2,محمد,العلي,,,M,1985,,TUN,,,,,,\n"),
    );
    cli.import_json("persons", &file);
    cli.ok(&["user", "create-admin", "root", "--institution", "police"]);
    cli.ok(&["key", "new", "k1"]);
    // Three attachments through the vault, as the server stores them.
    let blobs: Vec<(marsad_vault::BlobId, Vec<u8>)> = {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let keys = marsad_vault::Keyring::load_dir(&cli.data().join("keys"), None).unwrap();
            let vault = marsad_vault::Vault::open(
                &marsad_vault::VaultConfig::local(cli.data().join("blobs")),
                keys,
            )
            .await
            .unwrap();
            let mut out = Vec::new();
            for i in 0..3u8 {
                let body: Vec<u8> = format!("%PDF-1.4 scanned passport {i} ")
                    .repeat(5_000 + usize::from(i))
                    .into_bytes();
                let stored = vault
                    .put_stream(
                        std::io::Cursor::new(body.clone()),
                        &marsad_vault::PutOptions {
                            limit: 1 << 30,
                            allow: None,
                        },
                    )
                    .await
                    .unwrap();
                out.push((stored.id, body));
            }
            out
        })
    };
    let backup = cli.db.dir().join("backup");
    let out = cli.ok(&["backup", "--to", backup.to_str().unwrap()]);
    assert!(out.contains("backup written"), "{out}");
    assert!(
        !backup.join("keys").exists(),
        "master keys never go into a backup"
    );
    // Restore into a new data folder (and, on PostgreSQL, a new empty database).
    let target = marsad_testkit::TestDb::new(if cli.db.database_url().is_some() {
        Engine::Postgres
    } else {
        Engine::Sqlite
    })
    .unwrap();
    let new_data = target.dir().join("restored");
    let restore = |from: &Path, data: &Path| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_marsad"));
        cmd.args(["restore", "--from"])
            .arg(from)
            .arg("--data")
            .arg(data)
            .arg("--keys-from")
            .arg(cli.data().join("keys"));
        if let Some(url) = target.database_url() {
            cmd.arg("--database-url").arg(url);
        }
        cmd.output().unwrap()
    };
    let out = restore(&backup, &new_data);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}{}",
        text,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("3 read back and verified"), "{text}");
    // The attachments read back byte for byte from the restored vault.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let keys = marsad_vault::Keyring::load_dir(&new_data.join("keys"), None).unwrap();
        let vault = marsad_vault::Vault::open(
            &marsad_vault::VaultConfig::local(new_data.join("blobs")),
            keys,
        )
        .await
        .unwrap();
        for (id, body) in &blobs {
            assert_eq!(
                &vault.get_stream(id).await.unwrap().to_vec().await.unwrap(),
                body
            );
        }
    });
    // Into a folder that is not empty: refused.
    let out = restore(&backup, &new_data);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not empty"));
    // A damaged backup: refused, naming the file.
    let victim = std::fs::read_dir(backup.join("vault/data"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let victim = std::fs::read_dir(&victim)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut bytes = std::fs::read(&victim).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&victim, bytes).unwrap();
    let other = marsad_testkit::TestDb::new(if cli.db.database_url().is_some() {
        Engine::Postgres
    } else {
        Engine::Sqlite
    })
    .unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_marsad"));
    cmd.args(["restore", "--from"])
        .arg(&backup)
        .arg("--data")
        .arg(other.dir().join("d"));
    if let Some(url) = other.database_url() {
        cmd.arg("--database-url").arg(url);
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("does not match its checksum"),
        "{err}"
    );
}

macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[test] fn $name() { if let Some(c) = super::Cli::new(super::Engine::Sqlite) { super::$name(&c) } } )* }
        mod postgres { $( #[test] fn $name() { if let Some(c) = super::Cli::new(super::Engine::Postgres) { super::$name(&c) } } )* }
    };
}

both_engines!(
    import_contract,
    errors_are_one_line,
    demo_loads_through_the_import_path,
    killed_import_resumes,
    first_admin_and_audit_verify,
    administration_on_the_command_line,
    backup_and_restore,
    killed_upload_leaves_nothing,
    export_sdmx_needs_a_refresh,
    gdp_input,
    report_gcm_contract,
);

use crash::killed_upload_leaves_nothing;
use stats::{export_sdmx_needs_a_refresh, gdp_input};

#[test]
fn help_lists_the_commands() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_marsad"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for command in [
        "demo",
        "serve",
        "source",
        "import",
        "quarantine",
        "submission",
        "institution",
    ] {
        assert!(
            help.contains(command),
            "{command} missing from --help:\n{help}"
        );
    }
}

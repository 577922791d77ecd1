//! `marsad unify` (full, then incremental after a new import), `marsad person show` and
//! `marsad review list|show|accept|reject` as their users run them. Runs on SQLite, and on
//! PostgreSQL too when MARSAD_TEST_DATABASE_URL is set.

use std::path::PathBuf;

use chrono::TimeZone;
use marsad_store::{PersonNumber, RecordKey, SourceId, Store};
use marsad_testkit::Engine;

use super::{Cli, HEADER};

/// What these scenarios add to the shared harness.
impl Cli {
    fn import(&self, source: &str, rows: &[&str]) {
        let path: PathBuf = self.db.dir().join(format!("{source}.csv"));
        let text = format!("{HEADER}\n{}\n", rows.join("\n"));
        std::fs::write(&path, text).unwrap();
        self.ok(&[
            "import",
            "--source",
            source,
            "--file",
            path.to_str().unwrap(),
        ]);
    }

    /// The store the binary writes to, opened here to look at it.
    pub(super) fn store(&self) -> Box<dyn Store> {
        match self.db.database_url() {
            Some(url) => marsad_store::open(url).unwrap(),
            None => {
                let file = self.db.dir().join("data").join("marsad.sqlite");
                marsad_store::open(file.to_str().unwrap()).unwrap()
            }
        }
    }
}

/// The number printed on the line starting with `label` (its last word).
fn count(out: &str, label: &str) -> u64 {
    out.lines()
        .find(|l| l.starts_with(label))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no '{label}' in {out}"))
}

fn key(s: SourceId, id: &str) -> RecordKey {
    RecordKey::new(s, "person", id)
}

fn digits(n: PersonNumber) -> String {
    format!("{:012}", n.0)
}

fn persons_and_reviews(cli: &Cli) {
    cli.ok(&["source", "add", "census"]);
    cli.ok(&["source", "add", "border"]);
    cli.import(
        "census",
        &[
            "census,C1,محمد,الطرابلسي,صالح,,M,1980-03-04,صفاقس,TUN,passport,X1000001,,,,",
            "census,C2,Sonia,Jebali,Ahmed,,F,1990-05-06,Tunis,TUN,passport,X1000002,,,,",
            "census,C3,Karim,Gharbi,Ali,,M,1975-11-12,Sousse,TUN,passport,X1000003,,,,",
            "census,C4,Amira,Mejri,Hedi,,F,1988-01-30,Bizerte,TUN,passport,X1000004,,,,",
            "census,C5,Walid,Zouari,Moncef,,M,1969-07-21,Gabes,TUN,passport,X1000005,,,,",
            "census,C6,Leila,Ferchichi,Taieb,,F,1995-09-14,Tunis,TUN,passport,X1000006,,,,",
            "census,C7,Nabil,Kasmi,Habib,,M,1983-02-08,Kef,TUN,passport,X1000007,,,,",
            "census,C8,Salma,Bouazizi,Lotfi,,F,1979-12-01,Sfax,TUN,passport,X1000008,,,,",
        ],
    );
    let full = cli.ok(&["unify"]);
    assert!(full.starts_with("run                full"), "{full}");
    assert_eq!(count(&full, "records numbered"), 8, "{full}");
    assert!(full.contains("time "), "{full}");

    // A new institution's file: two known people in Latin script, one new person.
    cli.import(
        "border",
        &[
            "border,B1,MOHAMED,TRABELSI,SALAH,,M,1980-03-04,SFAX,TUN,passport,X1000001,,,,",
            "border,B2,SONIA,JEBALI,AHMED,,F,1990-05-06,TUNIS,TUN,passport,X1000002,,,,",
            "border,B3,Anis,Jaziri,Mourad,,M,2001-04-04,Tunis,TUN,passport,X1000099,,,,",
        ],
    );
    let inc = cli.ok(&["unify"]);
    assert!(inc.starts_with("run                incremental"), "{inc}");
    assert_eq!(count(&inc, "records numbered"), 3, "{inc}");
    assert_eq!(count(&inc, "joined known"), 2, "{inc}");
    assert_eq!(count(&inc, "new persons"), 1, "{inc}");
    let again = cli.ok(&["unify"]);
    assert_eq!(count(&again, "records numbered"), 0, "{again}");
    // A run that died holding the store: the next one says so; --break-lock frees it.
    cli.store()
        .take_run_lock(
            marsad_unify::LOCK,
            "cli, process 1 at 2025-01-01",
            chrono::Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
        )
        .unwrap();
    let busy = cli.fails(&["unify"]);
    assert!(
        busy.contains("another unification is running") && busy.contains("--break-lock"),
        "{busy}"
    );
    let freed = cli.ok(&["unify", "--break-lock"]);
    assert_eq!(count(&freed, "records numbered"), 0, "{freed}");

    let store = cli.store();
    let census = store.source("census").unwrap().unwrap().id;
    let border = store.source("border").unwrap().unwrap().id;
    let of = |k: &RecordKey| store.person_of(k).unwrap().unwrap();
    let mohamed = of(&key(census, "C1"));
    assert_eq!(of(&key(border, "B1")), mohamed);
    let shown = cli.ok(&["person", "show", &digits(mohamed)]);
    assert!(
        shown.contains("census/C1") && shown.contains("border/B1"),
        "{shown}"
    );
    assert!(
        shown.contains("history") && shown.contains("assign"),
        "{shown}"
    );

    // A pair for review: two census records (two persons).
    let (c3, c4) = (of(&key(census, "C3")), of(&key(census, "C4")));
    assert_ne!(c3, c4);
    let explanation = r#"{"score":2.5,"prior":-8.0,"terms":{"given_name":{"level":"different","weight":-12.0},"birth_date":{"level":"exact","weight":9.5}},"note":null}"#;
    let at = chrono::Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap();
    let review = store
        .add_review(&key(census, "C3"), &key(census, "C4"), 2.5, explanation, at)
        .unwrap()
        .0
        .to_string();
    let list = cli.ok(&["review", "list"]);
    let line = list
        .lines()
        .find(|l| l.starts_with(&format!("{review}\t")))
        .unwrap_or_else(|| panic!("{list}"));
    assert!(line.contains("census/C3 Karim Gharbi"), "{line}");
    let show = cli.ok(&["review", "show", &review]);
    assert!(show.contains("Karim") && show.contains("Amira"), "{show}");
    assert!(
        show.contains("birth_date") && show.contains("9.50"),
        "{show}"
    );
    assert!(show.contains("-12.00") && show.contains("score"), "{show}");

    // Accepting merges: the older number survives (both were issued at once here: the
    // smaller), the other resolves to it.
    let accepted = cli.ok(&["review", "accept", &review, "--by", "clerk-1"]);
    let (keep, absorb) = (c3.min(c4), c3.max(c4));
    assert!(accepted.contains("merged"), "{accepted}");
    assert_eq!(store.resolve_number(absorb).unwrap(), keep);
    let alias = cli.ok(&["person", "show", &digits(absorb)]);
    assert!(alias.contains("is an alias"), "{alias}");
    assert!(
        alias.contains("aliases") && alias.contains("merge"),
        "{alias}"
    );
    assert!(alias.contains("clerk-1"), "{alias}");
    assert!(cli
        .fails(&["review", "accept", &review])
        .contains("decided already"));
    assert!(cli.ok(&["review", "list"]).lines().count() == 1);
    assert!(cli
        .ok(&["review", "list", "--status", "accepted"])
        .contains(&format!("{review}\t")));

    // Rejecting a pair of a two-record person splits it.
    let sonia = of(&key(census, "C2"));
    assert_eq!(store.person_records(sonia).unwrap().len(), 2);
    let pair = store
        .add_review(&key(census, "C2"), &key(border, "B2"), 9.0, "{}", at)
        .unwrap()
        .0
        .to_string();
    let rejected = cli.ok(&["review", "reject", &pair, "--by", "clerk-2"]);
    assert!(rejected.contains("split 1 record(s)"), "{rejected}");
    assert_ne!(of(&key(census, "C2")), of(&key(border, "B2")));
    // The next runs keep both decisions.
    let full = cli.ok(&["unify", "--full"]);
    assert!(full.starts_with("run                full"), "{full}");
    assert_eq!(count(&full, "records numbered"), 0, "{full}");
    assert!(count(&full, "review decisions used") >= 2, "{full}");
    assert_ne!(of(&key(census, "C2")), of(&key(border, "B2")));
    assert_eq!(
        store.resolve_number(of(&key(census, "C3"))).unwrap(),
        of(&key(census, "C4"))
    );

    // Splitting by hand: the border record of "Mohamed" is another person. The person keeps
    // its number; the record gets a new one; the history says who and why.
    let mohamed = of(&key(census, "C1"));
    let split = cli.ok(&[
        "person",
        "split",
        &digits(mohamed),
        "--record",
        "border/B1",
        "--by",
        "clerk-3",
        "--reason",
        "fathers differ on the documents",
    ]);
    assert!(split.contains("split 1 record(s)"), "{split}");
    assert_eq!(of(&key(census, "C1")), mohamed);
    let other = of(&key(border, "B1"));
    assert_ne!(other, mohamed);
    let history = cli.ok(&["person", "show", &digits(mohamed)]);
    assert!(
        history.contains("clerk-3") && history.contains("fathers differ"),
        "{history}"
    );
    // A full run does not join the two numbers by itself (at most it asks a clerk).
    cli.ok(&["unify", "--full"]);
    assert_ne!(
        store.resolve_number(of(&key(census, "C1"))).unwrap(),
        store.resolve_number(of(&key(border, "B1"))).unwrap()
    );
    // Mistakes are named.
    let m = digits(mohamed);
    for (args, expected) in [
        (vec!["--record", "border-B1"], "SOURCE/RECORD_ID"),
        (vec!["--record", "nowhere/B1"], "no source named nowhere"),
        (
            vec!["--record", "border/B2"],
            "holds no record B2 of source border",
        ),
        (vec!["--record", "census/C1"], "would move all 1 records"),
    ] {
        let mut full = vec!["person", "split", m.as_str()];
        full.extend(args);
        full.extend(["--by", "clerk-3", "--reason", "test"]);
        let err = cli.fails(&full);
        assert!(err.contains(expected), "{full:?}: {err}");
    }

    // Bad input: one line, non-zero exit.
    assert!(cli
        .fails(&["person", "show", "1234"])
        .contains("not a unified number"));
    let never = marsad_model::UnifiedNumber::generate(&mut || 4242).to_string();
    assert!(cli.fails(&["person", "show", &never]).contains("no person"));
    assert!(cli
        .fails(&["review", "show", "999"])
        .contains("no review 999"));
    assert!(cli
        .fails(&["review", "list", "--status", "maybe"])
        .contains("maybe"));
}

#[test]
fn sqlite_persons_and_reviews() {
    persons_and_reviews(&Cli::new(Engine::Sqlite).unwrap());
}

#[test]
fn postgres_persons_and_reviews() {
    if let Some(cli) = Cli::new(Engine::Postgres) {
        persons_and_reviews(&cli);
    }
}

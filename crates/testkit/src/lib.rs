//! Test support shared by the integration test binaries: a fresh, empty database per test, on
//! SQLite (a file in a temporary folder) or on the PostgreSQL server named by
//! `MARSAD_TEST_DATABASE_URL` (an admin URL; a database is created per test and dropped after).
//!
//! Only tests depend on this crate. When the variable is unset, PostgreSQL tests print that they
//! were skipped and pass, so plain `cargo test` needs nothing installed; the README's test command
//! always sets it.

// Test support: a failed unwrap here is a failed test, which is what it should be.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod browser;

use std::sync::atomic::{AtomicU32, Ordering};

use marsad_store::Store;

/// The variable naming the PostgreSQL admin URL for tests.
pub const DATABASE_URL_VAR: &str = "MARSAD_TEST_DATABASE_URL";

/// Which engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A fresh database, removed when dropped.
pub struct TestDb {
    url: String,
    dir: tempfile::TempDir,
    pg: Option<PgDatabase>,
}

impl TestDb {
    /// A fresh database on `engine`; `None` (after saying so) when PostgreSQL is not configured.
    pub fn new(engine: Engine) -> Option<TestDb> {
        let dir = tempfile::tempdir().unwrap();
        match engine {
            Engine::Sqlite => {
                let url = dir
                    .path()
                    .join("marsad.sqlite")
                    .to_string_lossy()
                    .into_owned();
                Some(TestDb { url, dir, pg: None })
            }
            Engine::Postgres => {
                let Ok(admin) = std::env::var(DATABASE_URL_VAR) else {
                    println!("skipped: {DATABASE_URL_VAR} is not set");
                    return None;
                };
                let pg = PgDatabase::create(&admin);
                Some(TestDb {
                    url: pg.url.clone(),
                    dir,
                    pg: Some(pg),
                })
            }
        }
    }

    pub fn sqlite() -> TestDb {
        TestDb::new(Engine::Sqlite).unwrap()
    }

    pub fn engine(&self) -> Engine {
        if self.pg.is_some() {
            Engine::Postgres
        } else {
            Engine::Sqlite
        }
    }

    /// What `marsad_store::open` takes: the SQLite file path or the PostgreSQL URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The PostgreSQL URL, for commands that take `--database-url`.
    pub fn database_url(&self) -> Option<&str> {
        self.pg.as_ref().map(|pg| pg.url.as_str())
    }

    /// A temporary folder that lives as long as the database (for data folders and files).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Opens (and migrates) the store.
    pub fn open(&self) -> Box<dyn Store> {
        marsad_store::open(&self.url).unwrap()
    }
}

/// A PostgreSQL database created for one test and dropped (with its connections) after it.
pub struct PgDatabase {
    admin: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub fn create(admin: &str) -> PgDatabase {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "marsad_t_{}_{}_{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            nanos
        );
        let mut client = postgres::Client::connect(admin, postgres::NoTls).unwrap();
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        PgDatabase {
            admin: admin.to_owned(),
            url: with_database(admin, &name),
            name,
        }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `postgres://u@h:p/admin?x=y` with the database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let base = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tidy: every source file of every crate opens with `//!` docs saying what it owns.
    #[test]
    fn every_module_has_docs() {
        fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    out.push(path);
                }
            }
        }
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for krate in std::fs::read_dir(&crates).unwrap() {
            let src = krate.unwrap().path().join("src");
            if src.is_dir() {
                walk(&src, &mut files);
            }
        }
        assert!(files.len() > 20, "found only {} files", files.len());
        let undocumented: Vec<String> = files
            .iter()
            .filter(|f| !std::fs::read_to_string(f).unwrap().starts_with("//!"))
            .map(|f| f.display().to_string())
            .collect();
        assert!(
            undocumented.is_empty(),
            "modules without //! docs: {undocumented:#?}"
        );
    }

    #[test]
    fn replaces_the_database_of_a_url() {
        for (url, expected) in [
            ("postgres://u@h:5432/postgres", "postgres://u@h:5432/x"),
            ("postgres://u@h:5432", "postgres://u@h:5432/x"),
            (
                "postgres://u@h/db?sslmode=disable",
                "postgres://u@h/x?sslmode=disable",
            ),
        ] {
            assert_eq!(with_database(url, "x"), expected);
        }
    }
}

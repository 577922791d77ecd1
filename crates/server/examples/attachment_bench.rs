//! Attachment throughput through the HTTP API against the raw disk copy rate, in one run
//! (bench/attachments/run.sh runs this in release): a file of N MiB (default 256) is copied with
//! `std::fs::copy` + fsync, uploaded to a dossier through the real server (streamed, sniffed,
//! encrypted, fsynced into the local vault) and downloaded back (decrypted, verified, streamed),
//! each a few rounds; medians and the ratios to the raw rate are printed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use marsad_auth::{CsrfKey, PasswordPolicy, Secret, SessionPolicy};
use marsad_model::SystemClock;
use marsad_server::{Access, AccessConfig, AppState, AttachmentLimits};
use marsad_store::{NewInstitution, NewUser, PersonNumber, Store};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Empties the page cache (root only) so the next read comes from the disk: a copy then measures
/// the disk, not memory. Answers whether it could.
fn drop_caches() -> bool {
    let synced = std::process::Command::new("sync")
        .status()
        .is_ok_and(|s| s.success());
    synced && std::fs::write("/proc/sys/vm/drop_caches", "1").is_ok()
}

fn main() {
    // `cold`: the page cache is emptied before every copy, upload and download.
    let cold = std::env::var("BENCH_COLD").is_ok_and(|v| v == "1") && drop_caches();
    let mib: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(256);
    let rounds: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let bytes = (mib << 20) as u64;
    let dir =
        tempfile::tempdir_in(std::env::var_os("BENCH_DIR").unwrap_or_else(|| ".".into())).unwrap();
    // A PDF-looking file with incompressible content.
    let source = dir.path().join("scan.pdf");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&source).unwrap());
        f.write_all(b"%PDF-1.7\n").unwrap();
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut buf = vec![0u8; 1 << 20];
        let mut written = 9u64;
        while written < bytes {
            for b in buf.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            let n = ((bytes - written) as usize).min(buf.len());
            f.write_all(&buf[..n]).unwrap();
            written += n as u64;
        }
    }
    // Raw: copy + fsync.
    let mut raw = Vec::new();
    for i in 0..rounds {
        let dest = dir.path().join(format!("copy-{i}.pdf"));
        if cold {
            drop_caches();
        }
        let t = Instant::now();
        std::fs::copy(&source, &dest).unwrap();
        std::fs::File::open(&dest).unwrap().sync_all().unwrap();
        raw.push(bytes as f64 / t.elapsed().as_secs_f64() / 1e6);
        std::fs::remove_file(&dest).unwrap();
    }

    let store: Arc<dyn Store> =
        Arc::from(marsad_store::open(dir.path().join("b.sqlite").to_str().unwrap()).unwrap());
    let now = chrono::Utc::now();
    store
        .ensure_institution(&NewInstitution {
            name: "social",
            title: "social",
            kind: "ministry",
            created_at: now,
        })
        .unwrap();
    let mut rng = marsad_auth::rand_core::UnwrapErr(getrandom::SysRng);
    let hash = PasswordPolicy::OWASP
        .hash(&Secret::new("correct horse battery 9".into()), &mut rng)
        .unwrap();
    store
        .create_user(&NewUser {
            login: "cw",
            display_name: "cw",
            institution: "social",
            roles: &["case_worker".into()],
            password_hash: &hash,
            created_at: now,
        })
        .unwrap();
    let number = marsad_model::UnifiedNumber::generate(&mut || 0x0123_4567_89ab_cdef);
    store
        .create_person(PersonNumber(number.as_u64()), "bench", now)
        .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (up, down) = runtime.block_on(async {
        let keys = marsad_vault::Keyring::new(
            marsad_vault::KeyId::parse("b1").unwrap(),
            &marsad_vault::MasterKey::from_bytes([3; 32]),
        )
        .unwrap();
        let vault = marsad_vault::Vault::open(
            &marsad_vault::VaultConfig::local(dir.path().join("blobs")),
            keys,
        )
        .await
        .unwrap();
        let (access, _) = Access::new(
            AccessConfig {
                session: SessionPolicy {
                    cookie_mode: marsad_auth::CookieMode::PlainHttpLocalDev,
                    ..SessionPolicy::DEFAULT
                },
                origins: vec![],
                policy_dir: None,
                oidc: None,
            },
            CsrfKey::generate(&mut marsad_auth::rand_core::UnwrapErr(getrandom::SysRng)),
        )
        .unwrap();
        let state = AppState::new(
            store.clone(),
            Arc::new(SystemClock),
            dir.path().join("in"),
            1 << 20,
            Arc::new(access),
        )
        .with_vault(Arc::new(vault))
        .with_attachment_limits(AttachmentLimits {
            max_bytes: bytes + 1,
            max_per_dossier: 1000,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(
                listener,
                marsad_server::router(state).into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
        let client = reqwest::Client::new();
        let r = client
            .post(format!("{base}/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body(r#"{"login":"cw","password":"correct horse battery 9"}"#)
            .send()
            .await
            .unwrap();
        let cookie = r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let me: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        let csrf = me["csrf_token"].as_str().unwrap().to_string();
        let r = client
            .post(format!(
                "{base}/api/v1/persons/{}/dossiers",
                number.digits()
            ))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .header("content-type", "application/json")
            .body(r#"{"title":"bench"}"#)
            .send()
            .await
            .unwrap();
        let dossier: serde_json::Value = serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
        let id = dossier["id"].as_i64().unwrap();
        let (mut up, mut down) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            // Each round a different file (the vault stores equal files once).
            let path = dir.path().join(format!("scan-{round}.pdf"));
            std::fs::copy(&source, &path).unwrap();
            {
                use std::os::unix::fs::FileExt as _;
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .unwrap()
                    .write_at(&[round as u8 + 1; 8], 100)
                    .unwrap();
            }
            if cold {
                drop_caches();
            }
            let file = tokio::fs::File::open(&path).await.unwrap();
            let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(
                file,
                1 << 20,
            ));
            let t = Instant::now();
            let r = client
                .post(format!(
                    "{base}/api/v1/dossiers/{id}/attachments?name=scan-{round}.pdf"
                ))
                .header("cookie", &cookie)
                .header("x-csrf-token", &csrf)
                .header("content-type", "application/pdf")
                .header("content-length", bytes)
                .body(body)
                .send()
                .await
                .unwrap();
            let status = r.status();
            let created: serde_json::Value =
                serde_json::from_slice(&r.bytes().await.unwrap()).unwrap();
            assert_eq!(status, 201, "{created}");
            up.push(bytes as f64 / t.elapsed().as_secs_f64() / 1e6);
            let attachment = created["id"].as_i64().unwrap();
            if cold {
                drop_caches();
            }
            let t = Instant::now();
            let mut r = client
                .get(format!(
                    "{base}/api/v1/dossiers/{id}/attachments/{attachment}"
                ))
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            let mut got = 0u64;
            while let Some(chunk) = r.chunk().await.unwrap() {
                got += chunk.len() as u64;
            }
            assert_eq!(got, bytes);
            down.push(bytes as f64 / t.elapsed().as_secs_f64() / 1e6);
            std::fs::remove_file(&path).unwrap();
        }
        (up, down)
    });
    let (raw, up, down) = (median(raw), median(up), median(down));
    let cache = if cold {
        "page cache emptied before each step"
    } else {
        "warm page cache"
    };
    println!("{mib} MiB, {rounds} rounds, {cache}, medians:");
    println!("  raw copy + fsync        {raw:>8.0} MB/s");
    println!(
        "  upload through the API  {up:>8.0} MB/s  ({:.0} % of raw)",
        100.0 * up / raw
    );
    println!(
        "  download through the API{down:>8.0} MB/s  ({:.0} % of raw)",
        100.0 * down / raw
    );
}

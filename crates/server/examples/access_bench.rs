//! What access control costs (bench/access/run.sh runs this in release).
//!
//! 1. Policy evaluation alone: every default institution kind × role × action × resource of the
//!    default policy, each decision timed; p50, p99 and the mean, plus the per-row view check.
//! 2. Requests per second of an authenticated read endpoint (`GET /api/v1/sources`, with an API
//!    token) through the real server, with the enforcement layer and without it, side by side in
//!    the same run (same process, same store, same client), and the ratio.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use marsad_auth::{CsrfKey, SessionPolicy};
use marsad_model::SystemClock;
use marsad_policy::{Action, Origin, Principal, Resource, Subject};
use marsad_server::{Access, AccessConfig, AppState};
use marsad_store::{ApiToken, NewInstitution, Store};

const CONNECTIONS: usize = 16;
const SECONDS: u64 = 5;

fn percentile(sorted: &[u64], p: f64) -> u64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn policy_evaluation() {
    let policy = marsad_policy::default_policy().unwrap();
    let principals: Vec<Principal> = marsad_policy::INSTITUTION_KINDS
        .iter()
        .flat_map(|k| {
            marsad_policy::ROLES.iter().map(move |(r, _)| Principal {
                institution: format!("{k}-1"),
                institution_kind: k.to_string(),
                roles: vec![r.to_string()],
                actions: None,
            })
        })
        .collect();
    let resources: Vec<Resource> = Resource::all().collect();
    let mut times = Vec::new();
    let mut allowed = 0u64;
    // Warm up, then time each decision.
    for round in 0..6 {
        for p in &principals {
            for a in Action::ALL {
                for r in &resources {
                    let t = Instant::now();
                    let d = policy.decide(Subject::Member(p), a, *r);
                    let ns = t.elapsed().as_nanos() as u64;
                    if round > 0 {
                        times.push(ns);
                        allowed += u64::from(d.is_allowed());
                    }
                    std::hint::black_box(d);
                }
            }
        }
    }
    times.sort_unstable();
    let mean = times.iter().sum::<u64>() as f64 / times.len() as f64;
    println!(
        "policy decision: {} decisions ({} allowed), p50 {:.2} µs, p99 {:.2} µs, mean {:.2} µs",
        times.len(),
        allowed,
        percentile(&times, 0.5) as f64 / 1000.0,
        percentile(&times, 0.99) as f64 / 1000.0,
        mean / 1000.0
    );
    // The per-row check of a records page: an analyst's grant over rows of 8 institutions.
    let analyst = Principal {
        institution: "obs".into(),
        institution_kind: "observatory".into(),
        roles: vec!["analyst".into(), "identity_analyst".into()],
        actions: None,
    };
    let marsad_policy::Decision::Allow(grant) = policy.decide(
        Subject::Member(&analyst),
        Action::Read,
        Resource::Record(marsad_model::RecordKind::Person),
    ) else {
        panic!("analyst denied")
    };
    let kinds = [
        "border_police",
        "statistics",
        "consulate",
        "labour_agency",
        "ministry",
        "anti_trafficking",
        "central_bank",
        "observatory",
    ];
    let rows = 1_000_000;
    let t = Instant::now();
    let mut seen = 0u64;
    for i in 0..rows {
        let k = kinds[i % kinds.len()];
        let v = grant.view(
            Some(Origin {
                institution: k,
                institution_kind: k,
            }),
            i % 2 == 0,
        );
        if let Some(v) = v {
            seen += grant.hidden_fields(&v).count() as u64 + 1;
        }
    }
    std::hint::black_box(seen);
    println!(
        "row view + hidden fields: {:.0} ns per row ({rows} rows)",
        t.elapsed().as_nanos() as f64 / rows as f64
    );
}

async fn load(base: &str, token: &str) -> (f64, Vec<u64>) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(CONNECTIONS)
        .build()
        .unwrap();
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let mut tasks = Vec::new();
    for _ in 0..CONNECTIONS {
        let client = client.clone();
        let url = format!("{base}/api/v1/sources");
        let auth = format!("Bearer {token}");
        let done = done.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let r = client
                    .get(&url)
                    .header("authorization", &auth)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 200);
                r.bytes().await.unwrap();
                lat.push(t.elapsed().as_micros() as u64);
                done.fetch_add(1, Ordering::Relaxed);
            }
            lat
        }));
    }
    let start = Instant::now();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let secs = start.elapsed().as_secs_f64();
    all.sort_unstable();
    (done.load(Ordering::Relaxed) as f64 / secs, all)
}

async fn serve(router: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("http://{addr}")
}

fn main() {
    policy_evaluation();
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::from(marsad_store::open(dir.path().join("b.sqlite").to_str().unwrap()).unwrap());
    let now = chrono::Utc::now();
    store
        .ensure_institution(&NewInstitution {
            name: "obs",
            title: "obs",
            kind: "observatory",
            created_at: now,
        })
        .unwrap();
    for i in 0..20 {
        store
            .add_source(&format!("source-{i}"), Some("obs"), now)
            .unwrap();
    }
    let mut rng = marsad_auth::rand_core::UnwrapErr(getrandom::SysRng);
    let t = marsad_auth::issue_token(&mut rng);
    store
        .create_token(&ApiToken {
            id: t.id.clone(),
            secret_hash: t.secret_hash,
            institution: "obs".into(),
            actions: "read".into(),
            expires_at: now + chrono::Duration::days(1),
            revoked_at: None,
            created_by: "bench".into(),
            created_at: now,
        })
        .unwrap();
    let token = t.token.expose().clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let (access, _) = Access::new(
            AccessConfig { session: SessionPolicy::DEFAULT, origins: vec![], policy_dir: None, oidc: None },
            CsrfKey::generate(&mut marsad_auth::rand_core::UnwrapErr(getrandom::SysRng)),
        )
        .unwrap();
        let state = AppState::new(store, Arc::new(SystemClock), dir.path().join("in"), 1 << 20, Arc::new(access));
        let with = serve(marsad_server::router(state.clone())).await;
        let without = serve(marsad_server::router_without_policy_check_for_benchmarks(state)).await;
        // Warm both, then alternate so neither gets a warmer machine.
        load(&with, &token).await;
        load(&without, &token).await;
        let (rps_with, lat_with) = load(&with, &token).await;
        let (rps_without, lat_without) = load(&without, &token).await;
        for (name, rps, lat) in [("with policy check", rps_with, &lat_with), ("without", rps_without, &lat_without)] {
            println!(
                "GET /api/v1/sources (token, {CONNECTIONS} connections, {SECONDS} s) {name:>18}: {rps:>8.0} req/s, p50 {} µs, p99 {} µs",
                percentile(lat, 0.5),
                percentile(lat, 0.99)
            );
        }
        println!("ratio with/without: {:.3}", rps_with / rps_without);
    });
}

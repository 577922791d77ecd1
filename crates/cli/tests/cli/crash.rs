//! A real `kill -9` of `marsad serve` in the middle of an attachment upload: nothing of it is
//! visible (no attachment, no blob), and the next start removes what the dead upload left on disk.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::Cli;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(cli: &Cli, port: u16) -> Child {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_marsad"));
    cmd.args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data"])
        .arg(cli.data())
        .env("MARSAD_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(url) = cli.db.database_url() {
        cmd.arg("--database-url").arg(url);
    }
    let child = cmd.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

/// One HTTP/1.1 request; answers the status, the headers and the body.
fn request(port: u16, head: &str, body: &[u8]) -> (u16, String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (headers, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = headers
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, headers.to_string(), body.to_string())
}

/// Files under `dir` (recursively).
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path().display().to_string());
            }
        }
    }
    out
}

pub(super) fn killed_upload_leaves_nothing(cli: &Cli) {
    cli.ok(&["institution", "add", "social", "--kind", "ministry"]);
    let out = cli.ok(&[
        "user",
        "add",
        "cw",
        "--institution",
        "social",
        "--role",
        "case_worker",
    ]);
    let password = out
        .lines()
        .find_map(|l| l.split("sign-in): ").nth(1))
        .unwrap()
        .trim()
        .to_string();
    let number = {
        let store = cli.store();
        let n = marsad_model::UnifiedNumber::generate(&mut || 0x1234_5678_9abc_def0);
        store
            .create_person(
                marsad_store::PersonNumber(n.as_u64()),
                "test",
                chrono::Utc::now(),
            )
            .unwrap();
        n.digits()
    };
    let port = free_port();
    let mut server = start(cli, port);
    let login = format!("{{\"login\":\"cw\",\"password\":\"{password}\"}}");
    let (status, headers, body) = request(
        port,
        &format!("POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", login.len()),
        login.as_bytes(),
    );
    assert_eq!(status, 200, "{headers}{body}");
    let cookie = headers
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: "))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let me: serde_json::Value = serde_json::from_str(&body).unwrap();
    let csrf = me["csrf_token"].as_str().unwrap().to_string();
    let auth = format!("Cookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n");
    let create = "{\"title\":\"case\"}";
    let (status, _, body) = request(
        port,
        &format!("POST /api/v1/persons/{number}/dossiers HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", create.len()),
        create.as_bytes(),
    );
    assert_eq!(status, 201, "{body}");
    let dossier: serde_json::Value = serde_json::from_str(&body).unwrap();
    let id = dossier["id"].as_i64().unwrap();

    // Start a 64 MiB upload, send 12 MiB of it, and kill the server without warning.
    let total = 64usize << 20;
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "POST /api/v1/dossiers/{id}/attachments?name=scan.pdf HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/pdf\r\nContent-Length: {total}\r\n\r\n"
    )
    .unwrap();
    let mut chunk = b"%PDF-1.7\n".to_vec();
    chunk.resize(1 << 20, b'x');
    for _ in 0..12 {
        s.write_all(&chunk).unwrap();
        chunk[..9].copy_from_slice(b"xxxxxxxxx");
    }
    s.flush().unwrap();
    // Let the server write some of it to the vault.
    let blobs = cli.data().join("blobs");
    let deadline = Instant::now() + Duration::from_secs(30);
    while files(&blobs).iter().all(|f| f.ends_with("naming-key")) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill().unwrap();
    server.wait().unwrap();
    drop(s);
    let left: Vec<String> = files(&blobs)
        .into_iter()
        .filter(|f| !f.ends_with("naming-key"))
        .collect();
    assert!(
        !left.is_empty(),
        "the upload had reached the disk before the kill"
    );
    assert!(
        !left.iter().any(|f| f.contains("/blobs/blobs/")),
        "a half upload is never visible as a blob: {left:?}"
    );
    assert!(cli.store().attachment_blob_ids().unwrap().is_empty());

    // The next start removes it.
    let mut server = start(cli, port);
    let mut err = String::new();
    server.kill().unwrap();
    server.wait().unwrap();
    server
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.contains("removed from the vault"), "{err}");
    let left: Vec<String> = files(&blobs)
        .into_iter()
        .filter(|f| !f.ends_with("naming-key"))
        .collect();
    assert!(left.is_empty(), "left after the restart: {left:?}");
}

//! Case files through HTTP: dossiers, versioned entries, attachments streamed into the encrypted
//! vault, downloads and thumbnails, every kind of bad upload (nothing partial kept: no row, no
//! blob), access by institution and the firewall, and the audit of every read and change.

use futures_util::StreamExt as _;
use marsad_model::UnifiedNumber;
use marsad_store::{DossierId, PersonNumber, Store};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::problem;
use crate::support::{now, TestApp};

/// A well-formed unified number drawn from `seed`: (as stored, as the API writes it).
fn unified(seed: u64) -> (PersonNumber, String) {
    let mut state = seed;
    let n = UnifiedNumber::generate(&mut || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state
    });
    (PersonNumber(n.as_u64()), n.digits())
}

/// Deterministic bytes that do not compress (a stand-in for scanned pages).
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(2).wrapping_add(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

/// A PDF (as far as sniffing goes) of `len` bytes.
fn pdf(len: usize, seed: u64) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    out.extend(noise(len.saturating_sub(out.len()), seed));
    out.truncate(len);
    out
}

fn png_image(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn jpeg_image(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, 90, (y % 256) as u8])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let mut body = kind.to_vec();
    body.extend(data);
    out.extend(&body);
    out.extend(crc32(&body).to_be_bytes());
}

/// A PNG that declares `width` × `height` pixels (RGBA) over a few bytes of data: the shape of a
/// decompression bomb, which a decoder without limits would allocate for.
fn bomb_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, 6, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    // A zlib stream of one stored block of zeros.
    let data = [0u8; 64];
    let mut idat = vec![0x78, 0x01, 0x01, 64, 0, !64u8, 0xff];
    idat.extend(data);
    let (mut a, mut b) = (1u32, 0u32);
    for &d in &data {
        a = (a + u32::from(d)) % 65_521;
        b = (b + a) % 65_521;
    }
    idat.extend(((b << 16) | a).to_be_bytes());
    png_chunk(&mut out, b"IDAT", &idat);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A multipart body built by hand, so that names and empty parts are exactly as given.
fn multipart(parts: &[(&str, Option<&str>, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "marsad-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, file_name, data) in parts {
        body.extend(format!("--{boundary}\r\n").as_bytes());
        match file_name {
            Some(f) => body.extend(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\n")
                    .as_bytes(),
            ),
            None => body
                .extend(format!("Content-Disposition: form-data; name=\"{name}\"\r\n").as_bytes()),
        }
        body.extend(b"Content-Type: application/octet-stream\r\n\r\n");
        body.extend(*data);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A server, a person, and a case worker of the ministry `social` signed in.
struct Case {
    app: TestApp,
    cw: reqwest::Client,
    person: PersonNumber,
    number: String,
}

impl Case {
    async fn start() -> Case {
        Case::start_with(marsad_server::AttachmentLimits::default()).await
    }

    async fn start_with(limits: marsad_server::AttachmentLimits) -> Case {
        let app = TestApp::start_with_limits(
            None,
            marsad_server::DEFAULT_MAX_UPLOAD_BYTES,
            "src",
            None,
            limits,
        )
        .await;
        let (person, number) = unified(5);
        app.with_store(move |s| s.create_person(person, "test", now()).unwrap())
            .await;
        let cw = app
            .login_as("cw", "social", "ministry", &["case_worker"])
            .await;
        Case {
            app,
            cw,
            person,
            number,
        }
    }

    fn url(&self, path: &str) -> String {
        self.app.url(path)
    }

    async fn open(&self, title: &str) -> i64 {
        let r = self
            .cw
            .post(self.url(&format!("/api/v1/persons/{}/dossiers", self.number)))
            .json(&json!({ "title": title }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        let location = r.headers()["location"].to_str().unwrap().to_string();
        let d: Value = r.json().await.unwrap();
        assert_eq!(location, format!("/api/v1/dossiers/{}", d["id"]));
        d["id"].as_i64().unwrap()
    }

    /// Uploads `data` as a multipart part `file` named `name`.
    async fn attach(&self, dossier: i64, name: &str, data: &[u8]) -> reqwest::Response {
        let (content_type, body) = multipart(&[("file", Some(name), data)]);
        self.cw
            .post(self.url(&format!("/api/v1/dossiers/{dossier}/attachments")))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// Uploads `data` as the raw body, the name in the query.
    async fn attach_raw(&self, dossier: i64, query: &str, data: Vec<u8>) -> reqwest::Response {
        self.cw
            .post(self.url(&format!("/api/v1/dossiers/{dossier}/attachments{query}")))
            .header("content-type", "application/octet-stream")
            .body(data)
            .send()
            .await
            .unwrap()
    }

    /// The blobs in the vault and the attachment rows of the dossier.
    async fn stored(&self, dossier: i64) -> (usize, usize) {
        let blobs = self.app.vault.list().await.unwrap().len();
        let rows = self
            .app
            .with_store(move |s| s.dossier_attachments(DossierId(dossier)).unwrap().len())
            .await;
        (blobs, rows)
    }

    /// The actions audited about the person, oldest first.
    async fn audited(&self) -> Vec<(String, Option<String>)> {
        let number = self.number.clone();
        let mut entries = self
            .app
            .with_store(move |s| s.audit_by_object("person", &number, 1000).unwrap())
            .await;
        entries.reverse();
        entries.into_iter().map(|e| (e.action, e.purpose)).collect()
    }
}

#[tokio::test]
async fn dossier_entries_are_versioned_and_every_read_and_change_audited() {
    let case = Case::start().await;
    let id = case.open("Accompagnement · متابعة").await;
    let list: Value = case
        .cw
        .get(case.url(&format!("/api/v1/persons/{}/dossiers", case.number)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["person"], case.number);
    assert_eq!(list["dossiers"][0]["id"], id);
    assert_eq!(list["dossiers"][0]["institution"], "social");
    assert_eq!(list["dossiers"][0]["status"], "open");
    assert_eq!(list["dossiers"][0]["created_by"], "cw");

    let add = |kind: &'static str, text: &'static str| {
        case.cw
            .post(case.url(&format!("/api/v1/dossiers/{id}/entries")))
            .json(&json!({ "kind": kind, "text": text }))
            .send()
    };
    let note = add("note", "First meeting; مقابلة أولى").await.unwrap();
    assert_eq!(note.status(), StatusCode::CREATED);
    let note: Value = note.json().await.unwrap();
    for (kind, text) in [
        ("decision", "Shelter place granted"),
        ("document", "Passport copy received"),
        ("referral", "Referred to legal aid"),
    ] {
        assert_eq!(add(kind, text).await.unwrap().status(), StatusCode::CREATED);
    }
    problem(
        add("rumour", "x").await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    problem(
        add("note", "  ").await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    let entry = note["id"].as_i64().unwrap();
    let change = |body: Value| {
        case.cw
            .put(case.url(&format!("/api/v1/dossiers/{id}/entries/{entry}")))
            .json(&body)
            .send()
    };
    let v2: Value = change(json!({ "text": "First meeting, with an interpreter", "version": 1 }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (v2["version"].as_u64(), v2["author"].as_str()),
        (Some(2), Some("cw"))
    );
    // Based on an old version: refused, nothing written.
    problem(
        change(json!({ "text": "lost update", "version": 1 }))
            .await
            .unwrap(),
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    let v3: Value = change(json!({ "removed": true }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (v3["version"].as_u64(), v3["removed"].as_bool()),
        (Some(3), Some(true))
    );
    let history: Value = case
        .cw
        .get(case.url(&format!("/api/v1/dossiers/{id}/entries/{entry}/history")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let versions: Vec<(u64, &str, bool)> = history["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["version"].as_u64().unwrap(),
                v["text"].as_str().unwrap(),
                v["removed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        versions,
        vec![
            (1, "First meeting; مقابلة أولى", false),
            (2, "First meeting, with an interpreter", false),
            (3, "First meeting, with an interpreter", true),
        ]
    );
    // The dossier shows current entries; the removed one only with `all`.
    let view: Value = case
        .cw
        .get(case.url(&format!("/api/v1/dossiers/{id}")))
        .header("x-marsad-purpose", "case 7: follow-up")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = view["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["decision", "document", "referral"]);
    let all: Value = case
        .cw
        .get(case.url(&format!("/api/v1/dossiers/{id}?all=true")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all["entries"].as_array().unwrap().len(), 4);

    // Closing makes it read-only until reopened; a stale version is refused.
    let status = |body: Value| {
        case.cw
            .put(case.url(&format!("/api/v1/dossiers/{id}/status")))
            .json(&body)
            .send()
    };
    let closed: Value = status(json!({ "status": "closed", "version": 1 }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (closed["status"].as_str(), closed["version"].as_u64()),
        (Some("closed"), Some(2))
    );
    let refused = problem(
        add("note", "after closing").await.unwrap(),
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert!(
        refused["detail"].as_str().unwrap().contains("closed"),
        "{refused}"
    );
    problem(
        status(json!({ "status": "open", "version": 1 }))
            .await
            .unwrap(),
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    problem(
        status(json!({ "status": "archived" })).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "invalid_request",
    )
    .await;
    let reopened = status(json!({ "status": "open", "version": 2 }))
        .await
        .unwrap();
    assert_eq!(reopened.status(), StatusCode::OK);

    let audited = case.audited().await;
    let actions: Vec<&str> = audited
        .iter()
        .map(|(a, _)| a.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "dossier.open",
            "dossier.list",
            "dossier.entry.add",
            "dossier.entry.add",
            "dossier.entry.add",
            "dossier.entry.add",
            "dossier.entry.change",
            "dossier.entry.remove",
            "dossier.entry.history",
            "dossier.read",
            "dossier.read",
            "dossier.status",
            "dossier.status",
        ]
    );
    let read = audited
        .iter()
        .find(|(a, _)| a.starts_with("dossier.read"))
        .unwrap();
    assert_eq!(read.1.as_deref(), Some("case 7: follow-up"));
    assert!(read.0.contains("service-dossiers"), "{read:?}");
    case.app.stop().await;
}

#[tokio::test]
async fn attachments_stream_in_and_out_with_their_name_and_type() {
    let case = Case::start().await;
    let id = case.open("Documents").await;
    let small = pdf(20_000, 1);
    let r = case.attach(id, "جواز سفر.pdf", &small).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let a: Value = r.json().await.unwrap();
    assert_eq!(
        location,
        format!("/api/v1/dossiers/{id}/attachments/{}", a["id"])
    );
    assert_eq!(a["file_name"], "جواز سفر.pdf");
    assert_eq!(a["content_type"], "application/pdf");
    assert_eq!(a["kind"], "pdf");
    assert_eq!(a["size"], 20_000);
    assert_eq!(a["uploaded_by"], "cw");
    // PDFs have first-page thumbnails (this one is noise after its header: it will be refused).
    assert_eq!(
        a["thumbnail"],
        format!("{}/thumbnail", a["href"].as_str().unwrap())
    );
    let sha = {
        use sha2::Digest as _;
        data_encoding::HEXLOWER.encode(&sha2::Sha256::digest(&small))
    };
    assert_eq!(a["sha256"], sha);

    let download = case.cw.get(case.url(&location)).send().await.unwrap();
    assert_eq!(download.status(), StatusCode::OK);
    let h = download.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["content-length"], "20000");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(
        h["content-disposition"],
        "attachment; filename=\"____ ___.pdf\"; filename*=UTF-8''%D8%AC%D9%88%D8%A7%D8%B2%20%D8%B3%D9%81%D8%B1.pdf"
    );
    assert!(h["repr-digest"].to_str().unwrap().starts_with("sha-256=:"));
    assert_eq!(download.bytes().await.unwrap().as_ref(), small.as_slice());

    // A large raw body (several segments, the vault's streaming path), attached to an entry.
    let entry: Value = case
        .cw
        .post(case.url(&format!("/api/v1/dossiers/{id}/entries")))
        .json(&json!({ "kind": "document", "text": "Work contract" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let large = pdf(5 * 1024 * 1024 + 123, 2);
    let r = case
        .attach_raw(
            id,
            &format!("?name=contrat%20sign%C3%A9.pdf&entry={}", entry["id"]),
            large.clone(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let b: Value = r.json().await.unwrap();
    assert_eq!(
        (b["file_name"].as_str(), b["entry"].as_i64()),
        (Some("contrat signé.pdf"), entry["id"].as_i64())
    );
    let got = case
        .cw
        .get(case.url(b["href"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(
        got.as_ref() == large.as_slice(),
        "the large file came back different"
    );

    // The same file again is a second attachment over the one stored blob.
    let again: Value = case
        .attach(id, "copy.pdf", &small)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["sha256"], sha);
    assert_eq!(case.stored(id).await, (2, 3));

    let view: Value = case
        .cw
        .get(case.url(&format!("/api/v1/dossiers/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["attachments"].as_array().unwrap().len(), 3);
    let audited = case.audited().await;
    let downloads = audited
        .iter()
        .filter(|(a, _)| a.starts_with("dossier.download"))
        .count();
    let attaches = audited
        .iter()
        .filter(|(a, _)| a.starts_with("dossier.attach"))
        .count();
    assert_eq!((downloads, attaches), (2, 3));
    case.app.stop().await;
}

/// Every file under `dir`, recursively.
fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[tokio::test]
async fn attachments_are_encrypted_at_rest() {
    let case = Case::start().await;
    let id = case.open("Secret").await;
    let marker = b"MARSAD-PLAINTEXT-MARKER-0123456789 ";
    let small: Vec<u8> = marker.iter().copied().cycle().take(10_000).collect();
    let large: Vec<u8> = marker.iter().copied().cycle().take(3 << 20).collect();
    assert_eq!(
        case.attach(id, "small.txt", &small).await.status(),
        StatusCode::CREATED
    );
    assert_eq!(
        case.attach(id, "large.txt", &large).await.status(),
        StatusCode::CREATED
    );
    let hashes: Vec<Vec<u8>> = [&small, &large]
        .iter()
        .flat_map(|data| {
            use sha2::Digest as _;
            let digest = sha2::Sha256::digest(data);
            [
                digest.to_vec(),
                data_encoding::HEXLOWER.encode(&digest).into_bytes(),
            ]
        })
        .collect();
    let files = files_under(&case.app.dir.path().join("vault"));
    assert!(files.len() >= 4, "{files:?}");
    for path in files {
        let raw = std::fs::read(&path).unwrap();
        let found = |needle: &[u8]| raw.windows(needle.len()).any(|w| w == needle);
        assert!(!found(&marker[..16]), "plaintext in {}", path.display());
        assert!(
            !found(b"small.txt") && !found(b"large.txt"),
            "a file name in {}",
            path.display()
        );
        for h in &hashes {
            assert!(!found(h), "a plaintext hash in {}", path.display());
        }
    }
    case.app.stop().await;
}

#[tokio::test]
async fn bad_uploads_are_refused_and_leave_nothing() {
    let case = Case::start_with(marsad_server::AttachmentLimits {
        max_bytes: 200_000,
        max_per_dossier: 2,
    })
    .await;
    let id = case.open("Refusals").await;
    let png = png_image(32, 32);
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff".to_vec();
    exe.extend(noise(4000, 3));
    exe[0x3c..0x40].copy_from_slice(&64u32.to_le_bytes());
    exe.splice(64..64, b"PE\0\0".iter().copied());
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.extend(noise(4000, 4));

    let check = |what: &'static str, expected: &'static str| (what, expected);
    let cases = [
        (
            case.attach_raw(id, "?name=empty.pdf", Vec::new()).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            check("empty file", "empty"),
        ),
        (
            case.attach(id, "scan.pdf", &png).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "attachment_refused",
            check(
                "a PNG named .pdf",
                "named as pdf but its content is a PNG image",
            ),
        ),
        (
            case.attach(id, "invoice.pdf", &exe).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "attachment_refused",
            check("an executable named .pdf", "Windows executable"),
        ),
        (
            case.attach_raw(id, "?name=report.pdf", elf.clone()).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "attachment_refused",
            check("an ELF named .pdf", "ELF"),
        ),
        (
            case.attach(id, "../../etc/passwd.pdf", &pdf(500, 5)).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            check("path separators", "path separators"),
        ),
        (
            case.attach(id, "C:\\scans\\x.pdf", &pdf(500, 5)).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            check("backslashes", "path separators"),
        ),
        (
            case.attach_raw(id, "?name=a%0Ab.pdf", pdf(500, 5)).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            check("a line break in the name", "control characters"),
        ),
        (
            case.attach_raw(id, "?name=a%00b.pdf", pdf(500, 5)).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            check("a NUL in the name", "control characters"),
        ),
        (
            case.attach_raw(id, "?name=invoice%E2%80%AEfdp.exe", pdf(500, 5))
                .await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            check("a right-to-left override", "bidirectional"),
        ),
        (
            case.attach_raw(id, "", pdf(500, 5)).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            check("a raw body without a name", "no name"),
        ),
        (
            case.attach(id, "zero.pdf", b"").await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
            check("a 0-length part", "empty"),
        ),
        (
            case.attach(id, "big.pdf", &pdf(200_001, 6)).await,
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            check("one byte over the limit", "200000 bytes"),
        ),
        (
            case.attach_raw(id, "?name=huge.pdf", pdf(600_000, 7)).await,
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            check("a declared length over the limit", "200000 bytes"),
        ),
    ];
    for (response, status, code, (what, expected)) in cases {
        let body = problem(response, status, code).await;
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains(expected), "{what}: {detail}");
        assert_eq!(case.stored(id).await, (0, 0), "{what} left something");
    }
    // Multipart without a `file` part, and a part that is not multipart at all.
    let (content_type, body) = multipart(&[("other", None, b"x")]);
    let r = case
        .cw
        .post(case.url(&format!("/api/v1/dossiers/{id}/attachments")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let body = problem(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(body["detail"]
        .as_str()
        .unwrap()
        .contains("no part named 'file'"));
    let r = case
        .cw
        .post(case.url(&format!("/api/v1/dossiers/{id}/attachments")))
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1")
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert_eq!(case.stored(id).await, (0, 0));
    // An unknown dossier, an entry of no dossier.
    problem(
        case.attach(999, "a.pdf", &pdf(500, 8)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    problem(
        case.attach_raw(id, "?name=a.pdf&entry=999", pdf(500, 8))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // The count limit: two fit, the third is refused before its body is read.
    for i in 0..2 {
        let r = case
            .attach(id, &format!("{i}.pdf"), &pdf(1000, 10 + i))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let over = problem(
        case.attach(id, "third.pdf", &pdf(1000, 20)).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert!(
        over["detail"].as_str().unwrap().contains("2 attachments"),
        "{over}"
    );
    assert_eq!(case.stored(id).await, (2, 2));
    // A closed dossier takes none.
    let other = case.open("Closed").await;
    case.cw
        .put(case.url(&format!("/api/v1/dossiers/{other}/status")))
        .json(&json!({ "status": "closed" }))
        .send()
        .await
        .unwrap();
    problem(
        case.attach(other, "late.pdf", &pdf(1000, 21)).await,
        StatusCode::CONFLICT,
        "conflict",
    )
    .await;
    assert_eq!(case.stored(other).await, (2, 0));
    // No refusal was recorded as an attachment.
    let attaches = case
        .audited()
        .await
        .iter()
        .filter(|(a, _)| a.starts_with("dossier.attach"))
        .count();
    assert_eq!(attaches, 2);
    case.app.stop().await;
}

#[tokio::test]
async fn a_client_that_disconnects_mid_upload_leaves_nothing() {
    let case = Case::start().await;
    let id = case.open("Interrupted").await;
    for (multipart_body, half) in [(false, 3 << 20), (true, 3 << 20), (false, 20_000)] {
        let head = pdf(half, 30);
        let chunks: Vec<Result<Vec<u8>, std::io::Error>> = if multipart_body {
            let (_, mut body) = multipart(&[("file", Some("cut.pdf"), &head)]);
            body.truncate(body.len() - 60);
            vec![Ok(body)]
        } else {
            head.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect()
        };
        let stream = futures_util::stream::iter(chunks).chain(futures_util::stream::once(async {
            Err(std::io::Error::other("the client went away"))
        }));
        let mut request = case
            .cw
            .post(case.url(&format!("/api/v1/dossiers/{id}/attachments?name=cut.pdf")));
        request = if multipart_body {
            let (content_type, _) = multipart(&[]);
            request.header("content-type", content_type)
        } else {
            request.header("content-type", "application/pdf")
        };
        let sent = request
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await;
        // The client gave up: either it sees its own error or the server's 400.
        if let Ok(r) = sent {
            assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        }
        assert_eq!(
            case.stored(id).await,
            (0, 0),
            "multipart: {multipart_body}, {half} bytes"
        );
    }
    // The server is fine afterwards, and the next upload is the only blob.
    let r = case.attach(id, "whole.pdf", &pdf(3 << 20, 31)).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(case.stored(id).await, (1, 1));
    case.app.stop().await;
}

#[tokio::test]
async fn thumbnails_of_images_and_refusals_of_bombs() {
    let case = Case::start().await;
    let id = case.open("Photos").await;
    let thumb = |href: String| {
        let client = case.cw.clone();
        let url = case.url(&format!("{href}/thumbnail"));
        async move { client.get(url).send().await.unwrap() }
    };
    for (name, data, expected) in [
        ("photo.png", png_image(600, 400), (256, 171)),
        ("photo.jpg", jpeg_image(300, 900), (85, 256)),
        ("small.png", png_image(40, 20), (40, 20)),
    ] {
        let a: Value = case.attach(id, name, &data).await.json().await.unwrap();
        assert_eq!(
            a["thumbnail"],
            format!("{}/thumbnail", a["href"].as_str().unwrap())
        );
        let r = thumb(a["href"].as_str().unwrap().to_string()).await;
        assert_eq!(r.status(), StatusCode::OK, "{name}");
        assert_eq!(r.headers()["content-type"], "image/png");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        let png = r.bytes().await.unwrap();
        let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png).unwrap();
        assert_eq!((img.width(), img.height()), expected, "{name}");
    }
    let doc: Value = case
        .attach(id, "scan.pdf", &pdf(2000, 40))
        .await
        .json()
        .await
        .unwrap();
    // A PDF header over noise: no thumbnail, and the reason.
    let body = problem(
        thumb(doc["href"].as_str().unwrap().to_string()).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no_thumbnail",
    )
    .await;
    assert_eq!(
        body["detail"],
        "no thumbnail: the file is not a readable PDF (no objects)"
    );
    // Bombs are accepted as files (they are valid PNG headers) but never decoded.
    for (w, h) in [(100_000, 100_000), (11_000, 11_000)] {
        let a: Value = case
            .attach(id, "bomb.png", &bomb_png(w, h))
            .await
            .json()
            .await
            .unwrap();
        let body = problem(
            thumb(a["href"].as_str().unwrap().to_string()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_thumbnail",
        )
        .await;
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains("larger than a thumbnail is made from"),
            "{body}"
        );
    }
    let thumbnails = case
        .audited()
        .await
        .iter()
        .filter(|(a, _)| a.starts_with("dossier.thumbnail"))
        .count();
    assert_eq!(thumbnails, 3);
    case.app.stop().await;
}

#[tokio::test]
async fn a_withdrawn_attachment_is_kept_but_no_longer_served() {
    let case = Case::start().await;
    let id = case.open("Withdrawal").await;
    let a: Value = case
        .attach(id, "wrong person.pdf", &pdf(3000, 50))
        .await
        .json()
        .await
        .unwrap();
    let withdraw = || {
        case.cw
            .post(case.url(&format!("{}/withdrawal", a["href"].as_str().unwrap())))
            .json(&json!({ "reason": "uploaded to the wrong dossier" }))
            .send()
    };
    let w: Value = withdraw().await.unwrap().json().await.unwrap();
    assert_eq!(w["withdrawn"]["by"], "cw");
    assert_eq!(w["withdrawn"]["reason"], "uploaded to the wrong dossier");
    problem(withdraw().await.unwrap(), StatusCode::CONFLICT, "conflict").await;
    let body = problem(
        case.cw
            .get(case.url(a["href"].as_str().unwrap()))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("withdrawn"));
    // Kept: the row (listed with `all`) and the blob.
    let view: Value = case
        .cw
        .get(case.url(&format!("/api/v1/dossiers/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["attachments"], json!([]));
    let all: Value = case
        .cw
        .get(case.url(&format!("/api/v1/dossiers/{id}?all=true")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all["attachments"][0]["withdrawn"]["by"], "cw");
    assert_eq!(case.stored(id).await, (1, 1));
    case.app.stop().await;
}

#[tokio::test]
async fn dossiers_stay_within_their_institution_and_behind_the_firewall() {
    let case = Case::start().await;
    let id = case.open("Ministry's own").await;
    let a: Value = case
        .attach(id, "a.pdf", &pdf(1000, 60))
        .await
        .json()
        .await
        .unwrap();
    let href = a["href"].as_str().unwrap().to_string();
    let entry: Value = case
        .cw
        .post(case.url(&format!("/api/v1/dossiers/{id}/entries")))
        .json(&json!({ "kind": "note", "text": "private" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entry = entry["id"].as_i64().unwrap();

    // A case worker of another service institution: the dossier is not theirs.
    let other = case
        .app
        .login_as("cw2", "labour-ministry", "ministry", &["case_worker"])
        .await;
    let paths = [
        format!("/api/v1/dossiers/{id}"),
        format!("/api/v1/dossiers/{id}/entries/{entry}/history"),
        href.clone(),
        format!("{href}/thumbnail"),
    ];
    for path in &paths {
        let r = other.get(case.url(path)).send().await.unwrap();
        problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    }
    let r = other
        .post(case.url(&format!("/api/v1/dossiers/{id}/entries")))
        .json(&json!({ "kind": "note", "text": "intrusion" }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    let (content_type, body) = multipart(&[("file", Some("x.pdf"), &pdf(1000, 61))]);
    let r = other
        .post(case.url(&format!("/api/v1/dossiers/{id}/attachments")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    let r = other
        .put(case.url(&format!("/api/v1/dossiers/{id}/status")))
        .json(&json!({ "status": "closed" }))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    // Their list of the person's dossiers leaves it out.
    let list: Value = other
        .get(case.url(&format!("/api/v1/persons/{}/dossiers", case.number)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["dossiers"], json!([]));

    // Border police and immigration never see what services record.
    for (login, institution, kind) in [
        ("bp-cw", "border-police", "border_police"),
        ("imm-cw", "immigration", "immigration"),
    ] {
        let client = case
            .app
            .login_as(
                login,
                institution,
                kind,
                &["case_worker", "officer", "data_officer"],
            )
            .await;
        for path in paths
            .iter()
            .cloned()
            .chain([format!("/api/v1/persons/{}/dossiers", case.number)])
        {
            let r = client.get(case.url(&path)).send().await.unwrap();
            problem(r, StatusCode::FORBIDDEN, "forbidden").await;
        }
        let r = client
            .post(case.url(&format!("/api/v1/persons/{}/dossiers", case.number)))
            .json(&json!({ "title": "ours" }))
            .send()
            .await
            .unwrap();
        problem(r, StatusCode::FORBIDDEN, "forbidden").await;
    }
    // Nobody signed in.
    let r = case
        .app
        .anonymous
        .get(case.url(&paths[0]))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::UNAUTHORIZED, "unauthenticated").await;

    // Numbers: malformed, and well-formed but never issued.
    let r = case
        .cw
        .get(case.url("/api/v1/persons/123456789012/dossiers"))
        .send()
        .await
        .unwrap();
    let body = problem(r, StatusCode::BAD_REQUEST, "invalid_request").await;
    assert!(
        body["detail"].as_str().unwrap().contains("check digit"),
        "{body}"
    );
    let (_, unknown) = unified(99);
    for r in [
        case.cw
            .get(case.url(&format!("/api/v1/persons/{unknown}/dossiers")))
            .send()
            .await
            .unwrap(),
        case.cw
            .post(case.url(&format!("/api/v1/persons/{unknown}/dossiers")))
            .json(&json!({ "title": "nobody" }))
            .send()
            .await
            .unwrap(),
    ] {
        let body = problem(r, StatusCode::NOT_FOUND, "not_found").await;
        assert!(
            body["detail"].as_str().unwrap().contains(&unknown),
            "{body}"
        );
    }
    problem(
        case.cw
            .get(case.url("/api/v1/dossiers/999"))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // An attachment of one dossier is not reachable through another.
    let mine = case.open("Second").await;
    let r = case
        .cw
        .get(case.url(&format!("/api/v1/dossiers/{mine}/attachments/{}", a["id"])))
        .send()
        .await
        .unwrap();
    problem(r, StatusCode::NOT_FOUND, "not_found").await;
    // Nothing of the refused attempts reached the dossier.
    let entries = case
        .app
        .with_store(move |s| s.dossier_entries(DossierId(id)).unwrap().len())
        .await;
    assert_eq!((entries, case.stored(id).await), (1, (1, 1)));
    case.app.stop().await;
}

/// A merged person's dossiers follow the surviving number.
#[tokio::test]
async fn dossiers_follow_a_merged_number() {
    let case = Case::start().await;
    let id = case.open("Before the merge").await;
    let (survivor, survivor_digits) = unified(77);
    let absorbed = case.person;
    case.app
        .with_store(move |s: &dyn Store| {
            s.create_person(survivor, "test", now()).unwrap();
            s.merge_persons(survivor, absorbed, "clerk", "same person", now())
                .unwrap();
        })
        .await;
    let list: Value = case
        .cw
        .get(case.url(&format!("/api/v1/persons/{survivor_digits}/dossiers")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["dossiers"][0]["id"], id);
    assert_eq!(list["dossiers"][0]["person"], survivor_digits);
    assert_eq!(list["dossiers"][0]["opened_under"], case.number);
    case.app.stop().await;
}

/// A blob damaged on disk is never served as a whole file: the download breaks off.
#[tokio::test]
async fn a_damaged_blob_breaks_the_download_off() {
    let case = Case::start().await;
    let id = case.open("Tampered").await;
    let data = pdf(3 << 20, 90);
    let a: Value = case
        .attach(id, "scan.pdf", &data)
        .await
        .json()
        .await
        .unwrap();
    let bodies = files_under(&case.app.dir.path().join("vault").join("data"));
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    let mut raw = std::fs::read(&bodies[0]).unwrap();
    let middle = raw.len() / 2;
    raw[middle] ^= 0x01;
    std::fs::write(&bodies[0], raw).unwrap();
    let r = case
        .cw
        .get(case.url(a["href"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the first segments are intact");
    assert!(r.bytes().await.is_err(), "a damaged file was served whole");
    case.app.stop().await;
}

/// A dossier closed while a file streams in: the upload is refused at the end and its blob,
/// already written, is removed again (no row, no blob).
#[tokio::test]
async fn an_upload_refused_after_its_blob_was_written_leaves_no_blob() {
    let case = Case::start().await;
    let id = case.open("Closed meanwhile").await;
    let first = pdf(16 << 20, 91);
    let (consumed_tx, consumed_rx) = tokio::sync::oneshot::channel::<()>();
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    // Yields 16 MiB, then (polled again once the socket took them, so the server is reading)
    // says so and waits for the go-ahead before the last bytes.
    let stream = futures_util::stream::unfold(
        (0u8, Some(first), Some(consumed_tx), Some(go_rx)),
        |(step, first, consumed, go)| async move {
            match step {
                0 => Some((Ok::<_, std::io::Error>(first?), (1, None, consumed, go))),
                1 => {
                    consumed?.send(()).ok()?;
                    go?.await.ok()?;
                    Some((Ok(noise(1000, 92)), (2, None, None, None)))
                }
                _ => None,
            }
        },
    );
    let client = case.cw.clone();
    let url = case.url(&format!("/api/v1/dossiers/{id}/attachments?name=big.pdf"));
    let upload = tokio::spawn(async move {
        client
            .post(url)
            .header("content-type", "application/pdf")
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await
            .unwrap()
    });
    consumed_rx.await.unwrap();
    let closed = case
        .cw
        .put(case.url(&format!("/api/v1/dossiers/{id}/status")))
        .json(&json!({ "status": "closed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(closed.status(), StatusCode::OK);
    go_tx.send(()).unwrap();
    let body = problem(upload.await.unwrap(), StatusCode::CONFLICT, "conflict").await;
    // Refused by the store when recording, not by the check before the body was read.
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("closed: reopen it before changing its content"),
        "{body}"
    );
    assert_eq!(case.stored(id).await, (0, 0));
    case.app.stop().await;
}

// ---------------------------------------------------------------------------------------------
// PDF first pages

/// A PDF of `objects` (object `i + 1` is `objects[i]`, which may hold a stream), with its
/// cross-reference table and a trailer naming object 1 as the catalog plus `trailer_extra`.
fn pdf_file(objects: &[Vec<u8>], trailer_extra: &str) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend(o);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for off in offsets {
        out.extend(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R {trailer_extra} >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

fn stream(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut out = format!("<< {dict} /Length {} >>\nstream\n", data.len()).into_bytes();
    out.extend(data);
    out.extend(b"\nendstream");
    out
}

fn zlib(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// A one-page A4 PDF: catalog, pages, the page (with `page_extra` and resources `resources`),
/// its content stream (deflated), then `more` objects (numbered from 5).
fn one_page(content: &[u8], resources: &str, page_extra: &str, more: &[Vec<u8>]) -> Vec<u8> {
    let mut objects = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 595 842] >>".to_vec(),
        format!("<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << {resources} >> {page_extra} >>")
            .into_bytes(),
        stream("/Filter /FlateDecode", &zlib(content)),
    ];
    objects.extend(more.iter().cloned());
    pdf_file(&objects, "")
}

/// A letter as the demo writes it: lines of Helvetica text at the top of an A4 page.
fn letter() -> Vec<u8> {
    let mut content = String::from("BT /F1 12 Tf 56 780 Td 16 TL\n");
    for line in [
        "CONSENTEMENT / CONSENT",
        "I, the undersigned, agree that my case file is kept by the ministry.",
        "Signed at Tunis, 2026-03-02",
    ] {
        content.push_str(&format!("({line}) Tj T*\n"));
    }
    content.push_str("ET\n");
    one_page(
        content.as_bytes(),
        "/Font << /F1 5 0 R >>",
        "",
        &[b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec()],
    )
}

/// A scanned page: one JPEG filling the page, black in its upper-left quarter, white elsewhere,
/// with an invisible OCR text layer over it (as scanners write).
fn scanned_page() -> Vec<u8> {
    let img = image::GrayImage::from_fn(400, 560, |x, y| {
        image::Luma([if x < 200 && y < 280 { 0 } else { 255 }])
    });
    let mut jpeg = std::io::Cursor::new(Vec::new());
    img.write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
    let jpeg = jpeg.into_inner();
    one_page(
        b"q 595 0 0 842 0 0 cm /Im0 Do Q BT 3 Tr /F1 40 Tf 300 100 Td (HIDDEN OCR TEXT) Tj ET",
        "/XObject << /Im0 5 0 R >> /Font << /F1 6 0 R >>",
        "",
        &[
            stream(
                "/Type /XObject /Subtype /Image /Width 400 /Height 560 /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode",
                &jpeg,
            ),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_vec(),
        ],
    )
}

/// A page with a deflated gray image (with PNG predictors) drawn rotated by 90 degrees in the
/// lower half, on a page rotated by `/Rotate 90`.
fn flate_image_page() -> Vec<u8> {
    // 64 × 32 samples, dark on the left half: each row is filter byte 2 (Up) over zero deltas
    // after the first row (filter 0).
    let (w, h) = (64usize, 32usize);
    let mut raw = Vec::new();
    for y in 0..h {
        raw.push(if y == 0 { 0 } else { 2 });
        for x in 0..w {
            raw.push(if y == 0 {
                if x < w / 2 {
                    10
                } else {
                    250
                }
            } else {
                0
            });
        }
    }
    one_page(
        b"q 0 -300 500 0 50 350 cm /Im1 Do Q",
        "/XObject << /Im1 5 0 R >>",
        "/Rotate 90",
        &[stream(
            &format!("/Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode /DecodeParms << /Predictor 12 /Colors 1 /Columns {w} >>"),
            &zlib(&raw),
        )],
    )
}

fn dark(p: &image::Rgba<u8>) -> bool {
    p.0[..3].iter().all(|&c| c < 160)
}

fn light(p: &image::Rgba<u8>) -> bool {
    p.0[..3].iter().all(|&c| c > 230)
}

#[tokio::test]
async fn pdf_first_pages_have_thumbnails_that_show_the_page() {
    let case = Case::start().await;
    let id = case.open("Scans").await;
    let thumbnail = |data: Vec<u8>, name: &'static str| {
        let case = &case;
        async move {
            let a: Value = case.attach(id, name, &data).await.json().await.unwrap();
            assert_eq!(a["kind"], "pdf", "{name}: {a}");
            let href = a["thumbnail"].as_str().unwrap().to_string();
            let r = case.cw.get(case.url(&href)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{name}");
            assert_eq!(r.headers()["content-type"], "image/png");
            let png = r.bytes().await.unwrap();
            image::load_from_memory_with_format(&png, image::ImageFormat::Png)
                .unwrap()
                .to_rgba8()
        }
    };

    // Text: A4 at 256 pixels high; its lines are bars near the top, the rest of the page white.
    let img = thumbnail(letter(), "letter.pdf").await;
    assert_eq!(img.dimensions(), (181, 256));
    let band = |y0: u32, y1: u32| {
        (y0..y1)
            .flat_map(|y| (0..181).map(move |x| (x, y)))
            .filter(|&(x, y)| dark(img.get_pixel(x, y)))
            .count()
    };
    // Lines at 780, 764 and 748 pt from the bottom: 19 to 29 pixels from the top.
    assert!(band(15, 32) > 100, "text lines are drawn: {}", band(15, 32));
    assert_eq!(band(40, 256), 0, "nothing below the text");
    assert!(light(img.get_pixel(5, 5)) && light(img.get_pixel(175, 250)));

    // A scan: the image fills the page; its dark quarter is dark, the rest light; the invisible
    // OCR text is not drawn.
    let img = thumbnail(scanned_page(), "scan.pdf").await;
    assert_eq!(img.dimensions(), (181, 256));
    assert!(dark(img.get_pixel(40, 60)), "{:?}", img.get_pixel(40, 60));
    assert!(
        light(img.get_pixel(140, 60)),
        "{:?}",
        img.get_pixel(140, 60)
    );
    assert!(
        light(img.get_pixel(40, 200)),
        "{:?}",
        img.get_pixel(40, 200)
    );
    assert!(light(img.get_pixel(130, 220)), "OCR text is invisible");

    // A deflated image with predictors, placed rotated, on a page shown rotated by 90 degrees:
    // the thumbnail is landscape.
    let img = thumbnail(flate_image_page(), "rotated.pdf").await;
    assert_eq!(img.dimensions(), (256, 181));
    let (darks, lights) = img.pixels().fold((0, 0), |(d, l), p| {
        (d + usize::from(dark(p)), l + usize::from(light(p)))
    });
    assert!(
        darks > 2000 && lights > 2000,
        "{darks} dark, {lights} light"
    );
    case.app.stop().await;
}

#[tokio::test]
async fn damaged_encrypted_and_bomb_pdfs_get_no_thumbnail_with_the_reason() {
    let case = Case::start().await;
    let id = case.open("Bombs").await;
    let mut nested = String::new();
    for _ in 0..5000 {
        nested.push('[');
    }
    for _ in 0..5000 {
        nested.push(']');
    }
    // Forms drawing each other ten times, eight deep: 10^8 drawings from a few hundred bytes.
    let mut forms = Vec::new();
    for level in 0..8 {
        let body = if level == 7 {
            "0 0 1 1 re f".to_string()
        } else {
            format!("/X{} Do ", level + 1).repeat(10)
        };
        forms.push(stream(
            &format!(
                "/Subtype /Form /BBox [0 0 1 1] /Resources << /XObject << /X{} {} 0 R >> >>",
                level + 1,
                level + 6
            ),
            body.as_bytes(),
        ));
    }
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "malformed.pdf",
            b"%PDF-1.7\nthis is not a PDF at all\n".to_vec(),
            "no thumbnail: the file is not a readable PDF (no objects)",
        ),
        (
            "no-catalog.pdf",
            b"%PDF-1.7\n1 0 obj\n<< /Type /Font >>\nendobj\n".to_vec(),
            "no thumbnail: the file is not a readable PDF (no document catalog)",
        ),
        (
            "encrypted.pdf",
            pdf_file(
                &[
                    b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
                    b"<< /Type /Pages /Kids [] /Count 0 >>".to_vec(),
                    b"<< /Filter /Standard /V 2 /R 3 /O <00> /U <00> /P -4 >>".to_vec(),
                ],
                "/Encrypt 3 0 R /ID [<01> <01>]",
            ),
            "no thumbnail: the PDF is encrypted (password-protected): its pages cannot be read without the password",
        ),
        (
            "huge-page.pdf",
            one_page(b"0 0 1 1 re f", "", "/MediaBox [0 0 100000 100000]", &[]),
            "no thumbnail: the PDF is larger than a thumbnail is made from (a page of 100000 × 100000 points (at most 14400 each way))",
        ),
        (
            "deep.pdf",
            one_page(b"0 0 1 1 re f", "", &format!("/Junk {nested}"), &[]),
            "no thumbnail: the PDF is larger than a thumbnail is made from (objects nested more than 64 deep)",
        ),
        (
            "operators.pdf",
            one_page(&b"0 0 m\n".repeat(2_100_000), "", "", &[]),
            "no thumbnail: the PDF is larger than a thumbnail is made from (more than 2000000 drawing operators)",
        ),
        (
            "forms.pdf",
            one_page(b"/X1 Do", "/XObject << /X1 5 0 R >>", "", &forms),
            "no thumbnail: the PDF is larger than a thumbnail is made from (more than 2000000 drawing operators)",
        ),
        (
            "deflate-bomb.pdf",
            one_page(&vec![b' '; 64 << 20], "", "", &[]),
            "no thumbnail: the PDF is larger than a thumbnail is made from (a stream decompresses to more than 48 MiB (a decompression bomb))",
        ),
        (
            "blank.pdf",
            one_page(b"0 0 m 10 10 l S", "", "", &[]),
            "no thumbnail: nothing on the PDF's first page can be drawn (it holds only curves and lines, strokes, which are not drawn here)",
        ),
    ];
    for (name, data, expected) in cases {
        let r = case.attach(id, name, &data).await;
        assert_eq!(r.status(), StatusCode::CREATED, "{name}");
        let a: Value = r.json().await.unwrap();
        let href = a["thumbnail"].as_str().unwrap().to_string();
        let body = problem(
            case.cw.get(case.url(&href)).send().await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_thumbnail",
        )
        .await;
        assert_eq!(body["detail"], expected, "{name}");
    }
    // Refusals are not audited as reads: nothing was served.
    let served = case
        .audited()
        .await
        .iter()
        .filter(|(a, _)| a.starts_with("dossier.thumbnail"))
        .count();
    assert_eq!(served, 0);
    case.app.stop().await;
}

/// A thumbnail is rendered once and then served from memory (here the blob is deleted from the
/// vault behind the server's back: only the cache can still answer), and every serving is
/// audited, from the cache or not.
#[tokio::test]
async fn thumbnails_are_cached_and_every_serving_audited() {
    let case = Case::start().await;
    let id = case.open("Cache").await;
    let a: Value = case
        .attach(id, "letter.pdf", &letter())
        .await
        .json()
        .await
        .unwrap();
    let url = case.url(a["thumbnail"].as_str().unwrap());
    let first = case.cw.get(&url).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let first = first.bytes().await.unwrap();
    let attachment = a["id"].as_i64().unwrap();
    let blob = case
        .app
        .with_store(move |s| {
            s.attachment(marsad_store::AttachmentId(attachment))
                .unwrap()
                .blob_id
        })
        .await;
    let blob = marsad_vault::BlobId::parse(&blob).unwrap();
    assert!(case.app.vault.delete(&blob).await.unwrap());
    // The download needs the blob and fails; the thumbnail comes from the cache, the same bytes.
    let download = case
        .cw
        .get(case.url(a["href"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert!(download.status().is_server_error());
    let second = case.cw.get(&url).send().await.unwrap();
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(second.bytes().await.unwrap(), first);
    let served = case
        .audited()
        .await
        .iter()
        .filter(|(a, _)| a.starts_with("dossier.thumbnail"))
        .count();
    assert_eq!(served, 2);
    case.app.stop().await;
}

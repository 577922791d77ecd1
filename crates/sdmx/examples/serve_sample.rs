//! Serves the sample over HTTP at `/sdmx/2.1/` with nothing but `std::net`, to try
//! `scripts/sdmx_client_check.py --url` before the real server exists:
//! `cargo run -p marsad-sdmx --example serve_sample -- 127.0.0.1:8099`. One request at a time,
//! `Connection: close`; a test tool, not a server.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use chrono::{TimeZone, Utc};
use marsad_model::Lang;
use marsad_sdmx::{respond, Header, Service};

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(b) = hex {
                    out.push(b);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8099".into());
    let (structures, datasets) = marsad_sdmx::sample::sample()?;
    let header = Header {
        id: "SAMPLE".into(),
        test: true,
        prepared: Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .ok_or("bad date")?,
        sender: "MARSAD".into(),
    };
    let svc = Service {
        structures: &structures,
        datasets: &datasets,
        header: &header,
        lang: Lang::En,
    };
    let listener = TcpListener::bind(&addr)?;
    println!("listening on http://{}/sdmx/2.1", listener.local_addr()?);
    for stream in listener.incoming() {
        let mut stream = stream?;
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let target = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
        let mut accept = None;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                if k.eq_ignore_ascii_case("accept") {
                    accept = Some(v.trim().to_owned());
                }
            }
        }
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let params: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect();
        let params: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let r = match path.strip_prefix("/sdmx/2.1/") {
            Some(rest) => respond(&svc, rest, &params, accept.as_deref()),
            None => marsad_sdmx::Response {
                status: 404,
                content_type: "text/plain",
                body: "not found\n".into(),
            },
        };
        println!(
            "{} {target} -> {}",
            accept.as_deref().unwrap_or("-"),
            r.status
        );
        write!(
            stream,
            "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
            r.status,
            r.content_type,
            r.body.len(),
            r.body
        )?;
    }
    Ok(())
}

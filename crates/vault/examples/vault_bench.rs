//! Throughput of the vault on the local backend against a plain file copy, in one run.
//!
//! `cargo run --release -p marsad-vault --example vault_bench [-- SIZE_MIB [ROUNDS]]`
//!
//! Writes a SIZE_MIB (default 256) file of incompressible bytes into a temporary folder (under
//! `$TMPDIR`), then, ROUNDS times (default 3): `std::fs::copy` of it plus fsync of the copy (the
//! raw rate), `put_stream` of it from a tokio file (encrypt, hash, write, fsync, rename) and
//! `get_stream` of the blob into a sink (read, authenticate, decrypt). Prints MB/s (10^6 bytes
//! per second) per round and the medians, with the ratio to the copy rate, and the CPU seconds
//! each spends per GB (which a busy machine does not distort the way it distorts wall time).

use std::error::Error;
use std::io::Write as _;
use std::time::Instant;

use futures_util::StreamExt as _;
use marsad_vault::{KeyId, Keyring, MasterKey, PutOptions, Vault, VaultConfig};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let mib: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(256);
    let rounds: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(3);
    let bytes = (mib * 1024 * 1024) as u64;

    let temp = tempfile::tempdir()?;
    let source = temp.path().join("source.bin");
    {
        let mut file = std::fs::File::create(&source)?;
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut block = vec![0u8; 1024 * 1024];
        for _ in 0..mib {
            for chunk in block.chunks_exact_mut(8) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                chunk.copy_from_slice(&x.to_le_bytes());
            }
            file.write_all(&block)?;
        }
        file.sync_all()?;
    }

    let keys = Keyring::new(KeyId::parse("bench")?, &MasterKey::generate()?)?;
    let vault = Vault::open(&VaultConfig::local(temp.path().join("vault")), keys).await?;
    let mb = |secs: f64| bytes as f64 / 1e6 / secs;
    let (mut copy, mut put, mut get) = (vec![], vec![], vec![]);
    let (mut copy_cpu, mut put_cpu, mut get_cpu) = (vec![], vec![], vec![]);
    let per_gb = |cpu: f64| cpu / (bytes as f64 / 1e9);

    println!("vault_bench: {mib} MiB, {rounds} rounds, local backend with fsync, AES-256-GCM 64 KiB segments");
    for round in 1..=rounds {
        let target = temp.path().join("copy.bin");
        let (t, c) = (Instant::now(), cpu_seconds());
        std::fs::copy(&source, &target)?;
        std::fs::File::open(&target)?.sync_all()?;
        copy.push(mb(t.elapsed().as_secs_f64()));
        copy_cpu.push(per_gb(cpu_seconds() - c));
        std::fs::remove_file(&target)?;

        let (t, c) = (Instant::now(), cpu_seconds());
        let file = tokio::fs::File::open(&source).await?;
        let stored = vault.put_stream(file, &PutOptions::limit(bytes)).await?;
        put.push(mb(t.elapsed().as_secs_f64()));
        put_cpu.push(per_gb(cpu_seconds() - c));

        let (t, c) = (Instant::now(), cpu_seconds());
        let mut stream = vault.get_stream(&stored.id).await?;
        let mut n = 0u64;
        while let Some(chunk) = stream.next().await {
            n += chunk?.len() as u64;
        }
        get.push(mb(t.elapsed().as_secs_f64()));
        get_cpu.push(per_gb(cpu_seconds() - c));
        if n != bytes {
            return Err(format!("read back {n} bytes, expected {bytes}").into());
        }

        vault.delete(&stored.id).await?;

        println!(
            "round {round}: copy {:7.1} MB/s   put {:7.1} MB/s   get {:7.1} MB/s",
            copy[round - 1],
            put[round - 1],
            get[round - 1],
        );
    }
    let (copy, put, get) = (median(&mut copy), median(&mut put), median(&mut get));
    println!(
        "CPU seconds per GB (all threads, from /proc/self/stat; robust to a busy machine): copy {:.2}, put {:.2}, get {:.2}",
        median(&mut copy_cpu),
        median(&mut put_cpu),
        median(&mut get_cpu)
    );
    println!("median: std::fs::copy+fsync {copy:.1} MB/s");
    println!(
        "median: put_stream          {put:.1} MB/s  ({:.0}% of copy)",
        100.0 * put / copy
    );
    println!(
        "median: get_stream (sink)   {get:.1} MB/s  ({:.0}% of copy)",
        100.0 * get / copy
    );
    Ok(())
}

/// User + system CPU time of this process so far, in seconds (Linux; 0 elsewhere). Clock ticks
/// are taken as 100 per second, the Linux default.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(0.0)
}

//! Writes the sample (two dataflows, suppressed cells included) as `marsad export sdmx` would:
//! `cargo run -p marsad-sdmx --example write_sample -- DIR`. Then
//! `python scripts/sdmx_client_check.py --dir DIR` reads it back with sdmx1.

use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use marsad_sdmx::write::{export_files, Header};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).ok_or("usage: write_sample DIR")?);
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
    for (path, body) in export_files(&header, &structures, &datasets)? {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, body)?;
        println!("{}", path.display());
    }
    Ok(())
}

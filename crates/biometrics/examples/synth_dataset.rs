//! Writes a synthetic data set in the FVC layout: `DIR/<finger>_<impression>.png` (1-based), the
//! ground-truth minutiae of every impression in `DIR/truth.csv`, and with `--masters` each
//! master's binarised ridge map in `DIR/masters/<finger>.png`.
//!
//! ```text
//! cargo run --release -p marsad-biometrics --example synth_dataset -- \
//!     --out DIR [--fingers 10] [--impressions 8] [--preset easy|normal|harsh] [--seed 1] [--masters]
//! ```
//!
//! Impression settings can be overridden one by one, e.g. `--set noise=10 --set max_rotation_deg=20`.

use std::error::Error;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use marsad_biometrics::image::GrayImage;
use marsad_biometrics::synth::{Dataset, ImpressionSettings, SampleId};
use marsad_biometrics::template::MinutiaKind;

struct Args {
    out: PathBuf,
    fingers: u32,
    impressions: u32,
    settings: ImpressionSettings,
    seed: u64,
    masters: bool,
}

fn parse() -> Result<Args, Box<dyn Error>> {
    let mut args = Args {
        out: PathBuf::from("synth-out"),
        fingers: 10,
        impressions: 8,
        settings: ImpressionSettings::normal(),
        seed: 1,
        masters: false,
    };
    let mut overrides = Vec::new();
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--out" => args.out = PathBuf::from(value()?),
            "--fingers" => args.fingers = value()?.parse()?,
            "--impressions" => args.impressions = value()?.parse()?,
            "--seed" => args.seed = value()?.parse()?,
            "--preset" => {
                let name = value()?;
                args.settings = ImpressionSettings::preset(&name)
                    .ok_or_else(|| format!("unknown preset {name} (easy, normal, harsh)"))?;
            }
            "--set" => overrides.push(value()?),
            "--masters" => args.masters = true,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    for o in overrides {
        let (key, v) = o.split_once('=').ok_or("--set needs key=value")?;
        let s = &mut args.settings;
        let f: f32 = v.parse()?;
        match key {
            "width" => s.width = f as u32,
            "height" => s.height = f as u32,
            "max_translation" => s.max_translation = f,
            "max_rotation_deg" => s.max_rotation_deg = f,
            "distortion_rotation_deg" => s.distortion_rotation_deg = f,
            "distortion_shift" => s.distortion_shift = f,
            "contact_min" => s.contact_min = f,
            "contact_max" => s.contact_max = f,
            "contact_offset" => s.contact_offset = f,
            "dryness" => s.dryness = f,
            "wetness" => s.wetness = f,
            "pressure_variation" => s.pressure_variation = f,
            "max_scars" => s.max_scars = f as u32,
            "blur" => s.blur = f,
            "noise" => s.noise = f,
            "background_noise" => s.background_noise = f,
            other => return Err(format!("unknown setting {other}").into()),
        }
    }
    Ok(args)
}

fn write_png(path: &Path, image: &GrayImage) -> Result<(), Box<dyn Error>> {
    let file = BufWriter::new(File::create(path)?);
    let mut encoder = png::Encoder::new(file, image.width(), image.height());
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    // Tell readers the resolution: 500 ppi is 19,685 pixels per metre.
    encoder.set_pixel_dims(Some(png::PixelDimensions {
        xppu: 19_685,
        yppu: 19_685,
        unit: png::Unit::Meter,
    }));
    let mut writer = encoder.write_header()?;
    writer.write_image_data(image.pixels())?;
    writer.finish()?;
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse()?;
    std::fs::create_dir_all(&args.out)?;
    if args.masters {
        std::fs::create_dir_all(args.out.join("masters"))?;
    }
    let set = Dataset::new(args.fingers, args.impressions, args.settings, args.seed);
    let mut truth = BufWriter::new(File::create(args.out.join("truth.csv"))?);
    writeln!(truth, "image,x,y,angle_deg,kind,quality")?;
    let (mut master_time, mut impression_time) = (0.0f64, 0.0f64);
    for finger in 0..set.fingers {
        let start = Instant::now();
        let master = set.master(finger)?;
        master_time += start.elapsed().as_secs_f64();
        if args.masters {
            let name = format!("{}.png", finger + 1);
            write_png(&args.out.join("masters").join(name), &master.ridge_map()?)?;
        }
        for j in 0..set.impressions {
            let id = SampleId::new(finger, j);
            let start = Instant::now();
            let imp = set.impression(&master, id)?;
            impression_time += start.elapsed().as_secs_f64();
            let name = id.fvc_name();
            write_png(&args.out.join(format!("{name}.png")), &imp.image)?;
            for m in &imp.minutiae {
                let kind = match m.kind {
                    MinutiaKind::Ending => "ending",
                    MinutiaKind::Bifurcation => "bifurcation",
                    MinutiaKind::Other => "other",
                };
                let angle = m.angle.to_degrees();
                writeln!(
                    truth,
                    "{name},{},{},{angle:.1},{kind},{}",
                    m.x, m.y, m.quality
                )?;
            }
        }
        eprintln!(
            "finger {}/{}: {} ({} minutiae)",
            finger + 1,
            set.fingers,
            master.class.name(),
            master.minutiae.len()
        );
    }
    let images = f64::from(set.fingers * set.impressions).max(1.0);
    eprintln!(
        "masters {:.0} ms each, impressions {:.0} ms each, {:.0} ms per image overall",
        1000.0 * master_time / f64::from(set.fingers.max(1)),
        1000.0 * impression_time / images,
        1000.0 * (master_time + impression_time) / images
    );
    Ok(())
}

//! `marsad fingerprint extract` and `marsad fingerprint match` (DESIGN's contract) on synthetic
//! impressions written as PNG files, as a scanner's software would leave them.

use marsad_biometrics::formats::{png, read_template, Format};
use marsad_biometrics::synth::{Dataset, ImpressionSettings, SampleId};

fn marsad(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_marsad"))
        .args(args)
        .env("MARSAD_LOG", "warn")
        .output()
        .unwrap()
}

#[test]
fn extract_writes_an_iso_template_and_match_scores_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let set = Dataset::new(2, 2, ImpressionSettings::easy(), 77);
    for f in 0..2 {
        let master = set.master(f).unwrap();
        for j in 0..2 {
            let imp = set.impression(&master, SampleId::new(f, j)).unwrap();
            std::fs::write(
                dir.path().join(format!("{f}_{j}.png")),
                png::encode(&imp.image),
            )
            .unwrap();
        }
    }
    let path = |name: &str| dir.path().join(name).to_str().unwrap().to_string();

    // extract: an ISO/IEC 19794-2:2005 template with the finger named.
    let out = marsad(&[
        "fingerprint",
        "extract",
        "--image",
        &path("0_0.png"),
        "--out",
        &path("0_0.fmr"),
        "--finger",
        "right_index",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(dir.path().join("0_0.fmr")).unwrap();
    let (format, templates) = read_template(&bytes).unwrap();
    assert_eq!(format, Format::Iso2005);
    assert_eq!(templates[0].position.name(), "right_index");
    assert!(templates[0].minutiae.len() >= 12);

    // match: images and templates mixed; the same finger scores above another finger.
    std::fs::write(
        dir.path().join("pairs.csv"),
        "probe,candidate\n0_1.png,0_0.fmr\n0_1.png,1_0.png\n1_1.png,1_0.png\n",
    )
    .unwrap();
    let out = marsad(&["fingerprint", "match", "--pairs", &path("pairs.csv")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows[0], vec!["probe", "candidate", "score"]);
    let score = |i: usize| rows[i][2].parse::<f64>().unwrap();
    assert_eq!(rows.len(), 4, "{text}");
    assert!(score(1) > score(2) + 10.0, "{text}");
    assert!(score(3) > score(2) + 10.0, "{text}");

    // Bad input: one clear line naming the file.
    std::fs::write(dir.path().join("note.txt"), "not a fingerprint").unwrap();
    let out = marsad(&[
        "fingerprint",
        "extract",
        "--image",
        &path("note.txt"),
        "--out",
        &path("x.fmr"),
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(err.contains("note.txt"), "{err}");
    assert!(!dir.path().join("x.fmr").exists());
    std::fs::write(dir.path().join("bad.csv"), "probe,candidate\n0_1.png\n").unwrap();
    let out = marsad(&["fingerprint", "match", "--pairs", &path("bad.csv")]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("bad.csv row 1"), "{err}");
}

//! Gallery tests: identification finds the mate, deletion is real, entries reload, threads do
//! not change results.

use super::*;
use crate::matcher::synthetic::{dataset, Variation};

/// `people` persons with two fingers (right and left index) and two impressions per finger:
/// (enrolment templates, probe templates) per person.
fn people(seed: u64, people: usize) -> Vec<(Vec<Template>, Vec<Template>)> {
    let v = Variation::default();
    let right = dataset(seed, people, 2, &v);
    let left = dataset(seed + 1, people, 2, &v);
    right
        .into_iter()
        .zip(left)
        .map(|(r, l)| {
            let mut enrol = vec![r[0].clone(), l[0].clone()];
            let mut probe = vec![r[1].clone(), l[1].clone()];
            for t in enrol.iter_mut().chain(probe.iter_mut()).skip(1).step_by(2) {
                t.position = FingerPosition::LEFT_INDEX;
            }
            enrol[1].position = FingerPosition::LEFT_INDEX;
            probe[1].position = FingerPosition::LEFT_INDEX;
            (enrol, probe)
        })
        .collect()
}

fn gallery(data: &[(Vec<Template>, Vec<Template>)], params: IndexParams) -> Gallery {
    let mut g = Gallery::new(params, Calibration::default());
    for (i, (enrol, _)) in data.iter().enumerate() {
        g.insert(&format!("p{i}"), enrol.clone()).unwrap();
    }
    g
}

fn small_params() -> IndexParams {
    IndexParams {
        min_candidates: 10,
        ..IndexParams::default()
    }
}

#[test]
fn identification_finds_the_mate_first() {
    let data = people(31, 30);
    let g = gallery(&data, small_params());
    assert_eq!(g.count(), 30);
    assert_eq!(g.fingers(), 60);
    let mut first = 0;
    for (i, (_, probe)) in data.iter().enumerate() {
        let found = g.identify(probe, 5, 0.01).unwrap();
        if found.first().map(|c| c.reference_id.as_str()) == Some(format!("p{i}").as_str()) {
            first += 1;
            assert_eq!(found[0].fingers.len(), 2);
        }
        // Every returned candidate passes the FPIR threshold.
        for c in &found {
            assert!(c.log10_fmr <= (0.01f32 / 30.0).log10() + 1e-4);
        }
    }
    assert!(first >= 27, "{first} of 30 found first");
}

#[test]
fn verification_scores_mates_above_others() {
    let data = people(32, 6);
    let g = gallery(&data, small_params());
    let mate = g.verify("p0", &data[0].1).unwrap();
    let other = g.verify("p1", &data[0].1).unwrap();
    assert!(mate.log10_fmr < other.log10_fmr);
    assert!(mate.score > other.score);
    assert_eq!(
        g.verify("nobody", &data[0].1),
        Err(AbisError::UnknownReference("nobody".into()))
    );
    assert_eq!(g.verify("p0", &[]), Err(AbisError::NoTemplates));
}

#[test]
fn deletion_is_real_and_duplicates_are_refused() {
    let data = people(33, 8);
    let mut g = gallery(&data, small_params());
    let empty = Gallery::new(small_params(), Calibration::default());
    assert_eq!(
        g.insert("p3", data[3].0.clone()),
        Err(AbisError::DuplicateReference("p3".into()))
    );
    assert_eq!(g.insert("q", vec![]), Err(AbisError::NoTemplates));
    assert!(g.identify(&data[3].1, 3, 0.01).unwrap()[0].reference_id == "p3");
    g.delete("p3").unwrap();
    assert_eq!(g.count(), 7);
    assert_eq!(g.fingers(), 14);
    assert!(g
        .identify(&data[3].1, 10, 1.0)
        .unwrap()
        .iter()
        .all(|c| c.reference_id != "p3"));
    assert_eq!(
        g.delete("p3"),
        Err(AbisError::UnknownReference("p3".into()))
    );
    // Nothing of the deleted person is left in the hash buckets.
    // Nothing of the deleted people stays in memory.
    let before = g.memory_bytes();
    for i in (0..data.len()).filter(|&i| i != 3) {
        g.delete(&format!("p{i}")).unwrap();
    }
    assert_eq!(g.fingers(), 0);
    assert!(g.fingers.iter().all(Option::is_none));
    assert!(g.memory_bytes() < before / 4);
    assert!(empty.memory_bytes() == 0);
    // The id can be enrolled again.
    g.insert("p3", data[3].0.clone()).unwrap();
    assert_eq!(
        g.identify(&data[3].1, 1, 0.01).unwrap()[0].reference_id,
        "p3"
    );
}

#[test]
fn reloaded_entries_and_thread_counts_give_the_same_results() {
    let data = people(34, 10);
    let g = gallery(&data, small_params());
    let mut reloaded = Gallery::new(
        IndexParams {
            threads: 1,
            ..small_params()
        },
        Calibration::default(),
    );
    for (i, (enrol, _)) in data.iter().enumerate() {
        let bytes = GalleryEntry::new(&format!("p{i}"), enrol.clone()).to_bytes();
        reloaded
            .insert_entry(GalleryEntry::from_bytes(&bytes).unwrap())
            .unwrap();
    }
    for (_, probe) in data.iter().take(4) {
        assert_eq!(
            g.identify(probe, 5, 0.1).unwrap(),
            reloaded.identify(probe, 5, 0.1).unwrap()
        );
    }
}

#[test]
fn odd_requests_are_defined() {
    let data = people(35, 3);
    let g = gallery(&data, small_params());
    assert_eq!(g.identify(&[], 5, 0.01), Err(AbisError::NoTemplates));
    assert!(g.identify(&data[0].1, 0, 0.01).unwrap().is_empty());
    let blank = Template::new(400, 500);
    assert!(g
        .identify(std::slice::from_ref(&blank), 5, 1.0)
        .unwrap()
        .is_empty());
    for fpir in [f64::NAN, -1.0, 0.0, 2.0] {
        assert!(g.identify(&data[0].1, 5, fpir).is_ok());
    }
    let empty = Gallery::new(small_params(), Calibration::default());
    assert!(empty.identify(&data[0].1, 5, 0.01).unwrap().is_empty());
    let mut g = g;
    g.insert("blank", vec![blank]).unwrap();
    assert!(g.verify("blank", &data[0].1).unwrap().log10_fmr == 0.0);
}

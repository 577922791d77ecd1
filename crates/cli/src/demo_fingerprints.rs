//! The demo's fingerprints: people the border police know get their right index finger enrolled
//! (a synthetic impression, `marsad_biometrics::synth`, extracted like a scanner's image and
//! stored through the same encrypted vault), and a few of them are also enrolled under a second
//! unified number — the same finger, another impression, as when someone crossed under another
//! name — so a 1:N search finds both numbers, and each such pair waits in the review queue with
//! the fingerprint score as its reason. Everything is synthetic. Done once per data folder.

use anyhow::{Context as _, Result};
use marsad_biometrics::extract::{extract, ExtractOptions};
use marsad_biometrics::formats::{self, png};
use marsad_biometrics::index::{Abis, Gallery, IndexParams};
use marsad_biometrics::matcher::Calibration;
use marsad_biometrics::synth::{Dataset, ImpressionSettings, SampleId};
use marsad_biometrics::template::FingerPosition;
use marsad_model::Clock;
use marsad_store::{
    Actor, AuditEvent, AuditObject, NewFingerprint, NewTemplate, Outcome, PersonNumber, Store,
};
use marsad_vault::{PutOptions, Vault};

/// The enrolling institution.
const INSTITUTION: &str = "police_frontieres";
/// People enrolled.
const PEOPLE: u32 = 24;
/// Of which this many are also enrolled under a second number.
const ALIASES: u32 = 6;
/// Seed of the synthetic fingers.
const SEED: u64 = 2024;

fn event(clock: &dyn Clock, number: PersonNumber, action: &str) -> AuditEvent {
    AuditEvent {
        at: clock.now(),
        actor: Actor::System("demo".into()),
        institution: Some(INSTITUTION.into()),
        action: action.into(),
        object: Some(AuditObject {
            kind: "person".into(),
            id: format!("{:012}", number.0),
        }),
        purpose: None,
        outcome: Outcome::Success,
    }
}

/// The unified numbers of the first `n` people the border police know (numbered here when the
/// linkage has not run yet, as the demo's case files do).
fn border_people(store: &dyn Store, clock: &dyn Clock, n: usize) -> Result<Vec<PersonNumber>> {
    let mut rng = marsad_auth::rand_core::UnwrapErr(getrandom::SysRng);
    let mut random = || marsad_auth::rand_core::Rng::next_u64(&mut rng);
    let mut out: Vec<PersonNumber> = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = store.records("person", after, 5_000)?;
        for v in page
            .iter()
            .filter(|v| v.institution.as_deref() == Some(INSTITUTION))
        {
            let key = marsad_store::RecordKey::new(v.source_id, &v.kind, &v.record_id);
            let number = match store.person_of(&key)? {
                Some(p) => p,
                None => {
                    let p = loop {
                        let candidate = PersonNumber(
                            marsad_model::UnifiedNumber::generate(&mut random).as_u64(),
                        );
                        match store.create_person(candidate, "demo", clock.now()) {
                            Ok(()) => break candidate,
                            Err(marsad_store::StoreError::Conflict { .. }) => continue,
                            Err(e) => return Err(e.into()),
                        }
                    };
                    store.assign_records(
                        p,
                        std::slice::from_ref(&key),
                        "demo",
                        None,
                        clock.now(),
                    )?;
                    p
                }
            };
            if !out.contains(&number) {
                out.push(number);
            }
            if out.len() >= n {
                return Ok(out);
            }
        }
        match next {
            Some(n2) => after = Some(n2),
            None => return Ok(out),
        }
    }
}

/// Enrols the demo's fingerprints (once); answers how many captures were enrolled.
pub fn create(
    store: &dyn Store,
    vault: &Vault,
    clock: &dyn Clock,
    runtime: &tokio::runtime::Runtime,
) -> Result<usize> {
    if store.fingerprint_counts()?.0 > 0 {
        return Ok(0);
    }
    let people = border_people(store, clock, (PEOPLE + ALIASES) as usize)?;
    if people.len() < (PEOPLE + ALIASES) as usize {
        return Ok(0);
    }
    let (enrolled, aliases) = people.split_at(PEOPLE as usize);
    let set = Dataset::new(PEOPLE, 2, ImpressionSettings::normal(), SEED);
    // Fingers drawn on every core (a master takes about a second).
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let fingers: Vec<u32> = (0..PEOPLE).collect();
    let chunk = fingers.len().div_ceil(threads).max(1);
    let images: Vec<(u32, Vec<Vec<u8>>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = fingers
            .chunks(chunk)
            .map(|part| {
                let set = &set;
                scope.spawn(move || {
                    part.iter()
                        .map(|&f| {
                            let master = set.master(f)?;
                            let shots = (0..2)
                                .map(|j| {
                                    set.impression(&master, SampleId::new(f, j))
                                        .map(|i| png::encode(&i.image))
                                })
                                .collect::<Result<Vec<_>, _>>()?;
                            Ok((f, shots))
                        })
                        .collect::<Result<Vec<_>, marsad_biometrics::synth::SynthError>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| anyhow::anyhow!("a fingerprint generator thread failed"))?
                    .context("generating the demo's fingerprints")
            })
            .collect::<Result<Vec<_>>>()
            .map(|v| v.into_iter().flatten().collect())
    })?;
    let options = PutOptions::limit(8 << 20);
    let mut count = 0;
    let mut gallery = Gallery::new(IndexParams::default(), Calibration::default());
    for (f, shots) in &images {
        let mut targets = vec![(enrolled[*f as usize], 0usize)];
        if let Some(alias) = aliases.get(*f as usize) {
            targets.push((*alias, 1));
        }
        for (person, shot) in targets {
            let png_bytes = &shots[shot];
            let image = formats::decode_image(png_bytes).context("reading a demo fingerprint")?;
            let extraction = extract(&image, &ExtractOptions::default())
                .context("extracting a demo fingerprint")?;
            let mut template = extraction.template;
            template.position = FingerPosition::RIGHT_INDEX;
            let template_bytes = formats::write_template_exact(&template);
            let (original, stored) = runtime.block_on(async {
                let o = vault.put_stream(&png_bytes[..], &options).await?;
                let t = vault.put_stream(&template_bytes[..], &options).await?;
                Ok::<_, marsad_vault::VaultError>((o, t))
            })?;
            // Is this finger already enrolled under another number? Then a clerk looks.
            if let Some(other) = gallery
                .identify(std::slice::from_ref(&template), 1, 0.001)
                .ok()
                .and_then(|c| c.into_iter().next())
            {
                let first = |n: PersonNumber| -> Result<Option<marsad_store::RecordKey>> {
                    Ok(store.person_records(n)?.into_iter().next())
                };
                let other_number = PersonNumber(other.reference_id.parse().unwrap_or(0));
                if let (Some(a), Some(b)) = (first(person)?, first(other_number)?) {
                    let reason = serde_json::json!({
                        "reason": "fingerprints match",
                        "score": other.score,
                        "log10_false_match_rate": other.log10_fmr,
                    })
                    .to_string();
                    store.add_review(&a, &b, f64::from(other.score), &reason, clock.now())?;
                }
            }
            let original_id = original.id.to_string();
            let template_id = stored.id.to_string();
            store.enrol_fingerprint(
                &NewFingerprint {
                    person,
                    institution: INSTITUTION,
                    position: FingerPosition::RIGHT_INDEX.code(),
                    original_blob: &original_id,
                    original_format: "png",
                    template: NewTemplate {
                        blob_id: &template_id,
                        extractor: "marsad-extract/1",
                        quality: extraction.quality.score,
                        minutiae: template.minutiae.len() as u32,
                    },
                    actor: "demo",
                    at: clock.now(),
                },
                &event(clock, person, "fingerprint.enrol"),
            )?;
            let _ = gallery.insert(&person.0.to_string(), vec![template]);
            count += 1;
        }
    }
    Ok(count)
}

//! The demo's case files: a share of the people the anti-trafficking authority and the ministry
//! of social affairs know get a dossier of their institution, with a note, a referral and a
//! decision, and two attachments — a signed consent form (PDF) and a scanned photo (PNG), both
//! generated — stored through the same encrypted vault and audited like any other, so a
//! newcomer sees the feature and tests can check it. Everything is synthetic. Done once per data
//! folder (a rerun finds the dossiers and adds nothing).

use std::sync::Arc;

use anyhow::{Context as _, Result};
use marsad_model::{Clock, UnifiedNumber};
use marsad_store::{
    Actor, AuditEvent, AuditObject, EntryKind, NewAttachment, NewDossier, NewEntry, Outcome,
    PersonNumber, RecordKey, Store,
};
use marsad_vault::{PutOptions, Vault};

/// Dossiers per institution.
const PER_INSTITUTION: usize = 120;

/// The institutions that keep case files in the demo, and what their files are called.
const KEEPERS: [(&str, &str); 2] = [
    ("instance_traite", "Dossier de protection · ملف الحماية"),
    (
        "affaires_sociales",
        "Accompagnement au retour · مرافقة العودة",
    ),
];

/// A one-page PDF whose text is `lines` (ASCII).
fn pdf(lines: &[String]) -> Vec<u8> {
    let mut content = String::from("BT /F1 12 Tf 56 780 Td 16 TL\n");
    for l in lines {
        let safe: String = l
            .chars()
            .map(|c| {
                if c.is_ascii() && c != '(' && c != ')' && c != '\\' {
                    c
                } else {
                    '?'
                }
            })
            .collect();
        content.push_str(&format!("({safe}) Tj T*\n"));
    }
    content.push_str("ET\n");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// A 96 × 128 grey "photo" (a pattern seeded by `seed`), as PNG.
fn photo(seed: u64) -> Result<Vec<u8>> {
    let (w, h) = (96u32, 128u32);
    let mut x = seed | 1;
    let mut pixels = Vec::with_capacity((w * h) as usize);
    for row in 0..h {
        for col in 0..w {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let face = {
                let (dx, dy) = (col as i64 - 48, row as i64 - 56);
                dx * dx * 4 + dy * dy * 3 < 1600 * 3
            };
            pixels.push(if face { 180 } else { 90 } + (x % 24) as u8);
        }
    }
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().context("writing a demo photo")?;
        writer
            .write_image_data(&pixels)
            .context("writing a demo photo")?;
    }
    Ok(out)
}

fn event(clock: &dyn Clock, institution: &str, action: &str, number: PersonNumber) -> AuditEvent {
    AuditEvent {
        at: clock.now(),
        actor: Actor::System("demo".into()),
        institution: Some(institution.into()),
        action: action.into(),
        object: Some(AuditObject {
            kind: "person".into(),
            id: format!("{:012}", number.0),
        }),
        purpose: None,
        outcome: Outcome::Success,
    }
}

/// Person records of `institution`'s sources, at most `n`.
fn people_of(store: &dyn Store, institution: &str, n: usize) -> Result<Vec<RecordKey>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let (page, next) = store.records("person", after, 5_000)?;
        out.extend(
            page.into_iter()
                .filter(|v| v.institution.as_deref() == Some(institution))
                .map(|v| RecordKey::new(v.source_id, &v.kind, &v.record_id)),
        );
        match next {
            Some(n2) if out.len() < n => after = Some(n2),
            _ => break,
        }
    }
    out.truncate(n);
    Ok(out)
}

/// Gives a share of the demo's people a case file with attachments (once).
pub fn create(
    store: &Arc<dyn Store>,
    vault: &Vault,
    clock: &dyn Clock,
    runtime: &tokio::runtime::Runtime,
) -> Result<()> {
    if !store.attachment_blob_ids()?.is_empty() {
        return Ok(());
    }
    let mut rng = marsad_auth::rand_core::UnwrapErr(getrandom::SysRng);
    let mut random = || marsad_auth::rand_core::Rng::next_u64(&mut rng);
    let (mut dossiers, mut files) = (0, 0);
    for (institution, title) in KEEPERS {
        for (i, record) in people_of(store.as_ref(), institution, PER_INSTITUTION)?
            .into_iter()
            .enumerate()
        {
            let number = match store.person_of(&record)? {
                Some(n) => n,
                None => {
                    let n = loop {
                        let candidate = PersonNumber(UnifiedNumber::generate(&mut random).as_u64());
                        match store.create_person(candidate, "demo", clock.now()) {
                            Ok(()) => break candidate,
                            Err(marsad_store::StoreError::Conflict { .. }) => continue,
                            Err(e) => return Err(e.into()),
                        }
                    };
                    store.assign_records(
                        n,
                        std::slice::from_ref(&record),
                        "demo",
                        None,
                        clock.now(),
                    )?;
                    n
                }
            };
            let dossier = store.create_dossier(
                &NewDossier {
                    person: number,
                    institution,
                    title,
                    actor: "demo",
                    at: clock.now(),
                },
                &event(clock, institution, "dossier.create", number),
            )?;
            let entries = [
                (
                    EntryKind::Note,
                    "Premier entretien : personne orientée par la garde nationale. مقابلة أولى.",
                ),
                (
                    EntryKind::Referral,
                    "Orientation vers l'hébergement d'urgence et le soutien psychosocial.",
                ),
                (
                    EntryKind::Decision,
                    "Consentement recueilli pour le partage avec les services de santé.",
                ),
            ];
            let mut consent_entry = None;
            for (kind, text) in entries {
                let e = store.add_entry(
                    &NewEntry {
                        dossier: dossier.id,
                        kind,
                        text,
                        actor: "demo",
                        at: clock.now(),
                    },
                    &event(clock, institution, "dossier.entry", number),
                )?;
                consent_entry = Some(e.entry);
            }
            let consent = pdf(&[
                "Formulaire de consentement / Consent form".to_string(),
                format!("Dossier {} - personne {:012}", dossier.id.0, number.0),
                "La personne accepte le partage de ses informations avec les services".to_string(),
                "de sante et d'hebergement, dans le cadre de sa prise en charge.".to_string(),
                "Signature: ______________________   (synthetic demo document)".to_string(),
            ]);
            let scans: [(&str, Vec<u8>, Option<marsad_store::EntryId>); 2] = [
                ("consentement.pdf", consent, consent_entry),
                ("photo.png", photo(number.0 ^ i as u64)?, None),
            ];
            for (name, bytes, entry) in scans {
                let stored = runtime
                    .block_on(vault.put_stream(
                        std::io::Cursor::new(bytes),
                        &PutOptions {
                            limit: 1 << 24,
                            allow: Some(marsad_vault::AllowList::documents()),
                        },
                    ))
                    .with_context(|| format!("cannot store the demo file {name}"))?;
                store.add_attachment(
                    &NewAttachment {
                        dossier: dossier.id,
                        entry,
                        blob_id: &stored.id.to_hex(),
                        size: stored.size,
                        sha256: stored.plaintext_sha256,
                        content_kind: stored.content.name(),
                        file_name: name,
                        uploaded_by: "demo",
                        uploaded_at: clock.now(),
                    },
                    u64::MAX,
                    &event(clock, institution, "attachment.upload", number),
                )?;
                files += 1;
            }
            dossiers += 1;
        }
    }
    eprintln!("marsad: demo case files: {dossiers} dossiers with {files} encrypted attachments");
    Ok(())
}

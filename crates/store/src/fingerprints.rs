//! Fingerprints (migration `0007_fingerprints`): one row per capture of one finger, with the
//! templates extracted from it version by version, written once for both engines over the
//! [`Sql`] interface of [`crate::persons`].
//!
//! The images and templates themselves are the vault's (encrypted blobs); a row keeps their ids,
//! the format the capture arrived in, and the extractor, quality and minutiae count of each
//! template. Nothing is overwritten: a capture is never deleted, only marked withdrawn (once,
//! with who, when and why); a re-extraction adds a template version. Every change appends its
//! audit event in the same transaction (the backends wrap these functions).

use crate::codec::to_u64;
use crate::dossiers::Withdrawal;
use crate::persons::{bad, int, num, opt_text, opt_ts, text, ts, Sql, Val, P};
use crate::{PersonNumber, Result, StoreError, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FingerprintId(pub i64);

/// One template extracted from a capture.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateVersion {
    /// 1 at enrolment; each re-extraction adds one.
    pub version: u32,
    /// The vault's blob id of the template (ISO/IEC 19794-2).
    pub blob_id: String,
    /// The algorithm and its version that made it (`marsad-extract/1`).
    pub extractor: String,
    /// Image quality, 0–100.
    pub quality: u8,
    pub minutiae: u32,
    pub made_by: String,
    pub made_at: Timestamp,
}

/// A capture of one finger, with its latest template.
#[derive(Debug, Clone, PartialEq)]
pub struct Fingerprint {
    pub id: FingerprintId,
    /// The person's active number (the survivor, after a merge).
    pub person: PersonNumber,
    /// The number it was enrolled under.
    pub enrolled_under: PersonNumber,
    /// The capturing institution's `name` and `kind`.
    pub institution: String,
    pub institution_kind: String,
    /// ISO/IEC 19794 finger position, 0 (unknown) to 10.
    pub position: u8,
    /// The vault's blob id of the capture as received.
    pub original_blob: String,
    /// The format the capture arrived in (`png`, `wsq`, `iso19794_4`, `iso19794_2_2005`, ...).
    pub original_format: String,
    pub template: TemplateVersion,
    pub enrolled_by: String,
    pub enrolled_at: Timestamp,
    pub withdrawn: Option<Withdrawal>,
}

#[derive(Debug, Clone)]
pub struct NewTemplate<'a> {
    pub blob_id: &'a str,
    pub extractor: &'a str,
    pub quality: u8,
    pub minutiae: u32,
}

#[derive(Debug, Clone)]
pub struct NewFingerprint<'a> {
    /// An issued number (an alias is filed under its survivor).
    pub person: PersonNumber,
    /// An existing institution's `name`.
    pub institution: &'a str,
    pub position: u8,
    pub original_blob: &'a str,
    pub original_format: &'a str,
    pub template: NewTemplate<'a>,
    pub actor: &'a str,
    pub at: Timestamp,
}

fn is_blob_id(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn check_template(t: &NewTemplate<'_>) -> Result<()> {
    if !is_blob_id(t.blob_id) {
        return Err(StoreError::Invalid(
            "a template's blob id is 64 lower-case hex digits".into(),
        ));
    }
    if t.extractor.trim().is_empty() || t.extractor.contains('\0') {
        return Err(StoreError::Invalid("the extractor is not named".into()));
    }
    if t.quality > 100 {
        return Err(StoreError::Invalid(format!(
            "quality {} is above 100",
            t.quality
        )));
    }
    Ok(())
}

fn not_found(id: FingerprintId) -> StoreError {
    StoreError::NotFound {
        what: format!("fingerprint {}", id.0),
    }
}

const SELECT: &str = "SELECT f.id, coalesce(p.merged_into, f.person_number), f.person_number,
     i.name, i.kind, f.position, f.original_blob, f.original_format, t.version, t.template_blob,
     t.extractor, t.quality, t.minutiae, t.made_by, t.made_at, f.enrolled_by, f.enrolled_at,
     f.withdrawn_by, f.withdrawn_at, f.withdrawn_reason
     FROM fingerprints f
     JOIN persons p ON p.number = f.person_number
     JOIN institutions i ON i.id = f.institution_id
     JOIN fingerprint_templates t ON t.fingerprint_id = f.id
      AND t.version = (SELECT max(version) FROM fingerprint_templates WHERE fingerprint_id = f.id)";

fn small(row: &[Val], i: usize, ctx: &'static str, max: i64) -> Result<i64> {
    let v = int(row, i, ctx)?;
    if (0..=max).contains(&v) {
        Ok(v)
    } else {
        Err(bad(ctx, "a bounded number"))
    }
}

fn row_to_fingerprint(row: &[Val]) -> Result<Fingerprint> {
    const CTX: &str = "reading a fingerprint";
    let withdrawn = match (opt_text(row, 17, CTX)?, opt_ts(row, 18, CTX)?) {
        (Some(by), Some(at)) => Some(Withdrawal {
            by,
            at,
            reason: opt_text(row, 19, CTX)?,
        }),
        _ => None,
    };
    Ok(Fingerprint {
        id: FingerprintId(int(row, 0, CTX)?),
        person: PersonNumber(to_u64(int(row, 1, CTX)?)),
        enrolled_under: PersonNumber(to_u64(int(row, 2, CTX)?)),
        institution: text(row, 3, CTX)?,
        institution_kind: text(row, 4, CTX)?,
        position: small(row, 5, CTX, 10)? as u8,
        original_blob: text(row, 6, CTX)?,
        original_format: text(row, 7, CTX)?,
        template: TemplateVersion {
            version: u32::try_from(int(row, 8, CTX)?).map_err(|_| bad(CTX, "a version"))?,
            blob_id: text(row, 9, CTX)?,
            extractor: text(row, 10, CTX)?,
            quality: small(row, 11, CTX, 100)? as u8,
            minutiae: u32::try_from(int(row, 12, CTX)?).map_err(|_| bad(CTX, "a count"))?,
            made_by: text(row, 13, CTX)?,
            made_at: ts(row, 14, CTX)?,
        },
        enrolled_by: text(row, 15, CTX)?,
        enrolled_at: ts(row, 16, CTX)?,
        withdrawn,
    })
}

fn insert_template(
    db: &mut dyn Sql,
    id: FingerprintId,
    version: u32,
    t: &NewTemplate<'_>,
    actor: &str,
    at: Timestamp,
) -> Result<()> {
    db.exec(
        "storing a fingerprint template",
        "INSERT INTO fingerprint_templates (fingerprint_id, version, template_blob, extractor,
             quality, minutiae, made_by, made_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &[
            P::Int(id.0),
            P::Int(i64::from(version)),
            P::Text(Some(t.blob_id)),
            P::Text(Some(t.extractor)),
            P::Int(i64::from(t.quality)),
            P::Int(i64::from(t.minutiae)),
            P::Text(Some(actor)),
            P::Ts(at),
        ],
    )?;
    Ok(())
}

pub(crate) fn enrol_fingerprint(db: &mut dyn Sql, new: &NewFingerprint<'_>) -> Result<Fingerprint> {
    const CTX: &str = "enrolling a fingerprint";
    if new.position > 10 {
        return Err(StoreError::Invalid(format!(
            "finger position {} is not an ISO/IEC 19794 code (0 to 10)",
            new.position
        )));
    }
    if !is_blob_id(new.original_blob) {
        return Err(StoreError::Invalid(
            "a capture's blob id is 64 lower-case hex digits".into(),
        ));
    }
    if new.original_format.trim().is_empty() || new.original_format.contains('\0') {
        return Err(StoreError::Invalid(
            "the capture's format is not named".into(),
        ));
    }
    check_template(&new.template)?;
    let person = crate::persons::resolve_number(db, new.person)?;
    let rows = db.query(
        CTX,
        "SELECT id FROM institutions WHERE name = ?1",
        &[P::Text(Some(new.institution))],
    )?;
    let institution = match rows.first() {
        Some(r) => int(r, 0, CTX)?,
        None => {
            return Err(StoreError::NotFound {
                what: format!("institution '{}'", new.institution),
            })
        }
    };
    let rows = db.query(
        CTX,
        "INSERT INTO fingerprints (person_number, institution_id, position, original_blob,
             original_format, enrolled_by, enrolled_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
        &[
            P::Int(num(person)?),
            P::Int(institution),
            P::Int(i64::from(new.position)),
            P::Text(Some(new.original_blob)),
            P::Text(Some(new.original_format)),
            P::Text(Some(new.actor)),
            P::Ts(new.at),
        ],
    )?;
    let id = FingerprintId(int(
        rows.first().ok_or_else(|| bad(CTX, "the new id"))?,
        0,
        CTX,
    )?);
    insert_template(db, id, 1, &new.template, new.actor, new.at)?;
    fingerprint(db, id)
}

/// Adds a template version (a re-extraction) to a capture that is not withdrawn.
pub(crate) fn add_fingerprint_template(
    db: &mut dyn Sql,
    id: FingerprintId,
    template: &NewTemplate<'_>,
    actor: &str,
    at: Timestamp,
) -> Result<Fingerprint> {
    check_template(template)?;
    let current = locked(db, id)?;
    if current.withdrawn.is_some() {
        return Err(StoreError::Invalid(format!(
            "fingerprint {} was withdrawn",
            id.0
        )));
    }
    let version = current
        .template
        .version
        .checked_add(1)
        .ok_or_else(|| bad("re-extracting a fingerprint", "a version"))?;
    insert_template(db, id, version, template, actor, at)?;
    fingerprint(db, id)
}

fn locked(db: &mut dyn Sql, id: FingerprintId) -> Result<Fingerprint> {
    let lock = db.for_update();
    let rows = db.query(
        "locking a fingerprint",
        &format!("SELECT id FROM fingerprints WHERE id = ?1{lock}"),
        &[P::Int(id.0)],
    )?;
    if rows.is_empty() {
        return Err(not_found(id));
    }
    fingerprint(db, id)
}

pub(crate) fn fingerprint(db: &mut dyn Sql, id: FingerprintId) -> Result<Fingerprint> {
    let rows = db.query(
        "reading a fingerprint",
        &format!("{SELECT} WHERE f.id = ?1"),
        &[P::Int(id.0)],
    )?;
    rows.first()
        .map(|r| row_to_fingerprint(r))
        .transpose()?
        .ok_or_else(|| not_found(id))
}

/// Every template version of a capture, oldest first.
pub(crate) fn fingerprint_templates(
    db: &mut dyn Sql,
    id: FingerprintId,
) -> Result<Vec<TemplateVersion>> {
    const CTX: &str = "reading a fingerprint's templates";
    fingerprint(db, id)?;
    db.query(
        CTX,
        "SELECT version, template_blob, extractor, quality, minutiae, made_by, made_at
         FROM fingerprint_templates WHERE fingerprint_id = ?1 ORDER BY version",
        &[P::Int(id.0)],
    )?
    .iter()
    .map(|r| {
        Ok(TemplateVersion {
            version: u32::try_from(int(r, 0, CTX)?).map_err(|_| bad(CTX, "a version"))?,
            blob_id: text(r, 1, CTX)?,
            extractor: text(r, 2, CTX)?,
            quality: small(r, 3, CTX, 100)? as u8,
            minutiae: u32::try_from(int(r, 4, CTX)?).map_err(|_| bad(CTX, "a count"))?,
            made_by: text(r, 5, CTX)?,
            made_at: ts(r, 6, CTX)?,
        })
    })
    .collect()
}

/// The captures of the person `n` resolves to (those enrolled under its aliases included).
pub(crate) fn person_fingerprints(db: &mut dyn Sql, n: PersonNumber) -> Result<Vec<Fingerprint>> {
    let survivor = crate::persons::resolve_number(db, n)?;
    db.query(
        "reading a person's fingerprints",
        &format!("{SELECT} WHERE coalesce(p.merged_into, f.person_number) = ?1 ORDER BY f.id"),
        &[P::Int(num(survivor)?)],
    )?
    .iter()
    .map(|r| row_to_fingerprint(r))
    .collect()
}

/// Captures that are not withdrawn with an id above `after`, by id, at most `limit`: the pages
/// a matcher's gallery is loaded from.
pub(crate) fn active_fingerprints(
    db: &mut dyn Sql,
    after: FingerprintId,
    limit: u32,
) -> Result<Vec<Fingerprint>> {
    db.query(
        "reading fingerprints",
        &format!("{SELECT} WHERE f.id > ?1 AND f.withdrawn_at IS NULL ORDER BY f.id LIMIT ?2"),
        &[P::Int(after.0), P::Int(i64::from(limit.clamp(1, 10_000)))],
    )?
    .iter()
    .map(|r| row_to_fingerprint(r))
    .collect()
}

pub(crate) fn withdraw_fingerprint(
    db: &mut dyn Sql,
    id: FingerprintId,
    actor: &str,
    reason: Option<&str>,
    at: Timestamp,
) -> Result<Fingerprint> {
    let current = locked(db, id)?;
    if current.withdrawn.is_some() {
        return Err(StoreError::Invalid(format!(
            "fingerprint {} is already withdrawn",
            id.0
        )));
    }
    db.exec(
        "withdrawing a fingerprint",
        "UPDATE fingerprints SET withdrawn_by = ?2, withdrawn_at = ?3, withdrawn_reason = ?4
         WHERE id = ?1",
        &[
            P::Int(id.0),
            P::Text(Some(actor)),
            P::Ts(at),
            P::Text(reason),
        ],
    )?;
    fingerprint(db, id)
}

/// What a matcher's in-memory gallery was loaded from, cheap to read: when it is unchanged the
/// gallery is current; when only `last_id` grew, the new captures are all there is to add.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FingerprintState {
    /// The highest capture id (captures are never deleted).
    pub last_id: i64,
    /// Captures withdrawn.
    pub withdrawn: u64,
    /// Template versions (a capture has one at enrolment; a re-extraction adds one).
    pub templates: u64,
    /// Numbers merged into another (a merge changes whose fingers a capture is; a count over
    /// the partial index of merged numbers, where the person events would be a scan).
    pub merged: u64,
}

pub(crate) fn fingerprint_state(db: &mut dyn Sql) -> Result<FingerprintState> {
    const CTX: &str = "reading the fingerprints' state";
    let rows = db.query(
        CTX,
        "SELECT (SELECT coalesce(max(id), 0) FROM fingerprints),
                (SELECT count(*) FROM fingerprints WHERE withdrawn_at IS NOT NULL),
                (SELECT count(*) FROM fingerprint_templates),
                (SELECT count(*) FROM persons WHERE merged_into IS NOT NULL)",
        &[],
    )?;
    let row = rows.first().ok_or_else(|| bad(CTX, "state"))?;
    Ok(FingerprintState {
        last_id: int(row, 0, CTX)?,
        withdrawn: to_u64(int(row, 1, CTX)?),
        templates: to_u64(int(row, 2, CTX)?),
        merged: to_u64(int(row, 3, CTX)?),
    })
}

/// Counts of captures that are not withdrawn, and of persons they belong to.
pub(crate) fn fingerprint_counts(db: &mut dyn Sql) -> Result<(u64, u64)> {
    const CTX: &str = "counting fingerprints";
    let rows = db.query(
        CTX,
        "SELECT count(*), count(DISTINCT coalesce(p.merged_into, f.person_number))
         FROM fingerprints f JOIN persons p ON p.number = f.person_number
         WHERE f.withdrawn_at IS NULL",
        &[],
    )?;
    let row = rows.first().ok_or_else(|| bad(CTX, "counts"))?;
    Ok((to_u64(int(row, 0, CTX)?), to_u64(int(row, 1, CTX)?)))
}

/// The persons (their active numbers) with at least one capture that is not withdrawn,
/// ascending.
pub(crate) fn fingerprinted_persons(db: &mut dyn Sql) -> Result<Vec<PersonNumber>> {
    const CTX: &str = "listing fingerprinted persons";
    db.query(
        CTX,
        "SELECT DISTINCT coalesce(p.merged_into, f.person_number) FROM fingerprints f
         JOIN persons p ON p.number = f.person_number
         WHERE f.withdrawn_at IS NULL ORDER BY 1",
        &[],
    )?
    .iter()
    .map(|r| Ok(PersonNumber(to_u64(int(r, 0, CTX)?))))
    .collect()
}

//! Case files (migration `0006_dossiers`): the dossiers institutions keep about persons, their
//! typed entries and their attachments, written once for both engines over the [`Sql`]
//! interface of [`crate::persons`].
//!
//! Nothing is overwritten: a dossier's title and status and an entry's text change by adding a
//! version; a removed entry is a version marked removed; an attachment is never deleted, only
//! marked withdrawn (once, with who, when and why). The tables refuse anything else by trigger.
//! Every change appends its audit event in the same transaction (see [`with_audit_retry`]), so a
//! change is on record or does not happen. Changes of one dossier are serialised by locking its
//! row (`FOR UPDATE` on PostgreSQL; SQLite's writers are serialised anyway), which makes the
//! version numbers, the "is it open" check and the attachment count exact.
//!
//! The files themselves are the vault's: a row keeps the blob's id (64 hex digits), the
//! plaintext's size and SHA-256, the detected content kind (`marsad_vault::ContentKind` names,
//! opaque here) and the original file name.

use std::fmt;

use crate::codec::{corrupt, to_i64, to_u64};
use crate::persons::{bad, int, num, opt_text, opt_ts, text, ts, Sql, Val, P};
use crate::{PersonNumber, Result, StoreError, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DossierId(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntryId(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttachmentId(pub i64);

/// Whether a dossier takes new entries and attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DossierStatus {
    Open,
    /// Read-only until reopened.
    Closed,
}

impl DossierStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DossierStatus::Open => "open",
            DossierStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "open" => DossierStatus::Open,
            "closed" => DossierStatus::Closed,
            _ => return None,
        })
    }
}

impl fmt::Display for DossierStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an entry is. The referral workflow itself belongs to a later issue; here a referral is
/// an entry like the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Note,
    Decision,
    Document,
    Referral,
}

impl EntryKind {
    pub const ALL: [EntryKind; 4] = [
        EntryKind::Note,
        EntryKind::Decision,
        EntryKind::Document,
        EntryKind::Referral,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Note => "note",
            EntryKind::Decision => "decision",
            EntryKind::Document => "document",
            EntryKind::Referral => "referral",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A dossier as it is now (its latest version).
#[derive(Debug, Clone, PartialEq)]
pub struct Dossier {
    pub id: DossierId,
    /// The person's active number: the number it was opened under, or, once that number was
    /// merged, the survivor it resolves to.
    pub person: PersonNumber,
    /// The number the dossier was opened under.
    pub opened_under: PersonNumber,
    /// The keeping institution's `name`.
    pub institution: String,
    pub title: String,
    pub status: DossierStatus,
    /// 1 when opened; each change of title or status adds one.
    pub version: u32,
    pub created_by: String,
    pub created_at: Timestamp,
    /// Who made the latest version, and when.
    pub changed_by: String,
    pub changed_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewDossier<'a> {
    /// An issued number (an alias is filed under its survivor).
    pub person: PersonNumber,
    /// An existing institution's `name`.
    pub institution: &'a str,
    pub title: &'a str,
    pub actor: &'a str,
    pub at: Timestamp,
}

/// A change of a dossier's title and/or status (a new version).
#[derive(Debug, Clone)]
pub struct DossierChange<'a> {
    pub title: Option<&'a str>,
    pub status: Option<DossierStatus>,
    /// When given, the change applies only if the dossier is still at this version.
    pub expected_version: Option<u32>,
    pub actor: &'a str,
    pub at: Timestamp,
}

/// One version of one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryVersion {
    pub entry: EntryId,
    pub dossier: DossierId,
    pub kind: EntryKind,
    /// 1 for the first.
    pub version: u32,
    /// Free text in any script (carried over unchanged by a removal).
    pub text: String,
    /// Whether this version removes the entry.
    pub removed: bool,
    /// Who wrote this version, and when.
    pub author: String,
    pub written_at: Timestamp,
    /// Who wrote the first version, and when.
    pub created_by: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub dossier: DossierId,
    pub kind: EntryKind,
    pub text: &'a str,
    pub actor: &'a str,
    pub at: Timestamp,
}

/// A new version of an entry: new text, or a removal (`removed`, text kept), or a restoration.
#[derive(Debug, Clone)]
pub struct EntryChange<'a> {
    /// `None` keeps the current text.
    pub text: Option<&'a str>,
    pub removed: bool,
    /// When given, the change applies only if the entry is still at this version.
    pub expected_version: Option<u32>,
    pub actor: &'a str,
    pub at: Timestamp,
}

/// Who withdrew an attachment, when and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Withdrawal {
    pub by: String,
    pub at: Timestamp,
    pub reason: Option<String>,
}

/// A file attached to a dossier.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub id: AttachmentId,
    pub dossier: DossierId,
    /// The entry it belongs to, if any.
    pub entry: Option<EntryId>,
    /// The vault's blob id: 64 lower-case hex digits.
    pub blob_id: String,
    /// Plaintext size in bytes.
    pub size: u64,
    /// SHA-256 of the plaintext.
    pub sha256: [u8; 32],
    /// The content type detected from the bytes (a `marsad_vault::ContentKind` name: `pdf`).
    pub content_kind: String,
    /// The name it was uploaded with.
    pub file_name: String,
    pub uploaded_by: String,
    pub uploaded_at: Timestamp,
    pub withdrawn: Option<Withdrawal>,
}

#[derive(Debug, Clone)]
pub struct NewAttachment<'a> {
    pub dossier: DossierId,
    pub entry: Option<EntryId>,
    pub blob_id: &'a str,
    pub size: u64,
    pub sha256: [u8; 32],
    pub content_kind: &'a str,
    pub file_name: &'a str,
    pub uploaded_by: &'a str,
    pub uploaded_at: Timestamp,
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// The context of an audit append (its unique-key conflicts are a concurrent writer's entry).
const AUDIT_CTX: &str = "appending to the audit log";
/// How often a change is tried when another writer took its place in the audit log.
const AUDIT_ATTEMPTS: u32 = 64;

/// Runs a change that appends to the audit log, again when (and only when) a concurrent writer
/// took the same place in the log: other conflicts are the change's own and are returned.
pub(crate) fn with_audit_retry<T>(mut attempt: impl FnMut() -> Result<T>) -> Result<T> {
    for _ in 1..AUDIT_ATTEMPTS {
        match attempt() {
            Err(StoreError::Conflict { what }) if what == AUDIT_CTX => continue,
            other => return other,
        }
    }
    attempt().map_err(|e| match e {
        StoreError::Conflict { what } if what == AUDIT_CTX => StoreError::Conflict {
            what: "a place in the audit log (too many concurrent writers)".into(),
        },
        e => e,
    })
}

fn version_of(row: &[Val], i: usize, ctx: &'static str) -> Result<u32> {
    u32::try_from(int(row, i, ctx)?).map_err(|_| bad(ctx, "a version"))
}

fn opt_int(row: &[Val], i: usize, ctx: &'static str) -> Result<Option<i64>> {
    match row.get(i) {
        Some(Val::Null) => Ok(None),
        _ => int(row, i, ctx).map(Some),
    }
}

fn number(row: &[Val], i: usize, ctx: &'static str) -> Result<PersonNumber> {
    Ok(PersonNumber(to_u64(int(row, i, ctx)?)))
}

/// Free text that must hold something: not blank, no NUL (which PostgreSQL refuses).
fn required_text(value: &str, what: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(StoreError::Invalid(format!("{what} is empty")));
    }
    if value.contains('\0') {
        return Err(StoreError::Invalid(format!("{what} holds a NUL character")));
    }
    Ok(())
}

fn dossier_not_found(id: DossierId) -> StoreError {
    StoreError::NotFound {
        what: format!("dossier {}", id.0),
    }
}

fn entry_not_found(id: EntryId) -> StoreError {
    StoreError::NotFound {
        what: format!("entry {}", id.0),
    }
}

fn attachment_not_found(id: AttachmentId) -> StoreError {
    StoreError::NotFound {
        what: format!("attachment {}", id.0),
    }
}

fn check_version(what: &str, current: u32, expected: Option<u32>) -> Result<()> {
    match expected {
        Some(v) if v != current => Err(StoreError::Invalid(format!(
            "{what} is at version {current}, not {v}: read it again and retry"
        ))),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Dossiers

const DOSSIER_SELECT: &str = "SELECT d.id, coalesce(p.merged_into, d.person_number),
     d.person_number, i.name, v.title, v.status, v.version, d.created_by, d.created_at,
     v.changed_by, v.changed_at
     FROM dossiers d
     JOIN persons p ON p.number = d.person_number
     JOIN institutions i ON i.id = d.institution_id
     JOIN dossier_versions v ON v.dossier_id = d.id
      AND v.version = (SELECT max(version) FROM dossier_versions WHERE dossier_id = d.id)";

fn dossier_row(row: &[Val]) -> Result<Dossier> {
    const CTX: &str = "reading a dossier";
    Ok(Dossier {
        id: DossierId(int(row, 0, CTX)?),
        person: number(row, 1, CTX)?,
        opened_under: number(row, 2, CTX)?,
        institution: text(row, 3, CTX)?,
        title: text(row, 4, CTX)?,
        status: DossierStatus::parse(&text(row, 5, CTX)?).ok_or_else(|| bad(CTX, "status"))?,
        version: version_of(row, 6, CTX)?,
        created_by: text(row, 7, CTX)?,
        created_at: ts(row, 8, CTX)?,
        changed_by: text(row, 9, CTX)?,
        changed_at: ts(row, 10, CTX)?,
    })
}

pub(crate) fn dossier(db: &mut dyn Sql, id: DossierId) -> Result<Dossier> {
    let rows = db.query(
        "reading a dossier",
        &format!("{DOSSIER_SELECT} WHERE d.id = ?1"),
        &[P::Int(id.0)],
    )?;
    rows.first()
        .map(|r| dossier_row(r))
        .transpose()?
        .ok_or_else(|| dossier_not_found(id))
}

/// Locks the dossier for the rest of the transaction (where the engine locks rows) and reads it.
fn locked_dossier(db: &mut dyn Sql, id: DossierId) -> Result<Dossier> {
    let lock = db.for_update();
    let rows = db.query(
        "locking a dossier",
        &format!("SELECT id FROM dossiers WHERE id = ?1{lock}"),
        &[P::Int(id.0)],
    )?;
    if rows.is_empty() {
        return Err(dossier_not_found(id));
    }
    dossier(db, id)
}

/// The dossier, which must be open to take changes of its content.
fn open_dossier(db: &mut dyn Sql, id: DossierId) -> Result<Dossier> {
    let d = locked_dossier(db, id)?;
    if d.status != DossierStatus::Open {
        return Err(StoreError::Invalid(format!(
            "dossier {} is closed: reopen it before changing its content",
            id.0
        )));
    }
    Ok(d)
}

pub(crate) fn person_dossiers(db: &mut dyn Sql, n: PersonNumber) -> Result<Vec<Dossier>> {
    let survivor = crate::persons::resolve_number(db, n)?;
    db.query(
        "reading a person's dossiers",
        &format!(
            "{DOSSIER_SELECT} WHERE coalesce(p.merged_into, d.person_number) = ?1 ORDER BY d.id"
        ),
        &[P::Int(num(survivor)?)],
    )?
    .iter()
    .map(|r| dossier_row(r))
    .collect()
}

fn institution_id(db: &mut dyn Sql, name: &str) -> Result<i64> {
    const CTX: &str = "reading an institution";
    let rows = db.query(
        CTX,
        "SELECT id FROM institutions WHERE name = ?1",
        &[P::Text(Some(name))],
    )?;
    match rows.first() {
        Some(row) => int(row, 0, CTX),
        None => Err(StoreError::NotFound {
            what: format!("institution {name}"),
        }),
    }
}

fn insert_dossier_version(
    db: &mut dyn Sql,
    id: DossierId,
    version: u32,
    title: &str,
    status: DossierStatus,
    actor: &str,
    at: Timestamp,
) -> Result<()> {
    db.exec(
        "storing a dossier version",
        "INSERT INTO dossier_versions (dossier_id, version, title, status, changed_by, changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[
            P::Int(id.0),
            P::Int(i64::from(version)),
            P::Text(Some(title)),
            P::Text(Some(status.as_str())),
            P::Text(Some(actor)),
            P::Ts(at),
        ],
    )?;
    Ok(())
}

pub(crate) fn create_dossier(db: &mut dyn Sql, new: &NewDossier<'_>) -> Result<Dossier> {
    const CTX: &str = "opening a dossier";
    required_text(new.title, "the title")?;
    let person = crate::persons::resolve_number(db, new.person)?;
    let institution = institution_id(db, new.institution)?;
    let rows = db.query(
        CTX,
        "INSERT INTO dossiers (person_number, institution_id, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4) RETURNING id",
        &[
            P::Int(num(person)?),
            P::Int(institution),
            P::Text(Some(new.actor)),
            P::Ts(new.at),
        ],
    )?;
    let id = DossierId(int(
        rows.first().ok_or_else(|| bad(CTX, "the new id"))?,
        0,
        CTX,
    )?);
    insert_dossier_version(db, id, 1, new.title, DossierStatus::Open, new.actor, new.at)?;
    dossier(db, id)
}

pub(crate) fn change_dossier(
    db: &mut dyn Sql,
    id: DossierId,
    change: &DossierChange<'_>,
) -> Result<Dossier> {
    let current = locked_dossier(db, id)?;
    check_version(
        &format!("dossier {}", id.0),
        current.version,
        change.expected_version,
    )?;
    if let Some(t) = change.title {
        required_text(t, "the title")?;
    }
    let title = change.title.unwrap_or(&current.title);
    let status = change.status.unwrap_or(current.status);
    if title == current.title && status == current.status {
        // Nothing changes: no version is added.
        return Ok(current);
    }
    let version = current
        .version
        .checked_add(1)
        .ok_or_else(|| bad("changing a dossier", "a version"))?;
    insert_dossier_version(db, id, version, title, status, change.actor, change.at)?;
    dossier(db, id)
}

/// Every version of a dossier, oldest first.
pub(crate) fn dossier_history(db: &mut dyn Sql, id: DossierId) -> Result<Vec<Dossier>> {
    const CTX: &str = "reading a dossier's history";
    let current = dossier(db, id)?;
    db.query(
        CTX,
        "SELECT version, title, status, changed_by, changed_at FROM dossier_versions
         WHERE dossier_id = ?1 ORDER BY version",
        &[P::Int(id.0)],
    )?
    .iter()
    .map(|r| {
        Ok(Dossier {
            version: version_of(r, 0, CTX)?,
            title: text(r, 1, CTX)?,
            status: DossierStatus::parse(&text(r, 2, CTX)?).ok_or_else(|| bad(CTX, "status"))?,
            changed_by: text(r, 3, CTX)?,
            changed_at: ts(r, 4, CTX)?,
            ..current.clone()
        })
    })
    .collect()
}

// ---------------------------------------------------------------------------------------------
// Entries

const ENTRY_SELECT: &str = "SELECT e.id, e.dossier_id, e.kind, v.version, v.body, v.removed,
     v.author, v.written_at, e.created_by, e.created_at
     FROM dossier_entries e JOIN dossier_entry_versions v ON v.entry_id = e.id";
const LATEST_ENTRY: &str =
    "v.version = (SELECT max(version) FROM dossier_entry_versions WHERE entry_id = e.id)";

fn entry_row(row: &[Val]) -> Result<EntryVersion> {
    const CTX: &str = "reading a dossier entry";
    Ok(EntryVersion {
        entry: EntryId(int(row, 0, CTX)?),
        dossier: DossierId(int(row, 1, CTX)?),
        kind: EntryKind::parse(&text(row, 2, CTX)?).ok_or_else(|| bad(CTX, "kind"))?,
        version: version_of(row, 3, CTX)?,
        text: text(row, 4, CTX)?,
        removed: int(row, 5, CTX)? != 0,
        author: text(row, 6, CTX)?,
        written_at: ts(row, 7, CTX)?,
        created_by: text(row, 8, CTX)?,
        created_at: ts(row, 9, CTX)?,
    })
}

pub(crate) fn entry(db: &mut dyn Sql, id: EntryId) -> Result<EntryVersion> {
    let rows = db.query(
        "reading a dossier entry",
        &format!("{ENTRY_SELECT} WHERE e.id = ?1 AND {LATEST_ENTRY}"),
        &[P::Int(id.0)],
    )?;
    rows.first()
        .map(|r| entry_row(r))
        .transpose()?
        .ok_or_else(|| entry_not_found(id))
}

pub(crate) fn dossier_entries(db: &mut dyn Sql, id: DossierId) -> Result<Vec<EntryVersion>> {
    dossier(db, id)?;
    db.query(
        "reading a dossier's entries",
        &format!("{ENTRY_SELECT} WHERE e.dossier_id = ?1 AND {LATEST_ENTRY} ORDER BY e.id"),
        &[P::Int(id.0)],
    )?
    .iter()
    .map(|r| entry_row(r))
    .collect()
}

pub(crate) fn entry_history(db: &mut dyn Sql, id: EntryId) -> Result<Vec<EntryVersion>> {
    let rows = db.query(
        "reading an entry's history",
        &format!("{ENTRY_SELECT} WHERE e.id = ?1 ORDER BY v.version"),
        &[P::Int(id.0)],
    )?;
    if rows.is_empty() {
        return Err(entry_not_found(id));
    }
    rows.iter().map(|r| entry_row(r)).collect()
}

fn insert_entry_version(
    db: &mut dyn Sql,
    id: EntryId,
    version: u32,
    body: &str,
    removed: bool,
    actor: &str,
    at: Timestamp,
) -> Result<()> {
    db.exec(
        "storing an entry version",
        "INSERT INTO dossier_entry_versions (entry_id, version, body, removed, author, written_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        &[
            P::Int(id.0),
            P::Int(i64::from(version)),
            P::Text(Some(body)),
            P::Bool(removed),
            P::Text(Some(actor)),
            P::Ts(at),
        ],
    )?;
    Ok(())
}

pub(crate) fn add_entry(db: &mut dyn Sql, new: &NewEntry<'_>) -> Result<EntryVersion> {
    const CTX: &str = "adding a dossier entry";
    required_text(new.text, "the entry's text")?;
    open_dossier(db, new.dossier)?;
    let rows = db.query(
        CTX,
        "INSERT INTO dossier_entries (dossier_id, kind, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4) RETURNING id",
        &[
            P::Int(new.dossier.0),
            P::Text(Some(new.kind.as_str())),
            P::Text(Some(new.actor)),
            P::Ts(new.at),
        ],
    )?;
    let id = EntryId(int(
        rows.first().ok_or_else(|| bad(CTX, "the new id"))?,
        0,
        CTX,
    )?);
    insert_entry_version(db, id, 1, new.text, false, new.actor, new.at)?;
    entry(db, id)
}

pub(crate) fn change_entry(
    db: &mut dyn Sql,
    id: EntryId,
    change: &EntryChange<'_>,
) -> Result<EntryVersion> {
    let dossier_id = entry(db, id)?.dossier;
    open_dossier(db, dossier_id)?;
    // Read again under the dossier's lock.
    let current = entry(db, id)?;
    check_version(
        &format!("entry {}", id.0),
        current.version,
        change.expected_version,
    )?;
    if let Some(t) = change.text {
        required_text(t, "the entry's text")?;
    }
    let body = change.text.unwrap_or(&current.text);
    if body == current.text && change.removed == current.removed {
        return Ok(current);
    }
    let version = current
        .version
        .checked_add(1)
        .ok_or_else(|| bad("changing a dossier entry", "a version"))?;
    insert_entry_version(
        db,
        id,
        version,
        body,
        change.removed,
        change.actor,
        change.at,
    )?;
    entry(db, id)
}

// ---------------------------------------------------------------------------------------------
// Attachments

const ATTACHMENT_SELECT: &str = "SELECT id, dossier_id, entry_id, blob_id, size, sha256,
     content_kind, file_name, uploaded_by, uploaded_at, withdrawn_by, withdrawn_at,
     withdrawn_reason
     FROM dossier_attachments";

fn attachment_row(row: &[Val]) -> Result<Attachment> {
    const CTX: &str = "reading an attachment";
    let sha256: [u8; 32] = match row.get(5) {
        Some(Val::Bytes(b)) => b
            .as_slice()
            .try_into()
            .map_err(|_| bad(CTX, "a 32-byte digest"))?,
        _ => return Err(bad(CTX, "a digest")),
    };
    let withdrawn = match (opt_text(row, 10, CTX)?, opt_ts(row, 11, CTX)?) {
        (Some(by), Some(at)) => Some(Withdrawal {
            by,
            at,
            reason: opt_text(row, 12, CTX)?,
        }),
        (None, None) => None,
        _ => return Err(bad(CTX, "the withdrawal")),
    };
    Ok(Attachment {
        id: AttachmentId(int(row, 0, CTX)?),
        dossier: DossierId(int(row, 1, CTX)?),
        entry: opt_int(row, 2, CTX)?.map(EntryId),
        blob_id: text(row, 3, CTX)?,
        size: to_u64(int(row, 4, CTX)?),
        sha256,
        content_kind: text(row, 6, CTX)?,
        file_name: text(row, 7, CTX)?,
        uploaded_by: text(row, 8, CTX)?,
        uploaded_at: ts(row, 9, CTX)?,
        withdrawn,
    })
}

pub(crate) fn attachment(db: &mut dyn Sql, id: AttachmentId) -> Result<Attachment> {
    let rows = db.query(
        "reading an attachment",
        &format!("{ATTACHMENT_SELECT} WHERE id = ?1"),
        &[P::Int(id.0)],
    )?;
    rows.first()
        .map(|r| attachment_row(r))
        .transpose()?
        .ok_or_else(|| attachment_not_found(id))
}

pub(crate) fn dossier_attachments(db: &mut dyn Sql, id: DossierId) -> Result<Vec<Attachment>> {
    dossier(db, id)?;
    db.query(
        "reading a dossier's attachments",
        &format!("{ATTACHMENT_SELECT} WHERE dossier_id = ?1 ORDER BY id"),
        &[P::Int(id.0)],
    )?
    .iter()
    .map(|r| attachment_row(r))
    .collect()
}

fn is_blob_id(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

pub(crate) fn add_attachment(
    db: &mut dyn Sql,
    new: &NewAttachment<'_>,
    max_active: u64,
) -> Result<Attachment> {
    const CTX: &str = "storing an attachment";
    if !is_blob_id(new.blob_id) {
        return Err(StoreError::Invalid(
            "a blob id is 64 lower-case hex digits".into(),
        ));
    }
    required_text(new.file_name, "the file name")?;
    required_text(new.content_kind, "the content kind")?;
    open_dossier(db, new.dossier)?;
    if let Some(e) = new.entry {
        let entry = entry(db, e)?;
        if entry.dossier != new.dossier {
            return Err(StoreError::Invalid(format!(
                "entry {} belongs to another dossier",
                e.0
            )));
        }
        if entry.removed {
            return Err(StoreError::Invalid(format!("entry {} was removed", e.0)));
        }
    }
    let rows = db.query(
        CTX,
        "SELECT count(*) FROM dossier_attachments WHERE dossier_id = ?1 AND withdrawn_at IS NULL",
        &[P::Int(new.dossier.0)],
    )?;
    let active = to_u64(int(
        rows.first().ok_or_else(|| bad(CTX, "a count"))?,
        0,
        CTX,
    )?);
    if active >= max_active {
        return Err(StoreError::Invalid(format!(
            "dossier {} already holds {active} attachments, the most allowed",
            new.dossier.0
        )));
    }
    // Without an entry, `entry_id` is left out (NULL): a typed NULL cannot be bound portably.
    let (entry_column, entry_value) = match new.entry {
        Some(_) => (", entry_id", ", ?9"),
        None => ("", ""),
    };
    let mut params = vec![
        P::Int(new.dossier.0),
        P::Text(Some(new.blob_id)),
        P::Int(to_i64(new.size)),
        P::Bytes(&new.sha256),
        P::Text(Some(new.content_kind)),
        P::Text(Some(new.file_name)),
        P::Text(Some(new.uploaded_by)),
        P::Ts(new.uploaded_at),
    ];
    if let Some(e) = new.entry {
        params.push(P::Int(e.0));
    }
    let rows = db.query(
        CTX,
        &format!(
            "INSERT INTO dossier_attachments (dossier_id, blob_id, size, sha256, content_kind,
                 file_name, uploaded_by, uploaded_at{entry_column})
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8{entry_value}) RETURNING id"
        ),
        &params,
    )?;
    let id = AttachmentId(int(
        rows.first().ok_or_else(|| bad(CTX, "the new id"))?,
        0,
        CTX,
    )?);
    attachment(db, id)
}

pub(crate) fn withdraw_attachment(
    db: &mut dyn Sql,
    id: AttachmentId,
    actor: &str,
    reason: Option<&str>,
    at: Timestamp,
) -> Result<Attachment> {
    const CTX: &str = "withdrawing an attachment";
    if reason.is_some_and(|r| r.contains('\0')) {
        return Err(StoreError::Invalid(
            "the reason holds a NUL character".into(),
        ));
    }
    let current = attachment(db, id)?;
    locked_dossier(db, current.dossier)?;
    let current = attachment(db, id)?;
    if let Some(w) = &current.withdrawn {
        return Err(StoreError::Invalid(format!(
            "attachment {} was already withdrawn by {} at {}",
            id.0,
            w.by,
            w.at.to_rfc3339()
        )));
    }
    let changed = db.exec(
        CTX,
        "UPDATE dossier_attachments SET withdrawn_by = ?2, withdrawn_at = ?3,
             withdrawn_reason = ?4
         WHERE id = ?1 AND withdrawn_at IS NULL",
        &[
            P::Int(id.0),
            P::Text(Some(actor)),
            P::Ts(at),
            P::Text(reason),
        ],
    )?;
    if changed != 1 {
        return Err(corrupt(CTX, format!("{changed} rows changed")));
    }
    attachment(db, id)
}

/// Every blob id any attachment or fingerprint refers to (withdrawn ones included: their blobs
/// are kept), ascending: the `known` ids of the vault's orphan cleanup.
pub(crate) fn attachment_blob_ids(db: &mut dyn Sql) -> Result<Vec<String>> {
    const CTX: &str = "listing attachment blobs";
    db.query(
        CTX,
        "SELECT blob_id FROM dossier_attachments
         UNION SELECT original_blob FROM fingerprints
         UNION SELECT template_blob FROM fingerprint_templates
         UNION SELECT blob_id FROM microdata_extracts WHERE blob_id IS NOT NULL
         ORDER BY 1",
        &[],
    )?
    .iter()
    .map(|r| text(r, 0, CTX))
    .collect()
}

/// Whether any attachment or fingerprint refers to the blob.
pub(crate) fn blob_referenced(db: &mut dyn Sql, blob_id: &str) -> Result<bool> {
    let rows = db.query(
        "reading attachment blobs",
        "SELECT 1 FROM dossier_attachments WHERE blob_id = ?1
         UNION ALL SELECT 1 FROM fingerprints WHERE original_blob = ?1
         UNION ALL SELECT 1 FROM fingerprint_templates WHERE template_blob = ?1
         UNION ALL SELECT 1 FROM microdata_extracts WHERE blob_id = ?1
         LIMIT 1",
        &[P::Text(Some(blob_id))],
    )?;
    Ok(!rows.is_empty())
}

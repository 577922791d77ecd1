//! Persistence for marsad: one interface ([`Store`]) over SQLite (embedded, the default) and
//! PostgreSQL (national deployments), with versioned migrations for both.
//!
//! This crate owns every SQL statement in marsad and nothing else: it knows no file formats, no
//! HTTP and no record semantics. Records arrive as canonical JSON payloads with their content
//! hash, already validated by `marsad-model` and `marsad-ingest`.
//!
//! Invariants:
//! - nothing is overwritten in place: a changed record is a new version, an unchanged one is not
//!   stored again;
//! - every version keeps its provenance (source, institution, submission, file hash, row number);
//! - a submission's records become visible only when [`Store::finalize`] commits, all at once;
//!   staged rows of an interrupted import can be resumed from [`Submission::rows_read`];
//! - rejected rows are never dropped: they live in quarantine until corrected and resubmitted;
//! - every unified person number ever issued stays issued (a merged number is an alias that still
//!   resolves), each record belongs to at most one person, and every creation, assignment,
//!   merge, split and review decision is logged as a [`PersonEvent`];
//! - no secret is stored in a usable form: passwords as argon2id PHC strings, API tokens,
//!   sessions and recovery codes as SHA-256 (see `marsad-auth`); the one exception is the TOTP
//!   secret, which verification needs in clear and which must be encrypted at rest once the key
//!   management of issue 5 lands;
//! - the audit log is append-only and hash-chained ([`Store::audit_append`]; the tables refuse
//!   `UPDATE` and `DELETE` by trigger), and [`verify_audit`] finds an edited, deleted or moved
//!   entry and names it.

use std::fmt;

pub use marsad_auth::{
    Actor, AuditEntry, AuditEvent, AuditObject, ChainBreak, ChainHead, Outcome, ThrottleState,
};

mod access;
mod codec;
mod dossiers;
mod fingerprints;
mod gcm;
mod locks;
mod microdata;
mod neutral;
mod persons;
mod pool;
pub mod postgres;
pub mod sqlite;
mod statistics;

pub use dossiers::{
    Attachment, AttachmentId, Dossier, DossierChange, DossierId, DossierStatus, EntryChange,
    EntryId, EntryKind, EntryVersion, NewAttachment, NewDossier, NewEntry, Withdrawal,
};
pub use fingerprints::{
    Fingerprint, FingerprintId, FingerprintState, NewFingerprint, NewTemplate, TemplateVersion,
};
pub use gcm::{
    ComplaintEvent, ComplaintRow, EvaluationRow, EvidenceRow, IncidentLink, IncidentRow,
    IndicatorRow, MeasurementRow, PlanActionRow, ReferralEvent, ReferralRow, TraffickingCase,
};
pub use locks::RunLock;
pub use microdata::{MicrodataEvent, MicrodataExtract, MicrodataRequestRow};
pub use statistics::{StatCell, StatsBatch, StatsChanges, StatsMember, StatsState};

/// Result of a store operation.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What can go wrong in the store. Driver errors are kept as sources for operators' logs but are
/// never shown to users (their `Display` says only which operation failed).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{what} already exists")]
    Conflict { what: String },
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("the database schema is at version {found}, newer than this marsad supports ({supported}); upgrade marsad")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("database error while {context}")]
    Database {
        context: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Which engine is behind a [`Store`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

/// Timestamps are RFC 3339 UTC strings chosen by the caller (time is a parameter).
pub type Timestamp = chrono::DateTime<chrono::Utc>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InstitutionId(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubmissionId(pub i64);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QuarantineId(pub i64);

/// A producing institution (statistics institute, border police, ...).
#[derive(Debug, Clone, PartialEq)]
pub struct Institution {
    pub id: InstitutionId,
    /// Short unique name, e.g. `border-police`.
    pub name: String,
    /// Free-text display name, any script.
    pub title: String,
    /// Kind of institution, e.g. `statistics`, `border_police`, `labour_agency`, `consulate`,
    /// `central_bank`, `anti_trafficking`, `ministry`, `observatory`.
    pub kind: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewInstitution<'a> {
    pub name: &'a str,
    pub title: &'a str,
    pub kind: &'a str,
    pub created_at: Timestamp,
}

/// A data source: one export of one institution's system (e.g. `border-police-crossings`).
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub id: SourceId,
    pub name: String,
    pub institution: Option<String>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionStatus {
    /// Rows are being staged; nothing is visible yet. Can be resumed.
    Importing,
    /// Finalized: its records are visible.
    Complete,
    /// The whole file was refused (empty, wrong format, missing required column, ...).
    Rejected,
    /// Aborted by an error; staged rows are discarded by `fail`.
    Failed,
}

impl SubmissionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SubmissionStatus::Importing => "importing",
            SubmissionStatus::Complete => "complete",
            SubmissionStatus::Rejected => "rejected",
            SubmissionStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "importing" => SubmissionStatus::Importing,
            "complete" => SubmissionStatus::Complete,
            "rejected" => SubmissionStatus::Rejected,
            "failed" => SubmissionStatus::Failed,
            _ => return None,
        })
    }
}

/// One file handed to marsad for one source.
#[derive(Debug, Clone, PartialEq)]
pub struct Submission {
    pub id: SubmissionId,
    pub source_id: SourceId,
    pub source_name: String,
    pub file_name: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub file_hash: String,
    pub file_size: u64,
    /// `csv`, `xlsx`, `jsonl`.
    pub format: String,
    /// Lower-case hex SHA-256 of the mapping text (empty mapping for canonical person CSV).
    pub mapping_hash: String,
    pub status: SubmissionStatus,
    /// Checkpoint: every data row numbered `<= rows_read` has been staged or quarantined.
    pub rows_read: u64,
    pub accepted: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub warnings: u64,
    /// Who submitted (user or token name; never personal data about migrants).
    pub submitted_by: String,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// File-level reason for `Rejected` / `Failed`.
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct NewSubmission<'a> {
    pub source_id: SourceId,
    pub file_name: &'a str,
    pub file_hash: &'a str,
    pub file_size: u64,
    pub format: &'a str,
    pub mapping_hash: &'a str,
    /// The mapping text itself, kept so quarantined rows can be re-mapped after correction.
    pub mapping_text: &'a str,
    pub submitted_by: &'a str,
    pub started_at: Timestamp,
}

/// One canonical record produced from one data row, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct StagedRecord {
    /// Data row it came from (1 = first data row).
    pub row: u64,
    /// Record kind, e.g. `person`, `border_crossing`.
    pub kind: String,
    pub record_id: String,
    /// Canonical JSON object (sorted keys).
    pub payload: String,
    /// Lower-case hex SHA-256 of `payload`.
    pub hash: String,
}

/// A problem with one field (or the whole row when `field` is `None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Data row (1 = first data row; 0 = the file as a whole, e.g. the header).
    pub row: u64,
    pub field: Option<String>,
    pub reason: String,
}

/// A row refused by validation, kept with everything needed to correct and resubmit it.
#[derive(Debug, Clone, PartialEq)]
pub struct QuarantinedRow {
    pub row: u64,
    /// The original row as a JSON object (source column name -> text), or for rows that could not
    /// be split into columns, `{"_line": "..."}`.
    pub raw: String,
    /// Kinds and record ids the row would have produced, when known (for resolving the entry
    /// once a corrected version of the record is accepted), e.g. `["person", "TN123"]` pairs.
    pub keys: Vec<(String, String)>,
    pub issues: Vec<Issue>,
}

/// What one call to [`Store::stage`] commits atomically.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    pub records: Vec<StagedRecord>,
    pub quarantined: Vec<QuarantinedRow>,
    pub warnings: Vec<Issue>,
    /// New checkpoint: every row `<= rows_read` is handled once this batch commits.
    pub rows_read: u64,
}

/// A staged record key, used to rebuild the in-file duplicate detector when an import resumes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedKey {
    pub kind: String,
    pub record_id: String,
    pub row: u64,
    pub hash: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuarantineStatus {
    /// Waiting for a correction.
    Open,
    /// Corrected and resubmitted, accepted in `resolved_by`.
    Resolved,
    /// Withdrawn by a data officer (kept, not deleted).
    Dismissed,
}

impl QuarantineStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            QuarantineStatus::Open => "open",
            QuarantineStatus::Resolved => "resolved",
            QuarantineStatus::Dismissed => "dismissed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "open" => QuarantineStatus::Open,
            "resolved" => QuarantineStatus::Resolved,
            "dismissed" => QuarantineStatus::Dismissed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct QuarantineEntry {
    pub id: QuarantineId,
    pub submission_id: SubmissionId,
    pub source_id: SourceId,
    pub source_name: String,
    pub row: u64,
    pub raw: String,
    /// The data officer's corrected row (same shape as `raw`), if any.
    pub corrected: Option<String>,
    pub keys: Vec<(String, String)>,
    pub issues: Vec<Issue>,
    pub status: QuarantineStatus,
    pub resolved_by: Option<SubmissionId>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Default)]
pub struct QuarantineFilter {
    pub source: Option<SourceId>,
    pub submission: Option<SubmissionId>,
    pub status: Option<QuarantineStatus>,
    /// Entries with id greater than this (keyset paging).
    pub after: Option<QuarantineId>,
    /// At most this many (default 100, at most 10_000).
    pub limit: Option<u32>,
}

/// The counts and lists a data officer reads after an import.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportReport {
    pub submission: Submission,
    /// One issue per problem of every quarantined row of this submission, by row.
    pub rejected: Vec<Issue>,
    pub warnings: Vec<Issue>,
}

/// One stored version of one record, with its provenance.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordVersion {
    pub source_id: SourceId,
    pub source_name: String,
    pub institution: Option<String>,
    pub kind: String,
    pub record_id: String,
    /// 1 for the first version.
    pub version: u32,
    pub payload: String,
    pub hash: String,
    pub submission_id: SubmissionId,
    pub file_hash: String,
    pub row: u64,
    pub stored_at: Timestamp,
}

/// Count of visible records per kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindCount {
    pub kind: String,
    pub records: u64,
}

/// A unified person number as the store keeps it: a plain integer (the 12-digit format with its
/// check digit is `marsad_model::UnifiedNumber`'s business; the store only keeps numbers unique
/// and never reuses one). Numbers above `i64::MAX` are refused as `Invalid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonNumber(pub u64);

/// The key of a record across sources: the unit that is assigned to a person.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey {
    pub source: SourceId,
    pub kind: String,
    pub record_id: String,
}

impl RecordKey {
    pub fn new(source: SourceId, kind: impl Into<String>, record_id: impl Into<String>) -> Self {
        RecordKey {
            source,
            kind: kind.into(),
            record_id: record_id.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonStatus {
    /// The number is in use and holds records.
    Active,
    /// The number was merged into another and is now an alias of it.
    Merged,
}

/// One issued unified number.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub number: PersonNumber,
    pub status: PersonStatus,
    /// For a merged number, the final survivor it resolves to.
    pub merged_into: Option<PersonNumber>,
    pub created_at: Timestamp,
    pub created_by: String,
}

/// What a [`PersonEvent`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonAction {
    /// A number was issued.
    Create,
    /// Records were assigned (or reassigned) to a person.
    Assign,
    /// `numbers[1]` was merged into `numbers[0]`.
    Merge,
    /// Records of `numbers[0]` were moved to the new number `numbers[1]`.
    Split,
    /// A clerical review of the pair in `records` was decided (`reason` says how).
    Review,
}

impl PersonAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PersonAction::Create => "create",
            PersonAction::Assign => "assign",
            PersonAction::Merge => "merge",
            PersonAction::Split => "split",
            PersonAction::Review => "review",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "create" => PersonAction::Create,
            "assign" => PersonAction::Assign,
            "merge" => PersonAction::Merge,
            "split" => PersonAction::Split,
            "review" => PersonAction::Review,
            _ => return None,
        })
    }
}

/// One entry of the persons' log (the audit of merges and splits until the hash-chained audit
/// of issue 4 takes over).
#[derive(Debug, Clone, PartialEq)]
pub struct PersonEvent {
    /// Increasing in the order events were recorded.
    pub id: i64,
    pub at: Timestamp,
    /// `link` or the user who acted.
    pub actor: String,
    pub action: PersonAction,
    /// The numbers involved, in the order [`PersonAction`] describes; an assignment lists the
    /// target first, then the numbers records were taken from.
    pub numbers: Vec<PersonNumber>,
    /// The records involved (moved, assigned, or the reviewed pair).
    pub records: Vec<RecordKey>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReviewId(pub i64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewStatus {
    /// Waiting for a clerk.
    Open,
    /// The clerk said: same person.
    Accepted,
    /// The clerk said: different persons.
    Rejected,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::Accepted => "accepted",
            ReviewStatus::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "open" => ReviewStatus::Open,
            "accepted" => ReviewStatus::Accepted,
            "rejected" => ReviewStatus::Rejected,
            _ => return None,
        })
    }
}

/// A pair of records in the clerical review band. The pair is unordered; the store keeps the
/// smaller key (by source, kind, record id) as `left`.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkReview {
    pub id: ReviewId,
    pub left: RecordKey,
    pub right: RecordKey,
    /// The pair's match weight.
    pub weight: f64,
    /// The linkage engine's explanation (the weight of each comparison) as JSON text.
    pub explanation: String,
    pub status: ReviewStatus,
    pub created_at: Timestamp,
    pub decided_by: Option<String>,
    pub decided_at: Option<Timestamp>,
}

/// The store's handle of a visible record: the same for every version of it. Incremental
/// linking keeps the block keys of numbered records by handle ([`Store::put_blocks`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordHandle(pub i64);

/// Which visible records [`Store::link_records`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkSelection {
    /// Every visible record of the kind.
    All,
    /// Records assigned to no person (the input of an incremental run).
    Unassigned,
    /// Records assigned to a person whose block keys are missing or were computed from an
    /// older version (a changed record, or one a clerk assigned).
    Unblocked,
}

/// A visible record as the linkage reads it: its current payload and its person, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkRecord {
    pub handle: RecordHandle,
    pub key: RecordKey,
    /// The current version (1 for the first).
    pub version: u32,
    /// Canonical JSON of the current version.
    pub payload: String,
    pub person: Option<PersonNumber>,
}

/// The block keys of one record as computed from one of its versions ([`Store::put_blocks`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordBlocks {
    pub handle: RecordHandle,
    pub version: u32,
    /// The linkage engine's 64-bit block keys (opaque to the store).
    pub keys: Vec<u64>,
}

/// One person's part of [`Store::number_persons`]: issue `number` when `new`, then assign
/// `records` to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Numbering {
    pub number: PersonNumber,
    pub new: bool,
    pub records: Vec<RecordKey>,
    pub weight: Option<f64>,
}

/// A pair for the review queue ([`Store::add_reviews`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NewReview {
    pub left: RecordKey,
    pub right: RecordKey,
    pub weight: f64,
    /// JSON.
    pub explanation: String,
}

/// What deciding a review changes besides recording the decision ([`Store::apply_review`]).
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewEffect {
    /// Nothing: the decision agrees with the persons as they are, or applying it is left to a
    /// person (the reason says why).
    Nothing,
    /// Merge `absorb` into `keep` (as [`Store::merge_persons`]).
    Merge {
        keep: PersonNumber,
        absorb: PersonNumber,
    },
    /// Move `records` off `from` onto `new_number`, issued here (as [`Store::split_person`]).
    Split {
        from: PersonNumber,
        records: Vec<RecordKey>,
        new_number: PersonNumber,
    },
    /// Assign records that belong to no person to `number` (as [`Store::assign_records`]).
    Assign {
        number: PersonNumber,
        records: Vec<RecordKey>,
    },
    /// Issue `number` and assign `records` to it (a pair of records that belonged to no one).
    Create {
        number: PersonNumber,
        records: Vec<RecordKey>,
    },
}

/// The stored linkage model ([`Store::put_link_model`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredModel {
    /// Opaque to the store (JSON written by `marsad-unify`).
    pub text: String,
    pub saved_at: Timestamp,
}

/// A user account's id (assigned by the store, never reused). In the audit trail a user actor is
/// this number in decimal (`Actor::User("7")`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub i64);

/// A person who signs in (an official of an institution).
#[derive(Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    /// As given at creation; unique whatever its case.
    pub login: String,
    /// Free text, any script.
    pub display_name: String,
    /// The institution's `name`.
    pub institution: String,
    /// Role names, in the order given.
    pub roles: Vec<String>,
    /// argon2id PHC string.
    pub password_hash: String,
    /// The TOTP secret once enrolled, sealed by the server's vault (`vault-sealed:v1:...`; a
    /// clear base32 secret left by an older version is sealed when the server starts).
    pub totp_secret: Option<String>,
    /// The last TOTP step accepted (replay refusal); `None` before the first use.
    pub totp_last_step: Option<u64>,
    pub disabled: bool,
    pub created_at: Timestamp,
}

impl fmt::Debug for User {
    /// Redacts the password hash and the TOTP secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("login", &self.login)
            .field("display_name", &self.display_name)
            .field("institution", &self.institution)
            .field("roles", &self.roles)
            .field("password_hash", &"[REDACTED]")
            .field("totp_enrolled", &self.totp_secret.is_some())
            .field("totp_last_step", &self.totp_last_step)
            .field("disabled", &self.disabled)
            .field("created_at", &self.created_at)
            .finish()
    }
}

#[derive(Clone)]
pub struct NewUser<'a> {
    pub login: &'a str,
    pub display_name: &'a str,
    /// An existing institution's `name`.
    pub institution: &'a str,
    pub roles: &'a [String],
    /// argon2id PHC string.
    pub password_hash: &'a str,
    pub created_at: Timestamp,
}

impl fmt::Debug for NewUser<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("login", &self.login)
            .field("institution", &self.institution)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

/// An API token as stored: its public id, the SHA-256 of its secret and its scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// The `<id>` of `marsad_<id>_<secret>`.
    pub id: String,
    pub secret_hash: [u8; 32],
    /// The institution's `name`.
    pub institution: String,
    /// The action set as text (`submit,read`; `marsad_auth::ActionSet` parses it).
    pub actions: String,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    /// Who issued it (a user's login or id, or `system`).
    pub created_by: String,
    pub created_at: Timestamp,
}

/// A browser session as stored, keyed by SHA-256 of the session id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id_hash: [u8; 32],
    pub user: UserId,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// Whether the second factor was given in this session (the server issues a new session
    /// when it is, rather than updating this one).
    pub second_factor_done: bool,
}

/// A passkey (WebAuthn credential) as stored (migration `0005_passkeys`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyRow {
    /// Unique across every account.
    pub credential_id: Vec<u8>,
    pub user: UserId,
    /// The random handle of the account's passkeys.
    pub user_handle: Vec<u8>,
    /// The COSE public key as the authenticator sent it.
    pub public_key_cose: Vec<u8>,
    /// COSE algorithm (-7 ES256, -8 EdDSA, -257 RS256).
    pub algorithm: i64,
    pub sign_count: u32,
    /// 16 bytes.
    pub aaguid: Vec<u8>,
    pub backup_eligible: bool,
    pub backed_up: bool,
    /// Comma-separated (`internal,hybrid`).
    pub transports: String,
    /// The name the user gave it ("office laptop").
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// A sign-in ceremony (passkey or OpenID Connect) between its two requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ceremony {
    /// SHA-256 of the ceremony's random id.
    pub id_hash: [u8; 32],
    /// The account registering a passkey; `None` for a sign-in.
    pub user: Option<UserId>,
    /// `register`, `login` (passkeys) or `oidc`.
    pub kind: String,
    /// The ceremony state as JSON (`marsad_auth::webauthn`, `marsad_auth::oidc`).
    pub state: String,
    pub expires_at: Timestamp,
}

/// What a login throttle state is kept for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThrottleKind {
    /// A login name as submitted (normalised), whether or not it names an account.
    Account,
    /// A source address.
    Address,
}

impl ThrottleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ThrottleKind::Account => "account",
            ThrottleKind::Address => "address",
        }
    }
}

/// Why [`verify_audit`] failed.
#[derive(Debug, thiserror::Error)]
pub enum AuditVerifyError {
    /// The chain is broken at the named entry.
    #[error(transparent)]
    Broken(#[from] ChainBreak),
    /// The log could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Entries read per page by [`verify_audit`].
const AUDIT_VERIFY_PAGE: u32 = 1_000;

/// Reads the whole audit log in `seq` order, page by page, through
/// [`marsad_auth::ChainVerifier`]: the head reached, or the first broken entry (edited, deleted,
/// moved) by `seq`. `anchor` is the last head recorded outside the database (without one, a
/// deleted tail or a chain rebuilt from scratch cannot be seen; see `marsad_auth::audit`).
pub fn verify_audit(
    store: &dyn Store,
    anchor: Option<ChainHead>,
) -> Result<ChainHead, AuditVerifyError> {
    let mut verifier = marsad_auth::ChainVerifier::new(ChainHead::GENESIS, anchor);
    let mut after = 0;
    loop {
        let page = store.audit_entries(after, AUDIT_VERIFY_PAGE)?;
        for entry in &page {
            verifier.push(entry)?;
        }
        match page.last() {
            Some(last) if page.len() == AUDIT_VERIFY_PAGE as usize => after = last.seq,
            _ => break,
        }
    }
    Ok(verifier.finish()?)
}

/// The persistence interface. Implementations are synchronous and thread-safe; async callers use
/// `spawn_blocking`.
pub trait Store: Send + Sync {
    fn backend(&self) -> Backend;
    /// Current schema version (number of applied migrations).
    fn schema_version(&self) -> Result<i64>;

    // Institutions and sources.
    /// Creates the institution or returns the existing one with that name.
    fn ensure_institution(&self, new: &NewInstitution<'_>) -> Result<Institution>;
    fn institutions(&self) -> Result<Vec<Institution>>;
    /// Registers a source. `Conflict` if the name is taken; `NotFound` if the institution is unknown.
    fn add_source(&self, name: &str, institution: Option<&str>, at: Timestamp) -> Result<Source>;
    fn source(&self, name: &str) -> Result<Option<Source>>;
    fn sources(&self) -> Result<Vec<Source>>;

    // Submissions.
    fn begin_submission(&self, new: &NewSubmission<'_>) -> Result<Submission>;
    /// A submission of this source with this file and mapping hash in one of `statuses`, newest first.
    fn find_submission(
        &self,
        source: SourceId,
        file_hash: &str,
        mapping_hash: &str,
        statuses: &[SubmissionStatus],
    ) -> Result<Option<Submission>>;
    fn submission(&self, id: SubmissionId) -> Result<Submission>;
    /// Newest first; `source` filters; at most `limit`.
    fn submissions(&self, source: Option<SourceId>, limit: u32) -> Result<Vec<Submission>>;
    /// The mapping text the submission was imported with.
    fn submission_mapping(&self, id: SubmissionId) -> Result<String>;
    /// Commits one batch atomically and advances the checkpoint. Records are unique per
    /// (kind, record_id) within a submission (the caller de-duplicates).
    fn stage(&self, id: SubmissionId, batch: &Batch) -> Result<()>;
    /// Keys already staged for an `Importing` submission (to resume).
    fn staged_keys(&self, id: SubmissionId) -> Result<Vec<StagedKey>>;
    /// Makes the submission's records visible in one transaction: a staged record whose hash equals
    /// the record's current hash counts as unchanged and adds no version; any other becomes the
    /// record's next version. Open quarantine entries of the same source whose keys were accepted
    /// here become `Resolved` by this submission. Sets counts and `Complete`.
    fn finalize(&self, id: SubmissionId, at: Timestamp) -> Result<Submission>;
    /// Refuses the whole file (nothing staged is kept; the reason is).
    fn reject_submission(
        &self,
        id: SubmissionId,
        reason: &str,
        at: Timestamp,
    ) -> Result<Submission>;
    /// Marks an import failed and discards its staged rows (quarantined rows stay).
    fn fail_submission(&self, id: SubmissionId, reason: &str, at: Timestamp) -> Result<Submission>;
    fn report(&self, id: SubmissionId) -> Result<ImportReport>;

    // Quarantine.
    fn quarantine(&self, filter: &QuarantineFilter) -> Result<Vec<QuarantineEntry>>;
    fn quarantine_entry(&self, id: QuarantineId) -> Result<QuarantineEntry>;
    /// Stores a corrected row (the original `raw` is kept unchanged).
    fn correct_quarantine(&self, id: QuarantineId, corrected: &str) -> Result<()>;
    fn set_quarantine_status(
        &self,
        id: QuarantineId,
        status: QuarantineStatus,
        resolved_by: Option<SubmissionId>,
    ) -> Result<()>;

    // Records.
    /// The current visible version.
    fn record(
        &self,
        source: SourceId,
        kind: &str,
        record_id: &str,
    ) -> Result<Option<RecordVersion>>;
    /// Every version, oldest first.
    fn record_history(
        &self,
        source: SourceId,
        kind: &str,
        record_id: &str,
    ) -> Result<Vec<RecordVersion>>;
    /// Current versions of one kind across sources, in stable order, keyset-paged by an opaque
    /// cursor (`None` to start); returns the next cursor when more remain.
    fn records(
        &self,
        kind: &str,
        after: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<RecordVersion>, Option<i64>)>;
    fn count_records(&self) -> Result<Vec<KindCount>>;

    // Persons (unified numbers). All multi-row changes are one transaction.
    /// Issues `number`. `Conflict` if it was ever issued before (the caller draws another).
    fn create_person(&self, number: PersonNumber, actor: &str, at: Timestamp) -> Result<()>;
    /// The number as issued (a merged number shows its survivor). `NotFound` if never issued.
    fn person(&self, number: PersonNumber) -> Result<Person>;
    /// Assigns visible records to the person `number` resolves to, taking them from whichever
    /// person held them (a record belongs to one person at a time). Records already with that
    /// person are left as they are. Logs one `Assign` event when anything changed; returns how
    /// many records changed. `NotFound` for an unknown number or a record that is not visible.
    fn assign_records(
        &self,
        number: PersonNumber,
        records: &[RecordKey],
        actor: &str,
        weight: Option<f64>,
        at: Timestamp,
    ) -> Result<u64>;
    /// The (active) person a record belongs to, if any.
    fn person_of(&self, record: &RecordKey) -> Result<Option<PersonNumber>>;
    /// The records of the person `number` resolves to, ordered by key. `NotFound` if never issued.
    fn person_records(&self, number: PersonNumber) -> Result<Vec<RecordKey>>;
    /// The active number `number` stands for: itself, or for an alias the final survivor of
    /// its merges. `NotFound` if never issued.
    fn resolve_number(&self, number: PersonNumber) -> Result<PersonNumber>;
    /// Visible current records of `kind` assigned to no person (the incremental linker's input),
    /// keyset-paged like [`Store::records`]. Staged records of importing submissions are never
    /// listed.
    fn unassigned_records(
        &self,
        kind: &str,
        after: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<RecordVersion>, Option<i64>)>;
    /// Merges `absorb` into `keep`: its records move to `keep`, it becomes an alias of `keep`
    /// (and so do the numbers that were aliases of it), and a `Merge` event is logged.
    /// `Invalid` when the two are the same or either is already merged; `NotFound` if either
    /// was never issued.
    fn merge_persons(
        &self,
        keep: PersonNumber,
        absorb: PersonNumber,
        actor: &str,
        reason: &str,
        at: Timestamp,
    ) -> Result<()>;
    /// Splits `records` off the person `number` resolves to onto `new_number`, issued here, and
    /// logs a `Split` event. `Conflict` if `new_number` was ever issued; `Invalid` if `records`
    /// is empty or holds a record that is not this person's; `NotFound` for an unknown number.
    fn split_person(
        &self,
        number: PersonNumber,
        records: &[RecordKey],
        new_number: PersonNumber,
        actor: &str,
        reason: &str,
        at: Timestamp,
    ) -> Result<()>;
    /// Puts a pair in the review queue; the pair is unordered, and adding it again (either way
    /// round) returns the existing review unchanged. `Invalid` for a record paired with itself,
    /// a weight that is not finite, or an explanation that is not JSON.
    fn add_review(
        &self,
        left: &RecordKey,
        right: &RecordKey,
        weight: f64,
        explanation: &str,
        at: Timestamp,
    ) -> Result<ReviewId>;
    /// One review. `NotFound` if unknown.
    fn review(&self, id: ReviewId) -> Result<LinkReview>;
    /// Reviews by id, `status` filtering, after `after` (keyset paging), at most `limit`.
    fn reviews(
        &self,
        status: Option<ReviewStatus>,
        after: Option<ReviewId>,
        limit: u32,
    ) -> Result<Vec<LinkReview>>;
    /// Records a clerk's decision (and a `Review` event naming the pair's persons). Applying it
    /// (merging or splitting) is the caller's next step. `Conflict` if already decided;
    /// `NotFound` if unknown.
    fn decide_review(
        &self,
        id: ReviewId,
        accepted: bool,
        actor: &str,
        at: Timestamp,
    ) -> Result<LinkReview>;
    /// Every decided pair, oldest decision first: `true` for same person. Labels for the next
    /// estimation of the linkage model.
    fn review_labels(&self) -> Result<Vec<(RecordKey, RecordKey, bool)>>;
    /// The log of the person `number` resolves to, including events of the numbers merged into
    /// it, oldest first. `NotFound` if never issued.
    fn person_events(&self, number: PersonNumber) -> Result<Vec<PersonEvent>>;
    /// The numbers merged into the person `number` resolves to (its aliases), ascending.
    /// `NotFound` if never issued.
    fn person_aliases(&self, number: PersonNumber) -> Result<Vec<PersonNumber>>;
    /// Records a clerk's decision (as [`Store::decide_review`], its `Review` event carrying
    /// `reason`) and applies `effect` in the same transaction, logging the merge, split or
    /// assignment with `actor` and `reason`. Nothing is kept when any part fails: `Conflict`
    /// if the review was decided already (or a split's number was issued before), `Invalid`
    /// when the persons changed since the effect was planned (plan again), `NotFound` if the
    /// review is unknown.
    fn apply_review(
        &self,
        id: ReviewId,
        accepted: bool,
        effect: &ReviewEffect,
        actor: &str,
        reason: &str,
        at: Timestamp,
    ) -> Result<LinkReview>;
    /// Issues and assigns many persons in one transaction, as [`Store::create_person`] and
    /// [`Store::assign_records`] would one by one (the same events), except that a record that
    /// belongs to a person already stays with it (another run numbered it meanwhile), and a new
    /// person all of whose records are taken is not issued. Returns how many records changed.
    /// `Conflict` (and nothing kept) when a new number was issued before; `NotFound` for a
    /// record that is not visible.
    fn number_persons(&self, batch: &[Numbering], actor: &str, at: Timestamp) -> Result<u64>;
    /// Adds many pairs to the review queue in one transaction, as [`Store::add_review`] one by
    /// one; each pair's id, and whether it is new in the queue (`false`: it was there before,
    /// open or decided, and is unchanged).
    fn add_reviews(&self, reviews: &[NewReview], at: Timestamp) -> Result<Vec<(ReviewId, bool)>>;

    // The incremental linker's index: block keys of numbered records and the stored model.
    /// Visible records of `kind` with their payload and person, keyset-paged like
    /// [`Store::records`].
    fn link_records(
        &self,
        kind: &str,
        selection: LinkSelection,
        after: Option<i64>,
        limit: u32,
    ) -> Result<(Vec<LinkRecord>, Option<i64>)>;
    /// Replaces the block keys of each record (and notes the version they were computed from).
    fn put_blocks(&self, blocks: &[RecordBlocks]) -> Result<()>;
    /// How many records hold each of `keys` (keys no record holds are left out).
    fn block_sizes(&self, keys: &[u64]) -> Result<Vec<(u64, u64)>>;
    /// The records holding any of `keys`, each once, ascending.
    fn block_members(&self, keys: &[u64]) -> Result<Vec<RecordHandle>>;
    /// The visible records of the persons `numbers` (active numbers), ascending.
    fn person_members(&self, numbers: &[PersonNumber]) -> Result<Vec<RecordHandle>>;
    /// The visible records among `handles` as [`Store::link_records`] gives them, by handle;
    /// unknown handles are left out.
    fn link_records_by_handle(&self, handles: &[RecordHandle]) -> Result<Vec<LinkRecord>>;
    /// Forgets every block key and the stored model, in one transaction (a full run rebuilds
    /// them; until it has, incremental runs have nothing to work from).
    fn clear_link_index(&self) -> Result<()>;
    /// Stores the linkage model, replacing the one before.
    fn put_link_model(&self, model: &str, at: Timestamp) -> Result<()>;
    fn link_model(&self) -> Result<Option<StoredModel>>;

    // Users and their second factor.
    /// Creates a user. `Conflict` if the login name is taken in any case (`Ali` and `ali` are
    /// one name); `NotFound` if the institution is unknown.
    fn create_user(&self, new: &NewUser<'_>) -> Result<User>;
    /// Whether any user exists: the command that creates the first administrator refuses to run
    /// when one does.
    fn users_exist(&self) -> Result<bool>;
    /// The user whose login name equals `login` ignoring case.
    fn user_by_login(&self, login: &str) -> Result<Option<User>>;
    /// One user. `NotFound` if unknown.
    fn user(&self, id: UserId) -> Result<User>;
    /// Every user, by id.
    fn users(&self) -> Result<Vec<User>>;
    /// Replaces the password hash (a change, an administrator's reset or a re-hash).
    /// `NotFound` if unknown.
    fn set_user_password(&self, id: UserId, password_hash: &str) -> Result<()>;
    /// Enrols (`Some`) or removes (`None`) the TOTP secret; either way the last used step is
    /// forgotten. `NotFound` if unknown.
    fn set_user_totp(&self, id: UserId, secret: Option<&str>) -> Result<()>;
    /// Records that the TOTP code of `step` was accepted, atomically and only if `step` is later
    /// than the last step recorded: `false` means a concurrent login already used this (or a
    /// later) step, and the code must be refused as a replay. `NotFound` if unknown.
    fn advance_totp_step(&self, id: UserId, step: u64) -> Result<bool>;
    /// `NotFound` if unknown.
    fn set_user_roles(&self, id: UserId, roles: &[String]) -> Result<()>;
    /// `NotFound` if unknown.
    fn set_user_disabled(&self, id: UserId, disabled: bool) -> Result<()>;
    /// Replaces the user's recovery codes (SHA-256 of each) with a new set. `NotFound` if unknown.
    fn set_recovery_codes(&self, user: UserId, hashes: &[[u8; 32]], at: Timestamp) -> Result<()>;
    /// The hashes of the user's unused recovery codes, in a stable order (what
    /// `marsad_auth::verify_recovery_code` takes).
    fn unused_recovery_codes(&self, user: UserId) -> Result<Vec<[u8; 32]>>;
    /// Marks the code with this hash used, atomically: `true` once, `false` if it was already
    /// used (also concurrently) or is not the user's.
    fn consume_recovery_code(&self, user: UserId, hash: &[u8; 32], at: Timestamp) -> Result<bool>;

    // API tokens.
    /// Stores a newly issued token (`revoked_at` is ignored). `Conflict` if the id exists;
    /// `NotFound` if the institution is unknown.
    fn create_token(&self, token: &ApiToken) -> Result<()>;
    fn token(&self, id: &str) -> Result<Option<ApiToken>>;
    /// The institution's tokens, revoked and expired ones included, oldest first.
    fn tokens(&self, institution: &str) -> Result<Vec<ApiToken>>;
    /// Revokes the token at `at` (revoking again keeps the first time). `NotFound` if unknown.
    fn revoke_token(&self, id: &str, at: Timestamp) -> Result<()>;

    // Sessions.
    /// `Conflict` if the hash exists; `NotFound` if the user is unknown.
    fn create_session(&self, session: &SessionRow) -> Result<()>;
    fn session(&self, id_hash: &[u8; 32]) -> Result<Option<SessionRow>>;
    /// Sets `last_seen_at`; `false` if there is no such session.
    fn touch_session(&self, id_hash: &[u8; 32], at: Timestamp) -> Result<bool>;
    /// `false` if there was no such session.
    fn delete_session(&self, id_hash: &[u8; 32]) -> Result<bool>;
    /// Ends every session of the user (disabled, password reset); returns how many.
    fn delete_user_sessions(&self, user: UserId) -> Result<u64>;

    // Passkeys.
    /// Stores a new passkey. `Conflict` if its credential id is registered (to anyone);
    /// `NotFound` if the user is unknown.
    fn add_passkey(&self, passkey: &PasskeyRow) -> Result<()>;
    fn passkey(&self, credential_id: &[u8]) -> Result<Option<PasskeyRow>>;
    /// The user's passkeys, oldest first.
    fn passkeys(&self, user: UserId) -> Result<Vec<PasskeyRow>>;
    /// Records a sign-in with the passkey: its new counter and backup state. `false` if unknown.
    fn use_passkey(
        &self,
        credential_id: &[u8],
        sign_count: u32,
        backed_up: bool,
        at: Timestamp,
    ) -> Result<bool>;
    /// Removes one of the user's passkeys; `false` if the user has no such passkey.
    fn delete_passkey(&self, user: UserId, credential_id: &[u8]) -> Result<bool>;
    /// Stores a ceremony's state (and sweeps expired ones). `Conflict` if the id exists.
    fn put_ceremony(&self, ceremony: &Ceremony) -> Result<()>;
    /// Reads and deletes a ceremony atomically: a state is used at most once. Expired ones
    /// are `None` (and deleted).
    fn take_ceremony(&self, id_hash: &[u8; 32], now: Timestamp) -> Result<Option<Ceremony>>;

    // Login throttling.
    /// The state for `key` (a clean `ThrottleState::default()` when none is stored).
    fn throttle(&self, kind: ThrottleKind, key: &str) -> Result<ThrottleState>;
    /// Stores the state for `key`, replacing any.
    fn put_throttle(&self, kind: ThrottleKind, key: &str, state: &ThrottleState) -> Result<()>;
    /// Forgets `key` (an idle state, or an administrator's unlock).
    fn delete_throttle(&self, kind: ThrottleKind, key: &str) -> Result<()>;

    // The audit trail.
    /// Appends `event` as the next entry of the chain in one transaction: reads the head, links
    /// the entry to it (`marsad_auth::append`), inserts it. A concurrent writer that took the same
    /// `seq` makes this one retry from a fresh head (bounded; `Conflict` if it never gets a
    /// place). `Invalid` for an event `marsad_auth` refuses (an empty or NUL-holding field).
    fn audit_append(&self, event: &AuditEvent) -> Result<AuditEntry>;
    /// Appends `events` in order as consecutive entries, in one transaction (all or none); the
    /// last entry, or `None` for no events. For reads that touch many persons at once.
    fn audit_append_all(&self, events: &[AuditEvent]) -> Result<Option<AuditEntry>>;
    /// Entries with `seq > after_seq`, in `seq` order, at most `limit` (at most 10,000), as
    /// stored: for verification (see [`verify_audit`]) and export.
    fn audit_entries(&self, after_seq: u64, limit: u32) -> Result<Vec<AuditEntry>>;
    /// The entries about one object (e.g. `person` and a unified number: who saw this
    /// person's file), newest first, at most `limit`.
    fn audit_by_object(&self, kind: &str, id: &str, limit: u32) -> Result<Vec<AuditEntry>>;
    /// The entries of one actor, newest first, at most `limit`.
    fn audit_by_actor(&self, actor: &Actor, limit: u32) -> Result<Vec<AuditEntry>>;

    // Dossiers (case files, migration 0006): per person and institution, typed entries whose
    // every change is a new version, attachments never deleted (withdrawn at most). Each change
    // appends its `audit` event in the same transaction: it is on record or it does not happen.
    // A change of a closed dossier's content, a stale `expected_version`, an attachment over the
    // count limit or a second withdrawal is `Invalid` (nothing kept).
    /// Opens a dossier (status open, version 1) for the person `new.person` resolves to.
    /// `NotFound` for a number never issued or an unknown institution; `Invalid` for a blank title.
    fn create_dossier(&self, new: &NewDossier<'_>, audit: &AuditEvent) -> Result<Dossier>;
    /// The dossier as it is now. `NotFound` if unknown.
    fn dossier(&self, id: DossierId) -> Result<Dossier>;
    /// Every version of the dossier (title, status, who, when), oldest first.
    fn dossier_history(&self, id: DossierId) -> Result<Vec<Dossier>>;
    /// The dossiers of the person `number` resolves to (those opened under its aliases
    /// included), oldest first. `NotFound` for a number never issued.
    fn person_dossiers(&self, number: PersonNumber) -> Result<Vec<Dossier>>;
    /// Changes the title and/or status as a new version (none when nothing changes).
    fn change_dossier(
        &self,
        id: DossierId,
        change: &DossierChange<'_>,
        audit: &AuditEvent,
    ) -> Result<Dossier>;
    /// Adds an entry (version 1) to an open dossier.
    fn add_entry(&self, new: &NewEntry<'_>, audit: &AuditEvent) -> Result<EntryVersion>;
    /// Writes the next version of an entry of an open dossier (none when nothing changes).
    fn change_entry(
        &self,
        id: EntryId,
        change: &EntryChange<'_>,
        audit: &AuditEvent,
    ) -> Result<EntryVersion>;
    /// The current version of an entry. `NotFound` if unknown.
    fn entry(&self, id: EntryId) -> Result<EntryVersion>;
    /// The current version of each entry of the dossier (removed ones included), by entry id.
    fn dossier_entries(&self, id: DossierId) -> Result<Vec<EntryVersion>>;
    /// Every version of an entry, oldest first. `NotFound` if unknown.
    fn entry_history(&self, id: EntryId) -> Result<Vec<EntryVersion>>;
    /// Records an attachment of an open dossier whose blob is already in the vault, unless the
    /// dossier holds `max_active` attachments that are not withdrawn. The entry, when given,
    /// must be the dossier's and not removed.
    fn add_attachment(
        &self,
        new: &NewAttachment<'_>,
        max_active: u64,
        audit: &AuditEvent,
    ) -> Result<Attachment>;
    /// One attachment. `NotFound` if unknown.
    fn attachment(&self, id: AttachmentId) -> Result<Attachment>;
    /// The dossier's attachments (withdrawn ones included), by id.
    fn dossier_attachments(&self, id: DossierId) -> Result<Vec<Attachment>>;
    /// Marks an attachment withdrawn (its row and blob are kept).
    fn withdraw_attachment(
        &self,
        id: AttachmentId,
        actor: &str,
        reason: Option<&str>,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> Result<Attachment>;
    /// Every blob id an attachment, a fingerprint or a released microdata extract refers to,
    /// ascending (the vault's orphan cleanup keeps these).
    fn attachment_blob_ids(&self) -> Result<Vec<String>>;
    /// Whether any attachment, fingerprint or microdata extract refers to the blob.
    fn blob_referenced(&self, blob_id: &str) -> Result<bool>;

    // Fingerprints (migration 0007): captures never deleted (withdrawn at most), templates by
    // version. Each change appends its `audit` event in the same transaction.
    /// Records a capture whose original and template blobs are already in the vault, for the
    /// person `new.person` resolves to. `NotFound` for an unknown number or institution.
    fn enrol_fingerprint(
        &self,
        new: &NewFingerprint<'_>,
        audit: &AuditEvent,
    ) -> Result<Fingerprint>;
    /// Adds a template version (a re-extraction) to a capture that is not withdrawn.
    fn add_fingerprint_template(
        &self,
        id: FingerprintId,
        template: &NewTemplate<'_>,
        actor: &str,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> Result<Fingerprint>;
    /// One capture with its latest template. `NotFound` if unknown.
    fn fingerprint(&self, id: FingerprintId) -> Result<Fingerprint>;
    /// Every template version of a capture, oldest first.
    fn fingerprint_templates(&self, id: FingerprintId) -> Result<Vec<TemplateVersion>>;
    /// The captures of the person `number` resolves to (withdrawn ones included), by id.
    fn person_fingerprints(&self, number: PersonNumber) -> Result<Vec<Fingerprint>>;
    /// Captures not withdrawn with an id above `after`, by id, at most `limit` (≤ 10,000).
    fn active_fingerprints(&self, after: FingerprintId, limit: u32) -> Result<Vec<Fingerprint>>;
    /// Marks a capture withdrawn (its row and blobs are kept).
    fn withdraw_fingerprint(
        &self,
        id: FingerprintId,
        actor: &str,
        reason: Option<&str>,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> Result<Fingerprint>;
    /// Captures not withdrawn, and the persons they belong to.
    fn fingerprint_counts(&self) -> Result<(u64, u64)>;
    /// The highest capture id, withdrawals, template versions and merged numbers: what
    /// tells a matcher's gallery (one per server process) whether it is still current.
    fn fingerprint_state(&self) -> Result<FingerprintState>;
    /// The persons (active numbers) with a capture that is not withdrawn, ascending.
    fn fingerprinted_persons(&self) -> Result<Vec<PersonNumber>>;

    // Statistics (the materialised cube; `marsad-figures` computes what goes in).
    /// How far the cube is up to date; `None` before the first refresh.
    fn stats_state(&self) -> Result<Option<StatsState>>;
    /// What changed since the last refresh: complete submissions not applied yet with the
    /// records they made current, and the persons and records named by person events after
    /// the watermark. `full`: every complete submission and the last event, no records.
    fn stats_changes(&self, full: bool) -> Result<StatsChanges>;
    /// The current versions of these records (any kind) with their persons; unknown keys are
    /// left out.
    fn stats_records(&self, keys: &[RecordKey]) -> Result<Vec<LinkRecord>>;
    /// The member rows of these records (records never counted are left out).
    fn stats_members_of_records(&self, keys: &[RecordKey]) -> Result<Vec<StatsMember>>;
    /// The member rows of these units.
    fn stats_members_of_units(&self, units: &[String]) -> Result<Vec<StatsMember>>;
    /// The member rows that refer to one of these person records (`person_ref` in the same
    /// source).
    fn stats_members_referring(&self, persons: &[RecordKey]) -> Result<Vec<StatsMember>>;
    /// The facts these units hold, as `(unit, facts)`, by unit.
    fn stats_unit_facts(&self, units: &[String]) -> Result<Vec<(String, String)>>;
    /// The units that are single records of `kind` (aggregates such as remittance flows: each
    /// its own unit, `r:SOURCE:KIND:ID`), with their facts: the contributions the dominance
    /// rule of amounts reads.
    fn stats_record_units(&self, kind: &str) -> Result<Vec<(String, String)>>;
    /// Applies one refresh in one transaction (see [`StatsBatch`]).
    fn stats_apply(&self, batch: &StatsBatch) -> Result<()>;
    /// Cells ordered by (indicator, period, key), after `after`, at most `limit`.
    fn stats_cells(
        &self,
        after: Option<&(String, String, String)>,
        limit: u32,
    ) -> Result<Vec<StatCell>>;
    /// Forgets the cube, its units and its watermark (the next refresh is a full one).
    fn stats_clear(&self) -> Result<()>;

    // Run locks (migration 0011): a long job that must not run twice at once over one store.
    /// Takes the lock `name` for `holder` (a text naming the run, unique to it); `Some` with
    /// who holds it since when if another run has it.
    fn take_run_lock(&self, name: &str, holder: &str, at: Timestamp) -> Result<Option<RunLock>>;
    /// Gives the lock back if `holder` has it (nothing otherwise).
    fn release_run_lock(&self, name: &str, holder: &str) -> Result<()>;
    /// Removes the lock whoever holds it (a run that died); what it was.
    fn break_run_lock(&self, name: &str) -> Result<Option<RunLock>>;

    // GCM monitoring (migration 0009, issue 9): the plan, the missing-migrant register, the
    // referral mechanism and complaints. The rules are `marsad-gcm`'s; the store keeps rows and
    // never overwrites one. Writes about persons append their `audit` event in the same
    // transaction.
    /// Stores `row` as the next version of its action: version 1 creates it (`Conflict` if the id is
    /// taken); a later version must follow the current one (`Invalid` otherwise).
    fn save_plan_action(&self, row: &crate::PlanActionRow) -> Result<()>;
    /// The current version of an action. `NotFound` if unknown.
    fn plan_action(&self, id: &str) -> Result<crate::PlanActionRow>;
    /// The current version of every action, by id.
    fn plan_actions(&self) -> Result<Vec<crate::PlanActionRow>>;
    /// Every version of an action, oldest first. `NotFound` if unknown.
    fn plan_action_history(&self, id: &str) -> Result<Vec<crate::PlanActionRow>>;
    /// Attaches an indicator (its measurements are added separately). `Conflict` if the action
    /// has one with this code; `NotFound` for an unknown action.
    fn add_plan_indicator(&self, row: &crate::IndicatorRow) -> Result<()>;
    /// Records a measured value. `Conflict` if the indicator has one for this period.
    fn add_plan_measurement(
        &self,
        action: &str,
        code: &str,
        m: &crate::MeasurementRow,
        actor: &str,
        at: Timestamp,
    ) -> Result<()>;
    /// Every indicator with its measurements in period order, by action and code.
    fn plan_indicators(&self) -> Result<Vec<crate::IndicatorRow>>;
    /// Records an evaluation; its id.
    fn add_plan_evaluation(&self, row: &crate::EvaluationRow) -> Result<i64>;
    /// Every evaluation, by id.
    fn plan_evaluations(&self) -> Result<Vec<crate::EvaluationRow>>;
    /// Links an attachment as evidence of an action; its id. `NotFound` for an unknown
    /// action or attachment.
    fn add_plan_evidence(&self, row: &crate::EvidenceRow) -> Result<i64>;
    /// Every piece of evidence, by id.
    fn plan_evidence(&self) -> Result<Vec<crate::EvidenceRow>>;
    /// Stores a report of an incident with its sources and, in the same transaction, its links
    /// (other report id, reasons) to the reports judged the same incident.
    fn add_incident(
        &self,
        new: &crate::IncidentRow,
        links: &[(i64, String)],
    ) -> Result<crate::IncidentRow>;
    /// One report. `NotFound` if unknown.
    fn incident(&self, id: i64) -> Result<crate::IncidentRow>;
    /// Reports dated `from..=to`, by date then id.
    fn incidents(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<crate::IncidentRow>>;
    /// Every link between two reports of one incident.
    fn incident_links(&self) -> Result<Vec<crate::IncidentLink>>;
    /// Records that a person (the active number `person` resolves to, returned) is among the
    /// dead or missing of an incident. `Conflict` if already linked.
    fn link_incident_person(
        &self,
        id: i64,
        person: PersonNumber,
        actor: &str,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> Result<PersonNumber>;
    /// The persons linked to an incident (active numbers).
    fn incident_persons(&self, id: i64) -> Result<Vec<PersonNumber>>;
    /// Records an identified victim (the case referrals belong to).
    fn add_trafficking_case(
        &self,
        new: &crate::TraffickingCase,
        audit: &AuditEvent,
    ) -> Result<crate::TraffickingCase>;
    /// One case. `NotFound` if unknown.
    fn trafficking_case(&self, id: i64) -> Result<crate::TraffickingCase>;
    /// Every case, by id.
    fn trafficking_cases(&self) -> Result<Vec<crate::TraffickingCase>>;
    /// Records a proposed referral of an existing case (no events yet).
    fn add_referral(
        &self,
        new: &crate::ReferralRow,
        audit: &AuditEvent,
    ) -> Result<crate::ReferralRow>;
    /// A referral with every move. `NotFound` if unknown.
    fn referral(&self, id: i64) -> Result<crate::ReferralRow>;
    /// Every referral with its moves, by id.
    fn referrals(&self) -> Result<Vec<crate::ReferralRow>>;
    /// Records a move decided on the referral after `event.seq - 1` moves, from `event.from`
    /// (`Invalid` when it moved meanwhile).
    fn move_referral(
        &self,
        id: i64,
        event: &crate::ReferralEvent,
        audit: &AuditEvent,
    ) -> Result<crate::ReferralRow>;
    /// Stores a complaint (its `events` are ignored). `Conflict` when the reference is taken.
    fn add_complaint(&self, new: &crate::ComplaintRow) -> Result<crate::ComplaintRow>;
    /// A complaint with every change of status. `NotFound` if unknown.
    fn complaint(&self, reference: &str) -> Result<crate::ComplaintRow>;
    /// The complaints handled by `handler` (every one for `None`), oldest first.
    fn complaints(&self, handler: Option<&str>) -> Result<Vec<crate::ComplaintRow>>;
    /// Records a change of status decided after `event.seq - 1` changes, from `event.from`
    /// (`Invalid` when it changed meanwhile).
    fn move_complaint(
        &self,
        reference: &str,
        event: &crate::ComplaintEvent,
        audit: &AuditEvent,
    ) -> Result<crate::ComplaintRow>;

    // Research microdata extracts (migration 0010, issue 7): requests, every change of their
    // status, released files. Who may request and decide is the policy's; building and treating
    // an extract is `figures`' and `stats`'. Every write appends its `audit` event in the same
    // transaction.
    /// Stores a new request (its `id` and `events` are ignored); the request as stored.
    fn add_microdata_request(
        &self,
        new: &crate::MicrodataRequestRow,
        audit: &AuditEvent,
    ) -> Result<crate::MicrodataRequestRow>;
    /// A request with every change of status. `NotFound` if unknown.
    fn microdata_request(&self, id: i64) -> Result<crate::MicrodataRequestRow>;
    /// The requests made from `institution` (every one for `None`), oldest first.
    fn microdata_requests(
        &self,
        institution: Option<&str>,
    ) -> Result<Vec<crate::MicrodataRequestRow>>;
    /// The ids of the requests left `approved` (their extract not built or not recorded yet),
    /// oldest first: one small query, for a server's start.
    fn approved_microdata_requests(&self) -> Result<Vec<i64>>;
    /// Records consecutive changes of status, the first decided on the request after
    /// `events[0].seq - 1` changes (`Invalid` when it changed meanwhile), and with a release its
    /// file, all in one transaction with `audit`.
    fn move_microdata_request(
        &self,
        id: i64,
        events: &[crate::MicrodataEvent],
        extract: Option<&crate::MicrodataExtract>,
        audit: &AuditEvent,
    ) -> Result<crate::MicrodataRequestRow>;
    /// The released file of a request. `NotFound` when none was released.
    fn microdata_extract(&self, id: i64) -> Result<crate::MicrodataExtract>;
}

/// Opens the store named by `url`: `postgres://...` / `postgresql://...` for PostgreSQL, anything
/// else is a path to the SQLite file. Applies pending migrations.
pub fn open(url: &str) -> Result<Box<dyn Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Box::new(postgres::PostgresStore::connect(url)?))
    } else {
        Ok(Box::new(sqlite::SqliteStore::open(std::path::Path::new(
            url,
        ))?))
    }
}

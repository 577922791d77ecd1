//! marsad's domain model: the record kinds and their canonical fields, the codelists (ISO 3166-1
//! countries with Arabic/French/English names and institution spellings, sex, age groups,
//! ISCO-08, ISIC Rev.4, ISO 4217 and the record-kind enumerations), and [`validate`], which turns
//! one row of raw values into a [`CanonicalRecord`] or the list of everything wrong with it.
//!
//! What this crate does **not** do: no I/O (files, network, environment), no SQL, no HTTP, no
//! async, and it never reads the clock — `today` is a field of [`Context`], and code elsewhere
//! that needs "now" takes a [`Clock`] ([`SystemClock`] is the one place that reads the system
//! clock). Mapping institution columns to canonical field names is the ingest crate's job;
//! storing records is the store crate's.
//!
//! Invariants: a [`CanonicalRecord`] only comes out of [`validate`] (or back from the store via
//! [`CanonicalRecord::from_json`]), so every value in it is canonical; [`CanonicalRecord::to_json`]
//! is byte-for-byte deterministic and [`CanonicalRecord::content_hash`] is its SHA-256.
//! Field names are the contract of `docs/record-kinds.md`; `docs/data-model.md` documents them.

mod clock;
pub mod codes;
mod kind;
mod record;
mod unified;
mod validate;
mod values;

pub use clock::{Clock, FixedClock, SystemClock};
pub use codes::Lang;
pub use kind::{FieldSpec, FieldType, RecordKind, PERSON_NAME_FIELDS};
pub use record::{CanonicalRecord, RecordError};
pub use unified::{verhoeff_check_digit, verhoeff_valid, UnifiedNumber, UnifiedNumberError};
pub use validate::{validate, Context, FieldIssue, RawField, Validated};
pub use values::{human_format, name_script};

//! The audit trail's entry format: append-only and hash-chained, so that changing, deleting,
//! reordering or (with an anchored head) truncating entries is detected and the first broken
//! entry is named.
//!
//! **Entry.** [`AuditEntry`]: `seq` (1, 2, 3, … with no gaps), `at`, `actor` (a user, an API
//! token's id, or a named system job), `institution` (the actor's, by its stable
//! `institutions.name`), `action` (`login`, `read`, `export`, `correct`, `policy-change`, …),
//! `object` (kind and id, e.g. `person` / a unified number, or `record` / a record key), `purpose`
//! (free text the user gave; [`require_purpose`] enforces it for sensitive reads), `outcome`,
//! `prev_hash` (the previous entry's hash; 32 zero bytes for entry 1) and `hash`.
//!
//! **Hash.** `hash = SHA-256(canonical bytes)`, where the canonical bytes are, in this order:
//! the tag `marsad-audit-v1\0`; `seq` as u64 big-endian; `at` as i64 big-endian microseconds
//! since 1970-01-01T00:00:00Z (the precision both store engines keep; [`append`] truncates to it);
//! the actor as one tag byte (1 user, 2 token, 3 system) and a string; `institution` as an
//! optional string; `action` as a string; `object` as 0, or 1 followed by the kind and the id as
//! strings; `purpose` as an optional string; `outcome` as one byte (1 success, 2 denied,
//! 3 failed); `prev_hash`'s 32 bytes. A string is its UTF-8 length as u32 big-endian then its
//! bytes; an optional string is 0, or 1 followed by the string. Every field is self-delimiting and
//! the order is fixed, so two different entries never have the same bytes (tested), and the
//! format can be re-implemented from this paragraph (e.g. by an auditor's script).
//!
//! **What verification proves.** [`verify_chain`] (or [`ChainVerifier`] for a stream read page by
//! page) recomputes every hash and link: an edited entry no longer matches its hash
//! ([`BreakReason::Changed`]); an edited and re-hashed entry breaks the next entry's link
//! ([`BreakReason::LinkBroken`]); a deleted entry leaves a gap in `seq`
//! ([`BreakReason::Missing`]); entries swapped between rows are found at the wrong `seq`
//! ([`BreakReason::Moved`] or [`BreakReason::OutOfOrder`]). What the chain alone cannot show is a
//! deleted *tail* (the last entries removed) or a chain rebuilt from scratch by someone who can
//! write the whole table: both leave a self-consistent chain. They are caught by **anchoring the
//! head externally**: periodically record `(seq, hash)` of the last entry ([`ChainHead`]) outside
//! the database — in the data-protection officer's report, a signed e-mail, another institution's
//! system, a printed register — and pass the last anchor to verification
//! ([`BreakReason::Truncated`], [`BreakReason::HeadMismatch`]).

use std::fmt;

use chrono::{DateTime, Utc};

/// The tag that starts every entry's canonical bytes.
const DOMAIN: &[u8] = b"marsad-audit-v1\0";
/// How far [`BreakReason::Moved`] looks for the `seq` an intact entry was written with.
const MOVED_SEARCH: u64 = 16;
/// Longest purpose text, in characters.
pub const MAX_PURPOSE_CHARS: usize = 500;

/// Who acted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    /// A person, by user id (or login name as the store defines it).
    User(String),
    /// A machine, by API token id (the `<id>` of `marsad_<id>_<secret>`).
    Token(String),
    /// marsad itself (`demo`, `retention`, `import`, …).
    System(String),
}

impl Actor {
    /// `user`, `token` or `system` (a text column next to the id).
    pub fn kind(&self) -> &'static str {
        match self {
            Self::User(_) => "user",
            Self::Token(_) => "token",
            Self::System(_) => "system",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Self::User(id) | Self::Token(id) | Self::System(id) => id,
        }
    }

    /// The actor from its stored kind and id; `None` for an unknown kind.
    pub fn from_parts(kind: &str, id: String) -> Option<Self> {
        match kind {
            "user" => Some(Self::User(id)),
            "token" => Some(Self::Token(id)),
            "system" => Some(Self::System(id)),
            _ => None,
        }
    }

    fn tag(&self) -> u8 {
        match self {
            Self::User(_) => 1,
            Self::Token(_) => 2,
            Self::System(_) => 3,
        }
    }
}

/// What was acted on: a kind (`person`, `record`, `case`, `policy`, `user`, …) and its id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuditObject {
    pub kind: String,
    pub id: String,
}

/// How the action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    Success,
    /// Refused by authentication or policy.
    Denied,
    /// Allowed but failed (an error).
    Failed,
}

impl Outcome {
    /// `success`, `denied`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Denied => "denied",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Success, Self::Denied, Self::Failed]
            .into_iter()
            .find(|o| o.as_str() == s)
    }

    fn tag(self) -> u8 {
        match self {
            Self::Success => 1,
            Self::Denied => 2,
            Self::Failed => 3,
        }
    }
}

/// A purpose given for a sensitive read: 1 to [`MAX_PURPOSE_CHARS`] characters after trimming,
/// no control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Purpose(String);

impl Purpose {
    pub fn parse(text: &str) -> Result<Self, AuditError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(AuditError::PurposeRequired);
        }
        if t.chars().count() > MAX_PURPOSE_CHARS || t.chars().any(char::is_control) {
            return Err(AuditError::InvalidPurpose);
        }
        Ok(Self(t.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// For a read the policy marks sensitive: the purpose the user gave, or
/// [`AuditError::PurposeRequired`] (the server answers 400 and does not read).
pub fn require_purpose(given: Option<&str>) -> Result<Purpose, AuditError> {
    Purpose::parse(given.unwrap_or(""))
}

/// Why an event cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    #[error("a purpose is required for this access")]
    PurposeRequired,
    #[error(
        "the purpose must be at most {MAX_PURPOSE_CHARS} characters without control characters"
    )]
    InvalidPurpose,
    #[error("the audit field {0} is empty or contains a NUL character")]
    InvalidField(&'static str),
    #[error("the audit sequence number overflowed")]
    SequenceOverflow,
}

/// What happened, before it gets its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub institution: Option<String>,
    pub action: String,
    pub object: Option<AuditObject>,
    pub purpose: Option<Purpose>,
    pub outcome: Outcome,
}

/// One entry of the chain, as stored (one row; see the module docs for each field).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub institution: Option<String>,
    pub action: String,
    pub object: Option<AuditObject>,
    pub purpose: Option<String>,
    pub outcome: Outcome,
    pub prev_hash: [u8; 32],
    /// SHA-256 of the canonical bytes, as written; verification recomputes it.
    pub hash: [u8; 32],
}

/// The last entry of a chain (or of the verified part of it): what to anchor externally and what
/// [`append`] links the next entry to. [`ChainHead::GENESIS`] is the head of an empty chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChainHead {
    pub seq: u64,
    pub hash: [u8; 32],
}

impl ChainHead {
    pub const GENESIS: Self = Self {
        seq: 0,
        hash: [0u8; 32],
    };
}

impl fmt::Display for ChainHead {
    /// `seq:hex-hash`, the form to print in reports and give back to `marsad audit verify`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.seq, crate::hex32(&self.hash))
    }
}

impl std::str::FromStr for ChainHead {
    type Err = AuditError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = AuditError::InvalidField("head");
        let (seq, hash) = s.trim().split_once(':').ok_or(bad.clone())?;
        let seq = seq.parse().map_err(|_| bad.clone())?;
        let bytes = data_encoding::HEXLOWER_PERMISSIVE
            .decode(hash.as_bytes())
            .map_err(|_| bad.clone())?;
        let hash = bytes.try_into().map_err(|_| bad)?;
        Ok(Self { seq, hash })
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    // Strings longer than 4 GiB cannot be stored anyway; saturating keeps this total.
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => out.push(0),
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
    }
}

impl AuditEntry {
    /// The canonical bytes (module docs), with `seq` and `prev_hash` as given.
    fn canonical_with(&self, seq: u64, prev_hash: &[u8; 32]) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        out.extend_from_slice(DOMAIN);
        out.extend_from_slice(&seq.to_be_bytes());
        out.extend_from_slice(&self.at.timestamp_micros().to_be_bytes());
        out.push(self.actor.tag());
        put_str(&mut out, self.actor.id());
        put_opt(&mut out, self.institution.as_deref());
        put_str(&mut out, &self.action);
        match &self.object {
            None => out.push(0),
            Some(o) => {
                out.push(1);
                put_str(&mut out, &o.kind);
                put_str(&mut out, &o.id);
            }
        }
        put_opt(&mut out, self.purpose.as_deref());
        out.push(self.outcome.tag());
        out.extend_from_slice(prev_hash);
        out
    }

    /// The canonical bytes of this entry (everything but `hash`).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        self.canonical_with(self.seq, &self.prev_hash)
    }

    /// SHA-256 of [`AuditEntry::canonical_bytes`]: what `hash` must be.
    pub fn compute_hash(&self) -> [u8; 32] {
        crate::sha256(&[&self.canonical_bytes()])
    }

    /// This entry as a chain head.
    pub fn head(&self) -> ChainHead {
        ChainHead {
            seq: self.seq,
            hash: self.hash,
        }
    }
}

/// The hash `entry` has when linked after `prev` (its own `prev_hash` is ignored):
/// `SHA-256(canonical bytes with prev_hash = prev)`.
pub fn chain_hash(prev: &[u8; 32], entry: &AuditEntry) -> [u8; 32] {
    crate::sha256(&[&entry.canonical_with(entry.seq, prev)])
}

fn valid_text(field: &'static str, s: &str, allow_empty: bool) -> Result<(), AuditError> {
    // PostgreSQL text cannot hold NUL; empty ids would make entries unsearchable.
    if s.contains('\0') || (!allow_empty && s.is_empty()) {
        return Err(AuditError::InvalidField(field));
    }
    Ok(())
}

/// The entry that records `event` after `head`: `seq = head.seq + 1`, `prev_hash = head.hash`,
/// `at` truncated to microseconds, `hash` computed. The store inserts it and makes it the new head
/// in one transaction that also checks the head did not move (a unique `seq` does that).
pub fn append(head: &ChainHead, event: AuditEvent) -> Result<AuditEntry, AuditError> {
    valid_text("actor", event.actor.id(), false)?;
    if let Some(i) = &event.institution {
        valid_text("institution", i, false)?;
    }
    valid_text("action", &event.action, false)?;
    if let Some(o) = &event.object {
        valid_text("object kind", &o.kind, false)?;
        valid_text("object id", &o.id, false)?;
    }
    let seq = head
        .seq
        .checked_add(1)
        .ok_or(AuditError::SequenceOverflow)?;
    let at = DateTime::from_timestamp_micros(event.at.timestamp_micros()).unwrap_or(event.at);
    let mut entry = AuditEntry {
        seq,
        at,
        actor: event.actor,
        institution: event.institution,
        action: event.action,
        object: event.object,
        purpose: event.purpose.map(|p| p.0),
        outcome: event.outcome,
        prev_hash: head.hash,
        hash: [0u8; 32],
    };
    entry.hash = entry.compute_hash();
    Ok(entry)
}

/// Why the chain is broken at [`ChainBreak::seq`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakReason {
    /// The entry's content no longer matches its hash: it was edited.
    Changed,
    /// The entry is intact but was written as entry `original_seq`: entries were swapped.
    Moved { original_seq: u64 },
    /// Entries `seq..=through` are absent: deleted.
    Missing { through: u64 },
    /// The entry comes after a later one (`seq` not increasing): reordered.
    OutOfOrder { after: u64 },
    /// The entry's `prev_hash` is not the previous entry's hash: the previous entry was edited
    /// and re-hashed, or replaced.
    LinkBroken,
    /// The chain ends at `last_present` but an anchored head says it reached `seq` or beyond:
    /// its tail was deleted.
    Truncated { last_present: u64 },
    /// The entry at an anchored head's `seq` has another hash: the chain up to it was rewritten.
    HeadMismatch,
}

/// The first broken entry and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("audit entry {seq}: {reason}")]
pub struct ChainBreak {
    pub seq: u64,
    pub reason: BreakReason,
}

impl fmt::Display for BreakReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Changed => f.write_str("changed (its content does not match its hash)"),
            Self::Moved { original_seq } => {
                write!(f, "moved (it is entry {original_seq}, stored in another place)")
            }
            Self::Missing { through } => write!(f, "deleted (entries up to {through} are missing)"),
            Self::OutOfOrder { after } => write!(f, "out of order (it comes after entry {after})"),
            Self::LinkBroken => f.write_str(
                "its link to the previous entry is broken (that entry was altered and re-hashed, or replaced)",
            ),
            Self::Truncated { last_present } => write!(
                f,
                "deleted (the chain ends at entry {last_present} but was anchored further)"
            ),
            Self::HeadMismatch => {
                f.write_str("does not match the anchored head (the chain was rewritten)")
            }
        }
    }
}

/// Verifies a chain entry by entry, for stores that read it page by page in `seq` order.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    head: ChainHead,
    anchor: Option<ChainHead>,
    anchor_seen: bool,
}

impl ChainVerifier {
    /// Starts after `start` (usually [`ChainHead::GENESIS`]; or a head verified earlier) and, if
    /// given, checks the chain against an externally anchored head at [`ChainVerifier::finish`].
    pub fn new(start: ChainHead, anchor: Option<ChainHead>) -> Self {
        Self {
            head: start,
            anchor,
            anchor_seen: false,
        }
    }

    /// Checks the next entry.
    pub fn push(&mut self, entry: &AuditEntry) -> Result<(), ChainBreak> {
        let expected = self.head.seq.saturating_add(1);
        if entry.seq < expected {
            return Err(ChainBreak {
                seq: entry.seq,
                reason: BreakReason::OutOfOrder {
                    after: self.head.seq,
                },
            });
        }
        if entry.seq > expected {
            return Err(ChainBreak {
                seq: expected,
                reason: BreakReason::Missing {
                    through: entry.seq - 1,
                },
            });
        }
        if entry.compute_hash() != entry.hash {
            let lo = entry.seq.saturating_sub(MOVED_SEARCH).max(1);
            let hi = entry.seq.saturating_add(MOVED_SEARCH);
            let original = (lo..=hi).find(|&s| {
                s != entry.seq
                    && crate::sha256(&[&entry.canonical_with(s, &entry.prev_hash)]) == entry.hash
            });
            let reason = match original {
                Some(original_seq) => BreakReason::Moved { original_seq },
                None => BreakReason::Changed,
            };
            return Err(ChainBreak {
                seq: entry.seq,
                reason,
            });
        }
        if entry.prev_hash != self.head.hash {
            return Err(ChainBreak {
                seq: entry.seq,
                reason: BreakReason::LinkBroken,
            });
        }
        self.head = entry.head();
        if let Some(anchor) = self.anchor {
            if anchor.seq == entry.seq {
                if anchor.hash != entry.hash {
                    return Err(ChainBreak {
                        seq: entry.seq,
                        reason: BreakReason::HeadMismatch,
                    });
                }
                self.anchor_seen = true;
            }
        }
        Ok(())
    }

    /// Ends verification: the head reached, or a break if an anchored head was not reached.
    pub fn finish(self) -> Result<ChainHead, ChainBreak> {
        if let Some(anchor) = self.anchor {
            if anchor.seq == self.head.seq && !self.anchor_seen && anchor.hash != self.head.hash {
                return Err(ChainBreak {
                    seq: anchor.seq,
                    reason: BreakReason::HeadMismatch,
                });
            }
            if anchor.seq > self.head.seq {
                return Err(ChainBreak {
                    seq: self.head.seq + 1,
                    reason: BreakReason::Truncated {
                        last_present: self.head.seq,
                    },
                });
            }
        }
        Ok(self.head)
    }
}

/// Verifies a whole chain from [`ChainHead::GENESIS`]: `Ok` with its head, or the first broken
/// entry. `anchor` is the last externally recorded head, if any (module docs: without one a
/// deleted tail cannot be seen). Entries are expected in the order read (`ORDER BY seq`); one
/// that appears after a later one is reported as [`BreakReason::OutOfOrder`] rather than missing.
pub fn verify_chain(
    entries: &[AuditEntry],
    anchor: Option<&ChainHead>,
) -> Result<ChainHead, ChainBreak> {
    let mut v = ChainVerifier::new(ChainHead::GENESIS, anchor.copied());
    for (i, entry) in entries.iter().enumerate() {
        if let Err(mut brk) = v.push(entry) {
            if let BreakReason::Missing { through } = brk.reason {
                let later = entries[i + 1..]
                    .iter()
                    .find(|e| (brk.seq..=through).contains(&e.seq));
                if let Some(later) = later {
                    brk = ChainBreak {
                        seq: later.seq,
                        reason: BreakReason::OutOfOrder { after: entry.seq },
                    };
                }
            }
            return Err(brk);
        }
    }
    v.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::{Rng as _, SeedableRng as _};
    use rand_chacha::ChaCha20Rng;
    use std::collections::HashMap;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000 + secs, 0).unwrap()
    }

    fn event(i: i64) -> AuditEvent {
        AuditEvent {
            at: at(i),
            actor: if i % 3 == 0 {
                Actor::Token("k3xq7abcdefghijk".into())
            } else {
                Actor::User(format!("user-{}", i % 5))
            },
            institution: Some(
                ["border-police", "anti-trafficking", "observatory"][(i % 3) as usize].into(),
            ),
            action: ["read", "login", "export", "correct"][(i % 4) as usize].into(),
            object: (i % 4 != 1).then(|| AuditObject {
                kind: "person".into(),
                id: format!("{:012}", 123_456_789_000 + i),
            }),
            purpose: (i % 4 == 0).then(|| Purpose::parse("case 2025/117 follow-up").unwrap()),
            outcome: if i % 7 == 0 {
                Outcome::Denied
            } else {
                Outcome::Success
            },
        }
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut head = ChainHead::GENESIS;
        (1..=n)
            .map(|i| {
                let e = append(&head, event(i)).unwrap();
                head = e.head();
                e
            })
            .collect()
    }

    fn brk(entries: &[AuditEntry], anchor: Option<&ChainHead>) -> ChainBreak {
        verify_chain(entries, anchor).unwrap_err()
    }

    #[test]
    fn an_intact_chain_verifies_with_and_without_anchors() {
        let c = chain(50);
        assert_eq!(c[0].seq, 1);
        assert_eq!(c[0].prev_hash, [0u8; 32]);
        let head = verify_chain(&c, None).unwrap();
        assert_eq!(head, c[49].head());
        for anchor in [
            &c[0].head(),
            &c[20].head(),
            &c[49].head(),
            &ChainHead::GENESIS,
        ] {
            assert_eq!(verify_chain(&c, Some(anchor)), Ok(head));
        }
        assert_eq!(verify_chain(&[], None), Ok(ChainHead::GENESIS));
        assert_eq!(
            verify_chain(&[], Some(&ChainHead::GENESIS)),
            Ok(ChainHead::GENESIS)
        );
    }

    #[test]
    fn changed_entries_are_named() {
        let c = chain(20);
        type Edit = Box<dyn Fn(&mut AuditEntry)>;
        let edits: Vec<(&str, Edit)> = vec![
            (
                "at",
                Box::new(|e| e.at += chrono::Duration::microseconds(1)),
            ),
            (
                "actor",
                Box::new(|e| e.actor = Actor::User("someone-else".into())),
            ),
            (
                "actor kind",
                Box::new(|e| e.actor = Actor::System(e.actor.id().to_owned())),
            ),
            ("institution", Box::new(|e| e.institution = None)),
            ("action", Box::new(|e| e.action = "login".into())),
            (
                "object",
                Box::new(|e| {
                    e.object = Some(AuditObject {
                        kind: "person".into(),
                        id: "000000000000".into(),
                    })
                }),
            ),
            ("purpose", Box::new(|e| e.purpose = Some("routine".into()))),
            ("outcome", Box::new(|e| e.outcome = Outcome::Failed)),
            ("prev_hash", Box::new(|e| e.prev_hash[0] ^= 1)),
            ("hash", Box::new(|e| e.hash[31] ^= 1)),
        ];
        for (name, edit) in &edits {
            let mut t = c.clone();
            edit(&mut t[7]);
            assert_eq!(
                brk(&t, None),
                ChainBreak {
                    seq: 8,
                    reason: BreakReason::Changed
                },
                "{name}"
            );
        }
    }

    #[test]
    fn a_changed_and_rehashed_entry_breaks_the_next_link() {
        let mut c = chain(20);
        c[7].action = "export".into();
        c[7].hash = c[7].compute_hash();
        assert_eq!(
            brk(&c, None),
            ChainBreak {
                seq: 9,
                reason: BreakReason::LinkBroken
            }
        );
        // Rewriting every later entry too leaves a consistent chain: only an anchor catches it.
        let anchor = chain(20)[19].head();
        for i in 8..20 {
            c[i].prev_hash = c[i - 1].hash;
            c[i].hash = c[i].compute_hash();
        }
        assert!(verify_chain(&c, None).is_ok());
        assert_eq!(
            brk(&c, Some(&anchor)),
            ChainBreak {
                seq: 20,
                reason: BreakReason::HeadMismatch
            }
        );
    }

    #[test]
    fn deleted_entries_are_named() {
        let c = chain(20);
        let mut one = c.clone();
        one.remove(4);
        assert_eq!(
            brk(&one, None),
            ChainBreak {
                seq: 5,
                reason: BreakReason::Missing { through: 5 }
            }
        );
        let mut three = c.clone();
        three.drain(9..12);
        assert_eq!(
            brk(&three, None),
            ChainBreak {
                seq: 10,
                reason: BreakReason::Missing { through: 12 }
            }
        );
        let mut first = c.clone();
        first.remove(0);
        assert_eq!(
            brk(&first, None),
            ChainBreak {
                seq: 1,
                reason: BreakReason::Missing { through: 1 }
            }
        );
        // Deleting and renumbering the rest: the renumbered entry is found to be entry 6.
        let mut renumbered = c.clone();
        renumbered.remove(4);
        for e in &mut renumbered[4..] {
            e.seq -= 1;
        }
        assert_eq!(
            brk(&renumbered, None),
            ChainBreak {
                seq: 5,
                reason: BreakReason::Moved { original_seq: 6 }
            }
        );
    }

    #[test]
    fn reordered_entries_are_named() {
        let c = chain(20);
        // Rows read in the wrong order.
        let mut rows = c.clone();
        rows.swap(5, 6);
        assert_eq!(
            brk(&rows, None),
            ChainBreak {
                seq: 6,
                reason: BreakReason::OutOfOrder { after: 7 }
            }
        );
        // Contents swapped between two rows, seq numbers left in place.
        let mut swapped = c.clone();
        let (a, b) = (swapped[5].clone(), swapped[6].clone());
        swapped[5] = AuditEntry { seq: 6, ..b };
        swapped[6] = AuditEntry { seq: 7, ..a };
        assert_eq!(
            brk(&swapped, None),
            ChainBreak {
                seq: 6,
                reason: BreakReason::Moved { original_seq: 7 }
            }
        );
        // Swapped far apart.
        let mut far = c.clone();
        let (a, b) = (far[1].clone(), far[17].clone());
        far[1] = AuditEntry { seq: 2, ..b };
        far[17] = AuditEntry { seq: 18, ..a };
        assert_eq!(
            brk(&far, None),
            ChainBreak {
                seq: 2,
                reason: BreakReason::Moved { original_seq: 18 }
            }
        );
        // A duplicate row.
        let mut dup = c.clone();
        dup.insert(3, c[3].clone());
        assert_eq!(
            brk(&dup, None),
            ChainBreak {
                seq: 4,
                reason: BreakReason::OutOfOrder { after: 4 }
            }
        );
    }

    #[test]
    fn truncation_needs_an_anchor() {
        let c = chain(20);
        let anchor = c[19].head();
        let short = &c[..15];
        assert!(
            verify_chain(short, None).is_ok(),
            "a tail cut is invisible without an anchor"
        );
        assert_eq!(
            brk(short, Some(&anchor)),
            ChainBreak {
                seq: 16,
                reason: BreakReason::Truncated { last_present: 15 }
            }
        );
        assert_eq!(
            brk(&[], Some(&anchor)),
            ChainBreak {
                seq: 1,
                reason: BreakReason::Truncated { last_present: 0 }
            }
        );
        // An older anchor still passes on a longer chain; a forged one does not.
        assert!(verify_chain(&c, Some(&c[10].head())).is_ok());
        let forged = ChainHead {
            seq: 11,
            hash: [7; 32],
        };
        assert_eq!(
            brk(&c, Some(&forged)),
            ChainBreak {
                seq: 11,
                reason: BreakReason::HeadMismatch
            }
        );
    }

    #[test]
    fn streaming_verification_matches_and_resumes() {
        let c = chain(30);
        let mut v = ChainVerifier::new(ChainHead::GENESIS, None);
        for e in &c[..10] {
            v.push(e).unwrap();
        }
        let mid = v.finish().unwrap();
        assert_eq!(mid, c[9].head());
        let mut v = ChainVerifier::new(mid, Some(c[29].head()));
        for e in &c[10..] {
            v.push(e).unwrap();
        }
        assert_eq!(v.finish(), Ok(c[29].head()));
    }

    #[test]
    fn heads_print_and_parse() {
        let c = chain(3);
        let text = c[2].head().to_string();
        assert!(text.starts_with("3:") && text.len() == 2 + 64, "{text}");
        assert_eq!(text.parse::<ChainHead>().unwrap(), c[2].head());
        for bad in ["", "3", "x:00", "3:abcd", &format!("3:{}", "g".repeat(64))] {
            assert!(bad.parse::<ChainHead>().is_err(), "{bad}");
        }
        assert_eq!(
            ChainBreak {
                seq: 8,
                reason: BreakReason::Changed
            }
            .to_string(),
            "audit entry 8: changed (its content does not match its hash)"
        );
    }

    #[test]
    fn append_validates_and_truncates_time() {
        let mut e = event(1);
        e.at = DateTime::from_timestamp(1_750_000_000, 123_456_789).unwrap();
        let entry = append(&ChainHead::GENESIS, e).unwrap();
        assert_eq!(entry.at.timestamp_subsec_nanos(), 123_456_000);
        let bad = |f: &dyn Fn(&mut AuditEvent)| {
            let mut e = event(2);
            f(&mut e);
            append(&ChainHead::GENESIS, e).unwrap_err()
        };
        assert_eq!(
            bad(&|e| e.action = String::new()),
            AuditError::InvalidField("action")
        );
        assert_eq!(
            bad(&|e| e.actor = Actor::User("a\0b".into())),
            AuditError::InvalidField("actor")
        );
        assert_eq!(
            bad(&|e| e.institution = Some(String::new())),
            AuditError::InvalidField("institution")
        );
        let head = ChainHead {
            seq: u64::MAX,
            hash: [0; 32],
        };
        assert_eq!(
            append(&head, event(3)).unwrap_err(),
            AuditError::SequenceOverflow
        );
        assert_eq!(require_purpose(None), Err(AuditError::PurposeRequired));
        assert_eq!(
            require_purpose(Some("  ")),
            Err(AuditError::PurposeRequired)
        );
        assert_eq!(
            require_purpose(Some(&"x".repeat(501))),
            Err(AuditError::InvalidPurpose)
        );
        assert_eq!(
            require_purpose(Some("a\nb")),
            Err(AuditError::InvalidPurpose)
        );
        assert_eq!(
            require_purpose(Some(" case 7 ")).unwrap().as_str(),
            "case 7"
        );
        assert_eq!(
            Actor::from_parts("token", "x".into()),
            Some(Actor::Token("x".into()))
        );
        assert_eq!(Actor::from_parts("robot", "x".into()), None);
        assert_eq!(Outcome::parse("denied"), Some(Outcome::Denied));
    }

    #[test]
    fn known_answer_pins_the_format() {
        // Computed independently from the module docs (a 10-line Python script with struct and
        // hashlib). If this changes, every stored chain breaks: change the tag instead.
        let e = append(&ChainHead::GENESIS, event(4)).unwrap();
        assert_eq!(e.canonical_bytes().len(), 160);
        assert_eq!(&e.canonical_bytes()[..16], b"marsad-audit-v1\0");
        assert_eq!(
            crate::hex32(&e.hash),
            "30a750a6fc35457e7b2fd768c80fee8c71a5e20fe2c304f27dd10a10875db160"
        );
        assert_eq!(chain_hash(&[0; 32], &e), e.hash);
        assert_ne!(chain_hash(&[1; 32], &e), e.hash);
    }

    /// Strings from a tiny alphabet with separators, so naive concatenations would collide.
    fn small(rng: &mut ChaCha20Rng) -> String {
        let n = (rng.next_u32() % 4) as usize;
        (0..n)
            .map(|_| ['a', 'b', '|', ':', '\u{1}', 'é'][(rng.next_u32() % 6) as usize])
            .collect()
    }

    fn random_entry(rng: &mut ChaCha20Rng) -> AuditEntry {
        let pick = |rng: &mut ChaCha20Rng, n: u32| rng.next_u32() % n;
        let actor = match pick(rng, 3) {
            0 => Actor::User(small(rng)),
            1 => Actor::Token(small(rng)),
            _ => Actor::System(small(rng)),
        };
        AuditEntry {
            seq: u64::from(pick(rng, 3)),
            at: at(i64::from(pick(rng, 2))),
            actor,
            institution: (pick(rng, 2) == 0).then(|| small(rng)),
            action: small(rng),
            object: (pick(rng, 2) == 0).then(|| AuditObject {
                kind: small(rng),
                id: small(rng),
            }),
            purpose: (pick(rng, 2) == 0).then(|| small(rng)),
            outcome: [Outcome::Success, Outcome::Denied, Outcome::Failed][pick(rng, 3) as usize],
            prev_hash: [u8::try_from(pick(rng, 2)).unwrap(); 32],
            hash: [0; 32],
        }
    }

    #[test]
    fn different_entries_never_serialise_equal() {
        let mut rng = ChaCha20Rng::seed_from_u64(2025);
        let mut seen: HashMap<Vec<u8>, AuditEntry> = HashMap::new();
        let mut distinct = 0;
        for _ in 0..200_000 {
            let e = random_entry(&mut rng);
            match seen.get(&e.canonical_bytes()) {
                Some(prev) => assert_eq!(prev, &e, "two entries share canonical bytes"),
                None => {
                    distinct += 1;
                    seen.insert(e.canonical_bytes(), e);
                }
            }
        }
        assert!(distinct > 100_000, "{distinct}");
        // Hand-picked near misses.
        let base = random_entry(&mut ChaCha20Rng::seed_from_u64(1));
        let pairs: Vec<(AuditEntry, AuditEntry)> = vec![
            (
                AuditEntry {
                    institution: None,
                    ..base.clone()
                },
                AuditEntry {
                    institution: Some(String::new()),
                    ..base.clone()
                },
            ),
            (
                AuditEntry {
                    object: Some(AuditObject {
                        kind: "ab".into(),
                        id: "c".into(),
                    }),
                    ..base.clone()
                },
                AuditEntry {
                    object: Some(AuditObject {
                        kind: "a".into(),
                        id: "bc".into(),
                    }),
                    ..base.clone()
                },
            ),
            (
                AuditEntry {
                    actor: Actor::User("x".into()),
                    ..base.clone()
                },
                AuditEntry {
                    actor: Actor::Token("x".into()),
                    ..base.clone()
                },
            ),
            (
                AuditEntry {
                    action: "read".into(),
                    purpose: None,
                    ..base.clone()
                },
                AuditEntry {
                    action: "rea".into(),
                    purpose: Some("d".into()),
                    ..base.clone()
                },
            ),
        ];
        for (a, b) in pairs {
            assert_ne!(a.canonical_bytes(), b.canonical_bytes(), "{a:?} / {b:?}");
        }
    }
}

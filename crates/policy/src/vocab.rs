//! The words a policy is written in: actions, resources, institution kinds and roles. A policy
//! naming anything else is refused when loaded, so a typo cannot silently grant or deny nothing.

use std::fmt;

use marsad_model::RecordKind;

/// What a caller wants to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Submit,
    Read,
    Correct,
    Export,
    LinkReview,
    Publish,
    Administer,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::Submit,
        Action::Read,
        Action::Correct,
        Action::Export,
        Action::LinkReview,
        Action::Publish,
        Action::Administer,
    ];

    /// `submit`, `read`, `correct`, `export`, `link-review`, `publish`, `administer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Read => "read",
            Action::Correct => "correct",
            Action::Export => "export",
            Action::LinkReview => "link-review",
            Action::Publish => "publish",
            Action::Administer => "administer",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an action is done to: the records of one kind, or one of the system's other assets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    /// Canonical records of one kind (and their history).
    Record(RecordKind),
    /// A service institution's case files (notes, referrals, attachments).
    Dossier,
    /// Rows an import rejected, with their raw content.
    Quarantine,
    /// Submissions and their import reports.
    Submissions,
    /// Fingerprints: captures, templates, 1:1 verification and 1:N identification.
    Biometrics,
    /// Published, disclosure-protected statistics.
    Statistics,
    /// Institutions, sources and record counts.
    Catalogue,
    /// The audit trail.
    Audit,
    /// Users and API tokens.
    Accounts,
    /// The access policy itself.
    Policy,
    /// Operational metrics.
    System,
    /// The national GCM implementation plan: actions, indicators, measurements, evaluations,
    /// evidence (read = see the plan and its progress; submit = add actions, indicators,
    /// measurements, evaluations, evidence; correct = save a new version of an action).
    Plan,
    /// Trafficking victims' referrals between institutions (submit = identify a victim and
    /// propose a referral; correct = accept, decline, start, complete, interrupt or cancel one).
    Referral,
    /// The missing-migrant register: incident reports, their sources and identified persons.
    Incident,
    /// Complaints from migrants (submit = file one; read = its content; correct = move it).
    Complaint,
    /// Research microdata extracts (submit = request one or withdraw it; read = see requests;
    /// correct = approve or refuse; export = download a released extract).
    Microdata,
}

/// Resources that are not record kinds, in a stable order.
const OTHERS: [Resource; 15] = [
    Resource::Dossier,
    Resource::Biometrics,
    Resource::Quarantine,
    Resource::Submissions,
    Resource::Statistics,
    Resource::Catalogue,
    Resource::Audit,
    Resource::Accounts,
    Resource::Policy,
    Resource::System,
    Resource::Plan,
    Resource::Referral,
    Resource::Incident,
    Resource::Complaint,
    Resource::Microdata,
];

impl Resource {
    /// Every resource: the record kinds first, then the others.
    pub fn all() -> impl Iterator<Item = Resource> {
        RecordKind::ALL
            .into_iter()
            .map(Resource::Record)
            .chain(OTHERS)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Record(k) => k.as_str(),
            Resource::Dossier => "dossier",
            Resource::Biometrics => "biometrics",
            Resource::Quarantine => "quarantine",
            Resource::Submissions => "submissions",
            Resource::Statistics => "statistics",
            Resource::Catalogue => "catalogue",
            Resource::Audit => "audit",
            Resource::Accounts => "accounts",
            Resource::Policy => "policy",
            Resource::System => "system",
            Resource::Plan => "plan",
            Resource::Referral => "referral",
            Resource::Incident => "incident",
            Resource::Complaint => "complaint",
            Resource::Microdata => "microdata",
        }
    }

    pub fn parse(s: &str) -> Option<Resource> {
        Resource::all().find(|r| r.as_str() == s)
    }

    /// The record kind, for record resources.
    pub fn kind(self) -> Option<RecordKind> {
        match self {
            Resource::Record(k) => Some(k),
            _ => None,
        }
    }

    /// The actions that mean something for this resource; a rule granting another is refused.
    pub fn actions(self) -> &'static [Action] {
        use Action::*;
        match self {
            Resource::Record(RecordKind::Person) => &[Submit, Read, Correct, Export, LinkReview],
            Resource::Record(_) => &[Submit, Read, Correct, Export],
            Resource::Dossier => &[Submit, Read, Correct, Export],
            // submit = enrol; read = see captures, verify (1:1) and identify (1:N);
            // correct = withdraw a capture or re-extract its template.
            Resource::Biometrics => &[Submit, Read, Correct],
            Resource::Quarantine => &[Read, Correct],
            Resource::Submissions => &[Read],
            Resource::Statistics => &[Read, Publish],
            Resource::Catalogue => &[Read],
            Resource::Audit => &[Read, Export],
            Resource::Accounts => &[Read, Administer],
            Resource::Policy => &[Read, Administer],
            Resource::System => &[Read],
            Resource::Plan => &[Submit, Read, Correct],
            Resource::Referral => &[Submit, Read, Correct],
            Resource::Incident => &[Submit, Read, Correct],
            Resource::Complaint => &[Submit, Read, Correct],
            Resource::Microdata => &[Submit, Read, Correct, Export],
        }
    }

    pub(crate) fn index(self) -> usize {
        match self {
            Resource::Record(k) => RecordKind::ALL.iter().position(|x| *x == k).unwrap_or(0),
            other => RecordKind::ALL.len() + OTHERS.iter().position(|x| *x == other).unwrap_or(0),
        }
    }

    /// Number of distinct resources (the size of the evaluation index).
    pub(crate) const COUNT: usize = RecordKind::ALL.len() + OTHERS.len();
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The institution kinds a policy may name (an institution's `kind` in the store).
pub const INSTITUTION_KINDS: [&str; 14] = [
    "statistics",
    "border_police",
    "immigration",
    "labour_agency",
    "consulate",
    "central_bank",
    "anti_trafficking",
    "ministry",
    "health_ministry",
    "education_ministry",
    "civil_society",
    "observatory",
    "partner",
    "research",
];

/// The roles a policy may name, with what each is for (shown in `docs/access.md`).
pub const ROLES: [(&str, &str); 11] = [
    ("admin", "manages the institution's users and tokens"),
    (
        "data_officer",
        "submits the institution's files and corrects rejected rows",
    ),
    (
        "officer",
        "reads the institution's data within its competence",
    ),
    (
        "case_worker",
        "keeps case files of the people the institution serves",
    ),
    ("analyst", "analyses linked data, pseudonymised"),
    (
        "identity_analyst",
        "analyses linked data with identities, stating a purpose",
    ),
    (
        "reviewer",
        "decides whether two records are the same person",
    ),
    ("publisher", "publishes statistics"),
    (
        "dpo",
        "data-protection officer: reads the policy and the audit trail",
    ),
    ("service", "a machine account (API token)"),
    (
        "researcher",
        "accredited researcher: requests pseudonymised microdata extracts for a stated purpose",
    ),
];

/// Whether `role` is one of [`ROLES`].
pub fn is_role(role: &str) -> bool {
    ROLES.iter().any(|(r, _)| *r == role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_indices_are_dense() {
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        let mut seen = [false; Resource::COUNT];
        for r in Resource::all() {
            assert_eq!(Resource::parse(r.as_str()), Some(r));
            assert!(!seen[r.index()], "{r} shares an index");
            seen[r.index()] = true;
        }
        assert!(seen.iter().all(|s| *s));
    }
}

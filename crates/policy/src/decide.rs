//! Evaluation: who may do what to which resource, and — for records — which rows and fields.
//!
//! [`Policy::decide`] answers for one (caller, action, resource): a [`Denial`] naming the rule
//! that denied (or none: nothing allowed it), or a [`Grant`]. A grant is the list of allow
//! rules that matched (its clauses) minus what partial deny rules remove; [`Grant::view`] then
//! says, for one row by where it came from, whether the caller sees it and with identities or
//! pseudonymised. The decision borrows the policy: no allocation beyond two small vectors.

use crate::parse::{slot, Policy, Rule, RuleEffect, Scope};
use crate::vocab::{Action, Resource};

/// A signed-in caller as the policy sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The institution's `name`.
    pub institution: String,
    /// The institution's kind (`border_police`, ...).
    pub institution_kind: String,
    pub roles: Vec<String>,
    /// For an API token: the only actions it may take, whatever the policy grants its
    /// institution. `None` for a user.
    pub actions: Option<Vec<Action>>,
}

/// The caller of a request.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    /// Not signed in.
    Anonymous,
    Member(&'a Principal),
}

/// Where a row comes from: the institution that submitted it.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub institution: &'a str,
    pub institution_kind: &'a str,
}

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denial {
    /// No allow rule matched (default deny).
    NoRule,
    /// This deny rule matched.
    Rule(String),
    /// The caller's API token does not carry the action.
    TokenScope,
    /// The action means nothing for the resource (e.g. publishing a border crossing).
    NotApplicable,
}

impl std::fmt::Display for Denial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Denial::NoRule => f.write_str("no rule allows it"),
            Denial::Rule(id) => write!(f, "rule {id:?} denies it"),
            Denial::TokenScope => f.write_str("the API token does not carry this action"),
            Denial::NotApplicable => f.write_str("the action does not apply to this resource"),
        }
    }
}

/// One allow rule that matched.
#[derive(Debug, Clone, Copy)]
pub struct Clause<'p> {
    pub rule: &'p Rule,
}

/// What a caller may do with a resource, before looking at rows.
#[derive(Debug, Clone)]
pub struct Grant<'p> {
    pub action: Action,
    pub resource: Resource,
    /// The caller's institution (for `scope = "own"`); `None` when anonymous.
    pub institution: Option<&'p str>,
    pub clauses: Vec<Clause<'p>>,
    /// Rows submitted by institutions of these kinds are removed.
    pub denied_from: Vec<&'p str>,
    /// Fields of the resource's kind removed whatever the view.
    pub hidden: Vec<&'p str>,
    /// The kind's direct identifiers (removed unless a view carries identity).
    pub identifiers: &'p [String],
}

/// How one row is seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct View<'p> {
    /// Direct identifiers visible.
    pub identity: bool,
    /// The first rule that admitted the row (the audit trail names it).
    pub rule: &'p str,
}

/// The outcome of [`Policy::decide`].
#[derive(Debug, Clone)]
pub enum Decision<'p> {
    Allow(Grant<'p>),
    Deny(Denial),
}

impl<'p> Decision<'p> {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow(_))
    }
}

fn matches(rule: &Rule, subject: Subject<'_>) -> bool {
    match subject {
        Subject::Anonymous => rule.anonymous,
        Subject::Member(p) => {
            let kind = p.institution_kind.as_str();
            (rule.institution_kinds.is_empty() || rule.institution_kinds.iter().any(|k| k == kind))
                && !rule.except_institution_kinds.iter().any(|k| k == kind)
                && (rule.institutions.is_empty() || rule.institutions.contains(&p.institution))
                && (rule.roles.is_empty() || rule.roles.iter().any(|r| p.roles.contains(r)))
        }
    }
}

impl Policy {
    /// Decides `action` on `resource` for `subject`: default deny, deny overrides allow.
    pub fn decide<'p>(
        &'p self,
        subject: Subject<'p>,
        action: Action,
        resource: Resource,
    ) -> Decision<'p> {
        if let Subject::Member(Principal {
            actions: Some(allowed),
            ..
        }) = subject
        {
            if !allowed.contains(&action) {
                return Decision::Deny(Denial::TokenScope);
            }
        }
        if !resource.actions().contains(&action) {
            return Decision::Deny(Denial::NotApplicable);
        }
        let kind = resource.kind();
        let mut clauses = Vec::new();
        let mut denied_from: Vec<&'p str> = Vec::new();
        let mut hidden: Vec<&'p str> = Vec::new();
        for &i in &self.index[slot(action, resource)] {
            let rule = &self.rules[usize::from(i)];
            if !matches(rule, subject) {
                continue;
            }
            match rule.effect {
                RuleEffect::Deny if !rule.is_partial_deny() => {
                    return Decision::Deny(Denial::Rule(rule.id.clone()));
                }
                RuleEffect::Deny => {
                    denied_from.extend(rule.from_institution_kinds.iter().map(String::as_str));
                    hidden.extend(
                        rule.fields
                            .iter()
                            .filter(|(k, _)| Some(*k) == kind)
                            .map(|(_, f)| f.as_str()),
                    );
                }
                RuleEffect::Allow => clauses.push(Clause { rule }),
            }
        }
        if clauses.is_empty() {
            return Decision::Deny(Denial::NoRule);
        }
        let identifiers = kind
            .and_then(|k| self.identifiers.get(&k))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        Decision::Allow(Grant {
            action,
            resource,
            institution: match subject {
                Subject::Anonymous => None,
                Subject::Member(p) => Some(p.institution.as_str()),
            },
            clauses,
            denied_from,
            hidden,
            identifiers,
        })
    }
}

impl<'p> Grant<'p> {
    /// Whether every clause asks for a purpose (the request must state one to get anything).
    pub fn requires_purpose(&self) -> bool {
        self.clauses.iter().all(|c| c.rule.purpose)
    }

    /// How the caller sees a row from `origin` (`None` for resources that belong to no
    /// institution: statistics, the catalogue, the policy, ...). `purpose_given`: whether the
    /// request stated a purpose (clauses that ask for one are skipped otherwise). `None` means
    /// the row is not the caller's to see.
    pub fn view(&self, origin: Option<Origin<'_>>, purpose_given: bool) -> Option<View<'p>> {
        if let Some(o) = origin {
            if self.denied_from.contains(&o.institution_kind) {
                return None;
            }
        }
        let mut found: Option<View<'p>> = None;
        for c in &self.clauses {
            let r = c.rule;
            if r.purpose && !purpose_given {
                continue;
            }
            if let Some(o) = origin {
                if r.scope == Scope::Own && self.institution != Some(o.institution) {
                    continue;
                }
                if !r.from_institution_kinds.is_empty()
                    && !r
                        .from_institution_kinds
                        .iter()
                        .any(|k| k == o.institution_kind)
                {
                    continue;
                }
            }
            match &mut found {
                None => {
                    found = Some(View {
                        identity: r.identity,
                        rule: &r.id,
                    })
                }
                Some(v) if r.identity && !v.identity => {
                    v.identity = true;
                    v.rule = &r.id;
                }
                Some(_) => {}
            }
        }
        found
    }

    /// Whether some clause can admit rows of other institutions (otherwise listing can be
    /// limited to the caller's own sources).
    pub fn beyond_own(&self) -> bool {
        self.clauses.iter().any(|c| c.rule.scope == Scope::All)
    }

    /// The fields to remove from a row seen through `view`.
    pub fn hidden_fields(&self, view: &View<'_>) -> impl Iterator<Item = &'p str> + '_ {
        let identifiers: &'p [String] = if view.identity { &[] } else { self.identifiers };
        self.hidden
            .iter()
            .copied()
            .chain(identifiers.iter().map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use marsad_model::RecordKind;

    fn who(kind: &str, institution: &str, roles: &[&str]) -> Principal {
        Principal {
            institution: institution.into(),
            institution_kind: kind.into(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            actions: None,
        }
    }

    fn origin<'a>(institution: &'a str, kind: &'a str) -> Option<Origin<'a>> {
        Some(Origin {
            institution,
            institution_kind: kind,
        })
    }

    const CROSSING: Resource = Resource::Record(RecordKind::BorderCrossing);
    const PERSON: Resource = Resource::Record(RecordKind::Person);
    const CASE: Resource = Resource::Record(RecordKind::TraffickingCase);

    #[test]
    fn default_deny_and_anonymous_sees_only_statistics_and_the_plan() {
        let p = crate::default_policy().expect("policy");
        for r in Resource::all() {
            for a in Action::ALL {
                let allowed = p.decide(Subject::Anonymous, a, r).is_allowed();
                assert_eq!(
                    allowed,
                    (a == Action::Read && matches!(r, Resource::Statistics | Resource::Plan))
                        || (r == Resource::Complaint && a == Action::Submit),
                    "{a} {r}"
                );
            }
        }
    }

    #[test]
    fn researchers_request_microdata_and_only_the_dpo_decides() {
        let p = crate::default_policy().expect("policy");
        let md = Resource::Microdata;
        let researcher = who("research", "university", &["researcher"]);
        let dpo = who("observatory", "observatory", &["dpo"]);
        let may = |w: &Principal, a: Action| p.decide(Subject::Member(w), a, md).is_allowed();
        for a in [Action::Submit, Action::Read, Action::Export] {
            assert!(may(&researcher, a), "researcher {a}");
        }
        assert!(!may(&researcher, Action::Correct), "a researcher decides");
        assert!(may(&dpo, Action::Correct) && may(&dpo, Action::Read));
        assert!(!may(&dpo, Action::Export), "the dpo downloads extracts");
        // a researcher sees the requests of their own institution only
        let g = match p.decide(Subject::Member(&researcher), Action::Read, md) {
            Decision::Allow(g) => g,
            Decision::Deny(d) => panic!("{d:?}"),
        };
        assert!(g.view(origin("university", "research"), false).is_some());
        assert!(g
            .view(origin("other-university", "research"), false)
            .is_none());
        for kind in ["border_police", "immigration", "consulate"] {
            assert!(
                !may(&who(kind, "x", &["researcher"]), Action::Submit),
                "{kind}"
            );
        }
        assert!(!may(
            &who("research", "university", &["analyst"]),
            Action::Submit
        ));
    }

    #[test]
    fn enforcement_never_reads_referrals_or_complaints() {
        let p = crate::default_policy().expect("policy");
        for kind in ["border_police", "immigration"] {
            for role in ["officer", "case_worker", "data_officer", "analyst", "admin"] {
                let who = who(kind, "enforcement", &[role]);
                for r in [Resource::Referral, Resource::Complaint] {
                    for a in [Action::Read, Action::Correct, Action::Export] {
                        assert!(
                            !p.decide(Subject::Member(&who), a, r).is_allowed(),
                            "{kind} {role} may {a} {r}"
                        );
                    }
                }
            }
        }
        let worker = who("anti_trafficking", "inlcts", &["case_worker"]);
        assert!(p
            .decide(
                Subject::Member(&worker),
                Action::Correct,
                Resource::Referral
            )
            .is_allowed());
    }

    #[test]
    fn border_police_reads_crossings_never_victims_or_services() {
        let p = crate::default_policy().expect("policy");
        let officer = who("border_police", "police", &["officer"]);
        let s = Subject::Member(&officer);
        let Decision::Allow(g) = p.decide(s, Action::Read, CROSSING) else {
            panic!("crossings denied")
        };
        let v = g
            .view(origin("police", "border_police"), false)
            .expect("own");
        assert!(v.identity);
        assert!(
            !p.decide(s, Action::Read, CASE).is_allowed(),
            "victims' files"
        );
        for kind in ["return", "consular_registration"] {
            let r = Resource::parse(kind).expect("kind");
            assert!(matches!(
                p.decide(s, Action::Read, r),
                Decision::Deny(Denial::Rule(_))
            ));
        }
        // The identities behind crossings, yes; the identities services recorded, never.
        let Decision::Allow(g) = p.decide(s, Action::Read, PERSON) else {
            panic!("persons denied")
        };
        assert!(g.view(origin("police", "border_police"), false).is_some());
        assert!(g
            .view(origin("traite", "anti_trafficking"), false)
            .is_none());
        assert!(g.view(origin("social", "ministry"), false).is_none());
        assert!(g.view(origin("ins", "statistics"), false).is_none());
    }

    #[test]
    fn analysts_see_pseudonymised_rows_and_identity_needs_a_purpose() {
        let p = crate::default_policy().expect("policy");
        let analyst = who("observatory", "obs", &["analyst"]);
        let Decision::Allow(g) = p.decide(Subject::Member(&analyst), Action::Read, PERSON) else {
            panic!("denied")
        };
        let v = g
            .view(origin("police", "border_police"), false)
            .expect("row");
        assert!(!v.identity);
        let hidden: Vec<_> = g.hidden_fields(&v).collect();
        assert!(hidden.contains(&"family_name") && hidden.contains(&"document_number"));
        // Victims' identities stay with the anti-trafficking authority.
        assert!(g
            .view(origin("traite", "anti_trafficking"), false)
            .is_none());

        let both = who("observatory", "obs", &["analyst", "identity_analyst"]);
        let Decision::Allow(g) = p.decide(Subject::Member(&both), Action::Read, PERSON) else {
            panic!("denied")
        };
        assert!(!g.requires_purpose());
        let without = g
            .view(origin("police", "border_police"), false)
            .expect("row");
        let with = g
            .view(origin("police", "border_police"), true)
            .expect("row");
        assert!(!without.identity && with.identity);
        assert_eq!(with.rule, "observatory-identity");
        assert_eq!(g.hidden_fields(&with).count(), 0);
    }

    #[test]
    fn token_scope_narrows_and_own_scope_holds() {
        let p = crate::default_policy().expect("policy");
        let mut token = who("central_bank", "bcb", &["service"]);
        token.actions = Some(vec![Action::Submit]);
        let remittances = Resource::Record(RecordKind::RemittanceFlow);
        let Decision::Allow(g) = p.decide(Subject::Member(&token), Action::Submit, remittances)
        else {
            panic!("denied")
        };
        assert!(g.view(origin("bcb", "central_bank"), false).is_some());
        assert!(g.view(origin("other", "central_bank"), false).is_none());
        assert!(matches!(
            p.decide(Subject::Member(&token), Action::Read, Resource::Submissions),
            Decision::Deny(Denial::TokenScope)
        ));
        assert!(matches!(
            p.decide(Subject::Member(&token), Action::Submit, CROSSING),
            Decision::Deny(_)
        ));
    }

    #[test]
    fn health_fields_are_hidden_outside_the_ministry() {
        let p = crate::default_policy().expect("policy");
        let officer = who("ministry", "social", &["officer"]);
        let returns = Resource::Record(RecordKind::Return);
        let Decision::Allow(g) = p.decide(Subject::Member(&officer), Action::Read, returns) else {
            panic!("denied")
        };
        let v = g.view(origin("social", "ministry"), false).expect("own");
        assert_eq!(g.hidden_fields(&v).count(), 0);
        let analyst = who("observatory", "obs", &["analyst"]);
        let Decision::Allow(g) = p.decide(Subject::Member(&analyst), Action::Read, returns) else {
            panic!("denied")
        };
        let v = g.view(origin("social", "ministry"), false).expect("row");
        assert!(g.hidden_fields(&v).any(|f| f == "assistance"));
    }
}

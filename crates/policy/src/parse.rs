//! Reading a policy file. The file is TOML (see `default-policy.toml` for the commented
//! format); every mistake is refused with the file name and either the line and column (syntax,
//! unknown keys, wrong types) or the rule's `id` and the offending word.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use marsad_model::RecordKind;
use serde::Deserialize;
use sha2::Digest as _;

use crate::vocab::{is_role, Action, Resource, INSTITUTION_KINDS, ROLES};

/// Why a policy file was refused.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("{origin}:{line}:{column}: {message}")]
    Syntax {
        origin: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{origin}: rule {rule:?}: {message}")]
    Rule {
        origin: String,
        rule: String,
        message: String,
    },
    #[error("{origin}: {message}")]
    File { origin: String, message: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    version: u32,
    #[serde(default)]
    title: String,
    #[serde(default)]
    groups: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    identifiers: BTreeMap<String, Vec<String>>,
    #[serde(default, rename = "rule")]
    rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    #[serde(default)]
    description: String,
    effect: String,
    #[serde(default)]
    anonymous: bool,
    #[serde(default)]
    institution_kinds: Vec<String>,
    #[serde(default)]
    except_institution_kinds: Vec<String>,
    #[serde(default)]
    institutions: Vec<String>,
    #[serde(default)]
    roles: Vec<String>,
    actions: Vec<String>,
    resources: Vec<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    from_institution_kinds: Vec<String>,
    #[serde(default)]
    identity: bool,
    #[serde(default)]
    purpose: bool,
    #[serde(default)]
    fields: Vec<String>,
}

/// Allow or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleEffect {
    Allow,
    Deny,
}

/// Whose data an allow rule covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// What the caller's own institution submitted.
    Own,
    /// Everyone's (possibly narrowed by `from_institution_kinds`).
    All,
}

/// One checked rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub description: String,
    pub effect: RuleEffect,
    pub anonymous: bool,
    pub institution_kinds: Vec<String>,
    pub except_institution_kinds: Vec<String>,
    pub institutions: Vec<String>,
    pub roles: Vec<String>,
    pub actions: Vec<Action>,
    /// Groups expanded.
    pub resources: Vec<Resource>,
    pub scope: Scope,
    /// Empty: any.
    pub from_institution_kinds: Vec<String>,
    pub identity: bool,
    pub purpose: bool,
    /// `(kind, field)` pairs hidden by a deny rule.
    pub fields: Vec<(RecordKind, String)>,
}

impl Rule {
    /// A deny rule that removes rows or fields rather than the whole action.
    pub fn is_partial_deny(&self) -> bool {
        self.effect == RuleEffect::Deny
            && (!self.fields.is_empty() || !self.from_institution_kinds.is_empty())
    }
}

/// A checked policy, indexed for evaluation.
#[derive(Debug, Clone)]
pub struct Policy {
    pub version: u32,
    pub title: String,
    /// Lower-case hex SHA-256 of the file's bytes: the policy's identity in the audit trail.
    pub sha256: String,
    pub groups: BTreeMap<String, Vec<String>>,
    /// Direct identifiers per kind, hidden in pseudonymised views.
    pub identifiers: BTreeMap<RecordKind, Vec<String>>,
    pub rules: Vec<Rule>,
    /// Rule indices per (action, resource), in file order.
    pub(crate) index: Vec<Vec<u16>>,
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count() + 1)
        .unwrap_or(1);
    (line, column)
}

fn known_kind(kind: &str) -> bool {
    INSTITUTION_KINDS.contains(&kind)
}

impl Policy {
    /// Parses and checks `text`; `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Policy, PolicyError> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            PolicyError::Syntax {
                origin: origin.to_string(),
                line,
                column,
                message: e.message().to_string(),
            }
        })?;
        let file_err = |message: String| PolicyError::File {
            origin: origin.to_string(),
            message,
        };
        if raw.version != 1 {
            return Err(file_err(format!(
                "version {} is not supported (this marsad reads version 1)",
                raw.version
            )));
        }
        for (name, members) in &raw.groups {
            for m in members {
                if Resource::parse(m).is_none() {
                    return Err(file_err(format!(
                        "group {name:?}: unknown resource {m:?} (known: {})",
                        known_resources()
                    )));
                }
            }
        }
        let mut identifiers = BTreeMap::new();
        for (kind, fields) in &raw.identifiers {
            let k = RecordKind::parse(kind)
                .filter(|k| k.as_str() == kind)
                .ok_or_else(|| file_err(format!("[identifiers]: unknown record kind {kind:?}")))?;
            for f in fields {
                if !field_exists(k, f) {
                    return Err(file_err(format!(
                        "[identifiers] {kind}: the kind has no field {f:?}"
                    )));
                }
            }
            identifiers.insert(k, fields.clone());
        }
        let mut ids = HashSet::new();
        let mut rules = Vec::with_capacity(raw.rules.len());
        for r in raw.rules {
            let rule = check_rule(r, &raw.groups, origin)?;
            if !ids.insert(rule.id.clone()) {
                return Err(PolicyError::Rule {
                    origin: origin.to_string(),
                    rule: rule.id,
                    message: "two rules have this id".into(),
                });
            }
            rules.push(rule);
        }
        if rules.len() > usize::from(u16::MAX) {
            return Err(file_err("more than 65535 rules".into()));
        }
        let mut index = vec![Vec::new(); Action::ALL.len() * Resource::COUNT];
        for (i, rule) in rules.iter().enumerate() {
            for a in &rule.actions {
                for r in &rule.resources {
                    if r.actions().contains(a) {
                        index[slot(*a, *r)].push(i as u16);
                    }
                }
            }
        }
        Ok(Policy {
            version: raw.version,
            title: raw.title,
            sha256: hex::encode(sha2::Sha256::digest(text.as_bytes())),
            groups: raw.groups,
            identifiers,
            rules,
            index,
        })
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

pub(crate) fn slot(action: Action, resource: Resource) -> usize {
    action.index() * Resource::COUNT + resource.index()
}

fn known_resources() -> String {
    Resource::all()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn field_exists(kind: RecordKind, field: &str) -> bool {
    kind.field(field).is_some() || kind.derived_fields().contains(&field)
}

fn check_rule(
    r: RawRule,
    groups: &BTreeMap<String, Vec<String>>,
    origin: &str,
) -> Result<Rule, PolicyError> {
    let id = r.id.trim().to_string();
    let err = |message: String| PolicyError::Rule {
        origin: origin.to_string(),
        rule: id.clone(),
        message,
    };
    if id.is_empty() {
        return Err(PolicyError::File {
            origin: origin.to_string(),
            message: "a rule has an empty id".into(),
        });
    }
    let effect = match r.effect.as_str() {
        "allow" => RuleEffect::Allow,
        "deny" => RuleEffect::Deny,
        other => {
            return Err(err(format!(
                "effect {other:?} is neither \"allow\" nor \"deny\""
            )))
        }
    };
    for k in r
        .institution_kinds
        .iter()
        .chain(&r.except_institution_kinds)
        .chain(&r.from_institution_kinds)
    {
        if !known_kind(k) {
            return Err(err(format!(
                "unknown institution kind {k:?} (known: {})",
                INSTITUTION_KINDS.join(", ")
            )));
        }
    }
    for role in &r.roles {
        if !is_role(role) {
            let known: Vec<_> = ROLES.iter().map(|(r, _)| *r).collect();
            return Err(err(format!(
                "unknown role {role:?} (known: {})",
                known.join(", ")
            )));
        }
    }
    if r.actions.is_empty() {
        return Err(err("names no action".into()));
    }
    let mut actions = Vec::new();
    for a in &r.actions {
        let action = Action::parse(a).ok_or_else(|| {
            let known: Vec<_> = Action::ALL.iter().map(|a| a.as_str()).collect();
            err(format!(
                "unknown action {a:?} (known: {})",
                known.join(", ")
            ))
        })?;
        if !actions.contains(&action) {
            actions.push(action);
        }
    }
    if r.resources.is_empty() {
        return Err(err("names no resource".into()));
    }
    let mut resources = Vec::new();
    for name in &r.resources {
        let expanded: Vec<&str> = match name.strip_prefix('@') {
            Some(g) => groups
                .get(g)
                .ok_or_else(|| err(format!("unknown group {name:?}")))?
                .iter()
                .map(String::as_str)
                .collect(),
            None => vec![name.as_str()],
        };
        for e in expanded {
            let res = Resource::parse(e).ok_or_else(|| {
                err(format!(
                    "unknown resource {e:?} (known: {}, or @group)",
                    known_resources()
                ))
            })?;
            if !resources.contains(&res) {
                resources.push(res);
            }
        }
    }
    // An allow rule must mean something for each resource it names: granting `publish` on
    // border crossings is a mistake, not a no-op.
    if effect == RuleEffect::Allow {
        for res in &resources {
            if !actions.iter().any(|a| res.actions().contains(a)) {
                return Err(err(format!(
                    "none of its actions applies to {res} (it takes: {})",
                    res.actions()
                        .iter()
                        .map(|a| a.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
        }
    }
    let scope = match r.scope.as_deref() {
        None | Some("all") => Scope::All,
        Some("own") => Scope::Own,
        Some(other) => {
            return Err(err(format!(
                "scope {other:?} is neither \"own\" nor \"all\""
            )))
        }
    };
    if r.anonymous {
        // Anonymous callers may read published statistics and file a complaint (a migrant
        // need not have an account to complain), nothing else.
        let open = |res: Resource, a: Action| {
            matches!(
                (res, a),
                (Resource::Statistics, Action::Read)
                    | (Resource::Plan, Action::Read)
                    | (Resource::Complaint, Action::Submit)
            )
        };
        if effect != RuleEffect::Allow
            || resources
                .iter()
                .any(|res| actions.iter().any(|a| !open(*res, *a)))
        {
            return Err(err(
                "anonymous callers can only be allowed to read published statistics and the GCM plan, and to submit complaints".into(),
            ));
        }
        if !r.institution_kinds.is_empty() || !r.institutions.is_empty() || !r.roles.is_empty() {
            return Err(err(
                "an anonymous rule cannot also name institutions or roles".into(),
            ));
        }
    }
    let mut fields = Vec::new();
    for f in &r.fields {
        if effect != RuleEffect::Deny {
            return Err(err(
                "`fields` belongs in deny rules (they hide fields from what allow rules grant)"
                    .into(),
            ));
        }
        let (kind, field) = f
            .split_once('.')
            .ok_or_else(|| err(format!("field {f:?} is not written kind.field")))?;
        let k = RecordKind::parse(kind)
            .filter(|k| k.as_str() == kind)
            .ok_or_else(|| err(format!("field {f:?}: unknown record kind {kind:?}")))?;
        if !field_exists(k, field) {
            return Err(err(format!("field {f:?}: {kind} has no field {field:?}")));
        }
        if !resources.contains(&Resource::Record(k)) {
            return Err(err(format!(
                "field {f:?}: the rule does not name the resource {kind}"
            )));
        }
        fields.push((k, field.to_string()));
    }
    if effect == RuleEffect::Deny && (scope == Scope::Own || r.identity || r.purpose) {
        return Err(err(
            "scope, identity and purpose belong in allow rules".into()
        ));
    }
    let mut seen = BTreeSet::new();
    for i in &r.institutions {
        if i.trim().is_empty() || !seen.insert(i) {
            return Err(err(format!("institution {i:?} is empty or named twice")));
        }
    }
    Ok(Rule {
        id,
        description: r.description,
        effect,
        anonymous: r.anonymous,
        institution_kinds: r.institution_kinds,
        except_institution_kinds: r.except_institution_kinds,
        institutions: r.institutions,
        roles: r.roles,
        actions,
        resources,
        scope,
        from_institution_kinds: r.from_institution_kinds,
        identity: r.identity,
        purpose: r.purpose,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> String {
        match Policy::from_toml(text, "p.toml") {
            Ok(_) => String::from("accepted"),
            Err(e) => e.to_string(),
        }
    }

    const HEAD: &str = "version = 1\n";

    fn with_rule(body: &str) -> String {
        format!("{HEAD}[[rule]]\nid = \"r\"\neffect = \"allow\"\n{body}\n")
    }

    #[test]
    fn the_default_policy_loads() {
        let p = crate::default_policy().expect("default policy");
        assert!(p.rules.len() > 20);
        assert_eq!(p.sha256.len(), 64);
    }

    #[test]
    fn every_mistake_is_named() {
        let cases = [
            (
                with_rule("actions = [\"read\"]\nresources = [\"border_crosing\"]"),
                "rule \"r\": unknown resource \"border_crosing\"",
            ),
            (
                with_rule("actions = [\"reed\"]\nresources = [\"person\"]"),
                "unknown action \"reed\"",
            ),
            (
                with_rule("roles = [\"reviewr\"]\nactions = [\"read\"]\nresources = [\"person\"]"),
                "unknown role \"reviewr\"",
            ),
            (
                with_rule(
                    "institution_kinds = [\"police\"]\nactions = [\"read\"]\nresources = [\"person\"]",
                ),
                "unknown institution kind \"police\"",
            ),
            (
                with_rule("actions = [\"publish\"]\nresources = [\"border_crossing\"]"),
                "none of its actions applies to border_crossing",
            ),
            (
                with_rule("anonymous = true\nactions = [\"read\"]\nresources = [\"person\"]"),
                "anonymous callers can only be allowed to read published statistics",
            ),
            (
                // Filing a complaint is open; reading complaints is not.
                with_rule("anonymous = true\nactions = [\"read\", \"submit\"]\nresources = [\"complaint\"]"),
                "and to submit complaints",
            ),
            (
                // Reading the plan is open; changing it is not.
                with_rule("anonymous = true\nactions = [\"read\", \"correct\"]\nresources = [\"plan\"]"),
                "and the GCM plan",
            ),
            (
                with_rule("actions = [\"read\"]\nresources = [\"person\"]\nscope = \"mine\""),
                "scope \"mine\"",
            ),
            (
                with_rule(
                    "actions = [\"read\"]\nresources = [\"person\"]\nfields = [\"person.phone\"]",
                ),
                "`fields` belongs in deny rules",
            ),
            (
                format!(
                    "{HEAD}[[rule]]\nid = \"r\"\neffect = \"deny\"\nactions = [\"read\"]\nresources = [\"person\"]\nfields = [\"person.salary\"]\n"
                ),
                "person has no field \"salary\"",
            ),
            (
                with_rule("actions = [\"read\"]\nresources = [\"@nothing\"]"),
                "unknown group \"@nothing\"",
            ),
            (
                with_rule("actions = [\"read\"]\nresources = [\"person\"]\ncolour = \"red\""),
                "p.toml:7:1: unknown field `colour`",
            ),
            (
                "version = 2\n".to_string(),
                "version 2 is not supported",
            ),
            (
                format!("{HEAD}[identifiers]\nperson = [\"passport\"]\n"),
                "[identifiers] person: the kind has no field \"passport\"",
            ),
        ];
        for (text, expected) in cases {
            let got = refused(&text);
            assert!(
                got.contains(expected),
                "{text}\n→ {got}\n(expected {expected})"
            );
        }
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let text = format!(
            "{HEAD}[[rule]]\nid = \"a\"\neffect = \"allow\"\nactions = [\"read\"]\nresources = [\"catalogue\"]\n\
             [[rule]]\nid = \"a\"\neffect = \"allow\"\nactions = [\"read\"]\nresources = [\"catalogue\"]\n"
        );
        assert!(refused(&text).contains("two rules have this id"));
    }
}

//! The policy as Markdown: the rules one by one, and for each institution kind a matrix of what
//! each role may do. `docs/access.md` embeds the default policy's tables (a test keeps them in
//! step), and `marsad policy show` prints any policy's.

use std::fmt::Write as _;

use crate::decide::{Decision, Principal, Subject};
use crate::parse::{Policy, RuleEffect, Scope};
use crate::vocab::{Action, Resource, INSTITUTION_KINDS, ROLES};

fn list(items: &[String], empty: &str) -> String {
    if items.is_empty() {
        empty.to_string()
    } else {
        items.join(", ")
    }
}

fn letter(a: Action) -> char {
    match a {
        Action::Submit => 'S',
        Action::Read => 'R',
        Action::Correct => 'C',
        Action::Export => 'E',
        Action::LinkReview => 'L',
        Action::Publish => 'P',
        Action::Administer => 'A',
    }
}

/// What `principal` may do with `resource`, as a short cell: one letter per action, `°` when
/// limited to the caller's own institution, `*` when identities are hidden, `†` when identities
/// need a stated purpose, `‡` when some institutions' rows or some fields are removed.
pub fn cell(policy: &Policy, principal: &Principal, resource: Resource) -> String {
    let mut out = String::new();
    for a in Action::ALL {
        let Decision::Allow(g) = policy.decide(Subject::Member(principal), a, resource) else {
            continue;
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push(letter(a));
        if !g.beyond_own() {
            out.push('°');
        }
        if resource.kind().is_some() && matches!(a, Action::Read | Action::Export) {
            let plain = g.clauses.iter().any(|c| c.rule.identity && !c.rule.purpose);
            let with_purpose = g.clauses.iter().any(|c| c.rule.identity);
            if !plain && with_purpose {
                out.push('†');
            } else if !with_purpose && !g.identifiers.is_empty() {
                out.push('*');
            }
        }
        if !g.denied_from.is_empty() || !g.hidden.is_empty() {
            out.push('‡');
        }
    }
    out
}

/// The generated part of `docs/access.md`.
pub fn markdown(policy: &Policy) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Policy version {}, SHA-256 `{}`.\n",
        policy.version, policy.sha256
    );
    s.push_str("### What each role may do, by institution kind\n\n");
    s.push_str(
        "S submit · R read · C correct · E export · L link-review · P publish · A administer. \
         ° only what the caller's own institution submitted · * identities replaced by the \
         unified number · † identities only with a stated purpose · ‡ some institutions' rows \
         or some fields removed. Every signed-in user also reads the catalogue and published \
         statistics; anyone reads published statistics.\n\n",
    );
    let resources: Vec<Resource> = Resource::all()
        .filter(|r| !matches!(r, Resource::Catalogue | Resource::Statistics))
        .collect();
    for kind in INSTITUTION_KINDS {
        let mut rows = Vec::new();
        for (role, _) in ROLES {
            let p = Principal {
                institution: format!("any {kind}"),
                institution_kind: kind.to_string(),
                roles: vec![role.to_string()],
                actions: None,
            };
            let cells: Vec<String> = resources.iter().map(|r| cell(policy, &p, *r)).collect();
            let stats = cell(policy, &p, Resource::Statistics);
            if cells.iter().any(|c| !c.is_empty()) || stats.contains('P') {
                rows.push((role, cells, stats));
            }
        }
        if rows.is_empty() {
            continue;
        }
        let used: Vec<usize> = (0..resources.len())
            .filter(|i| rows.iter().any(|(_, c, _)| !c[*i].is_empty()))
            .collect();
        let _ = writeln!(s, "#### `{kind}`\n");
        s.push_str("| role |");
        for i in &used {
            let _ = write!(s, " {} |", resources[*i]);
        }
        s.push_str(" statistics |\n| --- |");
        for _ in &used {
            s.push_str(" --- |");
        }
        s.push_str(" --- |\n");
        for (role, cells, stats) in rows {
            let _ = write!(s, "| {role} |");
            for i in &used {
                let _ = write!(s, " {} |", cells[*i]);
            }
            let _ = writeln!(s, " {stats} |");
        }
        s.push('\n');
    }
    s.push_str("### The rules\n\n");
    s.push_str("| id | effect | who | actions | resources | limits | why |\n");
    s.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    for r in &policy.rules {
        let mut who = Vec::new();
        if r.anonymous {
            who.push("anyone, signed in or not".to_string());
        }
        if !r.institution_kinds.is_empty() {
            who.push(format!(
                "institutions of kind {}",
                r.institution_kinds.join(", ")
            ));
        }
        if !r.except_institution_kinds.is_empty() {
            who.push(format!(
                "every institution except {}",
                r.except_institution_kinds.join(", ")
            ));
        }
        if !r.institutions.is_empty() {
            who.push(format!("institutions {}", r.institutions.join(", ")));
        }
        if !r.roles.is_empty() {
            who.push(format!("roles {}", r.roles.join(", ")));
        }
        if who.is_empty() {
            who.push("every signed-in user".into());
        }
        let mut limits = Vec::new();
        if r.scope == Scope::Own {
            limits.push("own institution's data".to_string());
        }
        if !r.from_institution_kinds.is_empty() {
            let verb = if r.effect == RuleEffect::Deny {
                "rows submitted by"
            } else {
                "only rows submitted by"
            };
            limits.push(format!("{verb} {}", r.from_institution_kinds.join(", ")));
        }
        if !r.fields.is_empty() {
            let f: Vec<String> = r
                .fields
                .iter()
                .map(|(k, f)| format!("{}.{f}", k.as_str()))
                .collect();
            limits.push(format!("fields {}", f.join(", ")));
        }
        if r.identity {
            limits.push("with identities".into());
        }
        if r.purpose {
            limits.push("purpose required".into());
        }
        let actions: Vec<String> = r.actions.iter().map(|a| a.as_str().to_string()).collect();
        let resources: Vec<String> = r.resources.iter().map(|x| x.as_str().to_string()).collect();
        let _ = writeln!(
            s,
            "| `{}` | {} | {} | {} | {} | {} | {} |",
            r.id,
            match r.effect {
                RuleEffect::Allow => "allow",
                RuleEffect::Deny => "**deny**",
            },
            who.join("; "),
            list(&actions, "—"),
            list(&resources, "—"),
            list(&limits, "—"),
            r.description.replace('|', "\\|"),
        );
    }
    s.push_str("\n### Direct identifiers (hidden in pseudonymised views)\n\n");
    for (kind, fields) in &policy.identifiers {
        let _ = writeln!(s, "- `{}`: {}", kind.as_str(), fields.join(", "));
    }
    s
}

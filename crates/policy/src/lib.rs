//! marsad's access policy: the scopes of competence of every institution, as one readable TOML
//! file (see `default-policy.toml` and `docs/access.md`), and the one function that decides a
//! request, [`Policy::decide`].
//!
//! | module | owns |
//! | --- | --- |
//! | [`vocab`] | the actions, resources, institution kinds and roles a policy may name |
//! | [`parse`](mod@parse) | reading and checking a policy file: every mistake named with its line or rule |
//! | [`decide`](mod@decide) | evaluation: default deny, deny overrides allow, row filters, hidden fields |
//! | [`table`] | the policy as Markdown tables (the generated part of `docs/access.md`) |
//! | [`files`] | the versioned policy folder in the data directory |
//!
//! Invariants:
//! - nothing is allowed unless an `allow` rule matches; a matching `deny` rule always wins;
//! - anonymous callers can only ever be granted published statistics, reading the GCM plan (a
//!   public document) and the filing of a complaint (a policy that says otherwise is refused
//!   when loaded);
//! - a grant never widens what a caller's API token allows (`Principal::actions`);
//! - evaluation is pure and allocation-light: rules are indexed by (action, resource) at load.

pub mod decide;
pub mod files;
pub mod parse;
pub mod table;
pub mod vocab;

pub use decide::{Clause, Decision, Denial, Grant, Origin, Principal, Subject, View};
pub use files::{Installed, PolicyDir, PolicyFileError};
pub use parse::{Policy, PolicyError, Rule, RuleEffect, Scope};
pub use vocab::{Action, Resource, INSTITUTION_KINDS, ROLES};

/// The policy marsad ships: the usual institutions of a national migration information system.
pub const DEFAULT_POLICY: &str = include_str!("../default-policy.toml");

/// The shipped policy, parsed.
pub fn default_policy() -> Result<Policy, PolicyError> {
    Policy::from_toml(DEFAULT_POLICY, "default-policy.toml")
}

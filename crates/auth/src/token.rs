//! API tokens for machine submissions.
//!
//! **Format** (a contract: institutions put these in their scripts):
//! `marsad_<id>_<secret>`, where `<id>` is 16 characters and `<secret>` 52 characters of
//! lower-case RFC 4648 base32 (`a`–`z`, `2`–`7`, no padding): 80 random bits of id and 256 random
//! bits of secret, both from the caller's CSPRNG; 76 characters in all. The fixed prefix lets
//! secret scanners (GitHub push protection, gitleaks, trufflehog) recognise a leaked token with
//! the pattern `marsad_[a-z2-7]{16}_[a-z2-7]{52}`, and `_` keeps the whole token one "word" for
//! double-click selection. The id is not secret: it is the primary key the store looks the token
//! up by, and it may appear in logs and in the audit trail (as the actor).
//!
//! **Storage.** Only `SHA-256(secret bytes)` is stored (32 bytes), never the token. A fast hash is
//! right here, unlike for passwords: the secret has 256 bits of entropy, so there is no dictionary
//! to try and a brute force of SHA-256 over 2^256 inputs is out of reach however fast each guess
//! is; a slow hash would only make every authenticated API call slower. The token is shown once,
//! when issued ([`issue_token`]).
//!
//! **Checking.** [`PresentedToken::parse`] takes the `Authorization: Bearer` value, yields the id
//! to look up, and [`authenticate_token`] compares the hash in constant time before it says
//! anything about revocation or expiry (so someone who knows only an id learns nothing), then
//! refuses revoked and expired tokens. Revocation is a timestamp the caller stores; expiry is part
//! of the [`TokenScope`] and is mandatory. Every refusal is one 401 to the client; the reason is
//! for the audit trail.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use rand_core::CryptoRng;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::secret::Secret;

/// The fixed start of every token.
pub const TOKEN_PREFIX: &str = "marsad_";
const ID_BYTES: usize = 10;
const SECRET_BYTES: usize = 32;
const ID_CHARS: usize = 16;
const SECRET_CHARS: usize = 52;

fn base32_lower() -> data_encoding::Encoding {
    let mut spec = data_encoding::Specification::new();
    spec.symbols.push_str("abcdefghijklmnopqrstuvwxyz234567");
    // The specification is a constant and valid; the fallback is never taken.
    spec.encoding().unwrap_or(data_encoding::BASE32_NOPAD)
}

/// What a token (or a user, through policies) may do. The names are the actions of issue 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Submit,
    Read,
    Correct,
    Export,
    LinkReview,
    Publish,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Action::Submit,
        Action::Read,
        Action::Correct,
        Action::Export,
        Action::LinkReview,
        Action::Publish,
    ];

    /// `submit`, `read`, `correct`, `export`, `link-review`, `publish`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submit => "submit",
            Self::Read => "read",
            Self::Correct => "correct",
            Self::Export => "export",
            Self::LinkReview => "link-review",
            Self::Publish => "publish",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown action name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown action {0:?} (expected one of submit, read, correct, export, link-review, publish)"
)]
pub struct UnknownAction(pub String);

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Action::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownAction(s.to_owned()))
    }
}

/// A set of actions. Stored as text: the names in the order of [`Action::ALL`], joined by `,`
/// (`submit,read`); the empty set is the empty string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct ActionSet(u8);

impl ActionSet {
    pub const EMPTY: Self = Self(0);

    pub fn contains(self, action: Action) -> bool {
        self.0 & action.bit() != 0
    }

    #[must_use]
    pub fn with(self, action: Action) -> Self {
        Self(self.0 | action.bit())
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Action> {
        Action::ALL.into_iter().filter(move |a| self.contains(*a))
    }
}

impl FromIterator<Action> for ActionSet {
    fn from_iter<I: IntoIterator<Item = Action>>(iter: I) -> Self {
        iter.into_iter().fold(Self::EMPTY, Self::with)
    }
}

impl fmt::Display for ActionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Action::as_str).collect();
        f.write_str(&names.join(","))
    }
}

impl FromStr for ActionSet {
    type Err = UnknownAction;

    /// Reads `submit,read` (spaces around names allowed, order free, repeats harmless).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(Action::from_str)
            .collect()
    }
}

/// What a token may do: act for one institution (its stable `institutions.name`), the listed
/// actions, until `expires_at` (exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenScope {
    pub institution: String,
    pub actions: ActionSet,
    pub expires_at: DateTime<Utc>,
}

impl TokenScope {
    /// Whether this scope allows `action` on `institution`'s data at `now`. This is the token's
    /// own limit; the policy engine still decides whether the institution may do it at all.
    pub fn allows(&self, action: Action, institution: &str, now: DateTime<Utc>) -> bool {
        now < self.expires_at && self.actions.contains(action) && self.institution == institution
    }
}

/// A token as stored: `id` (text primary key), `secret_hash` (32 bytes), the scope (institution
/// text, actions text as [`ActionSet`]'s `Display`, `expires_at` timestamp) and `revoked_at`
/// (nullable timestamp). The store may add columns (who created it, last use, a description).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: String,
    pub secret_hash: [u8; 32],
    pub scope: TokenScope,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A newly issued token: give `token` to the client once; store `id` and `secret_hash`.
#[derive(Debug)]
pub struct IssuedToken {
    pub token: Secret<String>,
    pub id: String,
    pub secret_hash: [u8; 32],
}

/// Draws a new token's id and secret from `rng`.
pub fn issue_token<R: CryptoRng + ?Sized>(rng: &mut R) -> IssuedToken {
    let b32 = base32_lower();
    let mut id = [0u8; ID_BYTES];
    rng.fill_bytes(&mut id);
    let mut secret = Zeroizing::new([0u8; SECRET_BYTES]);
    rng.fill_bytes(secret.as_mut());
    let id = b32.encode(&id);
    let token = Secret::new(format!(
        "{TOKEN_PREFIX}{id}_{}",
        Zeroizing::new(b32.encode(secret.as_ref())).as_str()
    ));
    IssuedToken {
        token,
        id,
        secret_hash: crate::sha256(&[secret.as_ref()]),
    }
}

/// Why a presented string is not a token at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("not a marsad API token (expected marsad_<16 base32>_<52 base32>)")]
    Malformed,
}

/// Why a well-formed token is refused. All of them are a 401 for the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenRejected {
    #[error("no token has this id")]
    Unknown,
    #[error("the token's secret is wrong")]
    WrongSecret,
    #[error("the token was revoked")]
    Revoked,
    #[error("the token has expired")]
    Expired,
}

/// A token as received, parsed: the id to look up and the secret to check.
#[derive(Debug)]
pub struct PresentedToken {
    id: String,
    secret: Secret<Vec<u8>>,
}

impl PresentedToken {
    /// Parses `marsad_<id>_<secret>` (surrounding whitespace ignored; case matters).
    pub fn parse(text: &str) -> Result<Self, TokenError> {
        let rest = text
            .trim()
            .strip_prefix(TOKEN_PREFIX)
            .ok_or(TokenError::Malformed)?;
        let (id, secret) = rest.split_once('_').ok_or(TokenError::Malformed)?;
        if id.len() != ID_CHARS || secret.len() != SECRET_CHARS {
            return Err(TokenError::Malformed);
        }
        let b32 = base32_lower();
        let id_ok = b32.decode(id.as_bytes()).is_ok_and(|b| b.len() == ID_BYTES);
        let secret = b32
            .decode(secret.as_bytes())
            .map_err(|_| TokenError::Malformed)?;
        // Canonical encodings only: the unused low bits of the last symbol must be zero.
        if !id_ok || secret.len() != SECRET_BYTES || b32.encode(&secret) != rest[ID_CHARS + 1..] {
            return Err(TokenError::Malformed);
        }
        Ok(Self {
            id: id.to_owned(),
            secret: Secret::new(secret),
        })
    }

    /// The id to look the token up by.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// SHA-256 of the presented secret, compared in constant time with `secret_hash`.
    pub fn matches(&self, secret_hash: &[u8; 32]) -> bool {
        crate::sha256(&[self.secret.expose()])
            .ct_eq(secret_hash)
            .into()
    }
}

/// Checks a presented token against the record the store found for its id (`None` if none), at
/// `now`. The secret is checked first — also, against a dummy hash, when there is no record — so
/// the answer for an unknown id costs the same as for a wrong secret.
pub fn authenticate_token<'a>(
    presented: &PresentedToken,
    record: Option<&'a TokenRecord>,
    now: DateTime<Utc>,
) -> Result<&'a TokenScope, TokenRejected> {
    let Some(record) = record else {
        let _ = presented.matches(&[0u8; 32]);
        return Err(TokenRejected::Unknown);
    };
    let id_matches: bool = record.id.as_bytes().ct_eq(presented.id.as_bytes()).into();
    if !presented.matches(&record.secret_hash) || !id_matches {
        return Err(TokenRejected::WrongSecret);
    }
    if record.revoked_at.is_some_and(|at| at <= now) {
        return Err(TokenRejected::Revoked);
    }
    if now >= record.scope.expires_at {
        return Err(TokenRejected::Expired);
    }
    Ok(&record.scope)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use rand_chacha::rand_core::SeedableRng as _;
    use rand_chacha::ChaCha20Rng;

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000, 0).unwrap()
    }

    fn record(issued: &IssuedToken, actions: &str) -> TokenRecord {
        TokenRecord {
            id: issued.id.clone(),
            secret_hash: issued.secret_hash,
            scope: TokenScope {
                institution: "central-bank".into(),
                actions: actions.parse().unwrap(),
                expires_at: t0() + Duration::days(90),
            },
            revoked_at: None,
        }
    }

    fn is_token_shape(s: &str) -> bool {
        let Some(rest) = s.strip_prefix("marsad_") else {
            return false;
        };
        let ok = |p: &str, n: usize| {
            p.len() == n
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
        };
        matches!(rest.split_once('_'), Some((id, sec)) if ok(id, 16) && ok(sec, 52))
    }

    #[test]
    fn issued_tokens_have_the_documented_shape_and_authenticate() {
        let mut rng = ChaCha20Rng::seed_from_u64(42);
        let mut ids = std::collections::HashSet::new();
        for _ in 0..500 {
            let issued = issue_token(&mut rng);
            let text = issued.token.expose();
            assert!(is_token_shape(text), "{text}");
            assert_eq!(text.len(), 76);
            assert!(ids.insert(issued.id.clone()));
            let rec = record(&issued, "submit");
            let presented = PresentedToken::parse(text).unwrap();
            assert_eq!(presented.id(), issued.id);
            assert_eq!(
                authenticate_token(&presented, Some(&rec), t0()),
                Ok(&rec.scope)
            );
        }
    }

    #[test]
    fn refusals_are_named() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let issued = issue_token(&mut rng);
        let other = issue_token(&mut rng);
        let rec = record(&issued, "submit,read");
        let p = PresentedToken::parse(issued.token.expose()).unwrap();
        let q = PresentedToken::parse(other.token.expose()).unwrap();
        let expires = rec.scope.expires_at;
        let revoked = TokenRecord {
            revoked_at: Some(t0() + Duration::days(1)),
            ..rec.clone()
        };
        type Case<'a> = (
            &'a PresentedToken,
            Option<&'a TokenRecord>,
            DateTime<Utc>,
            Result<(), TokenRejected>,
        );
        let cases: &[Case] = &[
            (&p, Some(&rec), t0(), Ok(())),
            (&p, Some(&rec), expires - Duration::seconds(1), Ok(())),
            (&p, Some(&rec), expires, Err(TokenRejected::Expired)),
            (&p, None, t0(), Err(TokenRejected::Unknown)),
            (&q, Some(&rec), t0(), Err(TokenRejected::WrongSecret)),
            (&p, Some(&revoked), t0(), Ok(())),
            (
                &p,
                Some(&revoked),
                t0() + Duration::days(1),
                Err(TokenRejected::Revoked),
            ),
            // Someone with only an id does not learn it was revoked or expired.
            (
                &q,
                Some(&revoked),
                t0() + Duration::days(2),
                Err(TokenRejected::WrongSecret),
            ),
            (&q, Some(&rec), expires, Err(TokenRejected::WrongSecret)),
        ];
        for (i, (presented, rec, now, want)) in cases.iter().enumerate() {
            let got = authenticate_token(presented, *rec, *now).map(|_| ());
            assert_eq!(got, *want, "case {i}");
        }
    }

    #[test]
    fn malformed_tokens() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let good = issue_token(&mut rng).token.expose().clone();
        assert!(PresentedToken::parse(&format!("  {good}\n")).is_ok());
        let mut last_changed = good.clone();
        last_changed.pop();
        last_changed.push('r'); // non-canonical: low bits of the last symbol set
        let cases = [
            String::new(),
            "marsad_".into(),
            good.to_uppercase(),
            good.replacen("marsad_", "marsed_", 1),
            good.replacen("marsad_", "", 1),
            good[..good.len() - 1].into(),
            format!("{good}a"),
            good.replacen('_', "-", 2),
            format!("Bearer {good}"),
            good.replace(&good[7..9], "01"),
            last_changed,
        ];
        for bad in &cases {
            assert_eq!(
                PresentedToken::parse(bad).err(),
                Some(TokenError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn scope_allows_only_its_institution_actions_and_time() {
        let scope = TokenScope {
            institution: "border-police".into(),
            actions: [Action::Submit, Action::Read].into_iter().collect(),
            expires_at: t0(),
        };
        let before = t0() - Duration::seconds(1);
        assert!(scope.allows(Action::Submit, "border-police", before));
        assert!(scope.allows(Action::Read, "border-police", before));
        assert!(!scope.allows(Action::Export, "border-police", before));
        assert!(!scope.allows(Action::Submit, "central-bank", before));
        assert!(!scope.allows(Action::Submit, "border-police", t0()));
    }

    #[test]
    fn action_sets_round_trip_as_text() {
        for bits in 0u8..64 {
            let set: ActionSet = Action::ALL
                .into_iter()
                .filter(|a| bits & a.bit() != 0)
                .collect();
            let text = set.to_string();
            assert_eq!(text.parse::<ActionSet>().unwrap(), set, "{text}");
        }
        let all: ActionSet = Action::ALL.into_iter().collect();
        assert_eq!(
            all.to_string(),
            "submit,read,correct,export,link-review,publish"
        );
        assert_eq!(
            "read, submit,read"
                .parse::<ActionSet>()
                .unwrap()
                .to_string(),
            "submit,read"
        );
        assert_eq!("".parse::<ActionSet>().unwrap(), ActionSet::EMPTY);
        assert_eq!(
            "read,delete".parse::<ActionSet>().unwrap_err(),
            UnknownAction("delete".into())
        );
        assert_eq!("link-review".parse::<Action>().unwrap(), Action::LinkReview);
    }
}

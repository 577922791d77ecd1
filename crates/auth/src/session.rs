//! Browser sessions, their cookie, CSRF tokens and the same-origin check for state-changing
//! requests.
//!
//! **Session id.** 256 bits from the caller's CSPRNG, URL-safe base64 without padding (43
//! characters), sent only in the cookie. The store keeps `SHA-256(id)` (32 bytes) as the key, so a
//! leaked database or backup holds no usable session. Issue a new id at login and at every change
//! of privilege (second factor done, role change) and delete the old row: that defeats session
//! fixation.
//!
//! **Expiry** ([`SessionPolicy::DEFAULT`]): idle 30 minutes, absolute 12 hours. OWASP's Session
//! Management Cheat Sheet gives 2–5 minutes idle for high-value applications and 15–30 minutes
//! for low-risk ones; OWASP ASVS 4.0 §3.3 asks for an absolute limit as well ("periodic session
//! terminations, e.g. after 8 or 12 hours", OWASP Cornucopia SM6). marsad's users are officials
//! working through a day of submissions and reviews, so 30 minutes idle keeps an unattended
//! screen short-lived without logging people out mid-task, and 12 hours covers one long shift,
//! after which a fresh login (with second factor) is needed. Both are fields: a deployment whose
//! users open trafficking case files may well choose 5–15 minutes idle.
//! [`SessionPolicy::check`] returns the refreshed record (`last_seen_at = now`) for the store to
//! write back.
//!
//! **Cookie.** `__Host-marsad-session=<id>; Path=/; Max-Age=<absolute>; Secure; HttpOnly;
//! SameSite=Strict`. The `__Host-` prefix makes browsers refuse the cookie unless it is `Secure`,
//! has `Path=/` and no `Domain`, so a sibling sub-domain cannot plant or shadow it (RFC 6265bis
//! §4.1.3.2). [`CookieMode::PlainHttpLocalDev`] drops the prefix and `Secure` (not every browser
//! accepts them over plain `http://`, even on loopback): it exists for `marsad demo` on
//! `127.0.0.1` only, and the server must choose it explicitly from its configuration, never by
//! guessing from the request.
//!
//! **CSRF.** SameSite=Strict already keeps other sites' requests from carrying the cookie; as
//! defence in depth, state-changing requests also carry a synchronizer token,
//! `base64url(HMAC-SHA256(server key, "marsad-csrf-v1\0" ‖ SHA-256(session id)))`, derived per
//! session so nothing more is stored, and compared in constant time ([`CsrfKey::verify`]). It is
//! derived from the hash of the id the store keeps, so the server can render it from the session
//! record, and it changes whenever the session id does. And [`check_origin`] applies OWASP's
//! Fetch-Metadata / Origin rules.

use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, KeyInit as _, Mac as _};
use rand_core::CryptoRng;
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

use crate::secret::Secret;

const SESSION_ID_BYTES: usize = 32;
const SESSION_ID_CHARS: usize = 43;
const CSRF_DOMAIN: &[u8] = b"marsad-csrf-v1\0";

/// Whether cookies are for HTTPS (always, in production) or for plain-HTTP local development.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookieMode {
    /// `__Host-` prefix and `Secure`: the only mode for a deployed server.
    Secure,
    /// No prefix, no `Secure`: for `http://127.0.0.1` during development and `marsad demo`.
    PlainHttpLocalDev,
}

/// Session lifetimes and the cookie mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused for this long is over.
    pub idle_timeout: Duration,
    /// A session this old is over, however active.
    pub absolute_timeout: Duration,
    pub cookie_mode: CookieMode,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A session as stored: `id_hash` (32 bytes, the key), `created_at` and `last_seen_at`
/// (timestamps). The store adds the account, the second-factor state and the source address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id_hash: [u8; 32],
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// A newly started session: `id` goes into the cookie ([`SessionPolicy::set_cookie`]), `record`
/// into the store.
#[derive(Debug)]
pub struct NewSession {
    pub id: Secret<String>,
    pub record: SessionRecord,
}

/// The state of a session at a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionCheck {
    /// Still valid; store `refreshed` (its `last_seen_at` is now).
    Active { refreshed: SessionRecord },
    /// Unused for longer than the idle timeout: delete it and clear the cookie.
    IdleExpired,
    /// Older than the absolute timeout: delete it and clear the cookie.
    AbsoluteExpired,
}

impl SessionPolicy {
    /// Idle 30 minutes, absolute 12 hours, secure cookies.
    pub const DEFAULT: Self = Self {
        idle_timeout: Duration::minutes(30),
        absolute_timeout: Duration::hours(12),
        cookie_mode: CookieMode::Secure,
    };

    /// A new session id from `rng`, and its record.
    pub fn start<R: CryptoRng + ?Sized>(&self, rng: &mut R, now: DateTime<Utc>) -> NewSession {
        let mut raw = Zeroizing::new([0u8; SESSION_ID_BYTES]);
        rng.fill_bytes(raw.as_mut());
        let id = Secret::new(data_encoding::BASE64URL_NOPAD.encode(raw.as_ref()));
        let id_hash = crate::sha256(&[id.expose().as_bytes()]);
        NewSession {
            id,
            record: SessionRecord {
                id_hash,
                created_at: now,
                last_seen_at: now,
            },
        }
    }

    /// Whether `record` is still valid at `now`. Both limits are inclusive of their end: a session
    /// idle for exactly the timeout is over.
    pub fn check(&self, record: &SessionRecord, now: DateTime<Utc>) -> SessionCheck {
        if now >= record.created_at + self.absolute_timeout {
            return SessionCheck::AbsoluteExpired;
        }
        if now >= record.last_seen_at + self.idle_timeout {
            return SessionCheck::IdleExpired;
        }
        SessionCheck::Active {
            refreshed: SessionRecord {
                last_seen_at: now.max(record.last_seen_at),
                ..record.clone()
            },
        }
    }

    /// The cookie's name: `__Host-marsad-session`, or `marsad-session` in local-dev mode.
    pub fn cookie_name(&self) -> &'static str {
        match self.cookie_mode {
            CookieMode::Secure => "__Host-marsad-session",
            CookieMode::PlainHttpLocalDev => "marsad-session",
        }
    }

    /// The `Set-Cookie` header value carrying `id`.
    pub fn set_cookie(&self, id: &Secret<String>) -> Secret<String> {
        Secret::new(self.cookie_with(id.expose(), self.absolute_timeout.num_seconds()))
    }

    /// The `Set-Cookie` header value that removes the cookie (logout, expiry).
    pub fn clear_cookie(&self) -> String {
        self.cookie_with("", 0)
    }

    fn cookie_with(&self, value: &str, max_age: i64) -> String {
        let secure = match self.cookie_mode {
            CookieMode::Secure => "; Secure",
            CookieMode::PlainHttpLocalDev => "",
        };
        format!(
            "{}={value}; Path=/; Max-Age={max_age}{secure}; HttpOnly; SameSite=Strict",
            self.cookie_name()
        )
    }
}

/// The hash a session is stored under, from the cookie value; `None` if the value cannot be a
/// session id (then there is no session: do not query the store).
pub fn session_id_hash(cookie_value: &str) -> Option<[u8; 32]> {
    let ok = cookie_value.len() == SESSION_ID_CHARS
        && data_encoding::BASE64URL_NOPAD
            .decode(cookie_value.as_bytes())
            .is_ok_and(|b| b.len() == SESSION_ID_BYTES);
    ok.then(|| crate::sha256(&[cookie_value.as_bytes()]))
}

/// The server's CSRF key: 32 random bytes kept with the server's other secrets (a key file in
/// the data folder). Rotating it invalidates every page's token, not the sessions.
#[derive(Debug, Clone)]
pub struct CsrfKey(Secret<Vec<u8>>);

impl CsrfKey {
    pub fn generate<R: CryptoRng + ?Sized>(rng: &mut R) -> Self {
        let mut key = vec![0u8; 32];
        rng.fill_bytes(&mut key);
        Self(Secret::new(key))
    }

    /// A key read from storage; `None` if shorter than 32 bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Option<Self> {
        (bytes.len() >= 32).then(|| Self(Secret::new(bytes)))
    }

    pub fn as_bytes(&self) -> &[u8] {
        self.0.expose()
    }

    fn mac(&self, session_id_hash: &[u8; 32]) -> Option<[u8; 32]> {
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(self.0.expose()).ok()?;
        mac.update(CSRF_DOMAIN);
        mac.update(session_id_hash);
        Some(mac.finalize().into_bytes().into())
    }

    /// The session's CSRF token (43 characters of URL-safe base64), for a hidden form field or
    /// the `X-CSRF-Token` header.
    pub fn token(&self, session_id_hash: &[u8; 32]) -> String {
        let mac = self.mac(session_id_hash).unwrap_or([0u8; 32]);
        data_encoding::BASE64URL_NOPAD.encode(&mac)
    }

    /// Whether `presented` is the session's CSRF token, in constant time.
    pub fn verify(&self, session_id_hash: &[u8; 32], presented: &str) -> bool {
        let Some(expected) = self.mac(session_id_hash) else {
            return false;
        };
        let decoded = data_encoding::BASE64URL_NOPAD
            .decode(presented.trim().as_bytes())
            .unwrap_or_default();
        decoded.len() == 32 && bool::from(expected.ct_eq(decoded.as_slice()))
    }
}

/// The verdict of [`check_origin`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginCheck {
    /// A safe method, or a same-origin request.
    Allowed,
    /// A state-changing request from another site (or an opaque origin): answer 403.
    CrossSite,
    /// Neither header was sent (a non-browser client or a very old browser): allowed only when
    /// the request is not authenticated by the session cookie, or carries a valid CSRF token.
    NoBrowserHeaders,
}

/// Judges a request by its method, `Sec-Fetch-Site` and `Origin` headers against the origins the
/// server is reached at (e.g. `https://marsad.gov.example`, compared case-insensitively and
/// without a trailing `/`). Safe methods (`GET`, `HEAD`, `OPTIONS`) are always allowed (they must
/// not change state). For the others: `Sec-Fetch-Site: same-origin` is allowed and any other
/// value refused (including `same-site`: a sibling sub-domain is not trusted); without it, an
/// `Origin` must be one of `allowed_origins` (`null` is refused); with neither,
/// [`OriginCheck::NoBrowserHeaders`].
pub fn check_origin(
    method: &str,
    sec_fetch_site: Option<&str>,
    origin: Option<&str>,
    allowed_origins: &[&str],
) -> OriginCheck {
    if ["GET", "HEAD", "OPTIONS"]
        .iter()
        .any(|m| m.eq_ignore_ascii_case(method))
    {
        return OriginCheck::Allowed;
    }
    if let Some(site) = sec_fetch_site {
        return if site.trim().eq_ignore_ascii_case("same-origin") {
            OriginCheck::Allowed
        } else {
            OriginCheck::CrossSite
        };
    }
    match origin {
        Some(origin) => {
            let origin = origin.trim().trim_end_matches('/');
            let allowed = allowed_origins
                .iter()
                .any(|a| a.trim_end_matches('/').eq_ignore_ascii_case(origin));
            if allowed {
                OriginCheck::Allowed
            } else {
                OriginCheck::CrossSite
            }
        }
        None => OriginCheck::NoBrowserHeaders,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng as _;
    use rand_chacha::ChaCha20Rng;

    fn t(mins: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_750_000_000, 0).unwrap() + Duration::minutes(mins)
    }

    #[test]
    fn ids_are_random_well_formed_and_stored_hashed() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let p = SessionPolicy::DEFAULT;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..500 {
            let s = p.start(&mut rng, t(0));
            let id = s.id.expose();
            assert_eq!(id.len(), 43);
            assert!(id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert_eq!(session_id_hash(id), Some(s.record.id_hash));
            assert!(seen.insert(id.clone()));
        }
        for bad in ["", "abc", &"A".repeat(44), &"!".repeat(43)] {
            assert_eq!(session_id_hash(bad), None, "{bad}");
        }
    }

    #[test]
    fn idle_and_absolute_expiry() {
        let mut rng = ChaCha20Rng::seed_from_u64(6);
        let p = SessionPolicy::DEFAULT;
        let rec = p.start(&mut rng, t(0)).record;
        let active = |now| match p.check(&rec, now) {
            SessionCheck::Active { refreshed } => Some(refreshed.last_seen_at),
            _ => None,
        };
        assert_eq!(active(t(0)), Some(t(0)));
        assert_eq!(active(t(29)), Some(t(29)));
        assert_eq!(p.check(&rec, t(30)), SessionCheck::IdleExpired);
        // Kept alive by activity every 20 minutes, it still ends at 12 hours.
        let mut r = rec.clone();
        let mut now = 0;
        loop {
            now += 20;
            match p.check(&r, t(now)) {
                SessionCheck::Active { refreshed } => r = refreshed,
                other => {
                    assert_eq!(other, SessionCheck::AbsoluteExpired);
                    break;
                }
            }
        }
        assert_eq!(now, 12 * 60);
    }

    #[test]
    fn cookies() {
        let id = Secret::from("x".repeat(43));
        let secure = SessionPolicy::DEFAULT;
        assert_eq!(
            secure.set_cookie(&id).expose(),
            &format!("__Host-marsad-session={}; Path=/; Max-Age=43200; Secure; HttpOnly; SameSite=Strict", "x".repeat(43))
        );
        assert_eq!(
            secure.clear_cookie(),
            "__Host-marsad-session=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict"
        );
        let dev = SessionPolicy {
            cookie_mode: CookieMode::PlainHttpLocalDev,
            ..SessionPolicy::DEFAULT
        };
        assert_eq!(dev.cookie_name(), "marsad-session");
        let c = dev.set_cookie(&id);
        assert!(!c.expose().contains("Secure") && !c.expose().contains("__Host-"));
        assert!(c.expose().contains("HttpOnly; SameSite=Strict"));
    }

    #[test]
    fn csrf_tokens_are_per_session_and_per_key() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let key = CsrfKey::generate(&mut rng);
        let other_key = CsrfKey::generate(&mut rng);
        let p = SessionPolicy::DEFAULT;
        let a = p.start(&mut rng, t(0)).record.id_hash;
        let b = p.start(&mut rng, t(0)).record.id_hash;
        let ta = key.token(&a);
        assert_eq!(ta.len(), 43);
        assert!(key.verify(&a, &ta));
        assert!(key.verify(&a, &format!(" {ta} ")));
        assert!(!key.verify(&b, &ta));
        assert!(!other_key.verify(&a, &ta));
        assert!(!key.verify(&a, ""));
        assert!(!key.verify(&a, &ta[..42]));
        assert!(!key.verify(&a, &ta.to_uppercase()));
        assert!(CsrfKey::from_bytes(vec![1; 31]).is_none());
        let k2 = CsrfKey::from_bytes(key.as_bytes().to_vec()).unwrap();
        assert_eq!(k2.token(&a), ta);
    }

    #[test]
    fn origin_rules() {
        use OriginCheck::*;
        let allowed = ["https://marsad.gov.example", "http://127.0.0.1:8080/"];
        let table: &[(&str, Option<&str>, Option<&str>, OriginCheck)] = &[
            (
                "GET",
                Some("cross-site"),
                Some("https://evil.example"),
                Allowed,
            ),
            ("head", None, None, Allowed),
            ("OPTIONS", Some("cross-site"), None, Allowed),
            ("POST", Some("same-origin"), None, Allowed),
            (
                "POST",
                Some("same-origin"),
                Some("https://evil.example"),
                Allowed,
            ),
            (
                "POST",
                Some("same-site"),
                Some("https://marsad.gov.example"),
                CrossSite,
            ),
            (
                "POST",
                Some("cross-site"),
                Some("https://marsad.gov.example"),
                CrossSite,
            ),
            ("DELETE", Some("none"), None, CrossSite),
            ("POST", None, Some("https://marsad.gov.example"), Allowed),
            ("PUT", None, Some("HTTPS://MARSAD.GOV.EXAMPLE/"), Allowed),
            ("POST", None, Some("http://127.0.0.1:8080"), Allowed),
            ("POST", None, Some("http://127.0.0.1:8081"), CrossSite),
            (
                "POST",
                None,
                Some("https://marsad.gov.example.evil.example"),
                CrossSite,
            ),
            ("PATCH", None, Some("null"), CrossSite),
            ("POST", None, None, NoBrowserHeaders),
        ];
        for &(method, site, origin, want) in table {
            assert_eq!(
                check_origin(method, site, origin, &allowed),
                want,
                "{method} {site:?} {origin:?}"
            );
        }
    }
}

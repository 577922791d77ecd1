//! OpenID Connect sign-in (authorization code flow with PKCE), so a country can plug in its
//! national e-ID: the pieces that need no network. The server fetches the provider's discovery
//! document and keys and exchanges the code; this module builds the authorization request
//! ([`start`]) and checks what comes back ([`verify_id_token`]): the ID token's signature with the
//! provider's published keys (RS256 or ES256; `none`, HMAC and anything else are refused), its
//! issuer, audience, expiry, issue time and the nonce bound to this sign-in.
//!
//! An ID token proves who the person is at the provider; it never creates an account. The server
//! signs the person in only as the existing account whose login equals the configured claim.

use chrono::{DateTime, Duration, Utc};
use data_encoding::BASE64URL_NOPAD;
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};

/// Tolerated clock difference with the provider.
pub const LEEWAY: Duration = Duration::seconds(60);

/// What the server needs from the provider's `/.well-known/openid-configuration`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
}

/// One published key (`jwks_uri`), as much as RS256 and ES256 need.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default)]
    pub kid: Option<String>,
    #[serde(default)]
    pub alg: Option<String>,
    #[serde(default, rename = "use")]
    pub use_: Option<String>,
    #[serde(default)]
    pub n: Option<String>,
    #[serde(default)]
    pub e: Option<String>,
    #[serde(default)]
    pub crv: Option<String>,
    #[serde(default)]
    pub x: Option<String>,
    #[serde(default)]
    pub y: Option<String>,
}

/// The provider's key set.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// What the server keeps between the redirect and the callback (in its ceremony store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub state: String,
    pub nonce: String,
    /// The PKCE verifier (RFC 7636), sent with the code.
    pub code_verifier: String,
}

/// The claims the server reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdClaims {
    pub subject: String,
    /// The configured claim's value (the account's login), if present and a string.
    pub login: Option<String>,
}

/// Why an ID token (or the provider's answer) is refused. Never holds token contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OidcError {
    #[error("the ID token is not a JWS compact serialisation")]
    Malformed,
    #[error("the ID token's algorithm {0:?} is not accepted (RS256 or ES256)")]
    Algorithm(String),
    #[error("no published key matches the ID token (kid {0:?})")]
    UnknownKey(Option<String>),
    #[error("a published key is not usable: {0}")]
    BadKey(&'static str),
    #[error("the ID token's signature does not verify")]
    BadSignature,
    #[error("the ID token was issued by {found:?}, not {expected:?}")]
    Issuer { expected: String, found: String },
    #[error("the ID token is not for this server (audience)")]
    Audience,
    #[error("the ID token has expired")]
    Expired,
    #[error("the ID token was issued in the future")]
    NotYetValid,
    #[error("the ID token's nonce does not match this sign-in")]
    Nonce,
    #[error("the ID token lacks the claim {0:?}")]
    MissingClaim(&'static str),
}

fn random_text<R: CryptoRng + ?Sized>(rng: &mut R) -> String {
    let mut raw = [0u8; 32];
    rng.fill_bytes(&mut raw);
    BASE64URL_NOPAD.encode(&raw)
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The URL to send the browser to, and what to keep until the callback.
pub fn start<R: CryptoRng + ?Sized>(
    discovery: &Discovery,
    client_id: &str,
    redirect_uri: &str,
    scope: &str,
    rng: &mut R,
) -> (String, Pending) {
    let pending = Pending {
        state: random_text(rng),
        nonce: random_text(rng),
        code_verifier: random_text(rng),
    };
    let challenge = BASE64URL_NOPAD.encode(&crate::sha256(&[pending.code_verifier.as_bytes()]));
    let sep = if discovery.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    let url = format!(
        "{}{sep}response_type=code&client_id={}&redirect_uri={}&scope={}&state={}&nonce={}&code_challenge={challenge}&code_challenge_method=S256",
        discovery.authorization_endpoint,
        encode(client_id),
        encode(redirect_uri),
        encode(scope),
        pending.state,
        pending.nonce,
    );
    (url, pending)
}

/// The form body of the token request (`application/x-www-form-urlencoded`).
pub fn token_request_body(
    code: &str,
    redirect_uri: &str,
    client_id: &str,
    client_secret: &str,
    pending: &Pending,
) -> String {
    format!(
        "grant_type=authorization_code&code={}&redirect_uri={}&client_id={}&client_secret={}&code_verifier={}",
        encode(code),
        encode(redirect_uri),
        encode(client_id),
        encode(client_secret),
        pending.code_verifier
    )
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
}

fn b64(part: &str) -> Result<Vec<u8>, OidcError> {
    BASE64URL_NOPAD
        .decode(part.trim_end_matches('=').as_bytes())
        .map_err(|_| OidcError::Malformed)
}

fn verify_with(key: &Jwk, alg: &str, message: &[u8], signature: &[u8]) -> Result<(), OidcError> {
    use p256::ecdsa::signature::Verifier as _;
    let field = |f: &Option<String>, what: &'static str| -> Result<Vec<u8>, OidcError> {
        f.as_deref().ok_or(OidcError::BadKey(what)).and_then(|v| {
            BASE64URL_NOPAD
                .decode(v.as_bytes())
                .map_err(|_| OidcError::BadKey(what))
        })
    };
    let ok = match alg {
        "RS256" => {
            if key.kty != "RSA" {
                return Err(OidcError::BadKey("RS256 needs an RSA key"));
            }
            let n = field(&key.n, "RSA key without n")?;
            let e = field(&key.e, "RSA key without e")?;
            let public = rsa::PublicKey::new_with_size_limits(
                rsa::BoxedUint::from_be_slice_vartime(&n),
                rsa::BoxedUint::from_be_slice_vartime(&e),
                2048..=8192,
            )
            .map_err(|_| OidcError::BadKey("not an RSA key of 2048 to 8192 bits"))?;
            let verifier = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(public);
            rsa::pkcs1v15::Signature::try_from(signature)
                .is_ok_and(|s| verifier.verify(message, &s).is_ok())
        }
        "ES256" => {
            if key.kty != "EC" || key.crv.as_deref() != Some("P-256") {
                return Err(OidcError::BadKey("ES256 needs an EC key on P-256"));
            }
            let x = field(&key.x, "EC key without x")?;
            let y = field(&key.y, "EC key without y")?;
            if x.len() != 32 || y.len() != 32 {
                return Err(OidcError::BadKey("P-256 coordinates are 32 bytes"));
            }
            let mut sec1 = [0u8; 65];
            sec1[0] = 4;
            sec1[1..33].copy_from_slice(&x);
            sec1[33..].copy_from_slice(&y);
            let verifier = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                .map_err(|_| OidcError::BadKey("not a point on P-256"))?;
            // JOSE signatures are r || s, 64 bytes.
            p256::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|s| verifier.verify(message, &s).is_ok())
        }
        other => return Err(OidcError::Algorithm(other.to_string())),
    };
    if ok {
        Ok(())
    } else {
        Err(OidcError::BadSignature)
    }
}

/// Checks an ID token and answers its subject and the `login_claim`'s value.
pub fn verify_id_token(
    token: &str,
    jwks: &Jwks,
    issuer: &str,
    client_id: &str,
    nonce: &str,
    login_claim: &str,
    now: DateTime<Utc>,
) -> Result<IdClaims, OidcError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(OidcError::Malformed);
    };
    let header: Header = serde_json::from_slice(&b64(h)?).map_err(|_| OidcError::Malformed)?;
    if !matches!(header.alg.as_str(), "RS256" | "ES256") {
        return Err(OidcError::Algorithm(header.alg));
    }
    let kty = if header.alg == "RS256" { "RSA" } else { "EC" };
    let candidates: Vec<&Jwk> = jwks
        .keys
        .iter()
        .filter(|k| k.kty == kty)
        .filter(|k| k.use_.as_deref().is_none_or(|u| u == "sig"))
        .filter(|k| k.alg.as_deref().is_none_or(|a| a == header.alg))
        .filter(|k| header.kid.is_none() || k.kid == header.kid)
        .collect();
    if candidates.is_empty() {
        return Err(OidcError::UnknownKey(header.kid));
    }
    let message = format!("{h}.{p}");
    let signature = b64(s)?;
    let mut verified = Err(OidcError::BadSignature);
    for key in candidates {
        verified = verify_with(key, &header.alg, message.as_bytes(), &signature);
        if verified.is_ok() {
            break;
        }
    }
    verified?;
    let claims: serde_json::Value =
        serde_json::from_slice(&b64(p)?).map_err(|_| OidcError::Malformed)?;
    let found_issuer = claims["iss"]
        .as_str()
        .ok_or(OidcError::MissingClaim("iss"))?;
    if found_issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Err(OidcError::Issuer {
            expected: issuer.to_string(),
            found: found_issuer.to_string(),
        });
    }
    let audience_ok = match &claims["aud"] {
        serde_json::Value::String(a) => a == client_id,
        serde_json::Value::Array(list) => {
            list.iter().any(|a| a.as_str() == Some(client_id))
                && (list.len() == 1 || claims["azp"].as_str() == Some(client_id))
        }
        _ => false,
    };
    if !audience_ok {
        return Err(OidcError::Audience);
    }
    let time = |name: &'static str| -> Result<DateTime<Utc>, OidcError> {
        claims[name]
            .as_i64()
            .and_then(|t| DateTime::from_timestamp(t, 0))
            .ok_or(OidcError::MissingClaim(name))
    };
    if time("exp")? + LEEWAY <= now {
        return Err(OidcError::Expired);
    }
    if time("iat")? - LEEWAY > now {
        return Err(OidcError::NotYetValid);
    }
    let nonce_ok: bool = {
        use subtle::ConstantTimeEq as _;
        claims["nonce"]
            .as_str()
            .is_some_and(|n| bool::from(n.as_bytes().ct_eq(nonce.as_bytes())))
    };
    if !nonce_ok {
        return Err(OidcError::Nonce);
    }
    let subject = claims["sub"]
        .as_str()
        .ok_or(OidcError::MissingClaim("sub"))?
        .to_string();
    Ok(IdClaims {
        subject,
        login: claims[login_claim].as_str().map(str::to_string),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer as _;
    use rand_chacha::rand_core::SeedableRng as _;

    fn key() -> p256::ecdsa::SigningKey {
        p256::ecdsa::SigningKey::from_slice(&[7; 32]).unwrap()
    }

    fn jwks() -> Jwks {
        let point = key().verifying_key().to_sec1_point(false);
        let xy = point.as_bytes();
        Jwks {
            keys: vec![Jwk {
                kty: "EC".into(),
                kid: Some("k1".into()),
                alg: Some("ES256".into()),
                use_: Some("sig".into()),
                n: None,
                e: None,
                crv: Some("P-256".into()),
                x: Some(BASE64URL_NOPAD.encode(&xy[1..33])),
                y: Some(BASE64URL_NOPAD.encode(&xy[33..])),
            }],
        }
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap()
    }

    fn token(header: serde_json::Value, claims: serde_json::Value) -> String {
        let h = BASE64URL_NOPAD.encode(header.to_string().as_bytes());
        let p = BASE64URL_NOPAD.encode(claims.to_string().as_bytes());
        let sig: p256::ecdsa::Signature = key().sign(format!("{h}.{p}").as_bytes());
        format!("{h}.{p}.{}", BASE64URL_NOPAD.encode(&sig.to_bytes()))
    }

    fn claims() -> serde_json::Value {
        serde_json::json!({
            "iss": "https://eid.example", "aud": "marsad", "sub": "TN-0001",
            "exp": now().timestamp() + 300, "iat": now().timestamp(), "nonce": "n1",
            "preferred_username": "amina"
        })
    }

    fn check(t: &str) -> Result<IdClaims, OidcError> {
        verify_id_token(
            t,
            &jwks(),
            "https://eid.example",
            "marsad",
            "n1",
            "preferred_username",
            now(),
        )
    }

    #[test]
    fn a_good_token_passes_and_every_defect_is_named() {
        let header = serde_json::json!({"alg": "ES256", "kid": "k1"});
        let ok = check(&token(header.clone(), claims())).unwrap();
        assert_eq!(ok.subject, "TN-0001");
        assert_eq!(ok.login.as_deref(), Some("amina"));
        let with = |k: &str, v: serde_json::Value| {
            let mut c = claims();
            c[k] = v;
            check(&token(header.clone(), c))
        };
        assert_eq!(
            with("iss", "https://evil.example".into())
                .unwrap_err()
                .to_string(),
            "the ID token was issued by \"https://evil.example\", not \"https://eid.example\""
        );
        assert_eq!(with("aud", "other".into()), Err(OidcError::Audience));
        assert_eq!(
            with("aud", serde_json::json!(["marsad", "other"])),
            Err(OidcError::Audience)
        );
        assert_eq!(
            with("exp", (now().timestamp() - 61).into()),
            Err(OidcError::Expired)
        );
        assert_eq!(
            with("iat", (now().timestamp() + 600).into()),
            Err(OidcError::NotYetValid)
        );
        assert_eq!(with("nonce", "n2".into()), Err(OidcError::Nonce));
        assert!(
            with("exp", (now().timestamp() - 30).into()).is_ok(),
            "within the leeway"
        );
        // Algorithms: none and HMAC refused before any key is looked at.
        for alg in ["none", "HS256", "RS512"] {
            let t = token(serde_json::json!({"alg": alg}), claims());
            assert_eq!(check(&t), Err(OidcError::Algorithm(alg.into())));
        }
        assert_eq!(
            check(&token(
                serde_json::json!({"alg": "ES256", "kid": "k9"}),
                claims()
            )),
            Err(OidcError::UnknownKey(Some("k9".into())))
        );
        // A changed payload or signature fails.
        let good = token(header, claims());
        let mut parts: Vec<String> = good.split('.').map(String::from).collect();
        let mut other = claims();
        other["preferred_username"] = "root".into();
        parts[1] = BASE64URL_NOPAD.encode(other.to_string().as_bytes());
        assert_eq!(check(&parts.join(".")), Err(OidcError::BadSignature));
        assert_eq!(check("a.b"), Err(OidcError::Malformed));
        assert_eq!(check(&format!("{good}.x")), Err(OidcError::Malformed));
    }

    #[test]
    fn the_authorization_request_carries_state_nonce_and_pkce() {
        let d = Discovery {
            issuer: "https://eid.example".into(),
            authorization_endpoint: "https://eid.example/authorize".into(),
            token_endpoint: "https://eid.example/token".into(),
            jwks_uri: "https://eid.example/jwks".into(),
        };
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let (url, p) = start(
            &d,
            "marsad",
            "https://marsad.gov.example/api/v1/auth/oidc/callback",
            "openid profile",
            &mut rng,
        );
        assert!(url.starts_with("https://eid.example/authorize?response_type=code&client_id=marsad&redirect_uri=https%3A%2F%2Fmarsad.gov.example%2Fapi%2Fv1%2Fauth%2Foidc%2Fcallback&scope=openid%20profile"), "{url}");
        assert!(
            url.contains(&format!("state={}", p.state))
                && url.contains(&format!("nonce={}", p.nonce))
        );
        let challenge = BASE64URL_NOPAD.encode(&crate::sha256(&[p.code_verifier.as_bytes()]));
        assert!(url.ends_with(&format!(
            "code_challenge={challenge}&code_challenge_method=S256"
        )));
        assert_eq!(p.code_verifier.len(), 43);
        let (_, p2) = start(&d, "marsad", "x", "openid", &mut rng);
        assert_ne!(p.state, p2.state);
        let body = token_request_body("c 1", "https://m/cb", "marsad", "s&ecret", &p);
        assert!(body.contains("code=c%201") && body.contains("client_secret=s%26ecret"));
    }
}

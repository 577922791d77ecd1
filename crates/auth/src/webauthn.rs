//! Passkeys: a WebAuthn Level 2 relying party (registration and authentication ceremonies) in pure
//! Rust, without OpenSSL.
//!
//! **Ceremonies.** Each ceremony has two halves, one per HTTP request:
//! [`start_registration`] / [`start_authentication`] draw a 32-byte challenge from the caller's
//! CSPRNG and return the options for the page (JSON for `navigator.credentials.create` /
//! `.get`, in the WebAuthn Level 3 `…OptionsJSON` shape: binary fields are unpadded base64url, so
//! `PublicKeyCredential.parseCreationOptionsFromJSON` reads them as they are) together with a
//! state ([`RegistrationState`], [`AuthenticationState`]) the server keeps until the page answers.
//! A state is JSON (serde), holds no secret, and must be used **once**: the server stores it
//! bound to the browser session, deletes it when the answer arrives whatever the outcome, and
//! gives it an expiry (the options ask browsers for [`RelyingParty::timeout_ms`]). Then
//! [`finish_registration`] / [`finish_authentication`] check the page's answer
//! ([`RegistrationResponse`], [`AuthenticationResponse`]: the JSON of
//! `PublicKeyCredential.toJSON()`, or the same fields base64url-encoded by hand).
//!
//! **Checks** (WebAuthn Level 2 §7.1 and §7.2): credential type `public-key`; `clientDataJSON`
//! type (`webauthn.create` / `webauthn.get`), challenge, origin (exactly one of
//! [`RelyingParty::origins`]) and no `crossOrigin` (`tokenBinding`, which browsers dropped, and
//! `topOrigin` are ignored); `rpIdHash` = SHA-256 of the RP id; the
//! user-present flag, and user verification when the options required it (the default: a passkey
//! is a whole login, so it must be two factors, something held and a PIN or biometric); backup
//! flags consistent (BS only with BE; BE never changes for a credential); no trailing bytes in
//! the authenticator data or the CBOR; a credential id of at most 1023 bytes that matches the
//! response's `id` and `rawId`; at authentication, that the credential was allowed, that the user
//! handle matches, the signature over `authenticatorData ‖ SHA-256(clientDataJSON)`, and that the
//! signature counter moved forward (a counter that does not move forward, unless it stays at 0,
//! means the authenticator may have been cloned: [`WebauthnError::CounterRegression`]).
//!
//! **Algorithms** (COSE): ES256 (`-7`, ECDSA P-256 with SHA-256, `p256`), EdDSA (`-8`, Ed25519,
//! `ed25519-dalek`, strict verification) and RS256 (`-257`, RSASSA-PKCS1-v1_5 with SHA-256,
//! 2048 to 8192-bit keys, `rsa`; Windows Hello uses it). Anything else is refused with
//! [`WebauthnError::UnsupportedAlgorithm`]. The `rsa` crate's timing advisory (RUSTSEC-2023-0071)
//! concerns private-key operations; only public-key verification happens here.
//!
//! **Attestation.** The options ask for `attestation: "none"`, so browsers strip attestation
//! certificates (WebAuthn §5.1.3). Formats accepted: `none` (empty statement) and `packed`
//! self-attestation (no `x5c`: the statement is signed by the credential key itself, checked).
//! Any other format, or `packed` with a certificate chain, is refused with
//! [`WebauthnError::UnsupportedAttestation`]: marsad does not judge authenticator makes.
//!
//! **CBOR.** A minimal decoder lives here (private `cbor` module), limited to what attestation
//! objects and COSE keys use: integers within `i64`, byte and text strings, arrays, maps, `true`,
//! `false`, `null`; definite lengths only, no tags or floats, 16 levels of nesting, 1024 items per
//! container, no duplicate map keys. Every length is checked against the input before anything is
//! allocated.
//!
//! **Storage.** A [`Passkey`] is plain data: the credential id (unique across all users: the store
//! must enforce it, since `excludeCredentials` is only a hint to the browser), the COSE public key
//! bytes as the authenticator sent them, its algorithm, the signature counter, the user handle,
//! the AAGUID, the backup flags and the transports. After each login the caller applies the
//! [`AuthenticationResult`] with [`Passkey::record_use`] and stores the new counter and backup
//! state. The user handle is an opaque random id ([`generate_user_handle`]), never a login name
//! or anything personal: authenticators keep it and may show it to other relying parties.

use data_encoding::BASE64URL_NOPAD;
use rand_core::CryptoRng;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq as _;

use crate::sha256;

/// COSE algorithm ES256: ECDSA on P-256 with SHA-256.
pub const ES256: i64 = -7;
/// COSE algorithm EdDSA (Ed25519 in WebAuthn).
pub const EDDSA: i64 = -8;
/// COSE algorithm RS256: RSASSA-PKCS1-v1_5 with SHA-256.
pub const RS256: i64 = -257;
/// The algorithms offered to authenticators, in order of preference.
pub const SUPPORTED_ALGORITHMS: [i64; 3] = [ES256, EDDSA, RS256];

/// Bytes of a ceremony challenge (WebAuthn asks for at least 16).
pub const CHALLENGE_BYTES: usize = 32;
/// Bytes of a user handle made by [`generate_user_handle`].
pub const USER_HANDLE_BYTES: usize = 32;
/// The longest user handle WebAuthn allows.
pub const MAX_USER_HANDLE_BYTES: usize = 64;
/// The longest credential id WebAuthn Level 2 allows.
pub const MAX_CREDENTIAL_ID_BYTES: usize = 1023;
/// How long browsers are asked to wait for the user by [`RelyingParty::new`] (5 minutes).
pub const DEFAULT_TIMEOUT_MS: u32 = 300_000;

const FLAG_UP: u8 = 0x01;
const FLAG_UV: u8 = 0x04;
const FLAG_BE: u8 = 0x08;
const FLAG_BS: u8 = 0x10;
const FLAG_AT: u8 = 0x40;
const FLAG_ED: u8 = 0x80;

/// The transports a browser may report; others are dropped.
const KNOWN_TRANSPORTS: [&str; 6] = ["ble", "hybrid", "internal", "nfc", "smart-card", "usb"];

/// Whether the authenticator must verify the user (PIN, biometric), in the WebAuthn spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserVerification {
    /// Refused unless the UV flag is set.
    Required,
    /// Asked for, not required.
    Preferred,
    /// Not asked for.
    Discouraged,
}

/// The relying party: marsad as one WebAuthn site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    /// The RP id: a registrable domain suffix of the origins' host, e.g. `localhost` or
    /// `marsad.example.gov`. Credentials are bound to it: changing it orphans every passkey.
    pub id: String,
    /// The name authenticators may show.
    pub name: String,
    /// The exact origins pages run on, e.g. `http://localhost:8080` or
    /// `https://marsad.example.gov` (scheme, host and port other than the default, no path).
    pub origins: Vec<String>,
    /// Whether user verification is required ([`UserVerification::Required`] by default).
    pub user_verification: UserVerification,
    /// How long the browser waits for the user, in milliseconds (a hint).
    pub timeout_ms: u32,
}

impl RelyingParty {
    /// A relying party that requires user verification and gives users 5 minutes.
    pub fn new(id: impl Into<String>, name: impl Into<String>, origins: Vec<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            origins,
            user_verification: UserVerification::Required,
            timeout_ms: DEFAULT_TIMEOUT_MS,
        }
    }
}

/// A registered passkey: everything the store keeps about one credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passkey {
    /// The credential id (at most 1023 bytes), unique across users.
    pub credential_id: Vec<u8>,
    /// The COSE_Key as the authenticator sent it.
    pub public_key_cose: Vec<u8>,
    /// The COSE algorithm of the key ([`ES256`], [`EDDSA`] or [`RS256`]).
    pub algorithm: i64,
    /// The last signature counter seen (0 for authenticators without a counter).
    pub sign_count: u32,
    /// The user handle the credential was created for.
    pub user_handle: Vec<u8>,
    /// The authenticator model's AAGUID (all zeros when the browser hides it).
    pub aaguid: [u8; 16],
    /// BE: the credential may be synced to other devices (a multi-device passkey).
    pub backup_eligible: bool,
    /// BS: the credential is currently backed up (changes over time).
    pub backed_up: bool,
    /// Whether the user was verified at registration.
    pub user_verified: bool,
    /// How the browser reached the authenticator (`internal`, `hybrid`, `usb`, …), a hint for
    /// later `allowCredentials`.
    pub transports: Vec<String>,
}

impl Passkey {
    /// Applies a successful login: the new counter and backup state, to be stored.
    pub fn record_use(&mut self, result: &AuthenticationResult) {
        self.sign_count = result.new_sign_count;
        self.backed_up = result.backed_up;
    }
}

/// What a successful login tells the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthenticationResult {
    /// The credential used.
    pub credential_id: Vec<u8>,
    /// Its user handle (the account to log in).
    pub user_handle: Vec<u8>,
    /// The counter to store (see [`Passkey::record_use`]).
    pub new_sign_count: u32,
    /// Whether the user was verified (PIN, biometric).
    pub user_verified: bool,
    /// BS now.
    pub backed_up: bool,
}

/// Why a ceremony was refused. Messages name the check that failed, never key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebauthnError {
    #[error("the user handle must be 1 to {MAX_USER_HANDLE_BYTES} bytes, not {0}")]
    UserHandleLength(usize),
    #[error("{0} is not base64url")]
    NotBase64Url(&'static str),
    #[error("the credential type is {0:?}, not \"public-key\"")]
    CredentialType(String),
    #[error("clientDataJSON is not JSON with type, challenge and origin: {0}")]
    ClientDataJson(String),
    #[error("clientDataJSON has type {found:?}, expected {expected:?}")]
    CeremonyType {
        expected: &'static str,
        found: String,
    },
    #[error("the challenge in clientDataJSON is not the one issued for this ceremony")]
    ChallengeMismatch,
    #[error("origin {0:?} is not one of the relying party's origins")]
    OriginNotAllowed(String),
    #[error("the ceremony ran in a cross-origin frame, which is not allowed")]
    CrossOrigin,
    #[error("{what} is not valid CBOR: {error}")]
    Cbor {
        what: &'static str,
        error: CborError,
    },
    #[error("the attestation object is not a map with fmt, attStmt and authData: {0}")]
    AttestationObject(&'static str),
    #[error("malformed authenticator data: {0}")]
    AuthenticatorData(String),
    #[error("the credential id length {length} exceeds {MAX_CREDENTIAL_ID_BYTES} bytes or the {available} bytes that follow it")]
    CredentialIdLength { length: usize, available: usize },
    #[error("the rpIdHash in the authenticator data is not SHA-256 of the RP id {0:?}")]
    RpIdHashMismatch(String),
    #[error("the user-present (UP) flag is not set")]
    UserNotPresent,
    #[error("user verification is required but the user-verified (UV) flag is not set")]
    UserNotVerified,
    #[error("the backup-state (BS) flag is set without backup eligibility (BE)")]
    InconsistentBackupFlags,
    #[error(
        "the backup-eligibility (BE) flag differs from the one the passkey was registered with"
    )]
    BackupEligibilityChanged,
    #[error("the authenticator data holds no attested credential (AT flag not set)")]
    NoAttestedCredential,
    #[error("the assertion's authenticator data holds attested credential data (AT flag set)")]
    UnexpectedAttestedCredential,
    #[error("the credential id in the response does not match {0}")]
    CredentialIdMismatch(&'static str),
    #[error("the credential is not one of those allowed for this login")]
    CredentialNotAllowed,
    #[error("COSE algorithm {0} is not supported (ES256 -7, EdDSA -8, RS256 -257 are)")]
    UnsupportedAlgorithm(i64),
    #[error("invalid COSE public key: {0}")]
    InvalidPublicKey(&'static str),
    #[error("attestation format {0:?} is not supported (none, and packed self-attestation, are)")]
    UnsupportedAttestation(String),
    #[error("invalid attestation statement: {0}")]
    InvalidAttestation(&'static str),
    #[error("the signature does not verify with the credential's public key")]
    BadSignature,
    #[error("the signature counter went from {stored} to {received}: the authenticator may have been cloned")]
    CounterRegression { stored: u32, received: u32 },
    #[error("the response carries no user handle, which a login without a user name needs")]
    UserHandleMissing,
    #[error("the user handle in the response is not the passkey's")]
    UserHandleMismatch,
}

/// What is wrong with a CBOR item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CborError {
    #[error("truncated")]
    Truncated,
    #[error("{0} trailing byte(s) after the item")]
    TrailingBytes(usize),
    #[error("indefinite lengths are not allowed")]
    IndefiniteLength,
    #[error("reserved additional information {0}")]
    Reserved(u8),
    #[error("unsupported item (major type {major}, additional information {info})")]
    Unsupported { major: u8, info: u8 },
    #[error("an integer is outside the 64-bit signed range")]
    IntegerOutOfRange,
    #[error("a text string is not UTF-8")]
    InvalidUtf8,
    #[error("nested deeper than {} levels", cbor::MAX_DEPTH)]
    TooDeep,
    #[error("a container holds more than {} items", cbor::MAX_ITEMS)]
    TooManyItems,
    #[error("a map repeats a key")]
    DuplicateKey,
}

// ---------------------------------------------------------------------------------------------
// Options, states and responses (the JSON the page and the store see).

/// `rp` of the creation options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RpEntity {
    pub id: String,
    pub name: String,
}

/// `user` of the creation options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserEntity {
    /// The user handle, base64url.
    pub id: String,
    pub name: String,
    pub display_name: String,
}

/// One entry of `pubKeyCredParams`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialParameter {
    #[serde(rename = "type")]
    pub type_: &'static str,
    pub alg: i64,
}

/// One entry of `excludeCredentials` / `allowCredentials`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CredentialDescriptor {
    #[serde(rename = "type")]
    pub type_: &'static str,
    /// The credential id, base64url.
    pub id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub transports: Vec<String>,
}

/// `authenticatorSelection` of the creation options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticatorSelection {
    /// Always `required`: marsad's passkeys are discoverable (login without a user name).
    pub resident_key: &'static str,
    pub require_resident_key: bool,
    pub user_verification: UserVerification,
}

/// The options for `navigator.credentials.create({ publicKey })`, as JSON
/// (`PublicKeyCredentialCreationOptionsJSON`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreationOptions {
    pub rp: RpEntity,
    pub user: UserEntity,
    /// base64url.
    pub challenge: String,
    pub pub_key_cred_params: Vec<CredentialParameter>,
    pub timeout: u32,
    pub exclude_credentials: Vec<CredentialDescriptor>,
    pub authenticator_selection: AuthenticatorSelection,
    /// Always `none`.
    pub attestation: &'static str,
}

/// The options for `navigator.credentials.get({ publicKey })`, as JSON
/// (`PublicKeyCredentialRequestOptionsJSON`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestOptions {
    /// base64url.
    pub challenge: String,
    pub timeout: u32,
    pub rp_id: String,
    /// Empty for a discoverable login (the browser offers the passkeys it has for the RP).
    pub allow_credentials: Vec<CredentialDescriptor>,
    pub user_verification: UserVerification,
}

/// What the server keeps between [`start_registration`] and [`finish_registration`] (JSON, binary
/// fields base64url). Use once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationState {
    #[serde(with = "b64")]
    challenge: Vec<u8>,
    #[serde(with = "b64")]
    user_handle: Vec<u8>,
    user_verification: UserVerification,
}

impl RegistrationState {
    /// The user handle the credential is being created for.
    pub fn user_handle(&self) -> &[u8] {
        &self.user_handle
    }
}

/// What the server keeps between [`start_authentication`] and [`finish_authentication`] (JSON,
/// binary fields base64url). Use once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticationState {
    #[serde(with = "b64")]
    challenge: Vec<u8>,
    /// The credential ids allowed; empty for a discoverable login.
    #[serde(with = "b64_list")]
    allowed: Vec<Vec<u8>>,
    user_verification: UserVerification,
}

/// The JSON a page posts after `navigator.credentials.create` (`RegistrationResponseJSON`; extra
/// fields such as `clientExtensionResults` are ignored). Binary fields are base64url, padded or
/// not.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistrationResponse {
    pub id: String,
    pub raw_id: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub response: AttestationResponse,
}

/// `response` of a [`RegistrationResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationResponse {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    pub attestation_object: String,
    /// `getTransports()`.
    #[serde(default)]
    pub transports: Vec<String>,
}

/// The JSON a page posts after `navigator.credentials.get` (`AuthenticationResponseJSON`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticationResponse {
    pub id: String,
    pub raw_id: String,
    #[serde(rename = "type")]
    pub type_: String,
    pub response: AssertionResponse,
}

/// `response` of an [`AuthenticationResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssertionResponse {
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    pub authenticator_data: String,
    pub signature: String,
    /// Present (base64url) for discoverable credentials; `null` or absent otherwise.
    #[serde(default)]
    pub user_handle: Option<String>,
}

impl AuthenticationResponse {
    /// The credential id (`rawId`), to find the [`Passkey`] before [`finish_authentication`].
    pub fn credential_id(&self) -> Result<Vec<u8>, WebauthnError> {
        decode_b64("rawId", &self.raw_id)
    }

    /// The user handle, when the authenticator returned one.
    pub fn user_handle(&self) -> Result<Option<Vec<u8>>, WebauthnError> {
        match self.response.user_handle.as_deref() {
            None | Some("") => Ok(None),
            Some(h) => decode_b64("response.userHandle", h).map(Some),
        }
    }
}

/// Serde for bytes as unpadded base64url text.
mod b64 {
    use data_encoding::BASE64URL_NOPAD;
    use serde::{Deserialize as _, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&BASE64URL_NOPAD.encode(bytes))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        BASE64URL_NOPAD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}

/// Serde for a list of byte strings as unpadded base64url texts.
mod b64_list {
    use data_encoding::BASE64URL_NOPAD;
    use serde::{Deserialize as _, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(list: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(list.iter().map(|b| BASE64URL_NOPAD.encode(b)))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|t| BASE64URL_NOPAD.decode(t.as_bytes()))
            .collect::<Result<_, _>>()
            .map_err(serde::de::Error::custom)
    }
}

fn b64url(bytes: &[u8]) -> String {
    BASE64URL_NOPAD.encode(bytes)
}

/// Decodes base64url, with or without `=` padding.
fn decode_b64(field: &'static str, text: &str) -> Result<Vec<u8>, WebauthnError> {
    BASE64URL_NOPAD
        .decode(text.trim_end_matches('=').as_bytes())
        .map_err(|_| WebauthnError::NotBase64Url(field))
}

fn descriptor(passkey: &Passkey) -> CredentialDescriptor {
    CredentialDescriptor {
        type_: "public-key",
        id: b64url(&passkey.credential_id),
        transports: passkey.transports.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// The ceremonies.

/// A new random user handle (32 bytes) for an account's first passkey; the store keeps it with
/// the account and reuses it for every later passkey of that account.
pub fn generate_user_handle<R: CryptoRng + ?Sized>(rng: &mut R) -> Vec<u8> {
    let mut handle = vec![0u8; USER_HANDLE_BYTES];
    rng.fill_bytes(&mut handle);
    handle
}

fn challenge<R: CryptoRng + ?Sized>(rng: &mut R) -> Vec<u8> {
    let mut c = vec![0u8; CHALLENGE_BYTES];
    rng.fill_bytes(&mut c);
    c
}

/// Starts registering a passkey for the account with `user_handle` (1 to 64 opaque bytes).
/// `user_name` and `display_name` are what the authenticator shows (free text in any script);
/// `exclude` are the account's existing passkeys, so the browser refuses to make a second one on
/// the same authenticator.
pub fn start_registration<R: CryptoRng + ?Sized>(
    rp: &RelyingParty,
    user_handle: &[u8],
    user_name: &str,
    display_name: &str,
    exclude: &[Passkey],
    rng: &mut R,
) -> Result<(CreationOptions, RegistrationState), WebauthnError> {
    if user_handle.is_empty() || user_handle.len() > MAX_USER_HANDLE_BYTES {
        return Err(WebauthnError::UserHandleLength(user_handle.len()));
    }
    let challenge = challenge(rng);
    let options = CreationOptions {
        rp: RpEntity {
            id: rp.id.clone(),
            name: rp.name.clone(),
        },
        user: UserEntity {
            id: b64url(user_handle),
            name: user_name.to_owned(),
            display_name: display_name.to_owned(),
        },
        challenge: b64url(&challenge),
        pub_key_cred_params: SUPPORTED_ALGORITHMS
            .iter()
            .map(|&alg| CredentialParameter {
                type_: "public-key",
                alg,
            })
            .collect(),
        timeout: rp.timeout_ms,
        exclude_credentials: exclude.iter().map(descriptor).collect(),
        authenticator_selection: AuthenticatorSelection {
            resident_key: "required",
            require_resident_key: true,
            user_verification: rp.user_verification,
        },
        attestation: "none",
    };
    let state = RegistrationState {
        challenge,
        user_handle: user_handle.to_vec(),
        user_verification: rp.user_verification,
    };
    Ok((options, state))
}

/// Checks the page's answer to [`start_registration`] and returns the passkey to store.
pub fn finish_registration(
    rp: &RelyingParty,
    state: &RegistrationState,
    response: &RegistrationResponse,
) -> Result<Passkey, WebauthnError> {
    check_credential_type(&response.type_)?;
    let id = decode_b64("id", &response.id)?;
    let raw_id = decode_b64("rawId", &response.raw_id)?;
    if id != raw_id {
        return Err(WebauthnError::CredentialIdMismatch("rawId"));
    }
    let client_data_json = decode_b64(
        "response.clientDataJSON",
        &response.response.client_data_json,
    )?;
    check_client_data(rp, &client_data_json, "webauthn.create", &state.challenge)?;
    let attestation_object = decode_b64(
        "response.attestationObject",
        &response.response.attestation_object,
    )?;
    let attestation = AttestationObject::parse(&attestation_object)?;
    let auth_data = AuthenticatorData::parse(attestation.auth_data)?;
    check_flags(rp, &auth_data, state.user_verification)?;
    let Some(credential) = auth_data.attested else {
        return Err(WebauthnError::NoAttestedCredential);
    };
    let key = CoseKey::parse(credential.public_key)?;
    if credential.credential_id != raw_id.as_slice() {
        return Err(WebauthnError::CredentialIdMismatch(
            "the one in the authenticator data",
        ));
    }
    let client_data_hash = sha256(&[&client_data_json]);
    attestation.verify(&key, attestation.auth_data, &client_data_hash)?;
    Ok(Passkey {
        credential_id: raw_id,
        public_key_cose: credential.public_key.to_vec(),
        algorithm: key.algorithm(),
        sign_count: auth_data.sign_count,
        user_handle: state.user_handle.clone(),
        aaguid: credential.aaguid,
        backup_eligible: auth_data.flags & FLAG_BE != 0,
        backed_up: auth_data.flags & FLAG_BS != 0,
        user_verified: auth_data.flags & FLAG_UV != 0,
        transports: known_transports(&response.response.transports),
    })
}

/// Starts a login. `allow` are the passkeys of the account being logged in to; empty for a
/// login without a user name, where the browser offers every passkey it holds for the RP and the
/// caller finds the account from the response ([`AuthenticationResponse::credential_id`]).
pub fn start_authentication<R: CryptoRng + ?Sized>(
    rp: &RelyingParty,
    allow: &[Passkey],
    rng: &mut R,
) -> (RequestOptions, AuthenticationState) {
    let challenge = challenge(rng);
    let options = RequestOptions {
        challenge: b64url(&challenge),
        timeout: rp.timeout_ms,
        rp_id: rp.id.clone(),
        allow_credentials: allow.iter().map(descriptor).collect(),
        user_verification: rp.user_verification,
    };
    let state = AuthenticationState {
        challenge,
        allowed: allow.iter().map(|p| p.credential_id.clone()).collect(),
        user_verification: rp.user_verification,
    };
    (options, state)
}

/// Checks the page's answer to [`start_authentication`] against `passkey`, the stored passkey
/// whose credential id the response names. On success the caller stores the new counter
/// ([`Passkey::record_use`]) and logs in the account of `result.user_handle`.
pub fn finish_authentication(
    rp: &RelyingParty,
    state: &AuthenticationState,
    response: &AuthenticationResponse,
    passkey: &Passkey,
) -> Result<AuthenticationResult, WebauthnError> {
    check_credential_type(&response.type_)?;
    let id = decode_b64("id", &response.id)?;
    let raw_id = response.credential_id()?;
    if id != raw_id {
        return Err(WebauthnError::CredentialIdMismatch("rawId"));
    }
    if raw_id != passkey.credential_id {
        return Err(WebauthnError::CredentialIdMismatch("the passkey's"));
    }
    if !state.allowed.is_empty() && !state.allowed.contains(&raw_id) {
        return Err(WebauthnError::CredentialNotAllowed);
    }
    match response.user_handle()? {
        Some(handle) if handle != passkey.user_handle => {
            return Err(WebauthnError::UserHandleMismatch)
        }
        Some(_) => {}
        None if state.allowed.is_empty() => return Err(WebauthnError::UserHandleMissing),
        None => {}
    }
    let client_data_json = decode_b64(
        "response.clientDataJSON",
        &response.response.client_data_json,
    )?;
    check_client_data(rp, &client_data_json, "webauthn.get", &state.challenge)?;
    let auth_data_bytes = decode_b64(
        "response.authenticatorData",
        &response.response.authenticator_data,
    )?;
    let auth_data = AuthenticatorData::parse(&auth_data_bytes)?;
    check_flags(rp, &auth_data, state.user_verification)?;
    if auth_data.attested.is_some() {
        return Err(WebauthnError::UnexpectedAttestedCredential);
    }
    if (auth_data.flags & FLAG_BE != 0) != passkey.backup_eligible {
        return Err(WebauthnError::BackupEligibilityChanged);
    }
    let signature = decode_b64("response.signature", &response.response.signature)?;
    let key = CoseKey::parse(&passkey.public_key_cose)?;
    let client_data_hash = sha256(&[&client_data_json]);
    key.verify(&[&auth_data_bytes, &client_data_hash], &signature)?;
    let (stored, received) = (passkey.sign_count, auth_data.sign_count);
    if (stored != 0 || received != 0) && received <= stored {
        return Err(WebauthnError::CounterRegression { stored, received });
    }
    Ok(AuthenticationResult {
        credential_id: raw_id,
        user_handle: passkey.user_handle.clone(),
        new_sign_count: received,
        user_verified: auth_data.flags & FLAG_UV != 0,
        backed_up: auth_data.flags & FLAG_BS != 0,
    })
}

fn check_credential_type(type_: &str) -> Result<(), WebauthnError> {
    if type_ == "public-key" {
        Ok(())
    } else {
        Err(WebauthnError::CredentialType(type_.to_owned()))
    }
}

fn known_transports(reported: &[String]) -> Vec<String> {
    let mut out: Vec<String> = reported
        .iter()
        .filter(|t| KNOWN_TRANSPORTS.contains(&t.as_str()))
        .cloned()
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The fields of `CollectedClientData` that are checked.
#[derive(Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    type_: String,
    challenge: String,
    origin: String,
    #[serde(rename = "crossOrigin", default)]
    cross_origin: bool,
}

fn check_client_data(
    rp: &RelyingParty,
    json: &[u8],
    expected_type: &'static str,
    challenge: &[u8],
) -> Result<(), WebauthnError> {
    let data: ClientData =
        serde_json::from_slice(json).map_err(|e| WebauthnError::ClientDataJson(e.to_string()))?;
    if data.type_ != expected_type {
        return Err(WebauthnError::CeremonyType {
            expected: expected_type,
            found: data.type_,
        });
    }
    let received = BASE64URL_NOPAD
        .decode(data.challenge.as_bytes())
        .map_err(|_| WebauthnError::ChallengeMismatch)?;
    if received.len() != challenge.len() || !bool::from(received.ct_eq(challenge)) {
        return Err(WebauthnError::ChallengeMismatch);
    }
    if !rp.origins.contains(&data.origin) {
        return Err(WebauthnError::OriginNotAllowed(data.origin));
    }
    if data.cross_origin {
        return Err(WebauthnError::CrossOrigin);
    }
    Ok(())
}

fn check_flags(
    rp: &RelyingParty,
    auth_data: &AuthenticatorData<'_>,
    user_verification: UserVerification,
) -> Result<(), WebauthnError> {
    if auth_data.rp_id_hash != sha256(&[rp.id.as_bytes()]) {
        return Err(WebauthnError::RpIdHashMismatch(rp.id.clone()));
    }
    if auth_data.flags & FLAG_UP == 0 {
        return Err(WebauthnError::UserNotPresent);
    }
    if user_verification == UserVerification::Required && auth_data.flags & FLAG_UV == 0 {
        return Err(WebauthnError::UserNotVerified);
    }
    if auth_data.flags & FLAG_BS != 0 && auth_data.flags & FLAG_BE == 0 {
        return Err(WebauthnError::InconsistentBackupFlags);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Authenticator data and attestation objects.

/// Parsed authenticator data (WebAuthn §6.1), borrowing from the bytes.
#[derive(Debug)]
struct AuthenticatorData<'a> {
    rp_id_hash: [u8; 32],
    flags: u8,
    sign_count: u32,
    attested: Option<AttestedCredential<'a>>,
}

#[derive(Debug)]
struct AttestedCredential<'a> {
    aaguid: [u8; 16],
    credential_id: &'a [u8],
    /// The COSE_Key bytes.
    public_key: &'a [u8],
}

fn take<'a>(input: &mut &'a [u8], n: usize, what: &str) -> Result<&'a [u8], WebauthnError> {
    if input.len() < n {
        return Err(WebauthnError::AuthenticatorData(format!(
            "truncated in {what} ({} of {n} bytes)",
            input.len()
        )));
    }
    let (head, rest) = input.split_at(n);
    *input = rest;
    Ok(head)
}

impl<'a> AuthenticatorData<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self, WebauthnError> {
        let mut rest = bytes;
        let mut rp_id_hash = [0u8; 32];
        rp_id_hash.copy_from_slice(take(&mut rest, 32, "rpIdHash")?);
        let flags = take(&mut rest, 1, "flags")?[0];
        let mut count = [0u8; 4];
        count.copy_from_slice(take(&mut rest, 4, "signCount")?);
        let sign_count = u32::from_be_bytes(count);
        let attested = if flags & FLAG_AT != 0 {
            let mut aaguid = [0u8; 16];
            aaguid.copy_from_slice(take(&mut rest, 16, "aaguid")?);
            let len = take(&mut rest, 2, "credentialIdLength")?;
            let length = usize::from(u16::from_be_bytes([len[0], len[1]]));
            if length > MAX_CREDENTIAL_ID_BYTES || length > rest.len() {
                return Err(WebauthnError::CredentialIdLength {
                    length,
                    available: rest.len(),
                });
            }
            let credential_id = take(&mut rest, length, "credentialId")?;
            let (_, used) = cbor::decode_prefix(rest).map_err(|error| WebauthnError::Cbor {
                what: "the credential public key",
                error,
            })?;
            let public_key = take(&mut rest, used, "credentialPublicKey")?;
            Some(AttestedCredential {
                aaguid,
                credential_id,
                public_key,
            })
        } else {
            None
        };
        if flags & FLAG_ED != 0 {
            let (extensions, used) =
                cbor::decode_prefix(rest).map_err(|error| WebauthnError::Cbor {
                    what: "the authenticator extensions",
                    error,
                })?;
            if !matches!(extensions, cbor::Value::Map(_)) {
                return Err(WebauthnError::AuthenticatorData(
                    "the extensions are not a CBOR map".to_owned(),
                ));
            }
            take(&mut rest, used, "extensions")?;
        }
        if !rest.is_empty() {
            return Err(WebauthnError::AuthenticatorData(format!(
                "{} trailing byte(s) (flags {flags:#04x})",
                rest.len()
            )));
        }
        Ok(Self {
            rp_id_hash,
            flags,
            sign_count,
            attested,
        })
    }
}

/// The attestation object: format, statement and authenticator data.
struct AttestationObject<'a> {
    fmt: &'a str,
    statement: Vec<(cbor::Value<'a>, cbor::Value<'a>)>,
    auth_data: &'a [u8],
}

impl<'a> AttestationObject<'a> {
    fn parse(bytes: &'a [u8]) -> Result<Self, WebauthnError> {
        let value = cbor::decode(bytes).map_err(|error| WebauthnError::Cbor {
            what: "the attestation object",
            error,
        })?;
        let cbor::Value::Map(entries) = value else {
            return Err(WebauthnError::AttestationObject("not a map"));
        };
        let (mut fmt, mut statement, mut auth_data) = (None, None, None);
        for (key, value) in entries {
            match (key, value) {
                (cbor::Value::Text("fmt"), cbor::Value::Text(f)) => fmt = Some(f),
                (cbor::Value::Text("attStmt"), cbor::Value::Map(m)) => statement = Some(m),
                (cbor::Value::Text("authData"), cbor::Value::Bytes(b)) => auth_data = Some(b),
                (cbor::Value::Text("fmt" | "attStmt" | "authData"), _) => {
                    return Err(WebauthnError::AttestationObject(
                        "a field has the wrong type",
                    ))
                }
                _ => {}
            }
        }
        match (fmt, statement, auth_data) {
            (Some(fmt), Some(statement), Some(auth_data)) => Ok(Self {
                fmt,
                statement,
                auth_data,
            }),
            _ => Err(WebauthnError::AttestationObject("a field is missing")),
        }
    }

    /// Verifies the statement for the formats accepted (see the module docs).
    fn verify(
        &self,
        key: &CoseKey,
        auth_data: &[u8],
        client_data_hash: &[u8; 32],
    ) -> Result<(), WebauthnError> {
        match self.fmt {
            "none" if self.statement.is_empty() => Ok(()),
            "none" => Err(WebauthnError::InvalidAttestation(
                "a none statement must be an empty map",
            )),
            "packed" => {
                let (mut alg, mut sig) = (None, None);
                for (k, v) in &self.statement {
                    match (k, v) {
                        (cbor::Value::Text("alg"), cbor::Value::Int(a)) => alg = Some(*a),
                        (cbor::Value::Text("sig"), cbor::Value::Bytes(s)) => sig = Some(*s),
                        (cbor::Value::Text("x5c" | "ecdaaKeyId"), _) => {
                            return Err(WebauthnError::UnsupportedAttestation(
                                "packed with a certificate chain".to_owned(),
                            ))
                        }
                        _ => {
                            return Err(WebauthnError::InvalidAttestation(
                                "unexpected field in a packed statement",
                            ))
                        }
                    }
                }
                let (Some(alg), Some(sig)) = (alg, sig) else {
                    return Err(WebauthnError::InvalidAttestation(
                        "a packed statement needs alg and sig",
                    ));
                };
                if alg != key.algorithm() {
                    return Err(WebauthnError::InvalidAttestation(
                        "self-attestation alg differs from the credential key's",
                    ));
                }
                key.verify(&[auth_data, client_data_hash], sig)
            }
            other => Err(WebauthnError::UnsupportedAttestation(other.to_owned())),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// COSE keys and signatures.

/// A credential public key, ready to verify.
enum CoseKey {
    Es256(p256::ecdsa::VerifyingKey),
    EdDsa(ed25519_dalek::VerifyingKey),
    Rs256(Box<rsa::pkcs1v15::VerifyingKey<sha2::Sha256>>),
}

// COSE_Key labels (RFC 9052 §7, RFC 9053 §7).
const COSE_KTY: i64 = 1;
const COSE_ALG: i64 = 3;
const COSE_CRV_OR_N: i64 = -1;
const COSE_X_OR_E: i64 = -2;
const COSE_Y: i64 = -3;
const KTY_OKP: i64 = 1;
const KTY_EC2: i64 = 2;
const KTY_RSA: i64 = 3;
const CRV_P256: i64 = 1;
const CRV_ED25519: i64 = 6;

impl CoseKey {
    fn parse(bytes: &[u8]) -> Result<Self, WebauthnError> {
        let value = cbor::decode(bytes).map_err(|error| WebauthnError::Cbor {
            what: "the credential public key",
            error,
        })?;
        let cbor::Value::Map(entries) = value else {
            return Err(WebauthnError::InvalidPublicKey("not a CBOR map"));
        };
        let get = |label: i64| {
            entries
                .iter()
                .find(|(k, _)| *k == cbor::Value::Int(label))
                .map(|(_, v)| v)
        };
        let int = |label: i64, what: &'static str| match get(label) {
            Some(cbor::Value::Int(i)) => Ok(*i),
            _ => Err(WebauthnError::InvalidPublicKey(what)),
        };
        let bytes = |label: i64, what: &'static str| match get(label) {
            Some(cbor::Value::Bytes(b)) => Ok(*b),
            _ => Err(WebauthnError::InvalidPublicKey(what)),
        };
        let alg = int(COSE_ALG, "no integer alg (3)")?;
        let kty = int(COSE_KTY, "no integer kty (1)")?;
        match alg {
            ES256 => {
                if kty != KTY_EC2 || int(COSE_CRV_OR_N, "no integer crv (-1)")? != CRV_P256 {
                    return Err(WebauthnError::InvalidPublicKey(
                        "ES256 needs kty EC2 (2) and crv P-256 (1)",
                    ));
                }
                let x = bytes(COSE_X_OR_E, "no x coordinate (-2)")?;
                let y = bytes(COSE_Y, "no uncompressed y coordinate (-3)")?;
                if x.len() != 32 || y.len() != 32 {
                    return Err(WebauthnError::InvalidPublicKey(
                        "P-256 coordinates must be 32 bytes",
                    ));
                }
                let mut sec1 = [0u8; 65];
                sec1[0] = 0x04;
                sec1[1..33].copy_from_slice(x);
                sec1[33..].copy_from_slice(y);
                p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                    .map(Self::Es256)
                    .map_err(|_| WebauthnError::InvalidPublicKey("not a point on P-256"))
            }
            EDDSA => {
                if kty != KTY_OKP || int(COSE_CRV_OR_N, "no integer crv (-1)")? != CRV_ED25519 {
                    return Err(WebauthnError::InvalidPublicKey(
                        "EdDSA needs kty OKP (1) and crv Ed25519 (6)",
                    ));
                }
                let x: [u8; 32] = bytes(COSE_X_OR_E, "no public key x (-2)")?
                    .try_into()
                    .map_err(|_| WebauthnError::InvalidPublicKey("Ed25519 keys are 32 bytes"))?;
                ed25519_dalek::VerifyingKey::from_bytes(&x)
                    .map(Self::EdDsa)
                    .map_err(|_| WebauthnError::InvalidPublicKey("not an Ed25519 point"))
            }
            RS256 => {
                if kty != KTY_RSA {
                    return Err(WebauthnError::InvalidPublicKey("RS256 needs kty RSA (3)"));
                }
                let n = bytes(COSE_CRV_OR_N, "no modulus n (-1)")?;
                let e = bytes(COSE_X_OR_E, "no exponent e (-2)")?;
                let key = rsa::PublicKey::new_with_size_limits(
                    rsa::BoxedUint::from_be_slice_vartime(n),
                    rsa::BoxedUint::from_be_slice_vartime(e),
                    2048..=8192,
                )
                .map_err(|_| {
                    WebauthnError::InvalidPublicKey(
                        "not an RSA key of 2048 to 8192 bits with a valid exponent",
                    )
                })?;
                Ok(Self::Rs256(Box::new(rsa::pkcs1v15::VerifyingKey::new(key))))
            }
            other => Err(WebauthnError::UnsupportedAlgorithm(other)),
        }
    }

    fn algorithm(&self) -> i64 {
        match self {
            Self::Es256(_) => ES256,
            Self::EdDsa(_) => EDDSA,
            Self::Rs256(_) => RS256,
        }
    }

    /// Verifies `signature` over the concatenation of `parts`.
    fn verify(&self, parts: &[&[u8]], signature: &[u8]) -> Result<(), WebauthnError> {
        use p256::ecdsa::signature::Verifier as _;
        let message = parts.concat();
        let ok = match self {
            Self::Es256(key) => p256::ecdsa::Signature::from_der(signature)
                .is_ok_and(|sig| key.verify(&message, &sig).is_ok()),
            Self::EdDsa(key) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|sig| key.verify_strict(&message, &sig).is_ok()),
            Self::Rs256(key) => rsa::pkcs1v15::Signature::try_from(signature)
                .is_ok_and(|sig| key.verify(&message, &sig).is_ok()),
        };
        if ok {
            Ok(())
        } else {
            Err(WebauthnError::BadSignature)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// CBOR (RFC 8949), only what WebAuthn needs.

mod cbor {
    use super::CborError;

    pub(super) const MAX_DEPTH: usize = 16;
    pub(super) const MAX_ITEMS: u64 = 1024;

    /// A decoded item, borrowing strings from the input.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub(super) enum Value<'a> {
        Int(i64),
        Bytes(&'a [u8]),
        Text(&'a str),
        Array(Vec<Value<'a>>),
        Map(Vec<(Value<'a>, Value<'a>)>),
        Bool(bool),
        Null,
    }

    /// Decodes exactly one item that fills `input`.
    pub(super) fn decode(input: &[u8]) -> Result<Value<'_>, CborError> {
        let (value, used) = decode_prefix(input)?;
        match input.len() - used {
            0 => Ok(value),
            extra => Err(CborError::TrailingBytes(extra)),
        }
    }

    /// Decodes the item at the start of `input`; returns it and the bytes it took.
    pub(super) fn decode_prefix(input: &[u8]) -> Result<(Value<'_>, usize), CborError> {
        let mut reader = Reader { input, pos: 0 };
        let value = reader.item(0)?;
        Ok((value, reader.pos))
    }

    struct Reader<'a> {
        input: &'a [u8],
        pos: usize,
    }

    impl<'a> Reader<'a> {
        fn remaining(&self) -> usize {
            self.input.len() - self.pos
        }

        fn bytes(&mut self, n: u64) -> Result<&'a [u8], CborError> {
            let n = usize::try_from(n).map_err(|_| CborError::Truncated)?;
            if n > self.remaining() {
                return Err(CborError::Truncated);
            }
            let out = &self.input[self.pos..self.pos + n];
            self.pos += n;
            Ok(out)
        }

        /// The initial byte's major type and its argument.
        fn head(&mut self) -> Result<(u8, u8, u64), CborError> {
            let initial = self.bytes(1)?[0];
            let (major, info) = (initial >> 5, initial & 0x1f);
            let arg = match info {
                0..=23 => u64::from(info),
                24 => u64::from(self.bytes(1)?[0]),
                25 => self.bytes(2)?.iter().fold(0, |a, &b| a << 8 | u64::from(b)),
                26 => self.bytes(4)?.iter().fold(0, |a, &b| a << 8 | u64::from(b)),
                27 => self.bytes(8)?.iter().fold(0, |a, &b| a << 8 | u64::from(b)),
                31 => return Err(CborError::IndefiniteLength),
                _ => return Err(CborError::Reserved(info)),
            };
            Ok((major, info, arg))
        }

        fn count(&self, n: u64, bytes_per_item: u64) -> Result<usize, CborError> {
            if n > MAX_ITEMS {
                return Err(CborError::TooManyItems);
            }
            // Every item takes at least one byte: a longer count cannot fit.
            if n.saturating_mul(bytes_per_item) > self.remaining() as u64 {
                return Err(CborError::Truncated);
            }
            usize::try_from(n).map_err(|_| CborError::TooManyItems)
        }

        fn item(&mut self, depth: usize) -> Result<Value<'a>, CborError> {
            if depth >= MAX_DEPTH {
                return Err(CborError::TooDeep);
            }
            let (major, info, arg) = self.head()?;
            match major {
                0 => i64::try_from(arg)
                    .map(Value::Int)
                    .map_err(|_| CborError::IntegerOutOfRange),
                1 => i64::try_from(arg)
                    .map(|n| Value::Int(-1 - n))
                    .map_err(|_| CborError::IntegerOutOfRange),
                2 => self.bytes(arg).map(Value::Bytes),
                3 => std::str::from_utf8(self.bytes(arg)?)
                    .map(Value::Text)
                    .map_err(|_| CborError::InvalidUtf8),
                4 => {
                    let n = self.count(arg, 1)?;
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.item(depth + 1)?);
                    }
                    Ok(Value::Array(items))
                }
                5 => {
                    let n = self.count(arg, 2)?;
                    let mut entries: Vec<(Value<'a>, Value<'a>)> = Vec::with_capacity(n);
                    for _ in 0..n {
                        let key = self.item(depth + 1)?;
                        if entries.iter().any(|(k, _)| *k == key) {
                            return Err(CborError::DuplicateKey);
                        }
                        let value = self.item(depth + 1)?;
                        entries.push((key, value));
                    }
                    Ok(Value::Map(entries))
                }
                7 => match info {
                    20 => Ok(Value::Bool(false)),
                    21 => Ok(Value::Bool(true)),
                    22 => Ok(Value::Null),
                    _ => Err(CborError::Unsupported { major, info }),
                },
                // Tags (6).
                _ => Err(CborError::Unsupported { major, info }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use p256::ecdsa::signature::{SignatureEncoding as _, Signer as _};
    use rand_chacha::rand_core::SeedableRng as _;
    use rand_chacha::ChaCha20Rng;
    use rsa::traits::PublicKeyParts as _;

    use super::*;

    const ORIGIN: &str = "http://localhost:8080";
    const USER: &[u8] = b"user-handle-0001";

    fn rp() -> RelyingParty {
        RelyingParty::new(
            "localhost",
            "marsad",
            vec!["https://marsad.example".to_owned(), ORIGIN.to_owned()],
        )
    }

    fn rng(seed: u64) -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(seed)
    }

    // A tiny CBOR encoder for building inputs.
    #[derive(Debug, Clone)]
    enum C {
        I(i64),
        B(Vec<u8>),
        T(&'static str),
        A(Vec<C>),
        M(Vec<(C, C)>),
    }

    fn head(major: u8, n: u64, out: &mut Vec<u8>) {
        let m = major << 5;
        match n {
            0..=23 => out.push(m | n as u8),
            24..=0xff => out.extend([m | 24, n as u8]),
            0x100..=0xffff => {
                out.push(m | 25);
                out.extend((n as u16).to_be_bytes());
            }
            0x1_0000..=0xffff_ffff => {
                out.push(m | 26);
                out.extend((n as u32).to_be_bytes());
            }
            _ => {
                out.push(m | 27);
                out.extend(n.to_be_bytes());
            }
        }
    }

    fn enc(c: &C) -> Vec<u8> {
        fn into(c: &C, out: &mut Vec<u8>) {
            match c {
                C::I(i) if *i >= 0 => head(0, *i as u64, out),
                C::I(i) => head(1, (-1 - *i) as u64, out),
                C::B(b) => {
                    head(2, b.len() as u64, out);
                    out.extend(b);
                }
                C::T(s) => {
                    head(3, s.len() as u64, out);
                    out.extend(s.as_bytes());
                }
                C::A(items) => {
                    head(4, items.len() as u64, out);
                    items.iter().for_each(|i| into(i, out));
                }
                C::M(entries) => {
                    head(5, entries.len() as u64, out);
                    for (k, v) in entries {
                        into(k, out);
                        into(v, out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        into(c, &mut out);
        out
    }

    /// A software authenticator key.
    enum TestKey {
        P256(p256::ecdsa::SigningKey),
        Ed(ed25519_dalek::SigningKey),
        Rsa(Box<rsa::pkcs1v15::SigningKey<sha2::Sha256>>),
    }

    fn p256_key(seed: u8) -> TestKey {
        TestKey::P256(p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap())
    }

    fn ed_key() -> TestKey {
        TestKey::Ed(ed25519_dalek::SigningKey::from_bytes(&[9; 32]))
    }

    fn rsa_key() -> TestKey {
        // Generated once per test binary from a fixed seed (a second or two at opt-level 1).
        static KEY: OnceLock<rsa::PrivateKey> = OnceLock::new();
        let key = KEY.get_or_init(|| rsa::PrivateKey::new(&mut rng(257), 2048).unwrap());
        TestKey::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(key.clone())))
    }

    impl TestKey {
        fn cose(&self) -> Vec<u8> {
            enc(&match self {
                TestKey::P256(k) => {
                    let point = k.verifying_key().to_sec1_point(false);
                    let xy = point.as_bytes();
                    C::M(vec![
                        (C::I(1), C::I(2)),
                        (C::I(3), C::I(-7)),
                        (C::I(-1), C::I(1)),
                        (C::I(-2), C::B(xy[1..33].to_vec())),
                        (C::I(-3), C::B(xy[33..].to_vec())),
                    ])
                }
                TestKey::Ed(k) => C::M(vec![
                    (C::I(1), C::I(1)),
                    (C::I(3), C::I(-8)),
                    (C::I(-1), C::I(6)),
                    (C::I(-2), C::B(k.verifying_key().to_bytes().to_vec())),
                ]),
                TestKey::Rsa(k) => {
                    let private: &rsa::PrivateKey = (**k).as_ref();
                    let public = private.to_public_key();
                    C::M(vec![
                        (C::I(1), C::I(3)),
                        (C::I(3), C::I(-257)),
                        (C::I(-1), C::B(public.n_bytes().to_vec())),
                        (C::I(-2), C::B(public.e_bytes().to_vec())),
                    ])
                }
            })
        }

        fn alg(&self) -> i64 {
            match self {
                TestKey::P256(_) => ES256,
                TestKey::Ed(_) => EDDSA,
                TestKey::Rsa(_) => RS256,
            }
        }

        fn sign(&self, message: &[u8]) -> Vec<u8> {
            match self {
                TestKey::P256(k) => {
                    let sig: p256::ecdsa::Signature = k.sign(message);
                    sig.to_der().as_bytes().to_vec()
                }
                TestKey::Ed(k) => k.sign(message).to_bytes().to_vec(),
                TestKey::Rsa(k) => k.sign(message).to_vec(),
            }
        }
    }

    fn client_data(type_: &str, challenge: &[u8], origin: &str, cross_origin: bool) -> Vec<u8> {
        serde_json::json!({
            "type": type_,
            "challenge": b64url(challenge),
            "origin": origin,
            "crossOrigin": cross_origin,
        })
        .to_string()
        .into_bytes()
    }

    /// Every part of a registration response, so each test changes one.
    struct Reg {
        credential_type: &'static str,
        client_type: &'static str,
        challenge: Vec<u8>,
        origin: &'static str,
        cross_origin: bool,
        client_data_override: Option<Vec<u8>>,
        rp_id: &'static str,
        flags: u8,
        sign_count: u32,
        aaguid: [u8; 16],
        credential_id: Vec<u8>,
        credential_id_length: Option<u16>,
        /// Whether the attested credential data is written (whatever the AT flag says).
        attested: bool,
        raw_id: Option<Vec<u8>>,
        cose: Vec<u8>,
        auth_data_suffix: Vec<u8>,
        fmt: &'static str,
        /// `Some(alg)`: a packed self-attestation signed with the key, claiming `alg`.
        self_attest: Option<i64>,
        statement: Vec<(C, C)>,
        object_override: Option<Vec<u8>>,
        transports: Vec<String>,
    }

    impl Reg {
        fn new(state: &RegistrationState, key: &TestKey) -> Reg {
            Reg {
                credential_type: "public-key",
                client_type: "webauthn.create",
                challenge: state.challenge.clone(),
                origin: ORIGIN,
                cross_origin: false,
                client_data_override: None,
                rp_id: "localhost",
                flags: FLAG_UP | FLAG_UV | FLAG_AT,
                sign_count: 0,
                aaguid: [0xaa; 16],
                credential_id: vec![0xc1; 16],
                credential_id_length: None,
                attested: true,
                raw_id: None,
                cose: key.cose(),
                auth_data_suffix: Vec::new(),
                fmt: "none",
                self_attest: None,
                statement: Vec::new(),
                object_override: None,
                transports: vec!["internal".to_owned(), "hybrid".to_owned(), "x".to_owned()],
            }
        }

        fn client_data(&self) -> Vec<u8> {
            self.client_data_override.clone().unwrap_or_else(|| {
                client_data(
                    self.client_type,
                    &self.challenge,
                    self.origin,
                    self.cross_origin,
                )
            })
        }

        fn auth_data(&self) -> Vec<u8> {
            let mut a = sha256(&[self.rp_id.as_bytes()]).to_vec();
            a.push(self.flags);
            a.extend(self.sign_count.to_be_bytes());
            if self.attested {
                a.extend(self.aaguid);
                let length = self
                    .credential_id_length
                    .unwrap_or(self.credential_id.len() as u16);
                a.extend(length.to_be_bytes());
                a.extend(&self.credential_id);
                a.extend(&self.cose);
            }
            a.extend(&self.auth_data_suffix);
            a
        }

        fn response(&self, key: &TestKey) -> RegistrationResponse {
            let client_data = self.client_data();
            let auth_data = self.auth_data();
            let mut statement = self.statement.clone();
            if let Some(alg) = self.self_attest {
                let signed =
                    key.sign(&[auth_data.clone(), sha256(&[&client_data]).to_vec()].concat());
                statement.push((C::T("alg"), C::I(alg)));
                statement.push((C::T("sig"), C::B(signed)));
            }
            let object = self.object_override.clone().unwrap_or_else(|| {
                enc(&C::M(vec![
                    (C::T("fmt"), C::T(self.fmt)),
                    (C::T("attStmt"), C::M(statement)),
                    (C::T("authData"), C::B(auth_data)),
                ]))
            });
            let raw_id = self.raw_id.clone().unwrap_or(self.credential_id.clone());
            RegistrationResponse {
                id: b64url(&raw_id),
                raw_id: b64url(&raw_id),
                type_: self.credential_type.to_owned(),
                response: AttestationResponse {
                    client_data_json: b64url(&client_data),
                    attestation_object: b64url(&object),
                    transports: self.transports.clone(),
                },
            }
        }
    }

    fn start_reg(seed: u64) -> RegistrationState {
        start_registration(&rp(), USER, "amina", "Amina", &[], &mut rng(seed))
            .unwrap()
            .1
    }

    fn register(key: &TestKey) -> Passkey {
        let state = start_reg(1);
        finish_registration(&rp(), &state, &Reg::new(&state, key).response(key)).unwrap()
    }

    #[test]
    fn registration_accepts_a_well_formed_none_attestation() {
        let key = p256_key(0x11);
        let passkey = register(&key);
        assert_eq!(passkey.credential_id, vec![0xc1; 16]);
        assert_eq!(passkey.public_key_cose, key.cose());
        assert_eq!(passkey.algorithm, ES256);
        assert_eq!(passkey.user_handle, USER);
        assert_eq!(passkey.aaguid, [0xaa; 16]);
        assert_eq!(passkey.sign_count, 0);
        assert!(passkey.user_verified && !passkey.backup_eligible && !passkey.backed_up);
        assert_eq!(passkey.transports, ["hybrid", "internal"]);
    }

    #[test]
    fn registration_reads_backup_flags_extensions_and_packed_self_attestation() {
        let key = p256_key(0x12);
        let state = start_reg(2);
        let mut reg = Reg::new(&state, &key);
        reg.flags |= FLAG_BE | FLAG_BS | FLAG_ED;
        reg.auth_data_suffix = enc(&C::M(vec![(C::T("credProtect"), C::I(2))]));
        reg.fmt = "packed";
        reg.self_attest = Some(ES256);
        reg.sign_count = 7;
        let passkey = finish_registration(&rp(), &state, &reg.response(&key)).unwrap();
        assert!(passkey.backup_eligible && passkey.backed_up);
        assert_eq!(passkey.sign_count, 7);
    }

    #[test]
    fn registration_with_preferred_verification_accepts_a_missing_uv() {
        let mut rp = rp();
        rp.user_verification = UserVerification::Preferred;
        let key = p256_key(0x13);
        let (_, state) = start_registration(&rp, USER, "amina", "Amina", &[], &mut rng(3)).unwrap();
        let mut reg = Reg::new(&state, &key);
        reg.flags &= !FLAG_UV;
        let passkey = finish_registration(&rp, &state, &reg.response(&key)).unwrap();
        assert!(!passkey.user_verified);
    }

    #[test]
    fn registration_refusals() {
        use WebauthnError as E;
        let key = p256_key(0x21);
        type Tweak = fn(&mut Reg);
        let cases: Vec<(&str, Tweak, WebauthnError)> = vec![
            (
                "wrong challenge",
                |r| r.challenge[0] ^= 1,
                E::ChallengeMismatch,
            ),
            (
                "short challenge",
                |r| r.challenge.truncate(16),
                E::ChallengeMismatch,
            ),
            (
                "wrong origin",
                |r| r.origin = "http://localhost:8081",
                E::OriginNotAllowed("http://localhost:8081".to_owned()),
            ),
            (
                "cross-origin frame",
                |r| r.cross_origin = true,
                E::CrossOrigin,
            ),
            (
                "wrong ceremony type",
                |r| r.client_type = "webauthn.get",
                E::CeremonyType {
                    expected: "webauthn.create",
                    found: "webauthn.get".to_owned(),
                },
            ),
            (
                "wrong credential type",
                |r| r.credential_type = "password",
                E::CredentialType("password".to_owned()),
            ),
            (
                "wrong rp id hash",
                |r| r.rp_id = "example.com",
                E::RpIdHashMismatch("localhost".to_owned()),
            ),
            (
                "user not present",
                |r| r.flags &= !FLAG_UP,
                E::UserNotPresent,
            ),
            (
                "user not verified",
                |r| r.flags &= !FLAG_UV,
                E::UserNotVerified,
            ),
            (
                "backed up, not eligible",
                |r| r.flags |= FLAG_BS,
                E::InconsistentBackupFlags,
            ),
            (
                "no attested credential",
                |r| {
                    r.flags &= !FLAG_AT;
                    r.attested = false;
                },
                E::NoAttestedCredential,
            ),
            (
                "attested credential data without the AT flag",
                |r| r.flags &= !FLAG_AT,
                E::AuthenticatorData("111 trailing byte(s) (flags 0x05)".to_owned()),
            ),
            (
                "credential id length overflow",
                |r| r.credential_id_length = Some(1000),
                E::CredentialIdLength {
                    length: 1000,
                    available: 16 + 77,
                },
            ),
            (
                "credential id longer than 1023 bytes",
                |r| r.credential_id = vec![1; 1024],
                E::CredentialIdLength {
                    length: 1024,
                    available: 1024 + 77,
                },
            ),
            (
                "rawId differs from the attested credential id",
                |r| r.raw_id = Some(vec![0xc2; 16]),
                E::CredentialIdMismatch("the one in the authenticator data"),
            ),
            (
                "trailing bytes after the authenticator data",
                |r| r.auth_data_suffix = vec![0],
                E::AuthenticatorData("1 trailing byte(s) (flags 0x45)".to_owned()),
            ),
            (
                "extension flag without extensions",
                |r| r.flags |= FLAG_ED,
                E::Cbor {
                    what: "the authenticator extensions",
                    error: CborError::Truncated,
                },
            ),
            (
                "unsupported algorithm (ES384)",
                |r| {
                    r.cose = enc(&C::M(vec![
                        (C::I(1), C::I(2)),
                        (C::I(3), C::I(-35)),
                        (C::I(-1), C::I(2)),
                        (C::I(-2), C::B(vec![1; 48])),
                        (C::I(-3), C::B(vec![2; 48])),
                    ]))
                },
                E::UnsupportedAlgorithm(-35),
            ),
            (
                "ES256 key on the wrong curve",
                |r| {
                    r.cose = enc(&C::M(vec![
                        (C::I(1), C::I(2)),
                        (C::I(3), C::I(-7)),
                        (C::I(-1), C::I(2)),
                        (C::I(-2), C::B(vec![1; 32])),
                        (C::I(-3), C::B(vec![2; 32])),
                    ]))
                },
                E::InvalidPublicKey("ES256 needs kty EC2 (2) and crv P-256 (1)"),
            ),
            (
                "ES256 key off the curve",
                |r| {
                    r.cose = enc(&C::M(vec![
                        (C::I(1), C::I(2)),
                        (C::I(3), C::I(-7)),
                        (C::I(-1), C::I(1)),
                        (C::I(-2), C::B(vec![1; 32])),
                        (C::I(-3), C::B(vec![2; 32])),
                    ]))
                },
                E::InvalidPublicKey("not a point on P-256"),
            ),
            (
                "public key without alg",
                |r| r.cose = enc(&C::M(vec![(C::I(1), C::I(2))])),
                E::InvalidPublicKey("no integer alg (3)"),
            ),
            (
                "truncated public key",
                |r| {
                    r.cose.truncate(40);
                },
                E::Cbor {
                    what: "the credential public key",
                    error: CborError::Truncated,
                },
            ),
            (
                "truncated attestation object",
                |r| {
                    let full = r.response(&p256_key(0x21)).response.attestation_object;
                    let bytes = decode_b64("", &full).unwrap();
                    r.object_override = Some(bytes[..bytes.len() - 1].to_vec());
                },
                E::Cbor {
                    what: "the attestation object",
                    error: CborError::Truncated,
                },
            ),
            (
                "trailing bytes after the attestation object",
                |r| {
                    let full = r.response(&p256_key(0x21)).response.attestation_object;
                    let mut bytes = decode_b64("", &full).unwrap();
                    bytes.extend([0xf6, 0xf6]);
                    r.object_override = Some(bytes);
                },
                E::Cbor {
                    what: "the attestation object",
                    error: CborError::TrailingBytes(2),
                },
            ),
            (
                "attestation object is an array",
                |r| r.object_override = Some(enc(&C::A(vec![]))),
                E::AttestationObject("not a map"),
            ),
            (
                "attestation object without authData",
                |r| {
                    r.object_override = Some(enc(&C::M(vec![
                        (C::T("fmt"), C::T("none")),
                        (C::T("attStmt"), C::M(vec![])),
                    ])))
                },
                E::AttestationObject("a field is missing"),
            ),
            (
                "unsupported attestation format",
                |r| r.fmt = "fido-u2f",
                E::UnsupportedAttestation("fido-u2f".to_owned()),
            ),
            (
                "none attestation with a statement",
                |r| r.statement = vec![(C::T("sig"), C::B(vec![1]))],
                E::InvalidAttestation("a none statement must be an empty map"),
            ),
            (
                "packed attestation with a certificate chain",
                |r| {
                    r.fmt = "packed";
                    r.self_attest = Some(ES256);
                    r.statement = vec![(C::T("x5c"), C::A(vec![C::B(vec![0x30])]))];
                },
                E::UnsupportedAttestation("packed with a certificate chain".to_owned()),
            ),
            (
                "packed self-attestation with another alg",
                |r| {
                    r.fmt = "packed";
                    r.self_attest = Some(EDDSA);
                },
                E::InvalidAttestation("self-attestation alg differs from the credential key's"),
            ),
            (
                "packed self-attestation signed by another key",
                |r| {
                    r.fmt = "packed";
                    r.cose = p256_key(0x22).cose();
                    r.self_attest = Some(ES256);
                },
                E::BadSignature,
            ),
            (
                "clientDataJSON is not JSON",
                |r| r.client_data_override = Some(b"{\"type\":".to_vec()),
                E::ClientDataJson("EOF while parsing a value at line 1 column 8".to_owned()),
            ),
        ];
        for (name, tweak, expected) in cases {
            let state = start_reg(4);
            let mut reg = Reg::new(&state, &key);
            tweak(&mut reg);
            let got = finish_registration(&rp(), &state, &reg.response(&key));
            assert_eq!(got, Err(expected), "{name}");
        }
    }

    #[test]
    fn registration_refuses_bad_base64_and_mismatched_ids() {
        let key = p256_key(0x23);
        let state = start_reg(5);
        let good = Reg::new(&state, &key).response(&key);
        let check = |f: &dyn Fn(&mut RegistrationResponse), expected: WebauthnError| {
            let mut r = good.clone();
            f(&mut r);
            assert_eq!(finish_registration(&rp(), &state, &r), Err(expected));
        };
        check(
            &|r| r.raw_id = "not base64!".to_owned(),
            WebauthnError::NotBase64Url("rawId"),
        );
        check(
            &|r| r.id = b64url(b"other"),
            WebauthnError::CredentialIdMismatch("rawId"),
        );
        check(
            &|r| r.response.attestation_object.push('*'),
            WebauthnError::NotBase64Url("response.attestationObject"),
        );
        // Padded base64url is accepted as well.
        assert_eq!(decode_b64("f", "AQ==").unwrap(), [1]);
        assert_eq!(decode_b64("f", "AQ").unwrap(), [1]);
    }

    /// Every part of an authentication response.
    struct Auth {
        credential_type: &'static str,
        client_type: &'static str,
        challenge: Vec<u8>,
        origin: &'static str,
        rp_id: &'static str,
        flags: u8,
        sign_count: u32,
        credential_id: Vec<u8>,
        user_handle: Option<Vec<u8>>,
        auth_data_suffix: Vec<u8>,
        tamper_signature: bool,
        /// Signs with this key instead of the passkey's.
        other_key: Option<TestKey>,
    }

    impl Auth {
        fn new(state: &AuthenticationState, passkey: &Passkey) -> Auth {
            Auth {
                credential_type: "public-key",
                client_type: "webauthn.get",
                challenge: state.challenge.clone(),
                origin: ORIGIN,
                rp_id: "localhost",
                flags: FLAG_UP | FLAG_UV,
                sign_count: passkey.sign_count + 1,
                credential_id: passkey.credential_id.clone(),
                user_handle: Some(passkey.user_handle.clone()),
                auth_data_suffix: Vec::new(),
                tamper_signature: false,
                other_key: None,
            }
        }

        fn response(&self, key: &TestKey) -> AuthenticationResponse {
            let client_data = client_data(self.client_type, &self.challenge, self.origin, false);
            let mut auth_data = sha256(&[self.rp_id.as_bytes()]).to_vec();
            auth_data.push(self.flags);
            auth_data.extend(self.sign_count.to_be_bytes());
            auth_data.extend(&self.auth_data_suffix);
            let signer = self.other_key.as_ref().unwrap_or(key);
            let mut signature =
                signer.sign(&[auth_data.clone(), sha256(&[&client_data]).to_vec()].concat());
            if self.tamper_signature {
                let last = signature.len() - 1;
                signature[last] ^= 0x01;
            }
            AuthenticationResponse {
                id: b64url(&self.credential_id),
                raw_id: b64url(&self.credential_id),
                type_: self.credential_type.to_owned(),
                response: AssertionResponse {
                    client_data_json: b64url(&client_data),
                    authenticator_data: b64url(&auth_data),
                    signature: b64url(&signature),
                    user_handle: self.user_handle.as_deref().map(b64url),
                },
            }
        }
    }

    fn login(
        key: &TestKey,
        passkey: &Passkey,
        tweak: impl Fn(&mut Auth),
    ) -> Result<AuthenticationResult, WebauthnError> {
        let (_, state) = start_authentication(&rp(), &[], &mut rng(9));
        let mut auth = Auth::new(&state, passkey);
        tweak(&mut auth);
        finish_authentication(&rp(), &state, &auth.response(key), passkey)
    }

    #[test]
    fn login_round_trips_with_every_algorithm() {
        for key in [p256_key(0x31), ed_key(), rsa_key()] {
            let mut passkey = register(&key);
            assert_eq!(passkey.algorithm, key.alg());
            for expected in [1, 2, 3] {
                let result = login(&key, &passkey, |_| {}).unwrap();
                assert_eq!(result.new_sign_count, expected);
                assert_eq!(result.user_handle, USER);
                assert_eq!(result.credential_id, passkey.credential_id);
                assert!(result.user_verified);
                passkey.record_use(&result);
            }
            assert_eq!(passkey.sign_count, 3);
        }
    }

    #[test]
    fn login_with_an_allow_list_and_no_user_handle() {
        let key = p256_key(0x32);
        let passkey = register(&key);
        let (options, state) =
            start_authentication(&rp(), std::slice::from_ref(&passkey), &mut rng(10));
        assert_eq!(
            options.allow_credentials[0].id,
            b64url(&passkey.credential_id)
        );
        let mut auth = Auth::new(&state, &passkey);
        auth.user_handle = None;
        let response = auth.response(&key);
        assert_eq!(response.credential_id().unwrap(), passkey.credential_id);
        assert!(finish_authentication(&rp(), &state, &response, &passkey).is_ok());

        // The same credential is refused when the allow list names others only.
        let mut other = passkey.clone();
        other.credential_id = vec![7; 16];
        let (_, state) = start_authentication(&rp(), &[other], &mut rng(11));
        let auth = Auth::new(&state, &passkey);
        assert_eq!(
            finish_authentication(&rp(), &state, &auth.response(&key), &passkey),
            Err(WebauthnError::CredentialNotAllowed)
        );
    }

    #[test]
    fn counters_that_stay_at_zero_are_accepted() {
        let key = p256_key(0x33);
        let passkey = register(&key);
        let result = login(&key, &passkey, |a| a.sign_count = 0).unwrap();
        assert_eq!(result.new_sign_count, 0);
    }

    #[test]
    fn a_high_s_ecdsa_signature_verifies() {
        // Authenticators need not normalise s; P-256 verification must accept both forms.
        let TestKey::P256(signing) = p256_key(0x34) else {
            unreachable!()
        };
        let message = b"authenticatorData || clientDataHash";
        let sig: p256::ecdsa::Signature = signing.sign(message);
        let (r, s) = sig.split_scalars();
        let high = p256::ecdsa::Signature::from_scalars(r.to_bytes(), (-*s).to_bytes()).unwrap();
        assert_ne!(high, sig);
        let key = CoseKey::parse(&p256_key(0x34).cose()).unwrap();
        for sig in [sig, high] {
            key.verify(&[message], sig.to_der().as_bytes()).unwrap();
        }
    }

    #[test]
    fn login_refusals() {
        use WebauthnError as E;
        for key in [p256_key(0x41), ed_key()] {
            let mut passkey = register(&key);
            passkey.sign_count = 5;
            type Tweak = fn(&mut Auth);
            let cases: Vec<(&str, Tweak, WebauthnError)> = vec![
                (
                    "wrong challenge",
                    |a| a.challenge[5] ^= 0x80,
                    E::ChallengeMismatch,
                ),
                (
                    "wrong origin",
                    |a| a.origin = "https://evil.example",
                    E::OriginNotAllowed("https://evil.example".to_owned()),
                ),
                (
                    "wrong ceremony type",
                    |a| a.client_type = "webauthn.create",
                    E::CeremonyType {
                        expected: "webauthn.get",
                        found: "webauthn.create".to_owned(),
                    },
                ),
                (
                    "wrong credential type",
                    |a| a.credential_type = "public-key ",
                    E::CredentialType("public-key ".to_owned()),
                ),
                (
                    "wrong rp id hash",
                    |a| a.rp_id = "localhost.",
                    E::RpIdHashMismatch("localhost".to_owned()),
                ),
                (
                    "user not present",
                    |a| a.flags &= !FLAG_UP,
                    E::UserNotPresent,
                ),
                (
                    "user not verified",
                    |a| a.flags &= !FLAG_UV,
                    E::UserNotVerified,
                ),
                (
                    "backup eligibility appears",
                    |a| a.flags |= FLAG_BE,
                    E::BackupEligibilityChanged,
                ),
                (
                    "attested credential data in an assertion",
                    |a| {
                        a.flags |= FLAG_AT;
                        a.auth_data_suffix =
                            [vec![0; 16], vec![0, 1, 7], p256_key(1).cose()].concat();
                    },
                    E::UnexpectedAttestedCredential,
                ),
                (
                    "trailing bytes after the authenticator data",
                    |a| a.auth_data_suffix = vec![0xa0],
                    E::AuthenticatorData("1 trailing byte(s) (flags 0x05)".to_owned()),
                ),
                (
                    "tampered signature",
                    |a| a.tamper_signature = true,
                    E::BadSignature,
                ),
                (
                    "signed by another key",
                    |a| a.other_key = Some(p256_key(0x42)),
                    E::BadSignature,
                ),
                (
                    "counter repeated",
                    |a| a.sign_count = 5,
                    E::CounterRegression {
                        stored: 5,
                        received: 5,
                    },
                ),
                (
                    "counter back to zero",
                    |a| a.sign_count = 0,
                    E::CounterRegression {
                        stored: 5,
                        received: 0,
                    },
                ),
                (
                    "another credential id",
                    |a| a.credential_id = vec![0xc2; 16],
                    E::CredentialIdMismatch("the passkey's"),
                ),
                (
                    "another user's handle",
                    |a| a.user_handle = Some(b"someone-else".to_vec()),
                    E::UserHandleMismatch,
                ),
                (
                    "no user handle in a discoverable login",
                    |a| a.user_handle = None,
                    E::UserHandleMissing,
                ),
            ];
            for (name, tweak, expected) in cases {
                let got = login(&key, &passkey, tweak);
                assert_eq!(got, Err(expected), "{name} ({})", key.alg());
            }
        }
    }

    #[test]
    fn a_login_signed_with_extensions_is_accepted() {
        let key = p256_key(0x43);
        let passkey = register(&key);
        let result = login(&key, &passkey, |a| {
            a.flags |= FLAG_ED;
            a.auth_data_suffix = enc(&C::M(vec![(C::T("devicePubKey"), C::B(vec![1]))]));
        });
        assert!(result.is_ok(), "{result:?}");
    }

    #[test]
    fn options_are_the_json_browsers_read() {
        let passkey = register(&p256_key(0x51));
        let (options, state) = start_registration(
            &rp(),
            USER,
            "amina.benali",
            "أمينة بن علي",
            std::slice::from_ref(&passkey),
            &mut rng(12),
        )
        .unwrap();
        let json = serde_json::to_value(&options).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "rp": {"id": "localhost", "name": "marsad"},
                "user": {"id": b64url(USER), "name": "amina.benali", "displayName": "أمينة بن علي"},
                "challenge": b64url(&state.challenge),
                "pubKeyCredParams": [
                    {"type": "public-key", "alg": -7},
                    {"type": "public-key", "alg": -8},
                    {"type": "public-key", "alg": -257},
                ],
                "timeout": 300000,
                "excludeCredentials": [
                    {"type": "public-key", "id": b64url(&passkey.credential_id), "transports": ["hybrid", "internal"]},
                ],
                "authenticatorSelection": {
                    "residentKey": "required",
                    "requireResidentKey": true,
                    "userVerification": "required",
                },
                "attestation": "none",
            })
        );
        assert_eq!(state.challenge.len(), CHALLENGE_BYTES);
        assert_eq!(state.user_handle(), USER);

        let (options, auth_state) = start_authentication(&rp(), &[], &mut rng(13));
        assert_eq!(
            serde_json::to_value(&options).unwrap(),
            serde_json::json!({
                "challenge": b64url(&auth_state.challenge),
                "timeout": 300000,
                "rpId": "localhost",
                "allowCredentials": [],
                "userVerification": "required",
            })
        );
        assert_ne!(auth_state.challenge, state.challenge);
    }

    #[test]
    fn states_survive_a_json_round_trip() {
        let passkey = register(&p256_key(0x52));
        let (_, reg) = start_registration(&rp(), USER, "a", "A", &[], &mut rng(14)).unwrap();
        let text = serde_json::to_string(&reg).unwrap();
        assert!(text.contains(&format!("\"{}\"", b64url(USER))), "{text}");
        assert_eq!(
            serde_json::from_str::<RegistrationState>(&text).unwrap(),
            reg
        );
        let (_, auth) = start_authentication(&rp(), &[passkey], &mut rng(15));
        let text = serde_json::to_string(&auth).unwrap();
        assert_eq!(
            serde_json::from_str::<AuthenticationState>(&text).unwrap(),
            auth
        );
        assert!(serde_json::from_str::<AuthenticationState>(
            r#"{"challenge":"***","allowed":[],"user_verification":"required"}"#
        )
        .is_err());
    }

    #[test]
    fn responses_parse_from_the_browsers_json() {
        let json = r#"{"id":"AQI","rawId":"AQI","type":"public-key","authenticatorAttachment":"platform",
            "response":{"clientDataJSON":"e30","authenticatorData":"AA","signature":"AA","userHandle":null},
            "clientExtensionResults":{}}"#;
        let r: AuthenticationResponse = serde_json::from_str(json).unwrap();
        assert_eq!(r.credential_id().unwrap(), [1, 2]);
        assert_eq!(r.user_handle().unwrap(), None);
        let json = r#"{"id":"AQI","rawId":"AQI","type":"public-key",
            "response":{"clientDataJSON":"e30","attestationObject":"oA","transports":["usb"],
            "publicKeyAlgorithm":-7},"clientExtensionResults":{}}"#;
        let r: RegistrationResponse = serde_json::from_str(json).unwrap();
        assert_eq!(r.response.transports, ["usb"]);
    }

    #[test]
    fn user_handles_must_be_1_to_64_bytes() {
        for (len, ok) in [(0, false), (1, true), (64, true), (65, false)] {
            let got = start_registration(&rp(), &vec![1; len], "a", "A", &[], &mut rng(16));
            assert_eq!(got.is_ok(), ok, "{len}");
        }
        assert_eq!(generate_user_handle(&mut rng(17)).len(), USER_HANDLE_BYTES);
    }

    #[test]
    fn cbor_decoder() {
        use cbor::Value as V;
        let ok: &[(&[u8], V<'_>)] = &[
            (&[0x00], V::Int(0)),
            (&[0x17], V::Int(23)),
            (&[0x18, 0x18], V::Int(24)),
            (&[0x39, 0x01, 0x00], V::Int(-257)),
            (
                &[0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                V::Int(i64::MIN),
            ),
            (&[0x42, 1, 2], V::Bytes(&[1, 2])),
            (&[0x62, b'h', b'i'], V::Text("hi")),
            (
                &[0x82, 0xf4, 0xf5],
                V::Array(vec![V::Bool(false), V::Bool(true)]),
            ),
            (&[0xa1, 0x01, 0xf6], V::Map(vec![(V::Int(1), V::Null)])),
        ];
        for (bytes, expected) in ok {
            assert_eq!(cbor::decode(bytes).as_ref(), Ok(expected), "{bytes:02x?}");
        }
        let mut deep = vec![0x81; cbor::MAX_DEPTH];
        deep.push(0x00);
        let mut many = vec![0x99, 0x04, 0x01];
        many.extend([0u8; 1025]);
        let bad: &[(&[u8], CborError)] = &[
            (&[], CborError::Truncated),
            (&[0x18], CborError::Truncated),
            (&[0x43, 1, 2], CborError::Truncated),
            // A length that claims far more than the input: refused before any allocation.
            (
                &[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                CborError::Truncated,
            ),
            (&[0x9a, 0x00, 0x00, 0x03, 0xff, 0x00], CborError::Truncated),
            (&[0xa2, 0x01, 0x02, 0x03], CborError::Truncated),
            (&[0x01, 0x02], CborError::TrailingBytes(1)),
            (&[0x5f, 0x41, 0x00, 0xff], CborError::IndefiniteLength),
            (&[0x1c], CborError::Reserved(28)),
            (
                &[0xc2, 0x41, 0x01],
                CborError::Unsupported { major: 6, info: 2 },
            ),
            (
                &[0xf9, 0x3c, 0x00],
                CborError::Unsupported { major: 7, info: 25 },
            ),
            (&[0xf7], CborError::Unsupported { major: 7, info: 23 }),
            (
                &[0x1b, 0x80, 0, 0, 0, 0, 0, 0, 0],
                CborError::IntegerOutOfRange,
            ),
            (
                &[0x3b, 0x80, 0, 0, 0, 0, 0, 0, 0],
                CborError::IntegerOutOfRange,
            ),
            (&[0x62, 0xff, 0xfe], CborError::InvalidUtf8),
            (&[0xa2, 0x01, 0x00, 0x01, 0x00], CborError::DuplicateKey),
            (&deep, CborError::TooDeep),
            (&many, CborError::TooManyItems),
        ];
        for (bytes, expected) in bad {
            assert_eq!(cbor::decode(bytes), Err(*expected), "{bytes:02x?}");
        }
        // A prefix decode reports how much it took.
        assert_eq!(
            cbor::decode_prefix(&[0x41, 7, 0xff]),
            Ok((V::Bytes(&[7]), 2))
        );
    }

    #[test]
    fn errors_name_what_failed() {
        for (error, text) in [
            (
                WebauthnError::CounterRegression {
                    stored: 9,
                    received: 3,
                },
                "the signature counter went from 9 to 3: the authenticator may have been cloned",
            ),
            (
                WebauthnError::Cbor {
                    what: "the attestation object",
                    error: CborError::TrailingBytes(2),
                },
                "the attestation object is not valid CBOR: 2 trailing byte(s) after the item",
            ),
            (
                WebauthnError::UnsupportedAlgorithm(-35),
                "COSE algorithm -35 is not supported (ES256 -7, EdDSA -8, RS256 -257 are)",
            ),
        ] {
            assert_eq!(error.to_string(), text);
        }
    }
}

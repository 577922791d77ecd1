//! A marsad server on `127.0.0.1:0` for end-to-end tests, with helpers to sign in as a user of
//! any institution and role through the real login endpoint.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::sync::{Arc, OnceLock};

use marsad_auth::{CsrfKey, PasswordPolicy, Secret, SessionPolicy};
use marsad_model::FixedClock;
use marsad_server::{Access, AccessConfig, AppState};
use marsad_store::{NewInstitution, NewUser, Store};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

/// The password every test user has.
pub const PASSWORD: &str = "correct horse battery staple 42";

pub fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        let mut rng = marsad_auth::rand_core::UnwrapErr(getrandom::SysRng);
        PasswordPolicy::OWASP
            .hash(&Secret::new(PASSWORD.to_string()), &mut rng)
            .unwrap()
    })
}

pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2025-06-01T12:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc)
}

pub struct TestApp {
    pub base: String,
    /// Signed in as a data officer and officer of `border-police` (see [`TestApp::start`]).
    pub client: reqwest::Client,
    /// Not signed in.
    pub anonymous: reqwest::Client,
    /// Dropped off the runtime by [`TestApp::stop`] (the sync PostgreSQL client must not be).
    store: Option<Arc<dyn Store>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
    /// The server's attachments: a local folder `dir/vault` under [`test_keyring`].
    pub vault: Arc<marsad_vault::Vault>,
    pub dir: tempfile::TempDir,
}

/// The fixed master key of every test server's vault.
pub fn test_keyring() -> marsad_vault::Keyring {
    marsad_vault::Keyring::new(
        marsad_vault::KeyId::parse("t1").unwrap(),
        &marsad_vault::MasterKey::from_bytes([7; 32]),
    )
    .unwrap()
}

impl TestApp {
    /// A server on `store` (a fresh SQLite one when `None`) with the given upload limit, the
    /// institution `border-police` (kind `border_police`) and its source `source`, and
    /// [`TestApp::client`] signed in there.
    pub async fn start(
        store: Option<Arc<dyn Store>>,
        max_upload_bytes: u64,
        source: &str,
    ) -> TestApp {
        TestApp::start_with(store, max_upload_bytes, source, None).await
    }

    /// [`TestApp::start`] with an OpenID Connect provider configured.
    pub async fn start_with(
        store: Option<Arc<dyn Store>>,
        max_upload_bytes: u64,
        source: &str,
        oidc: Option<marsad_server::oidc::OidcConfig>,
    ) -> TestApp {
        TestApp::start_with_limits(
            store,
            max_upload_bytes,
            source,
            oidc,
            marsad_server::AttachmentLimits::default(),
        )
        .await
    }

    /// [`TestApp::start_with`] with the given attachment limits.
    pub async fn start_with_limits(
        store: Option<Arc<dyn Store>>,
        max_upload_bytes: u64,
        source: &str,
        oidc: Option<marsad_server::oidc::OidcConfig>,
        attachment_limits: marsad_server::AttachmentLimits,
    ) -> TestApp {
        TestApp::start_inner(
            store,
            max_upload_bytes,
            source,
            oidc,
            attachment_limits,
            None,
        )
        .await
    }

    /// A second server beside this one, as a national deployment runs several: the same
    /// store and the same vault, its own process state (caches, the fingerprint gallery).
    pub async fn start_beside(&self, source: &str) -> TestApp {
        TestApp::start_inner(
            self.store.clone(),
            marsad_server::DEFAULT_MAX_UPLOAD_BYTES,
            source,
            None,
            marsad_server::AttachmentLimits::default(),
            Some(self.dir.path().join("vault")),
        )
        .await
    }

    async fn start_inner(
        store: Option<Arc<dyn Store>>,
        max_upload_bytes: u64,
        source: &str,
        oidc: Option<marsad_server::oidc::OidcConfig>,
        attachment_limits: marsad_server::AttachmentLimits,
        vault_root: Option<std::path::PathBuf>,
    ) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn Store> = match store {
            Some(s) => s,
            None => {
                let path = dir.path().join("marsad.sqlite");
                Arc::from(marsad_store::open(path.to_str().unwrap()).unwrap())
            }
        };
        let clock = FixedClock(now());
        let setup = store.clone();
        let source = source.to_string();
        tokio::task::spawn_blocking(move || {
            setup
                .ensure_institution(&NewInstitution {
                    name: "border-police",
                    title: "Police des frontières · شرطة الحدود",
                    kind: "border_police",
                    created_at: now(),
                })
                .unwrap();
            setup
                .add_source(&source, Some("border-police"), now())
                .unwrap();
        })
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        let mut session = SessionPolicy::DEFAULT;
        session.cookie_mode = marsad_auth::CookieMode::PlainHttpLocalDev;
        let mut rng = marsad_auth::rand_core::UnwrapErr(getrandom::SysRng);
        let (access, _) = Access::new(
            AccessConfig {
                session,
                origins: vec![base.clone(), format!("http://localhost:{}", addr.port())],
                policy_dir: Some(dir.path().join("policies")),
                oidc,
            },
            CsrfKey::generate(&mut rng),
        )
        .unwrap();
        let vault = Arc::new(
            marsad_vault::Vault::open(
                &marsad_vault::VaultConfig {
                    backend: marsad_vault::Backend::Local(marsad_vault::LocalConfig {
                        root: vault_root.unwrap_or_else(|| dir.path().join("vault")),
                        // Throw-away test data.
                        fsync: false,
                    }),
                    verify_writes: false,
                },
                test_keyring(),
            )
            .await
            .unwrap(),
        );
        let state = AppState::new(
            store.clone(),
            Arc::new(clock),
            dir.path().join("incoming"),
            max_upload_bytes,
            Arc::new(access),
        )
        .with_vault(vault.clone())
        .with_attachment_limits(attachment_limits);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            marsad_server::serve_on(listener, state, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        let mut app = TestApp {
            base,
            client: reqwest::Client::new(),
            anonymous: reqwest::Client::new(),
            store: Some(store),
            shutdown: Some(tx),
            server: Some(server),
            vault,
            dir,
        };
        app.client = app
            .login_as(
                "officer",
                "border-police",
                "border_police",
                &["data_officer", "officer"],
            )
            .await;
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn upload(&self, source: &str, name: &str, bytes: Vec<u8>) -> reqwest::Response {
        upload_with(&self.client, &self.base, source, name, bytes, None).await
    }

    /// Runs `f` on the store off the runtime.
    pub async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Store) -> T + Send + 'static,
    ) -> T {
        let store = self.store.clone().expect("the app is running");
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .unwrap()
    }

    /// Creates (once) the institution and a user `login` with `roles` in it, signs in through
    /// `POST /api/v1/auth/login`, and answers a client that sends the session cookie and the
    /// CSRF token with every request.
    pub async fn login_as(
        &self,
        login: &str,
        institution: &str,
        kind: &str,
        roles: &[&str],
    ) -> reqwest::Client {
        let (login_c, inst, kind_c) =
            (login.to_string(), institution.to_string(), kind.to_string());
        let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
        self.with_store(move |s| {
            s.ensure_institution(&NewInstitution {
                name: &inst,
                title: &inst,
                kind: &kind_c,
                created_at: now(),
            })
            .unwrap();
            if s.user_by_login(&login_c).unwrap().is_none() {
                s.create_user(&NewUser {
                    login: &login_c,
                    display_name: &login_c,
                    institution: &inst,
                    roles: &roles,
                    password_hash: password_hash(),
                    created_at: now(),
                })
                .unwrap();
            }
        })
        .await;
        self.session_client(login, PASSWORD).await
    }

    /// Signs in `login` with `password` and answers the signed-in client.
    pub async fn session_client(&self, login: &str, password: &str) -> reqwest::Client {
        let response = self
            .anonymous
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "login": login, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "login of {login}");
        client_from_login(response).await
    }

    /// Stops the server and waits for it (so the store is closed).
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.unwrap();
        }
        if let Some(store) = self.store.take() {
            tokio::task::spawn_blocking(move || drop(store))
                .await
                .unwrap();
        }
    }
}

/// A client carrying the session cookie and CSRF token a login answer gave.
pub async fn client_from_login(response: reqwest::Response) -> reqwest::Client {
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let me: Value = response.json().await.unwrap();
    let mut headers = HeaderMap::new();
    headers.insert("cookie", HeaderValue::from_str(&cookie).unwrap());
    headers.insert(
        "x-csrf-token",
        HeaderValue::from_str(me["csrf_token"].as_str().unwrap()).unwrap(),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap()
}

pub async fn upload_with(
    client: &reqwest::Client,
    base: &str,
    source: &str,
    name: &str,
    bytes: Vec<u8>,
    mapping: Option<&str>,
) -> reqwest::Response {
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    if let Some(m) = mapping {
        form = form.part("mapping", Part::text(m.to_string()));
    }
    client
        .post(format!("{base}/api/v1/sources/{source}/submissions"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

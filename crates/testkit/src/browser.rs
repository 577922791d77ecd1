//! A small, synchronous Chrome DevTools Protocol driver for tests: headless Chromium, pages,
//! JavaScript evaluation, and WebAuthn virtual authenticators.
//!
//! [`Browser::launch`] finds a browser (`MARSAD_CHROMIUM`, else `chromium`, `chromium-browser` or
//! `google-chrome` on `PATH`) and starts it headless with a throw-away profile; it answers
//! `Ok(None)` when there is none, so plain `cargo test` passes on a machine with nothing
//! installed, unless `MARSAD_REQUIRE_BROWSER=1` (CI) makes a missing browser an error. The
//! browser is closed and its profile removed when the [`Browser`] is dropped.
//!
//! [`Browser::new_page`] opens a tab and attaches to it (one flat DevTools session per
//! [`Page`]); [`Page::send`] sends any DevTools command and waits for its answer, keeping the
//! events that arrive meanwhile for [`Page::wait_for_event`] and [`Page::take_events`];
//! [`Page::navigate`] waits for the load event, [`Page::eval`] awaits a promise and returns its
//! value as JSON (a JavaScript exception becomes [`BrowserError::Script`] with its text),
//! [`Page::wait_for`] waits until a JavaScript condition holds. Every wait has a timeout
//! ([`DEFAULT_TIMEOUT`] unless given) and its error names what was awaited.
//!
//! For passkeys, [`enable_virtual_authenticator`] gives a page a CTAP2 platform authenticator
//! that holds discoverable credentials, verifies the user and answers at once, and
//! [`credentials`] lists what it holds.
//!
//! The driver is single-threaded (a page borrows its browser); one browser serves many pages.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader, ErrorKind};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{Message, WebSocket};

/// The variable naming the browser executable to use.
pub const CHROMIUM_VAR: &str = "MARSAD_CHROMIUM";
/// When `1`, a missing browser fails [`Browser::launch`] instead of skipping.
pub const REQUIRE_BROWSER_VAR: &str = "MARSAD_REQUIRE_BROWSER";
/// The executables looked for on `PATH`, in order.
pub const BROWSER_NAMES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];
/// How long a command, a navigation or a condition is waited for unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Events kept per browser before the oldest are dropped.
const MAX_EVENTS: usize = 10_000;

/// What went wrong driving the browser.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error(
        "no browser: {CHROMIUM_VAR} is unset and none of chromium, chromium-browser, \
         google-chrome is on PATH, but {REQUIRE_BROWSER_VAR}=1"
    )]
    NotFound,
    #[error("could not start {path}: {source}")]
    Spawn {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the browser exited before printing its DevTools address; its last output:\n{output}")]
    Exited { output: String },
    #[error("timed out after {timeout:?} waiting for {what}")]
    Timeout { what: String, timeout: Duration },
    #[error("DevTools connection: {0}")]
    Connection(String),
    #[error("{method} failed: {message}")]
    Protocol { method: String, message: String },
    #[error("JavaScript threw: {0}")]
    Script(String),
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}

impl From<tungstenite::Error> for BrowserError {
    fn from(e: tungstenite::Error) -> Self {
        BrowserError::Connection(e.to_string())
    }
}

/// A headless browser with a DevTools connection; closed, and its profile removed, on drop.
pub struct Browser {
    child: Child,
    conn: RefCell<Connection>,
    timeout: Duration,
    // Dropped after `Drop::drop` has stopped the browser.
    _profile: tempfile::TempDir,
}

/// The DevTools websocket, the next command id and the events not yet taken.
struct Connection {
    socket: WebSocket<TcpStream>,
    next_id: u64,
    events: VecDeque<Value>,
}

impl Connection {
    /// The next message, or a timeout naming `what` at `deadline`.
    fn next_message(
        &mut self,
        deadline: Instant,
        timeout: Duration,
        what: &dyn Fn() -> String,
    ) -> Result<Value, BrowserError> {
        loop {
            let now = Instant::now();
            if now >= deadline {
                return Err(BrowserError::Timeout {
                    what: what(),
                    timeout,
                });
            }
            let left = (deadline - now).max(Duration::from_millis(1));
            self.socket.get_ref().set_read_timeout(Some(left))?;
            match self.socket.read() {
                Ok(Message::Text(text)) => {
                    return serde_json::from_str(text.as_str()).map_err(|e| {
                        BrowserError::Connection(format!("a message is not JSON: {e}"))
                    })
                }
                Ok(Message::Close(_)) => {
                    return Err(BrowserError::Connection(format!(
                        "the browser closed the connection while waiting for {}",
                        what()
                    )))
                }
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn keep_event(&mut self, event: Value) {
        if self.events.len() == MAX_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(event);
    }

    /// Sends a command (to `session`, or to the browser) and waits for its answer.
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, BrowserError> {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({ "id": id, "method": method, "params": params });
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.socket.send(Message::text(message.to_string()))?;
        let deadline = Instant::now() + timeout;
        loop {
            let message =
                self.next_message(deadline, timeout, &|| format!("the answer to {method}"))?;
            if message.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(error) = message.get("error") {
                    let text = error.get("message").and_then(Value::as_str).unwrap_or("");
                    let data = error.get("data").and_then(Value::as_str).unwrap_or("");
                    return Err(BrowserError::Protocol {
                        method: method.to_owned(),
                        message: format!("{text} {data}").trim().to_owned(),
                    });
                }
                return Ok(message.get("result").cloned().unwrap_or(Value::Null));
            }
            if message.get("method").is_some() {
                self.keep_event(message);
            }
            // Anything else answers a command whose wait already timed out.
        }
    }

    /// The first kept or arriving event `method` of `session`.
    fn wait_for_event(
        &mut self,
        session: &str,
        method: &str,
        timeout: Duration,
    ) -> Result<Value, BrowserError> {
        let matches = |e: &Value| {
            e.get("method").and_then(Value::as_str) == Some(method)
                && e.get("sessionId").and_then(Value::as_str) == Some(session)
        };
        if let Some(i) = self.events.iter().position(matches) {
            return Ok(self.events.remove(i).unwrap_or(Value::Null));
        }
        let deadline = Instant::now() + timeout;
        loop {
            let message =
                self.next_message(deadline, timeout, &|| format!("the event {method}"))?;
            if matches(&message) {
                return Ok(message);
            }
            if message.get("method").is_some() {
                self.keep_event(message);
            }
        }
    }

    fn take_events(&mut self, session: &str, method: &str) -> Vec<Value> {
        let (taken, kept) = std::mem::take(&mut self.events).into_iter().partition(|e| {
            e.get("method").and_then(Value::as_str) == Some(method)
                && e.get("sessionId").and_then(Value::as_str) == Some(session)
        });
        self.events = kept;
        taken.into_iter().collect()
    }
}

/// The browser to use: `MARSAD_CHROMIUM`, else the first of [`BROWSER_NAMES`] on `PATH`.
pub fn find_browser() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(CHROMIUM_VAR).filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    BROWSER_NAMES.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    })
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        path.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// What the stderr reader tells the launcher.
enum Output {
    DevTools(String),
    Line(String),
}

impl Browser {
    /// Starts the browser [`find_browser`] finds; `Ok(None)` when there is none, unless
    /// `MARSAD_REQUIRE_BROWSER=1`.
    pub fn launch() -> Result<Option<Browser>, BrowserError> {
        match find_browser() {
            Some(path) => Browser::launch_at(&path).map(Some),
            None if std::env::var(REQUIRE_BROWSER_VAR).is_ok_and(|v| v == "1") => {
                Err(BrowserError::NotFound)
            }
            None => Ok(None),
        }
    }

    /// Starts the browser at `path`, headless, with a fresh profile.
    pub fn launch_at(path: &Path) -> Result<Browser, BrowserError> {
        let timeout = DEFAULT_TIMEOUT;
        let profile = tempfile::Builder::new()
            .prefix("marsad-browser-")
            .tempdir()?;
        let mut child = Command::new(path)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--remote-debugging-port=0",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--mute-audio",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| BrowserError::Spawn {
                path: path.to_owned(),
                source,
            })?;
        let Some(stderr) = child.stderr.take() else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(BrowserError::Connection("no stderr pipe".to_owned()));
        };
        // Read stderr on a thread until the browser exits (so the pipe never fills), handing the
        // DevTools address and the lines before it to the launcher.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut announced = false;
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if announced {
                    continue;
                }
                let message = match line.split_once("DevTools listening on ") {
                    Some((_, url)) => {
                        announced = true;
                        Output::DevTools(url.trim().to_owned())
                    }
                    None => Output::Line(line),
                };
                if tx.send(message).is_err() {
                    announced = true;
                }
            }
        });
        let deadline = Instant::now() + timeout;
        let mut output: VecDeque<String> = VecDeque::new();
        let url = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(Output::DevTools(url)) => break url,
                Ok(Output::Line(line)) => {
                    if output.len() == 40 {
                        output.pop_front();
                    }
                    output.push_back(line);
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    let _ = child.wait();
                    return Err(BrowserError::Exited {
                        output: Vec::from(output).join("\n"),
                    });
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(BrowserError::Timeout {
                        what: format!("{} to print its DevTools address", path.display()),
                        timeout,
                    });
                }
            }
        };
        match connect(&url, timeout) {
            Ok(socket) => Ok(Browser {
                child,
                conn: RefCell::new(Connection {
                    socket,
                    next_id: 1,
                    events: VecDeque::new(),
                }),
                timeout,
                _profile: profile,
            }),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                Err(e)
            }
        }
    }

    /// Sends a browser-level command (no session) and returns its result.
    pub fn send(&self, method: &str, params: Value) -> Result<Value, BrowserError> {
        self.conn
            .borrow_mut()
            .call(None, method, params, self.timeout)
    }

    /// Opens a new tab on `about:blank` and attaches to it.
    pub fn new_page(&self) -> Result<Page<'_>, BrowserError> {
        let created = self.send("Target.createTarget", json!({ "url": "about:blank" }))?;
        let target_id = string_field(&created, "Target.createTarget", "targetId")?;
        let attached = self.send(
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
        )?;
        let session_id = string_field(&attached, "Target.attachToTarget", "sessionId")?;
        let page = Page {
            browser: self,
            target_id,
            session_id,
            timeout: self.timeout,
        };
        page.send("Page.enable", json!({}))?;
        page.send("Runtime.enable", json!({}))?;
        // A headless tab is never focused; WebAuthn and clipboard calls require focus.
        page.send(
            "Emulation.setFocusEmulationEnabled",
            json!({ "enabled": true }),
        )?;
        Ok(page)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ask politely (the browser flushes and stops its helper processes), wait for the
        // connection to close, then make sure the process is gone before the profile is removed.
        let conn = self.conn.get_mut();
        let closing = conn.call(None, "Browser.close", json!({}), Duration::from_secs(5));
        if closing.is_ok() {
            let deadline = Instant::now() + Duration::from_secs(5);
            let _ = conn.next_message(deadline, Duration::from_secs(5), &String::new);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            match self.child.try_wait() {
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                _ => break,
            }
        }
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn string_field(value: &Value, method: &str, field: &str) -> Result<String, BrowserError> {
    value
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| BrowserError::Protocol {
            method: method.to_owned(),
            message: format!("the answer has no {field}: {value}"),
        })
}

/// Connects to `ws://host:port/path` over plain TCP.
fn connect(url: &str, timeout: Duration) -> Result<WebSocket<TcpStream>, BrowserError> {
    let authority = url
        .strip_prefix("ws://")
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| BrowserError::Connection(format!("not a ws:// address: {url}")))?;
    let addr = std::net::ToSocketAddrs::to_socket_addrs(authority)?
        .next()
        .ok_or_else(|| BrowserError::Connection(format!("cannot resolve {authority}")))?;
    let stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.set_nodelay(true)?;
    let (socket, _) = tungstenite::client::client(url, stream)
        .map_err(|e| BrowserError::Connection(format!("handshake with {url}: {e}")))?;
    Ok(socket)
}

/// A tab, attached through its own DevTools session; closed on drop.
pub struct Page<'b> {
    browser: &'b Browser,
    target_id: String,
    session_id: String,
    timeout: Duration,
}

impl Page<'_> {
    /// The DevTools session id (for events).
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// The default timeout of this page's waits.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// Sends a DevTools command to this page and returns its result.
    pub fn send(&self, method: &str, params: Value) -> Result<Value, BrowserError> {
        self.send_with_timeout(method, params, self.timeout)
    }

    /// [`Page::send`] with its own timeout.
    pub fn send_with_timeout(
        &self,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, BrowserError> {
        self.browser
            .conn
            .borrow_mut()
            .call(Some(&self.session_id), method, params, timeout)
    }

    /// Waits for the next event `method` of this page (one that already arrived counts).
    pub fn wait_for_event(&self, method: &str, timeout: Duration) -> Result<Value, BrowserError> {
        self.browser
            .conn
            .borrow_mut()
            .wait_for_event(&self.session_id, method, timeout)
    }

    /// Takes the events `method` of this page that arrived so far (e.g.
    /// `Runtime.consoleAPICalled`, `Runtime.exceptionThrown`).
    pub fn take_events(&self, method: &str) -> Vec<Value> {
        self.browser
            .conn
            .borrow_mut()
            .take_events(&self.session_id, method)
    }

    /// Loads `url` and waits for its load event (not for same-document navigations, which have
    /// none).
    pub fn navigate(&self, url: &str) -> Result<(), BrowserError> {
        self.take_events("Page.loadEventFired");
        let result = self.send("Page.navigate", json!({ "url": url }))?;
        if let Some(error) = result.get("errorText").and_then(Value::as_str) {
            return Err(BrowserError::Protocol {
                method: "Page.navigate".to_owned(),
                message: format!("{url}: {error}"),
            });
        }
        self.wait_for_event("Page.loadEventFired", self.timeout)
            .map_err(|e| match e {
                BrowserError::Timeout { timeout, .. } => BrowserError::Timeout {
                    what: format!("{url} to load"),
                    timeout,
                },
                other => other,
            })?;
        Ok(())
    }

    /// Evaluates `expression` in the page, awaits it if it is a promise, and returns its value
    /// as JSON (`null` for `undefined`). A thrown exception or rejected promise is
    /// [`BrowserError::Script`] with its text.
    pub fn eval(&self, expression: &str) -> Result<Value, BrowserError> {
        self.eval_with_timeout(expression, self.timeout)
    }

    /// [`Page::eval`] with its own timeout.
    pub fn eval_with_timeout(
        &self,
        expression: &str,
        timeout: Duration,
    ) -> Result<Value, BrowserError> {
        let result = self
            .send_with_timeout(
                "Runtime.evaluate",
                json!({
                    "expression": expression,
                    "awaitPromise": true,
                    "returnByValue": true,
                    "userGesture": true,
                }),
                timeout,
            )
            .map_err(|e| match e {
                BrowserError::Timeout { timeout, .. } => BrowserError::Timeout {
                    what: format!("the script `{}` to finish", abbreviate(expression)),
                    timeout,
                },
                other => other,
            })?;
        if let Some(details) = result.get("exceptionDetails") {
            let description = details
                .pointer("/exception/description")
                .and_then(Value::as_str)
                .or_else(|| details.pointer("/exception/value").and_then(Value::as_str))
                .or_else(|| details.get("text").and_then(Value::as_str))
                .unwrap_or("an exception without text");
            return Err(BrowserError::Script(description.to_owned()));
        }
        Ok(result
            .pointer("/result/value")
            .cloned()
            .unwrap_or(Value::Null))
    }

    /// Waits until the JavaScript `condition` is truthy (checked in the page every 25 ms; an
    /// exception counts as false).
    pub fn wait_for(&self, condition: &str, timeout: Duration) -> Result<(), BrowserError> {
        let millis = timeout.as_millis();
        let script = format!(
            "new Promise((resolve) => {{
                const start = Date.now();
                const tick = () => {{
                    let ok = false;
                    try {{ ok = !!({condition}); }} catch (e) {{}}
                    if (ok) return resolve(true);
                    if (Date.now() - start > {millis}) return resolve(false);
                    setTimeout(tick, 25);
                }};
                tick();
            }})"
        );
        let ok = self.eval_with_timeout(&script, timeout + Duration::from_secs(5))?;
        if ok == Value::Bool(true) {
            Ok(())
        } else {
            Err(BrowserError::Timeout {
                what: format!("`{}` to hold", abbreviate(condition)),
                timeout,
            })
        }
    }
}

impl Drop for Page<'_> {
    fn drop(&mut self) {
        let _ = self
            .browser
            .send("Target.closeTarget", json!({ "targetId": self.target_id }));
    }
}

fn abbreviate(script: &str) -> String {
    let flat: String = script.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

/// Gives `page` a virtual CTAP2 platform authenticator (`internal` transport) that keeps
/// discoverable credentials, verifies the user and consents at once; returns its id.
pub fn enable_virtual_authenticator(page: &Page<'_>) -> Result<String, BrowserError> {
    page.send("WebAuthn.enable", json!({ "enableUI": false }))?;
    let added = page.send(
        "WebAuthn.addVirtualAuthenticator",
        json!({
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": true,
                "hasUserVerification": true,
                "isUserVerified": true,
                "automaticPresenceSimulation": true,
            }
        }),
    )?;
    string_field(
        &added,
        "WebAuthn.addVirtualAuthenticator",
        "authenticatorId",
    )
}

/// The credentials a virtual authenticator holds (`WebAuthn.Credential` objects: `credentialId`
/// and `userHandle` in standard base64, `rpId`, `signCount`, `isResidentCredential`, …).
pub fn credentials(page: &Page<'_>, authenticator_id: &str) -> Result<Vec<Value>, BrowserError> {
    let answer = page.send(
        "WebAuthn.getCredentials",
        json!({ "authenticatorId": authenticator_id }),
    )?;
    match answer.get("credentials") {
        Some(Value::Array(list)) => Ok(list.clone()),
        _ => Err(BrowserError::Protocol {
            method: "WebAuthn.getCredentials".to_owned(),
            message: format!("the answer has no credentials list: {answer}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abbreviates_long_scripts_on_a_character_boundary() {
        assert_eq!(abbreviate("a\n   b"), "a b");
        let long = "é".repeat(100);
        assert_eq!(abbreviate(&long), format!("{}…", "é".repeat(80)));
    }

    /// Drives the real browser when there is one (the WebAuthn end-to-end test is in
    /// `tests/webauthn_browser.rs`).
    #[test]
    fn evaluates_scripts_and_reports_exceptions() {
        let Some(browser) = Browser::launch().unwrap_or_else(|e| panic!("{e}")) else {
            println!("skipped: no browser (set {CHROMIUM_VAR} or install chromium)");
            return;
        };
        let page = browser.new_page().unwrap();
        assert_eq!(page.eval("1 + 2").unwrap(), json!(3));
        assert_eq!(
            page.eval("Promise.resolve({a: [1, 'x']})").unwrap(),
            json!({"a": [1, "x"]})
        );
        assert_eq!(page.eval("undefined").unwrap(), Value::Null);
        let error = page.eval("null.x").unwrap_err();
        assert!(
            matches!(&error, BrowserError::Script(text) if text.contains("TypeError")),
            "{error}"
        );
        let error = page
            .eval("Promise.reject(new Error('no passkey'))")
            .unwrap_err();
        assert!(error.to_string().contains("no passkey"), "{error}");
        page.eval("setTimeout(() => { window.ready = true }, 50)")
            .unwrap();
        page.wait_for("window.ready === true", Duration::from_secs(5))
            .unwrap();
        let error = page
            .wait_for("window.never", Duration::from_millis(100))
            .unwrap_err();
        assert!(
            error.to_string().contains("`window.never` to hold"),
            "{error}"
        );
        let error = page.send("No.suchMethod", json!({})).unwrap_err();
        assert!(
            matches!(&error, BrowserError::Protocol { method, .. } if method == "No.suchMethod"),
            "{error}"
        );
        let second = browser.new_page().unwrap();
        assert_eq!(second.eval("location.href").unwrap(), json!("about:blank"));
    }
}

//! The sign-in page (`/signin`): password and second factor, or a passkey; once signed in, the
//! account with its passkeys (add one, remove one) and sign-out. One self-contained page (no
//! framework, nothing fetched from elsewhere) in Arabic, French and English; the portal's
//! workspaces (a later issue) link here.

use axum::http::header;
use axum::response::IntoResponse;

/// `GET /signin`.
pub async fn page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'",
            ),
        ],
        PAGE,
    )
}

const PAGE: &str = r#"<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>marsad · تسجيل الدخول · Connexion · Sign in</title>
<style>
body{font-family:system-ui,sans-serif;max-width:34rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem}label{display:block;margin:.6rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}
button{margin:.8rem .4rem 0 0;padding:.5rem 1rem}.hidden{display:none}#status{margin-top:1rem;min-height:1.5rem}
[dir=rtl]{text-align:right}li{margin:.3rem 0}
</style></head><body>
<h1>marsad — <span dir="rtl">مرصد</span></h1>
<p><span dir="rtl">تسجيل الدخول</span> · Connexion · Sign in</p>
<section id="password-step">
  <label for="login">Identifiant · Login · <span dir="rtl">المعرف</span></label><input id="login" autocomplete="username webauthn">
  <label for="password">Mot de passe · Password · <span dir="rtl">كلمة السر</span></label><input id="password" type="password" autocomplete="current-password">
  <button id="sign-in" type="button">Se connecter · Sign in</button>
  <button id="passkey-sign-in" type="button">Clé d'accès · Passkey · <span dir="rtl">مفتاح المرور</span></button>
  <p id="oidc" class="hidden"><a id="oidc-link" href="/api/v1/auth/oidc/start"></a></p>
</section>
<section id="totp-step" class="hidden">
  <label for="code">Code (application d'authentification · authenticator app)</label><input id="code" inputmode="numeric" autocomplete="one-time-code">
  <button id="send-code" type="button">Valider · Confirm</button>
</section>
<section id="account" class="hidden">
  <p id="who"></p>
  <h2>Clés d'accès · Passkeys</h2><ul id="passkeys"></ul>
  <label for="passkey-name">Nom · Name</label><input id="passkey-name" value="">
  <button id="add-passkey" type="button">Ajouter une clé · Add a passkey</button>
  <button id="sign-out" type="button">Se déconnecter · Sign out</button>
</section>
<p id="status" role="status"></p>
<script>
const $ = (id) => document.getElementById(id);
const enc = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const dec = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), c => c.charCodeAt(0));
let csrf = '';
function say(text) { $('status').textContent = text; }
async function call(method, path, body) {
  const headers = {'content-type': 'application/json'};
  if (csrf) headers['x-csrf-token'] = csrf;
  const r = await fetch(path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin'});
  const text = await r.text();
  const json = text ? JSON.parse(text) : null;
  if (!r.ok) throw new Error((json && (json.detail || json.title)) || r.status);
  return json;
}
function show(step) {
  for (const s of ['password-step', 'totp-step', 'account']) $(s).classList.toggle('hidden', s !== step);
}
async function signedIn(me) {
  csrf = me.csrf_token;
  if (me.second_factor_required) { show('totp-step'); say(''); return; }
  show('account');
  $('who').textContent = `${me.display_name} (${me.login}) — ${me.institution} — ${me.roles.join(', ')}`;
  const keys = await call('GET', '/api/v1/auth/passkeys');
  $('passkeys').replaceChildren(...keys.map(k => { const li = document.createElement('li'); li.textContent = `${k.name} · ${k.created_at.slice(0, 10)}`; return li; }));
  document.body.dataset.state = 'signed-in';
}
async function passwordSignIn() {
  try { await signedIn(await call('POST', '/api/v1/auth/login', {login: $('login').value, password: $('password').value})); }
  catch (e) { say(e.message); }
}
async function sendCode() {
  try { await signedIn(await call('POST', '/api/v1/auth/totp', {code: $('code').value})); }
  catch (e) { say(e.message); }
}
async function passkeySignIn() {
  const start = await call('POST', '/api/v1/auth/passkeys/login/start', {});
  const o = start.options;
  const publicKey = {...o, challenge: dec(o.challenge), allowCredentials: (o.allowCredentials || []).map(c => ({...c, id: dec(c.id)}))};
  const c = await navigator.credentials.get({publicKey});
  const me = await call('POST', '/api/v1/auth/passkeys/login/finish', {ceremony: start.ceremony, credential: {
    id: c.id, rawId: enc(c.rawId), type: c.type, response: {clientDataJSON: enc(c.response.clientDataJSON),
    authenticatorData: enc(c.response.authenticatorData), signature: enc(c.response.signature),
    userHandle: c.response.userHandle ? enc(c.response.userHandle) : null}}});
  await signedIn(me);
  return me;
}
async function addPasskey() {
  const start = await call('POST', '/api/v1/auth/passkeys/register/start', {});
  const o = start.options;
  const publicKey = {...o, challenge: dec(o.challenge), user: {...o.user, id: dec(o.user.id)},
    excludeCredentials: (o.excludeCredentials || []).map(c => ({...c, id: dec(c.id)}))};
  const c = await navigator.credentials.create({publicKey});
  const added = await call('POST', '/api/v1/auth/passkeys/register/finish', {ceremony: start.ceremony, name: $('passkey-name').value,
    credential: {id: c.id, rawId: enc(c.rawId), type: c.type, response: {clientDataJSON: enc(c.response.clientDataJSON),
    attestationObject: enc(c.response.attestationObject), transports: c.response.getTransports ? c.response.getTransports() : []}}});
  await signedIn(await call('GET', '/api/v1/auth/me'));
  return added;
}
async function signOut() {
  await call('POST', '/api/v1/auth/logout');
  csrf = ''; show('password-step'); document.body.dataset.state = 'signed-out';
}
$('sign-in').onclick = passwordSignIn;
$('send-code').onclick = sendCode;
$('passkey-sign-in').onclick = () => passkeySignIn().catch(e => say(e.message));
$('add-passkey').onclick = () => addPasskey().catch(e => say(e.message));
$('sign-out').onclick = () => signOut().catch(e => say(e.message));
call('GET', '/api/v1/auth/oidc').then(o => { if (o.enabled) { $('oidc-link').textContent = o.label; $('oidc').classList.remove('hidden'); } }).catch(() => {});
call('GET', '/api/v1/auth/me').then(signedIn).catch(() => { document.body.dataset.state = 'signed-out'; });
</script></body></html>
"#;

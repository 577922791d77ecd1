// The sign-in page (/{lang}/signin): password then second factor, or a passkey; the account's
// passkeys once signed in. No framework; every text shown comes from the page (translated by the
// server) or from the server's answers. The functions are global: the browser tests call them.
'use strict';
const $ = (id) => document.getElementById(id);
const enc = (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const dec = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), c => c.charCodeAt(0));
const root = $('signin');
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
// Where to go once signed in: the page's `next` (a local path, checked by the server), if any.
function onward() {
  const next = root.dataset.next;
  if (next && next.startsWith('/') && !next.startsWith('//')) { window.location.assign(next); return true; }
  return false;
}
async function signedIn(me) {
  csrf = me.csrf_token;
  if (me.second_factor_required) { show('totp-step'); say(''); $('code').focus(); return; }
  if (onward()) { document.body.dataset.state = 'signed-in'; return; }
  show('account');
  $('who').textContent = `${me.display_name} (${me.login}) — ${me.institution} — ${me.roles.join(', ')}`;
  const keys = await call('GET', '/api/v1/auth/passkeys');
  $('passkeys').replaceChildren(...keys.map(k => { const li = document.createElement('li'); li.textContent = `${k.name} · ${k.created_at.slice(0, 10)}`; return li; }));
  document.body.dataset.state = 'signed-in';
}
async function passwordSignIn() {
  try { await signedIn(await call('POST', '/api/v1/auth/login', {login: $('login').value, password: $('password').value})); }
  catch (e) { say(`${root.dataset.msgFailed} ${e.message}`); }
}
async function sendCode() {
  try { await signedIn(await call('POST', '/api/v1/auth/totp', {code: $('code').value})); }
  catch (e) { say(`${root.dataset.msgFailed} ${e.message}`); }
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
$('password').onkeydown = (e) => { if (e.key === 'Enter') passwordSignIn(); };
$('code').onkeydown = (e) => { if (e.key === 'Enter') sendCode(); };
$('passkey-sign-in').onclick = () => passkeySignIn().catch(e => say(`${root.dataset.msgPasskeyFailed} ${e.message}`));
$('add-passkey').onclick = () => addPasskey().catch(e => say(e.message));
$('sign-out').onclick = () => signOut().catch(e => say(e.message));
call('GET', '/api/v1/auth/oidc').then(o => { if (o.enabled) { $('oidc-link').textContent = o.label; $('oidc').classList.remove('hidden'); } }).catch(() => {});
call('GET', '/api/v1/auth/me').then(signedIn).catch(() => { document.body.dataset.state = 'signed-out'; });

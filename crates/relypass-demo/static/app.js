// The relypass demo page: plain JavaScript, no build step.
//
// The server sends WebAuthn options as the spec's JSON dictionaries; the page
// hands them to PublicKeyCredential.parse{Creation,Request}OptionsFromJSON and
// sends back credential.toJSON(). Nothing here decodes base64 or CBOR.
'use strict';

const $ = (sel) => document.querySelector(sel);
let state = null;
let autofill = null; // AbortController of the pending conditional (autofill) request

// ---- talking to the server -------------------------------------------------

async function api(path, body) {
  const init = body === undefined
    ? { method: 'GET' }
    : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  let res;
  try {
    res = await fetch(path, { ...init, credentials: 'same-origin' });
  } catch (_) {
    throw new Error('The server cannot be reached. Check that it is running, then try again.');
  }
  let data = {};
  try { data = await res.json(); } catch (_) { /* not JSON */ }
  if (!res.ok) throw new Error(data.error || `The server answered ${res.status}.`);
  return data;
}

// ---- messages ----------------------------------------------------------------

function show(text, kind = 'ok') {
  const m = $('#message');
  m.textContent = text || '';
  m.className = kind;
  m.hidden = !text;
}

// What the user is told when the browser's WebAuthn call fails. Browsers
// deliberately report cancel, timeout and "no matching passkey" alike; so does
// the server for a username without an account (it gets options for passkeys
// that exist nowhere), and the sentence is the same for both.
function explain(err) {
  switch (err && err.name) {
    case 'NotAllowedError':
      return 'The passkey prompt was cancelled or timed out, or no passkey for this account was found, or the authenticator could not verify you. Nothing was changed.';
    case 'InvalidStateError':
      return 'This authenticator is already registered for this account. Use a different one.';
    case 'SecurityError':
      return "Passkeys are not allowed on this page's address: it does not match this site's passkey domain (RP ID), or the page is not on https or localhost.";
    case 'NotSupportedError':
      return 'This authenticator does not support what this site asks for.';
    case 'AbortError':
      return null;
    default:
      return (err && err.message) || 'Something went wrong.';
  }
}

function fail(err) {
  const text = explain(err);
  if (text) show(text, 'error');
}

// ---- WebAuthn ceremonies -----------------------------------------------------

const supported = !!(window.PublicKeyCredential
  && typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function'
  && typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function');

// The autofill request's progress, mirrored on <html data-autofill> (off,
// starting, pending) for anyone debugging the page — and for the browser tests,
// which wait for it to settle before "touching" an authenticator.
function autofillState(s) {
  document.documentElement.dataset.autofill = s;
}

function stopAutofill() {
  if (autofill) {
    autofill.abort();
    autofill = null;
  }
  autofillState('off');
}

// Registers a passkey: options from `startPath`, then create(), then finish.
async function register(startPath, startBody, name) {
  stopAutofill();
  const options = await api(startPath, startBody);
  const cred = await navigator.credentials.create({
    publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
  });
  return api('/api/register/finish', { credential: cred.toJSON(), name });
}

// Signs in with a passkey: options from `startPath`, then get(), then finish.
async function authenticate(startPath, startBody, finishPath, via) {
  stopAutofill();
  const options = await api(startPath, startBody);
  const cred = await navigator.credentials.get({
    publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
  });
  return api(finishPath, { credential: cred.toJSON(), via });
}

// Passkey autofill: a conditional request that the browser answers when the
// user picks a passkey in the username field's autofill menu. Started when
// the signed-out page appears and when the username field gets focus; a modal
// passkey request aborts it first (a page may have only one request pending).
async function startAutofill() {
  stopAutofill();
  if (!supported || !state || state.session || !state.passkey_sign_in) return;
  const ctl = new AbortController();
  autofill = ctl;
  autofillState('starting');
  const done = () => {
    if (autofill === ctl) {
      autofill = null;
      autofillState('off');
    }
  };
  try {
    if (typeof PublicKeyCredential.isConditionalMediationAvailable !== 'function'
        || !(await PublicKeyCredential.isConditionalMediationAvailable())) {
      done();
      return;
    }
    const options = await api('/api/signin/start', {});
    if (ctl.signal.aborted) return;
    const pending = navigator.credentials.get({
      mediation: 'conditional',
      signal: ctl.signal,
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
    });
    autofillState('pending');
    const cred = await pending;
    done();
    const res = await api('/api/signin/finish', { credential: cred.toJSON(), via: 'autofill' });
    await refresh(res.message);
  } catch (err) {
    if (ctl.signal.aborted) return;
    done();
    // A dismissed autofill menu is not worth a message; real failures are.
    if (err && err.name !== 'NotAllowedError') fail(err);
  }
}

// Runs a button's action with the message area and buttons managed.
async function action(fn) {
  show('');
  document.querySelectorAll('button').forEach((b) => { b.disabled = true; });
  try {
    const res = await fn();
    await refresh(res && res.message);
  } catch (err) {
    fail(err);
    await refresh(null, true);
  } finally {
    document.querySelectorAll('button').forEach((b) => { b.disabled = false; });
  }
}

// Tells the user's passkey provider which passkeys this site still accepts
// (WebAuthn Signal API), so it can stop offering a removed one. Where the
// browser lacks it, nothing happens; it never holds up the page.
function signalAccepted(options) {
  if (!options || !window.PublicKeyCredential
      || typeof PublicKeyCredential.signalAllAcceptedCredentials !== 'function') return;
  PublicKeyCredential.signalAllAcceptedCredentials(options).catch(() => {});
}

// ---- rendering -----------------------------------------------------------------

function when(seconds) {
  if (!seconds) return 'never';
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function cell(row, text, cls) {
  const td = document.createElement('td');
  if (cls) td.className = cls;
  td.textContent = text;
  row.appendChild(td);
  return td;
}

function renderPasskeys(passkeys) {
  const body = $('#passkeys tbody');
  body.textContent = '';
  $('#no-passkeys').hidden = passkeys.length > 0;
  $('#passkeys').hidden = passkeys.length === 0;
  for (const p of passkeys) {
    // `p` is relypass's CredentialSummary as the server serialized it.
    const tr = document.createElement('tr');
    tr.dataset.id = p.id;
    cell(tr, p.name || 'Passkey', 'name');
    cell(tr, p.authenticatorName || 'Unknown authenticator', 'authenticator').title = `AAGUID ${p.aaguid}`;
    cell(tr, when(p.createdAt), 'created');
    cell(tr, when(p.lastUsedAt), 'last-used');
    const props = [];
    if (p.userVerified) props.push('user verification');
    if (p.discoverable) props.push('discoverable');
    if (p.backedUp) props.push('synced');
    if (p.transports.length) props.push(p.transports.join('/'));
    if (p.state !== 'active') props.push(p.state);
    cell(tr, props.join(' · '), 'props');
    const actions = cell(tr, '', 'actions');
    const rename = document.createElement('button');
    rename.type = 'button';
    rename.className = 'rename';
    rename.textContent = 'Rename';
    rename.onclick = () => startRename(tr, p);
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'remove';
    remove.textContent = 'Remove';
    remove.onclick = () => {
      if (!remove.classList.contains('confirming')) {
        remove.classList.add('confirming');
        remove.textContent = 'Really remove?';
        return;
      }
      action(async () => {
        const res = await api('/api/passkeys/remove', { id: p.id });
        signalAccepted(res.signal_all_accepted_credentials);
        return res;
      });
    };
    actions.append(rename, remove);
    body.appendChild(tr);
  }
}

function startRename(tr, p) {
  const td = tr.querySelector('.name');
  td.textContent = '';
  const input = document.createElement('input');
  input.className = 'rename-input';
  input.value = p.name || '';
  input.maxLength = 64;
  input.setAttribute('aria-label', 'New name');
  const save = document.createElement('button');
  save.type = 'button';
  save.className = 'rename-save';
  save.textContent = 'Save';
  save.onclick = () => action(() => api('/api/passkeys/rename', { id: p.id, name: input.value }));
  input.onkeydown = (e) => { if (e.key === 'Enter') save.click(); };
  td.append(input, save);
  input.focus();
}

function render() {
  const s = state.session;
  $('#rp-name').textContent = state.rp_name;
  document.title = state.rp_name;
  $('#footer-rp').textContent = `RP ID ${state.rp_id}`;
  $('#footer-instance').textContent = state.instance;
  $('#unsupported').hidden = supported;
  $('#signed-out').hidden = !!s;
  $('#second-factor').hidden = !(s && s.stage === 'second_factor');
  $('#signed-in').hidden = !(s && s.stage === 'signed_in');
  // The admin switch: when off, every passkey sign-in and sign-up control goes.
  const passkeys = state.passkey_sign_in && supported;
  document.querySelectorAll('#signed-out .passkey-ui').forEach((el) => { el.hidden = !passkeys; });
  $('#passkey-off-note').hidden = state.passkey_sign_in;
  $('#signin-username').setAttribute('autocomplete', passkeys ? 'username webauthn' : 'username');
  if (s && s.stage === 'second_factor') $('#second-factor-user').textContent = s.username;
  if (s && s.stage === 'signed_in') {
    const u = s.user;
    $('#welcome').textContent = `Hello, ${u.display_name}`;
    renderPasskeys(s.passkeys);
    const how = u.passkey_only
      ? 'This account is passkey-only: it signs in with a passkey that verifies you (PIN or biometrics).'
      : u.has_password
        ? 'This account has a password; its passkeys are a second factor after the password (and can sign in on their own).'
        : 'This account signs in with its passkeys.';
    $('#account-status').textContent = `${u.name} — ${how}`;
    const btn = $('#passkey-only-btn');
    btn.textContent = u.passkey_only ? 'Turn passkey-only off' : 'Make this account passkey-only';
    btn.dataset.enable = u.passkey_only ? 'false' : 'true';
    $('#passkey-only-hint').textContent = u.passkey_only || s.can_be_passkey_only
      ? ''
      : 'Passkey-only needs a passkey registered with user verification (PIN or biometrics).';
    $('#admin').hidden = !s.admin;
    $('#admin-passkey-signin').checked = state.passkey_sign_in;
  }
}

async function refresh(message, keepMessage) {
  const before = state;
  try {
    state = await api('/api/state');
  } catch (err) {
    fail(err);
    return;
  }
  render();
  if (message) show(message, 'ok');
  else if (!keepMessage) show('');
  // Autofill starts when the signed-out page appears (first load, sign-out),
  // not again after a failed attempt: the username field's focus restarts it.
  const wasSignedOut = before && !before.session;
  if (state.session) stopAutofill();
  else if (!wasSignedOut) startAutofill();
}

// ---- wiring ------------------------------------------------------------------------

function value(sel) {
  return $(sel).value.trim();
}

document.addEventListener('DOMContentLoaded', () => {
  $('#signin-passkey-btn').onclick = () => {
    if (!value('#signin-username')) { show('Enter your username, or use “Sign in with a passkey”.', 'error'); return; }
    action(() => authenticate('/api/signin/start', { username: value('#signin-username') }, '/api/signin/finish', 'username'));
  };
  $('#signin-discoverable-btn').onclick = () =>
    action(() => authenticate('/api/signin/start', {}, '/api/signin/finish', 'discoverable'));
  $('#signin-form').onsubmit = (e) => {
    e.preventDefault();
    action(() => api('/api/signin/password', { username: value('#signin-username'), password: $('#signin-password').value }));
  };
  $('#signup-passkey-btn').onclick = () =>
    action(() => register('/api/signup/passkey/start',
      { username: value('#signup-username'), display_name: value('#signup-display-name') || null },
      value('#signup-passkey-name') || null));
  $('#signup-form').onsubmit = (e) => {
    e.preventDefault();
    action(() => api('/api/signup/password', {
      username: value('#signup-username'),
      display_name: value('#signup-display-name') || null,
      password: $('#signup-password').value,
    }));
  };
  $('#second-factor-btn').onclick = () =>
    action(() => authenticate('/api/2fa/start', {}, '/api/2fa/finish', 'second_factor'));
  $('#second-factor-cancel').onclick = () => action(() => api('/api/signout', {}));
  $('#signout-btn').onclick = () => action(() => api('/api/signout', {}));
  $('#add-passkey-form').onsubmit = (e) => {
    e.preventDefault();
    action(async () => {
      const res = await register('/api/passkeys/start', {}, value('#new-passkey-name') || null);
      $('#new-passkey-name').value = '';
      return res;
    });
  };
  $('#passkey-only-btn').onclick = () =>
    action(() => api('/api/account/passkey-only', { enabled: $('#passkey-only-btn').dataset.enable === 'true' }));
  $('#admin-passkey-signin').onchange = (e) =>
    action(() => api('/api/admin/passkey-sign-in', { enabled: e.target.checked }));
  $('#signin-username').addEventListener('focus', () => {
    if (!autofill && state && !state.session) startAutofill();
  });
  refresh();
});

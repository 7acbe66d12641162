// The browser half of the minimal example: the relypass-axum endpoints under
// /passkeys, the WebAuthn JSON helpers (parse*OptionsFromJSON, toJSON).
const $ = (id) => document.getElementById(id);

async function api(path, body) {
  const res = await fetch(`/passkeys/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error);
  return json;
}

async function refresh() {
  const res = await fetch('/passkeys/session');
  $('status').textContent = res.ok ? `Signed in as ${(await res.json()).user.name}` : 'Signed out';
}

async function run(action) {
  $('message').textContent = '';
  try {
    await action();
    $('message').textContent = 'OK';
  } catch (e) {
    $('message').textContent = `Error: ${e.message}`;
  }
  await refresh();
}

$('signup').onclick = () => run(async () => {
  const options = await api('register/start', { username: $('username').value });
  const publicKey = PublicKeyCredential.parseCreationOptionsFromJSON(options);
  await api('register/finish', (await navigator.credentials.create({ publicKey })).toJSON());
});

$('signin').onclick = () => run(async () => {
  const options = await api('signin/start', { username: $('username').value });
  const publicKey = PublicKeyCredential.parseRequestOptionsFromJSON(options);
  await api('signin/finish', (await navigator.credentials.get({ publicKey })).toJSON());
});

$('signout').onclick = () => run(() => api('signout'));

refresh();

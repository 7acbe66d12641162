// The end-to-end scenario, run against one server (SQLite) or alternating
// between two servers that share one PostgreSQL database.
//
// Runs in Chromium (Playwright, CDP) and Firefox (geckodriver, WebDriver:
// webdriver.mjs); the few places where Firefox behaves differently say why.
//
// Authenticators (CDP or WebDriver virtual authenticators):
//   A  "platform"   ctap2, internal, discoverable, user verification
//   B  "usb key"    ctap2, usb, no discoverable credentials (Chromium wants a
//                 PIN for those on security keys), no user verification
//   C  "u2f key"    u2f, usb (no discoverable credentials, no UV)
// At most one is plugged in at a time; its presence is on only inside touch().

import fs from 'node:fs';
import path from 'node:path';
import {
  Steps, check, clickFor, expectMessage, expectVisible, passkeyRows, sleep, startProxy,
} from './harness.mjs';

export async function runFlow({ name, sites, browser, outDir, virtualName }) {
  const { page } = browser;
  const tag = `${browser.name}-${name}`;
  const steps = new Steps(name);
  steps.onFailure = async (step) => {
    await page.screenshot({ path: path.join(outDir, `failure-${tag}.png`), fullPage: true });
    console.log(`       screenshot: ${path.join(outDir, `failure-${tag}.png`)}; page message: ${
      await page.$eval('#message', (m) => m.textContent).catch(() => '?')}`);
    console.log(`       (failed at "${step}")`);
  };
  const site = (i) => sites[i % sites.length];
  const A = browser.authenticator('A', {
    protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true,
  });
  const B = browser.authenticator('B', {
    protocol: 'ctap2', transport: 'usb', hasResidentKey: false, hasUserVerification: false,
  });
  const C = browser.authenticator('C', { protocol: 'u2f', transport: 'usb' });
  const swap = async (from, to) => { await from.unplug(); await to.plug(); };

  const open = async (url) => {
    await page.goto(url);
    await page.waitForFunction(() => document.querySelector('#footer-instance').textContent !== '');
  };
  const signOut = async () => {
    await clickFor(page, '#signout-btn', 'ok', /Signed out/);
    await expectVisible(page, '#signed-out');
  };
  // Gets an assertion in the page without finishing it: for the take-once checks.
  // A sign-in ceremony started from Node, so the test holds the ceremony
  // cookie (HttpOnly: page scripts cannot read it) and can replay the
  // browser's response at either server with that cookie.
  const assertion = async (base, username) => {
    const res = await fetch(`${base}/api/signin/start`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username }),
    });
    check(res.status === 200, `sign-in start: ${res.status}`);
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('relypass_demo_signin='));
    check(setCookie, 'sign-in start sets the ceremony cookie');
    const options = await res.json();
    const credential = await A.touch(() => page.evaluate(async (options) => {
      const cred = await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
      return cred.toJSON();
    }, options));
    return { credential, cookie: setCookie.split(';')[0] };
  };
  const startAt = async (base, username) => {
    const res = await fetch(`${base}/api/signin/start`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ username }),
    });
    return { status: res.status, body: await res.json() };
  };
  const finishAt = async (base, { credential, cookie }) => {
    const res = await fetch(`${base}/api/signin/finish`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: JSON.stringify({ credential }),
    });
    return { status: res.status, body: await res.json() };
  };

  await A.plug();

  await steps.step('sign up with a username and a passkey', async () => {
    await open(site(0).url);
    await page.fill('#signup-username', 'alice');
    await page.fill('#signup-display-name', 'Alice Example');
    await page.fill('#signup-passkey-name', 'Laptop');
    await A.touch(() => clickFor(page, '#signup-passkey-btn', 'ok', /Welcome, alice!/));
    await expectVisible(page, '#signed-in');
    const rows = await passkeyRows(page);
    check(rows.length === 1 && rows[0].name === 'Laptop', `passkey list: ${JSON.stringify(rows)}`);
    check(rows[0].authenticator === virtualName, `authenticator: ${rows[0].authenticator}`);
    check(/user verification/.test(rows[0].props) && /discoverable/.test(rows[0].props), `props: ${rows[0].props}`);
    check(rows[0].lastUsed === 'never', `last used: ${rows[0].lastUsed}`);
    check((await A.credentialCount()) === 1, 'the authenticator holds one credential');
  });

  await steps.step('sign out', signOut);

  await steps.step(`sign in by username${sites.length > 1 ? ' (on the other server)' : ''}`, async () => {
    await open(site(1).url);
    await page.fill('#signin-username', 'alice');
    await A.touch(() => clickFor(page, '#signin-passkey-btn', 'ok', /Signed in as alice with a passkey\.$/));
    const rows = await passkeyRows(page);
    check(rows[0].lastUsed !== 'never', 'last used is recorded');
  });

  await steps.step('a challenge can be finished once, and only once, through either server', async () => {
    const cred = await assertion(site(1).url, 'alice');
    const first = await finishAt(site(0).url, cred);
    check(first.status === 200, `first finish: ${JSON.stringify(first)}`);
    const again = await finishAt(site(1).url, cred);
    check(again.status === 400 && /already used/.test(again.body.error), `second finish: ${JSON.stringify(again)}`);
    // Two finishes of one fresh challenge racing on both servers: exactly one wins.
    const cred2 = await assertion(site(1).url, 'alice');
    const raced = await Promise.all([finishAt(site(0).url, cred2), finishAt(site(1).url, cred2)]);
    const wins = raced.filter((r) => r.status === 200).length;
    check(wins === 1, `racing finishes: ${JSON.stringify(raced)}`);
  });

  await steps.step('sign out, then discoverable sign-in (no username)', async () => {
    await signOut();
    await A.touch(() => clickFor(page, '#signin-discoverable-btn', 'ok', /Signed in as alice with a passkey \(no username\)/));
  });

  await steps.step('passkey autofill in the username field (conditional mediation)', async () => {
    await open(site(0).url);
    await signOut();
    check((await page.getAttribute('#signin-username', 'autocomplete')) === 'username webauthn', 'autocomplete token');
    // The page starts a conditional request on load. Chromium's virtual
    // authenticator answers it as if the user picked the passkey from the
    // autofill menu; in Firefox the test picks it (browser.pickAutofillPasskey).
    await A.touch(async () => {
      await page.reload();
      if (browser.pickAutofillPasskey) {
        await page.waitForFunction(() => document.documentElement.dataset.autofill === 'pending');
        const listed = await browser.pickAutofillPasskey(site(0).url);
        check(listed === 1, `the autofill menu lists ${listed} passkeys`);
      }
      await expectMessage(page, 'ok', /Signed in as alice with a passkey \(autofill\)/);
    });
    await expectVisible(page, '#signed-in');
  });

  await steps.step('add a second passkey (USB key without user verification)', async () => {
    await swap(A, B);
    await page.fill('#new-passkey-name', 'USB key');
    await B.touch(() => clickFor(page, '#add-passkey-btn', 'ok', /Passkey “USB key” added/));
    const rows = await passkeyRows(page);
    check(rows.length === 2 && rows[1].name === 'USB key', `rows: ${JSON.stringify(rows)}`);
    check(!/user verification/.test(rows[1].props) && /usb/.test(rows[1].props), `props: ${rows[1].props}`);
  });

  await steps.step('registering the same authenticator again is refused', async () => {
    await page.fill('#new-passkey-name', 'USB key again');
    await B.touch(() => clickFor(page, '#add-passkey-btn', 'error', /already registered/));
    check((await passkeyRows(page)).length === 2, 'still two passkeys');
    check((await B.credentialCount()) === 1, 'the key holds one credential');
  });

  await steps.step('rename a passkey', async () => {
    await page.click('#passkeys tbody tr:nth-child(2) .rename');
    await page.fill('#passkeys tbody tr:nth-child(2) .rename-input', 'Backup key');
    await clickFor(page, '#passkeys tbody tr:nth-child(2) .rename-save', 'ok', /renamed to “Backup key”/);
    const rows = await passkeyRows(page);
    check(rows.map((r) => r.name).join(',') === 'Laptop,Backup key', `rows: ${JSON.stringify(rows)}`);
    await page.fill('#new-passkey-name', '');
    fs.mkdirSync(outDir, { recursive: true });
    await page.screenshot({ path: path.join(outDir, `passkeys-${tag}.png`), fullPage: true });
  });

  await steps.step(`the renamed passkey signs in${sites.length > 1 ? ' on the other server' : ''}`, async () => {
    await signOut();
    await open(site(1).url);
    await page.fill('#signin-username', 'alice');
    await B.touch(() => clickFor(page, '#signin-passkey-btn', 'ok', /Signed in as alice with a passkey/));
    const rows = await passkeyRows(page);
    check(rows[1].lastUsed !== 'never', 'the USB key was used');
  });

  await steps.step('make the account passkey-only; sign-in then requires user verification (refused without it)', async () => {
    await swap(B, A);
    await clickFor(page, '#passkey-only-btn', 'ok', /now passkey-only/);
    await signOut();
    await open(site(0).url);
    await page.fill('#signin-username', 'alice');
    // The authenticator fails user verification: the browser reports
    // NotAllowedError, which the page explains without any detail.
    await A.setUserVerified(false);
    await A.touch(() => clickFor(page, '#signin-passkey-btn', 'error', /cancelled or timed out/));
    await A.setUserVerified(true);
    await A.touch(() => clickFor(page, '#signin-passkey-btn', 'ok', /Signed in as alice with a passkey/));
    check(/passkey-only/.test(await page.textContent('#account-status')), 'status shows passkey-only');
    // The USB key cannot verify the user. The options for a name do not ask for
    // UV (that would tell which accounts are passkey-only); relypass refuses the
    // UV-less assertion at the finish, from the store's account policy.
    await swap(A, B);
    await signOut();
    await page.fill('#signin-username', 'alice');
    await B.touch(() => clickFor(page, '#signin-passkey-btn', 'error', /needs a passkey that checks your PIN/));
    await swap(B, A);
    await A.touch(() => clickFor(page, '#signin-passkey-btn', 'ok', /Signed in as alice with a passkey/));
  });

  await steps.step('remove a passkey (and never the last way in)', async () => {
    // Passkey-only: the passkey with user verification stays while the other
    // one (no UV) could not sign in alone.
    await page.click('#passkeys tbody tr:nth-child(1) .remove');
    await clickFor(page, '#passkeys tbody tr:nth-child(1) .remove', 'error', /needs a passkey with user verification/);
    await page.click('#passkeys tbody tr:nth-child(2) .remove');
    await clickFor(page, '#passkeys tbody tr:nth-child(2) .remove', 'ok', /Passkey “Backup key” removed/);
    const rows = await passkeyRows(page);
    check(rows.length === 1 && rows[0].name === 'Laptop', `rows: ${JSON.stringify(rows)}`);
    await page.click('#passkeys tbody tr:nth-child(1) .remove');
    await clickFor(page, '#passkeys tbody tr:nth-child(1) .remove', 'error', /only passkey/);
    check((await passkeyRows(page)).length === 1, 'the last passkey stays');
  });

  await steps.step('a page on an origin the server does not list gets a "wrong origin" error', async () => {
    await signOut();
    const proxy = await startProxy(site(0).port);
    try {
      await open(proxy.url);
      await page.fill('#signup-username', 'mallory');
      const before = await A.credentialIds();
      await A.touch(() => clickFor(page, '#signup-passkey-btn', 'error', /Wrong origin.*http:\/\/localhost:\d+/));
      // The authenticator made mallory's passkey before the server refused it.
      // Dropped, so that A holds one discoverable passkey for localhost again:
      // with two, Firefox asks the user to choose, which WebDriver cannot answer.
      for (const id of await A.credentialIds()) if (!before.includes(id)) await A.removeCredential(id);
      check((await A.credentialCount()) === before.length, 'the refused passkey is gone');
    } finally {
      await proxy.stop();
    }
  });

  await steps.step('password account adds a security key as second factor', async () => {
    await swap(A, C);
    await open(site(0).url);
    await page.fill('#signup-username', 'carol');
    await page.fill('#signup-password', 'correct horse battery');
    await clickFor(page, '#signup-password-btn', 'ok', /Welcome, carol!/);
    check((await passkeyRows(page)).length === 0, 'no passkeys yet');
    await clickFor(page, '#passkey-only-btn', 'error', /first add a passkey/);
    await page.fill('#new-passkey-name', 'Security key');
    await C.touch(() => clickFor(page, '#add-passkey-btn', 'ok', /Passkey “Security key” added/));
    const rows = await passkeyRows(page);
    // A U2F key has no AAGUID (all zeros): no name. Firefox's virtual "U2F" key
    // reports its CTAP2 AAGUID all the same.
    const u2fName = browser.u2fHasAaguid ? virtualName : 'Unknown authenticator';
    check(rows.length === 1 && rows[0].authenticator === u2fName, `rows: ${JSON.stringify(rows)}`);
    // A U2F key cannot verify the user, so passkey-only stays refused.
    await clickFor(page, '#passkey-only-btn', 'error', /first add a passkey/);
  });

  await steps.step(`password first, then the passkey${sites.length > 1 ? ' (on the other server)' : ''}`, async () => {
    await signOut();
    await open(site(1).url);
    await page.fill('#signin-username', 'carol');
    await page.fill('#signin-password', 'wrong password');
    await clickFor(page, '#signin-password-btn', 'error', /Wrong username or password/);
    await page.fill('#signin-password', 'correct horse battery');
    await clickFor(page, '#signin-password-btn', 'ok', /Password accepted/);
    await expectVisible(page, '#second-factor');
    await C.touch(() => clickFor(page, '#second-factor-btn', 'ok', /Signed in as carol with a password and a passkey/));
    await expectVisible(page, '#signed-in');
  });

  await steps.step('sign-in by an unknown username fails like a wrong passkey', async () => {
    // Signed in as carol (whose passkey is the U2F key C); A holds alice's.
    await swap(C, A);
    // Options for an unknown name: fake passkeys, the same on every server
    // (one enumeration secret) and on every ask, shaped like a real account's.
    const fake = [];
    for (const s of [...sites, site(0)]) fake.push(await startAt(s.url, 'nobody'));
    const real = await startAt(site(0).url, 'carol');
    const ids = (r) => JSON.stringify(r.body.allowCredentials);
    const members = (r) => Object.keys(r.body).sort().join(',');
    check(fake.every((r) => r.status === 200 && r.body.allowCredentials.length > 0), `fake: ${ids(fake[0])}`);
    check(fake.every((r) => ids(r) === ids(fake[0])), `fake ids differ: ${fake.map(ids).join(' / ')}`);
    check(members(fake[0]) === members(real) && fake[0].body.userVerification === real.body.userVerification,
      `fake ${members(fake[0])} vs real ${members(real)}`);
    // In the page. A browser only offers passkeys listed in allowCredentials,
    // and with none of them at hand it just waits; so the test drops the list
    // from the options (for both names alike) and A answers with a passkey of
    // another account: the server refuses it for the unknown name exactly as
    // for carol, whose account it is not.
    await signOut();
    const start = '**/api/signin/start';
    await page.route(start, async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      delete json.allowCredentials;
      await route.fulfill({ response, json });
    });
    let m1;
    let m2;
    try {
      await page.fill('#signin-username', 'nobody');
      m1 = await A.touch(() => clickFor(page, '#signin-passkey-btn', 'error', /not registered here/));
      await page.fill('#signin-username', 'carol');
      m2 = await A.touch(() => clickFor(page, '#signin-passkey-btn', 'error', /not registered here/));
    } finally {
      await page.unroute(start);
    }
    check(m1 === m2, `messages differ: "${m1}" / "${m2}"`);
    // Back in as carol (password, then C) for the next step.
    await swap(A, C);
    await page.fill('#signin-password', 'correct horse battery');
    await clickFor(page, '#signin-password-btn', 'ok', /Password accepted/);
    await C.touch(() => clickFor(page, '#second-factor-btn', 'ok', /password and a passkey/));
  });

  await steps.step('no admin unless granted to an existing account', async () => {
    // Signed in as carol: no admin section, and the switch's API refuses.
    await expectVisible(page, '#admin', false);
    const refused = await page.evaluate(async () => {
      const r = await fetch('/api/admin/passkey-sign-in', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ enabled: false }),
      });
      return r.status;
    });
    check(refused === 403, `admin switch before grant-admin: ${refused}`);
    // The operator grants carol's account (by its user handle, in the shared
    // database); every server sees it at the next request.
    site(0).grantAdmin('carol');
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#footer-instance').textContent !== '');
    await expectVisible(page, '#admin');
  });

  await steps.step('the admin switch turned off hides passkey sign-in (on every server)', async () => {
    await expectVisible(page, '#admin');
    await page.click('#admin-passkey-signin');
    await expectMessage(page, 'ok', /Passkey sign-in is off/);
    await signOut();
    await open(site(0).url);
    for (const sel of ['#signin-passkey-btn', '#signin-discoverable-btn', '#signup-passkey-btn']) {
      await expectVisible(page, sel, false);
    }
    await expectVisible(page, '#passkey-off-note');
    await expectVisible(page, '#signin-password-btn');
    check((await page.getAttribute('#signin-username', 'autocomplete')) === 'username', 'no webauthn autofill token');
    const refused = await page.evaluate(async () => {
      const r = await fetch('/api/signin/start', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      return { status: r.status, body: await r.json() };
    });
    check(refused.status === 403 && /turned off/.test(refused.body.error), `start: ${JSON.stringify(refused)}`);
    // No autofill either: a discoverable passkey in reach does not sign anyone in.
    await swap(C, A);
    await A.touch(async () => {
      await page.reload();
      await sleep(1000);
    });
    if (browser.pickAutofillPasskey) {
      // Nor is there a conditional request for an autofill menu to answer.
      const offered = await browser.pickAutofillPasskey(site(0).url).then((n) => `${n} passkeys`, (e) => e.message);
      check(/no conditional request pending/.test(offered), `autofill with the switch off: ${offered}`);
    }
    await expectVisible(page, '#signed-out');
    // The password account still signs in, with its second factor.
    await swap(A, C);
    await page.fill('#signin-username', 'carol');
    await page.fill('#signin-password', 'correct horse battery');
    await clickFor(page, '#signin-password-btn', 'ok', /Password accepted/);
    await C.touch(() => clickFor(page, '#second-factor-btn', 'ok', /password and a passkey/));
  });

  for (const a of [A, B, C]) await a.unplug().catch(() => {});
  return steps;
}

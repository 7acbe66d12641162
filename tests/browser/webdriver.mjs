// Firefox for the browser tests, driven through geckodriver over W3C WebDriver
// (classic, HTTP + JSON, with Node's own fetch) — playwright-core drives only
// its own patched Firefox build, which cannot be had here.
//
// `launchFirefox()` returns the same shape as harness.mjs's `launchBrowser()`:
// a `page` with the subset of Playwright's Page API that flow.mjs uses, and
// `authenticator(label, options)`, a virtual authenticator made with the
// WebDriver WebAuthn extension (WebAuthn L3 §11: POST
// /session/{id}/webauthn/authenticator, .../credential(s), .../uv, DELETE).
//
// Differences from Chromium's CDP authenticators that the adapter hides:
//   - protocol "u2f" is spelled "ctap1/u2f", and "ctap2" is played by
//     "ctap2_1" (Firefox's CTAP 2.0 one refuses foreign allowCredentials ids);
//   - user presence ("isUserConsenting") is fixed when the authenticator is
//     added, and there is no command to change it: presence is always on,
//     which is safe because Firefox never answers a conditional (autofill)
//     request by itself — `pickAutofillPasskey()` does what the user's pick in
//     Firefox's autofill menu does (chrome context, so geckodriver runs with
//     --allow-system-access);
//   - unplug/plug keeps the credentials through getCredentials/addCredential.
// `page.route()` has no WebDriver classic counterpart: the handler runs in the
// page, around `window.fetch` (so it must not use variables from its closure).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { autofillSettled, freePort, sleep } from './harness.mjs';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const DEFAULT_TIMEOUT = 20_000;

export const FIREFOX_PREFS = {
  // Nothing leaves the machine: no updates, telemetry, remote settings, captive
  // portal or connectivity checks (Marionette's own recommended prefs do most).
  'app.update.disabledForTesting': true,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'extensions.update.enabled': false,
  'intl.accept_languages': 'en-US',
  'intl.locale.requested': 'en-US',
  'network.proxy.type': 0,
  'devtools.jsonview.enabled': false,
  // WebAuthn requests go to the WebDriver virtual authenticators (Firefox's
  // "soft token") and never to real USB keys.
  'security.webauth.webauthn_enable_softtoken': true,
  'security.webauth.webauthn_enable_usbtoken': false,
};

function findFirefox() {
  if (process.env.FIREFOX) return process.env.FIREFOX;
  for (const p of ['/usr/bin/firefox-esr', '/usr/bin/firefox']) if (fs.existsSync(p)) return p;
  throw new Error('firefox-esr not found: run .ci/install-browser-deps.sh');
}

function findGeckodriver() {
  if (process.env.GECKODRIVER) return process.env.GECKODRIVER;
  const dirs = (process.env.PATH || '').split(':');
  if (process.env.HOME) dirs.push(path.join(process.env.HOME, '.cargo', 'bin'));
  for (const d of dirs) {
    const p = path.join(d, 'geckodriver');
    if (d && fs.existsSync(p)) return p;
  }
  throw new Error('geckodriver not found: run .ci/install-browser-deps.sh (cargo install geckodriver --locked)');
}

// ---- the WebDriver HTTP client ---------------------------------------------------

class WebDriverError extends Error {
  constructor(method, url, value) {
    super(`WebDriver ${method} ${url}: ${value.error}: ${value.message}`);
    this.error = value.error;
  }
}

function client(base) {
  return async (method, url, body) => {
    const init = { method, headers: { 'Content-Type': 'application/json; charset=utf-8' } };
    if (method === 'POST') init.body = JSON.stringify(body === undefined ? {} : body);
    const res = await fetch(base + url, init);
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch (_) {
      throw new Error(`WebDriver ${method} ${url}: HTTP ${res.status} ${text.slice(0, 200)}`);
    }
    if (!res.ok || (json.value && json.value.error)) throw new WebDriverError(method, url, json.value || {});
    return json.value;
  };
}

// ---- page scripts ------------------------------------------------------------------

// Runs `src` (a function's source) with `arg` in the page and resolves with
// its (awaited) value; page exceptions come back as errors.
const ASYNC_WRAPPER = `
  const [src, arg, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
  let fn;
  try { fn = (0, eval)('(' + src + ')'); } catch (e) { done({ error: 'bad function: ' + e }); return; }
  Promise.resolve().then(() => fn(arg)).then(
    (value) => done({ value: value === undefined ? null : value }),
    (e) => done({ error: String(e && e.name ? e.name + ': ' + e.message : e) }));
`;

// Visible in Playwright's sense: a non-empty box and not visibility:hidden.
const STATE_FN = `(sel) => {
  const el = document.querySelector(sel);
  if (!el) return { present: false };
  const r = el.getBoundingClientRect();
  const visible = r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
  return { present: true, visible, enabled: !el.disabled };
}`;

function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') { re += '.*'; i += 1; } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '.';
    else re += c.replace(/[.+^${}()|[\]\\/]/g, '\\$&');
  }
  return `^${re}$`;
}

// Installed in the page by page.route(): matching fetch() calls go through the
// handler with a route object shaped like Playwright's (fetch, fulfill, continue).
const ROUTE_INSTALL = `({ pattern, handler }) => {
  const w = window;
  if (!w.__wdRoutes) {
    w.__wdRoutes = [];
    const realFetch = w.fetch.bind(w);
    w.__wdRealFetch = realFetch;
    w.fetch = async (input, init) => {
      const url = new URL(typeof input === 'string' ? input : input.url, location.href).href;
      const r = w.__wdRoutes.find((x) => new RegExp(x.pattern).test(url));
      if (!r) return realFetch(input, init);
      return new Promise((resolve, reject) => {
        let settled = false;
        const route = {
          request: () => ({ url: () => url, method: () => (init && init.method) || 'GET' }),
          fetch: () => realFetch(input, init),
          continue: () => { settled = true; realFetch(input, init).then(resolve, reject); },
          fulfill: ({ response, json, body, status, headers }) => {
            settled = true;
            const h = new Headers(headers || (response ? response.headers : {}));
            let text = body;
            if (json !== undefined) { text = JSON.stringify(json); h.set('content-type', 'application/json'); }
            resolve(new Response(text, { status: status || (response ? response.status : 200), headers: h }));
          },
        };
        Promise.resolve().then(() => r.handler(route)).then(() => {
          if (!settled) route.continue();
        }, reject);
      });
    };
  }
  w.__wdRoutes.push({ pattern, handler: (0, eval)('(' + handler + ')') });
}`;

// Chrome context (privileged): the conditional request pending in the
// selected tab for `origin`, answered with the first autofill entry.
const PICK_AUTOFILL = `
  const [origin, done] = [arguments[0], arguments[arguments.length - 1]];
  try {
    const svc = Cc['@mozilla.org/webauthn/service;1'].getService(Ci.nsIWebAuthnService);
    const win = Services.wm.getMostRecentWindow('navigator:browser');
    const bc = win.gBrowser.selectedBrowser.browsingContext;
    const tid = svc.hasPendingConditionalGet(bc.id, origin);
    if (!tid) { done({ error: 'no conditional request pending for ' + origin }); return; }
    svc.getAutoFillEntries(tid, {
      QueryInterface: ChromeUtils.generateQI(['nsIWebAuthnAutoFillEntriesCallback']),
      resolve: (entries) => {
        if (!entries.length) { done({ error: 'the autofill menu lists no passkey' }); return; }
        svc.selectAutoFillEntry(tid, entries[0].credentialId);
        done({ value: entries.length });
      },
      reject: () => done({ error: 'getAutoFillEntries failed' }),
    });
  } catch (e) { done({ error: String(e) }); }
`;

// ---- the page --------------------------------------------------------------------------

class Page {
  constructor(wd) {
    this.wd = wd;
    this.timeout = DEFAULT_TIMEOUT;
  }

  async goto(url) {
    await this.wd('POST', '/url', { url });
  }

  async reload() {
    await this.wd('POST', '/refresh');
  }

  // page.evaluate(fn, arg): fn runs in the page; its awaited result comes back.
  async evaluate(fn, arg) {
    const out = await this.wd('POST', '/execute/async', { script: ASYNC_WRAPPER, args: [fn.toString(), arg === undefined ? null : arg] });
    if (out && out.error) throw new Error(`page.evaluate: ${out.error}`);
    return out ? out.value : null;
  }

  // Polls fn(arg) in the page until it returns something truthy. Navigation
  // errors while polling (a reload in progress) count as "not yet".
  async waitForFunction(fn, arg, { timeout = this.timeout } = {}) {
    const deadline = Date.now() + timeout;
    let last = null;
    for (;;) {
      try {
        const value = await this.evaluate(fn, arg);
        if (value) return { jsonValue: async () => value };
      } catch (err) {
        last = err;
      }
      if (Date.now() > deadline) {
        throw new Error(`waitForFunction timed out after ${timeout}ms: ${fn.toString().slice(0, 120)}${last ? ` (last error: ${last.message})` : ''}`);
      }
      await sleep(100);
    }
  }

  async state(selector) {
    return this.evaluate(STATE_FN, selector);
  }

  async waitForSelector(selector, { state = 'visible', timeout = this.timeout } = {}) {
    const check = new Function('a', `const s = (${STATE_FN})(a[0]);
      switch (a[1]) {
        case 'visible': return s.visible;
        case 'hidden': return !s.present || !s.visible;
        case 'attached': return s.present;
        default: return !s.present;
      }`);
    await this.waitForFunction(check, [selector, state], { timeout })
      .catch((err) => { throw new Error(`waitForSelector(${selector}, ${state}): ${err.message}`); });
  }

  async element(selector) {
    const found = await this.wd('POST', '/element', { using: 'css selector', value: selector });
    return found[ELEMENT];
  }

  // Waits until the element is visible and enabled (Playwright's actionability).
  async actionable(selector, timeout = this.timeout) {
    await this.waitForFunction(new Function('sel', `const s = (${STATE_FN})(sel); return s.visible && s.enabled;`), selector, { timeout })
      .catch((err) => { throw new Error(`${selector} not visible and enabled: ${err.message}`); });
    return this.element(selector);
  }

  async click(selector, { timeout = this.timeout } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const id = await this.actionable(selector, Math.max(1000, deadline - Date.now()));
      try {
        await this.wd('POST', `/element/${id}/click`);
        return;
      } catch (err) {
        const retry = ['element click intercepted', 'stale element reference', 'element not interactable'].includes(err.error);
        if (!retry || Date.now() > deadline) throw err;
        await sleep(100);
      }
    }
  }

  async fill(selector, value) {
    const id = await this.actionable(selector);
    await this.wd('POST', `/element/${id}/clear`);
    if (value !== '') await this.wd('POST', `/element/${id}/value`, { text: value });
  }

  async textContent(selector) {
    await this.waitForSelector(selector, { state: 'attached' });
    return this.evaluate((sel) => document.querySelector(sel).textContent, selector);
  }

  async getAttribute(selector, name) {
    await this.waitForSelector(selector, { state: 'attached' });
    return this.evaluate(([sel, n]) => document.querySelector(sel).getAttribute(n), [selector, name]);
  }

  async $eval(selector, fn, arg) {
    const src = `([sel, arg]) => { const el = document.querySelector(sel); if (!el) throw new Error('no element ' + sel); return (${fn.toString()})(el, arg); }`;
    return this.evaluate(src, [selector, arg === undefined ? null : arg]);
  }

  async $$eval(selector, fn, arg) {
    const src = `([sel, arg]) => (${fn.toString()})(Array.from(document.querySelectorAll(sel)), arg)`;
    return this.evaluate(src, [selector, arg === undefined ? null : arg]);
  }

  async screenshot({ path: file, fullPage = false } = {}) {
    const b64 = await this.wd('GET', fullPage ? '/moz/screenshot/full' : '/screenshot')
      .catch(() => this.wd('GET', '/screenshot'));
    const buf = Buffer.from(b64, 'base64');
    if (file) fs.writeFileSync(file, buf);
    return buf;
  }

  // What Firefox's autofill popup does when the user picks the first passkey
  // it lists for the username field (WebAuthnFeature.sys.mjs): the page's
  // pending conditional request gets that credential. The popup itself is
  // browser UI that WebDriver cannot reach, so this runs in the chrome context.
  // Resolves with the number of passkeys the menu would list.
  async pickAutofillPasskey(origin) {
    await this.wd('POST', '/moz/context', { context: 'chrome' });
    try {
      const out = await this.wd('POST', '/execute/async', { script: PICK_AUTOFILL, args: [origin] });
      if (out.error) throw new Error(`autofill: ${out.error}`);
      return out.value;
    } finally {
      await this.wd('POST', '/moz/context', { context: 'content' });
    }
  }

  // Routes are page-side (see the top of this file): they last until the next
  // navigation, and `handler` must be self-contained.
  async route(pattern, handler) {
    const re = pattern instanceof RegExp ? pattern.source : globToRegExp(pattern);
    await this.evaluate(ROUTE_INSTALL, { pattern: re, handler: handler.toString() });
  }

  async unroute(pattern) {
    const re = pattern instanceof RegExp ? pattern.source : globToRegExp(pattern);
    await this.evaluate((p) => {
      if (window.__wdRoutes) window.__wdRoutes = window.__wdRoutes.filter((r) => r.pattern !== p);
    }, re);
  }
}

// ---- virtual authenticators (WebDriver WebAuthn extension) ------------------------

export class WebDriverAuthenticator {
  constructor(page, wd, label, options) {
    this.page = page;
    this.wd = wd;
    this.label = label;
    this.options = options;
    this.id = null;
    this.saved = [];
  }

  params() {
    const o = this.options;
    return {
      // Firefox's CTAP 2.0 virtual authenticator (ESR 153) fails a sign-in
      // with NotAllowedError whenever allowCredentials lists an id it does not
      // hold, as for any account with two passkeys on two authenticators; its
      // CTAP 2.1 one does not. So "ctap2" is played by a CTAP 2.1 authenticator.
      protocol: { u2f: 'ctap1/u2f', ctap2: 'ctap2_1' }[o.protocol] || o.protocol,
      transport: o.transport,
      hasResidentKey: !!o.hasResidentKey,
      hasUserVerification: !!o.hasUserVerification,
      isUserConsenting: true,
      isUserVerified: !!o.isUserVerified,
    };
  }

  async plug() {
    if (this.id) return;
    this.id = await this.wd('POST', '/webauthn/authenticator', this.params());
    for (const c of this.saved) {
      await this.wd('POST', `/webauthn/authenticator/${this.id}/credential`, {
        credentialId: c.credentialId,
        isResidentCredential: c.isResidentCredential,
        rpId: c.rpId || 'localhost',
        privateKey: c.privateKey,
        ...(c.userHandle ? { userHandle: c.userHandle } : {}),
        signCount: c.signCount,
      });
    }
  }

  async credentials() {
    return this.wd('GET', `/webauthn/authenticator/${this.id}/credentials`);
  }

  async unplug() {
    if (!this.id) return;
    this.saved = await this.credentials();
    // The UV setting is part of the plugged-in device; keep it across a replug.
    await this.wd('DELETE', `/webauthn/authenticator/${this.id}`);
    this.id = null;
  }

  // WebDriver has no command for user presence: it is on from the start.
  async presence(_enabled) {}

  async setUserVerified(isUserVerified) {
    this.options = { ...this.options, isUserVerified };
    await this.wd('POST', `/webauthn/authenticator/${this.id}/uv`, { isUserVerified });
  }

  async credentialCount() {
    return (await this.credentials()).length;
  }

  async credentialIds() {
    return (await this.credentials()).map((c) => c.credentialId);
  }

  async removeCredential(credentialId) {
    await this.wd('DELETE', `/webauthn/authenticator/${this.id}/credentials/${credentialId}`);
  }

  async touch(fn) {
    await autofillSettled(this.page);
    return fn();
  }
}

// ---- launching -----------------------------------------------------------------------------

export async function launchFirefox({ logDir } = {}) {
  const port = await freePort();
  const logPath = path.join(logDir || '.', `geckodriver-${port}.log`);
  const log = fs.openSync(logPath, 'w');
  const driver = spawn(findGeckodriver(), [
    '--host', '127.0.0.1', '--port', String(port), '--binary', findFirefox(), '--log', 'info',
    // The chrome context, for the script that picks a passkey from the
    // autofill menu (Page.pickAutofillPasskey).
    '--allow-system-access',
  ], { stdio: ['ignore', log, log], env: { ...process.env, TZ: 'UTC', MOZ_HEADLESS: '1' } });
  fs.closeSync(log);
  let exited = null;
  driver.on('exit', (code, signal) => { exited = { code, signal }; });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) throw new Error(`geckodriver exited (${JSON.stringify(exited)}); log: ${logPath}`);
    try {
      const res = await fetch(`${base}/status`);
      if (res.ok) break;
    } catch (_) { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`geckodriver did not start; log: ${logPath}`);
    await sleep(100);
  }
  const http = client(base);
  let session;
  try {
    session = await http('POST', '/session', {
      capabilities: {
        alwaysMatch: {
          browserName: 'firefox',
          'webauthn:virtualAuthenticators': true,
          pageLoadStrategy: 'normal',
          'moz:firefoxOptions': {
            args: ['-headless'],
            prefs: FIREFOX_PREFS,
          },
        },
      },
    });
  } catch (err) {
    driver.kill('SIGKILL');
    throw err;
  }
  const wd = (method, url, body) => http(method, `/session/${session.sessionId}${url}`, body);
  await wd('POST', '/timeouts', { script: 60_000, pageLoad: 30_000, implicit: 0 });
  await wd('POST', '/window/rect', { width: 1100, height: 820 }).catch(() => {});
  const page = new Page(wd);
  return {
    name: 'firefox',
    version: `${session.capabilities.browserName} ${session.capabilities.browserVersion}`,
    page,
    authenticator: (label, options) => new WebDriverAuthenticator(page, wd, label, options),
    // Its "ctap1/u2f" virtual authenticator registers with the same AAGUID as
    // its CTAP2 ones (a real U2F key, through a browser, has all zeros).
    u2fHasAaguid: true,
    // Firefox's virtual authenticators never answer a conditional request by
    // themselves (Chromium's do): the user picks the passkey from the autofill
    // menu, here through the chrome context.
    pickAutofillPasskey: (origin) => page.pickAutofillPasskey(origin),
    async close() {
      await wd('DELETE', '').catch(() => {});
      if (!exited) {
        const done = new Promise((r) => driver.once('exit', r));
        driver.kill('SIGTERM');
        const t = setTimeout(() => driver.kill('SIGKILL'), 5000);
        await done;
        clearTimeout(t);
      }
    },
  };
}

// Test harness: free ports, demo server processes, headless Chromium with
// CDP virtual authenticators, a TCP proxy (a "wrong origin"), and a step runner.
// Firefox (geckodriver, WebDriver) is in webdriver.mjs and has the same shape.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- demo server processes ---------------------------------------------------

export async function startDemo({ bin, port, origins, databaseUrl, logDir, extraArgs = [] }) {
  const args = ['--listen', `127.0.0.1:${port}`, '--rp-id', 'localhost', '--database-url', databaseUrl];
  for (const o of origins) args.push('--origin', o);
  args.push(...extraArgs);
  const logPath = path.join(logDir, `demo-${port}.log`);
  const log = fs.openSync(logPath, 'w');
  const env = { ...process.env };
  delete env.DATABASE_URL;
  const proc = spawn(bin, args, { stdio: ['ignore', log, log], env });
  fs.closeSync(log);
  let exited = null;
  proc.on('exit', (code, signal) => { exited = { code, signal }; });
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      throw new Error(`demo on port ${port} exited (${JSON.stringify(exited)}):\n${tail(logPath)}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/state`);
      if (res.ok) break;
    } catch (_) { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`demo on port ${port} did not start:\n${tail(logPath)}`);
    await sleep(100);
  }
  return {
    url,
    port,
    logPath,
    // Admin rights go only to an existing account, granted by the operator
    // with the demo's `grant-admin` command on the servers' database (read
    // per request: no restart).
    grantAdmin(name) {
      const r = spawnSync(bin, ['grant-admin', name, '--database-url', databaseUrl], { env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`grant-admin ${name} failed (${r.status}): ${r.stderr}${r.stdout}`);
    },
    async stop() {
      if (exited) return;
      const done = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
    },
  };
}

export function tail(file, lines = 30) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch (_) {
    return '(no log)';
  }
}

// ---- a TCP proxy: the same server under another origin ---------------------------

export async function startProxy(targetPort) {
  const port = await freePort();
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://localhost:${port}`,
    stop: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

// ---- the browser -----------------------------------------------------------------

export async function launchBrowser() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relypass-chromium-'));
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1100, height: 820 },
    locale: 'en-US',
    timezoneId: 'UTC',
  });
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] || (await context.newPage());
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  return {
    name: 'chromium',
    version: (spawnSync(executablePath, ['--version'], { encoding: 'utf8' }).stdout || 'chromium').trim(),
    page,
    cdp,
    authenticator: (label, options) => new Authenticator(page, cdp, label, options),
    async close() {
      await context.close().catch(() => {});
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// A CDP virtual authenticator that can be unplugged and plugged back in with
// its credentials, and whose "user presence" the test switches on only for
// the moment it means to touch it (so passkey autofill never fires by itself).
export class Authenticator {
  constructor(page, cdp, label, options) {
    this.page = page;
    this.cdp = cdp;
    this.label = label;
    this.options = options;
    this.id = null;
    this.saved = [];
  }

  async plug() {
    if (this.id) return;
    const { authenticatorId } = await this.cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { ...this.options, automaticPresenceSimulation: false },
    });
    this.id = authenticatorId;
    for (const credential of this.saved) {
      // getCredentials leaves out the RP ID of non-discoverable credentials
      // (the authenticator keeps only its hash); every test here uses localhost.
      await this.cdp.send('WebAuthn.addCredential', {
        authenticatorId,
        credential: { rpId: 'localhost', ...credential },
      });
    }
  }

  async unplug() {
    if (!this.id) return;
    this.saved = (await this.cdp.send('WebAuthn.getCredentials', { authenticatorId: this.id })).credentials;
    await this.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: this.id });
    this.id = null;
  }

  async presence(enabled) {
    await this.cdp.send('WebAuthn.setAutomaticPresenceSimulation', { authenticatorId: this.id, enabled });
  }

  async setUserVerified(isUserVerified) {
    await this.cdp.send('WebAuthn.setUserVerified', { authenticatorId: this.id, isUserVerified });
  }

  async credentialCount() {
    return (await this.cdp.send('WebAuthn.getCredentials', { authenticatorId: this.id })).credentials.length;
  }

  async credentialIds() {
    return (await this.cdp.send('WebAuthn.getCredentials', { authenticatorId: this.id })).credentials
      .map((c) => c.credentialId);
  }

  async removeCredential(credentialId) {
    await this.cdp.send('WebAuthn.removeCredential', { authenticatorId: this.id, credentialId });
  }

  // Runs `fn` (a click and the wait for its outcome) with the user "touching"
  // this authenticator.
  async touch(fn) {
    await autofillSettled(this.page);
    await this.presence(true);
    try {
      return await fn();
    } finally {
      await this.presence(false);
    }
  }
}

// ---- page helpers ---------------------------------------------------------------------

// Waits until the page's passkey autofill request (if any) has reached the
// browser. The virtual authenticator answers a conditional request at once
// when its user presence is on, so presence must only go on once a pending
// autofill request is already parked at the authenticator.
export async function autofillSettled(page) {
  const s = await page.waitForFunction(() => {
    const v = document.documentElement.dataset.autofill || 'off';
    return v === 'starting' ? null : v;
  });
  if ((await s.jsonValue()) === 'pending') await sleep(300);
}

// Clicks `selector` and waits for the page's status message; checks its kind
// ('ok' or 'error') and that it matches `pattern`. Returns the text.
export async function clickFor(page, selector, kind, pattern) {
  await page.click(selector);
  return expectMessage(page, kind, pattern);
}

export async function expectMessage(page, kind, pattern) {
  const handle = await page.waitForFunction(() => {
    const m = document.querySelector('#message');
    return !m.hidden && m.textContent ? { kind: m.className, text: m.textContent } : null;
  });
  const { kind: got, text } = await handle.jsonValue();
  if (got !== kind || !pattern.test(text)) {
    throw new Error(`expected ${kind} message matching ${pattern}, got ${got}: "${text}"`);
  }
  return text;
}

export async function expectVisible(page, selector, visible = true) {
  await page.waitForSelector(selector, { state: visible ? 'visible' : 'hidden' });
}

export async function passkeyRows(page) {
  return page.$$eval('#passkeys tbody tr', (rows) => rows.map((r) => ({
    id: r.dataset.id,
    name: r.querySelector('.name').textContent,
    authenticator: r.querySelector('.authenticator').textContent,
    created: r.querySelector('.created').textContent,
    lastUsed: r.querySelector('.last-used').textContent,
    props: r.querySelector('.props').textContent,
  })));
}

export function check(cond, message) {
  if (!cond) throw new Error(message);
}

// ---- steps ----------------------------------------------------------------------------

export class Steps {
  constructor(flow) {
    this.flow = flow;
    this.passed = 0;
    this.failed = 0;
    this.skipped = 0;
    this.broken = false;
  }

  // A step this browser cannot run at all: counted as skipped, with the reason.
  skip(name, reason) {
    this.skipped += 1;
    console.log(`  skip ${name} — ${reason}`);
  }

  // Runs one scenario step; after a failure the rest of the flow is skipped
  // (each step builds on the state the previous ones left).
  async step(name, fn) {
    if (this.broken) {
      this.skipped += 1;
      console.log(`  skip ${name}`);
      return;
    }
    const t0 = Date.now();
    try {
      await fn();
      this.passed += 1;
      console.log(`  ok   ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
      return true;
    } catch (err) {
      this.failed += 1;
      this.broken = true;
      console.log(`  FAIL ${name}: ${err && err.stack ? err.stack : err}`);
      if (this.onFailure) await this.onFailure(name).catch(() => {});
    }
  }
}

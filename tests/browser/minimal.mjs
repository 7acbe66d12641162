// The relypass-axum minimal example (crates/relypass-axum/examples/minimal.rs)
// in a real browser: sign up, sign out, sign in, with one virtual platform
// authenticator (discoverable, user verification). Chromium (CDP) only for now.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Steps, check, freePort, sleep, tail } from './harness.mjs';

// Starts the example on a free port and waits for its page.
export async function startMinimal({ bin, logDir }) {
  const port = await freePort();
  const logPath = path.join(logDir, `minimal-${port}.log`);
  const log = fs.openSync(logPath, 'w');
  // A fresh SQLite file per run (the example's default is ./minimal.db, which
  // would keep the names of an earlier run).
  const dbDir = fs.mkdtempSync(path.join(os.tmpdir(), 'relypass-minimal-'));
  const env = { ...process.env, PORT: String(port), DATABASE_URL: `sqlite://${path.join(dbDir, 'minimal.db')}` };
  const proc = spawn(bin, [], { stdio: ['ignore', log, log], env });
  fs.closeSync(log);
  let exited = null;
  proc.on('exit', (code, signal) => { exited = { code, signal }; });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`minimal example exited (${JSON.stringify(exited)}):\n${tail(logPath)}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/`)).ok) break;
    } catch (_) { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`minimal example did not start:\n${tail(logPath)}`);
    await sleep(100);
  }
  return {
    url: `http://localhost:${port}`,
    logPath,
    async stop() {
      if (!exited) {
        const done = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await done;
      }
      fs.rmSync(dbDir, { recursive: true, force: true });
    },
  };
}

export async function runMinimalFlow({ site, browser }) {
  const { page } = browser;
  const steps = new Steps('minimal');
  const A = browser.authenticator('A', {
    protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true,
  });
  // Clicks a button and waits for the page's outcome line ("OK" or "Error: …").
  const click = async (selector, expected) => {
    await page.evaluate(() => { document.querySelector('#message').textContent = ''; });
    await page.click(selector);
    const h = await page.waitForFunction(() => document.querySelector('#message').textContent || null);
    const text = await h.jsonValue();
    check(expected.test(text), `${selector}: expected ${expected}, got "${text}"`);
  };
  const status = async (expected) => {
    const h = await page.waitForFunction(
      (re) => new RegExp(re).test(document.querySelector('#status').textContent),
      expected.source,
    );
    check(await h.jsonValue(), `status ${expected}`);
  };

  await steps.step('minimal: the page loads signed out', async () => {
    await A.plug();
    await page.goto(site.url);
    await status(/^Signed out$/);
  });
  await steps.step('minimal: sign up with a passkey', async () => {
    await page.fill('#username', 'minimal-user');
    await A.touch(() => click('#signup', /^OK$/));
    await status(/^Signed in as minimal-user$/);
    check(await A.credentialCount() === 1, 'one credential on the authenticator');
  });
  await steps.step('minimal: sign out', async () => {
    await click('#signout', /^OK$/);
    await status(/^Signed out$/);
  });
  await steps.step('minimal: sign in with the passkey (discoverable)', async () => {
    await page.fill('#username', '');
    await A.touch(() => click('#signin', /^OK$/));
    await status(/^Signed in as minimal-user$/);
  });
  await steps.step('minimal: the same name cannot sign up twice', async () => {
    await click('#signout', /^OK$/);
    await page.fill('#username', 'minimal-user');
    await click('#signup', /^Error: That is already taken/);
  });
  return steps;
}

// End-to-end browser tests of the relypass demo (crates/relypass-demo).
//
//   node tests/browser/run.mjs [--browser chromium|firefox|all] [--flow sqlite|postgres|all|minimal]
//                              [--bin PATH] [--minimal-bin PATH] [--out DIR]
//
// Each flow runs in each browser: Chromium through playwright-core and CDP
// virtual authenticators, Firefox (ESR) through geckodriver, W3C WebDriver and
// the WebDriver WebAuthn extension (webdriver.mjs).
//
// minimal:  not the demo: the relypass-axum example (`cargo build -p
//           relypass-axum --example minimal`, --minimal-bin) on a fresh SQLite
//           file signs up, out and in (minimal.mjs), in each browser asked for.
//           Not part of `all`.
// sqlite:   one demo server on a fresh SQLite file.
// postgres: a temporary PostgreSQL cluster and two demo servers on different
//           ports sharing it (same RP ID `localhost`, both origins listed);
//           the scenario alternates between them.
//
// Needs /usr/bin/chromium (or $CHROMIUM), /usr/bin/firefox-esr (or $FIREFOX)
// and geckodriver on PATH (or $GECKODRIVER), the demo built with
// `cargo build -p relypass-demo`, and for the postgres flow initdb/pg_ctl.
// Prints "browser chromium: N passed, M failed" and the same for firefox,
// then "browser: N passed, M failed" (all browsers) last; exits 1 on any failure.

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, launchBrowser, startDemo, tail } from './harness.mjs';
import { launchFirefox } from './webdriver.mjs';
import { runFlow } from './flow.mjs';
import { startPostgres } from './postgres.mjs';
import { runMinimalFlow, startMinimal } from './minimal.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

function parseArgs(argv) {
  const opts = {
    flow: 'all',
    browser: 'all',
    bin: process.env.DEMO_BIN
      || path.join(process.env.CARGO_TARGET_DIR || path.join(repo, 'target'), 'debug', 'relypass-demo'),
    minimalBin: process.env.MINIMAL_BIN
      || path.join(process.env.CARGO_TARGET_DIR || path.join(repo, 'target'), 'debug', 'examples', 'minimal'),
    out: path.join(repo, 'test-output', 'browser'),
  };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--flow') opts.flow = argv[++i];
    else if (a === '--browser') opts.browser = argv[++i];
    else if (a === '--bin') opts.bin = argv[++i];
    else if (a === '--minimal-bin') opts.minimalBin = argv[++i];
    else if (a === '--out') opts.out = argv[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  if (!['sqlite', 'postgres', 'all', 'minimal'].includes(opts.flow)) throw new Error(`--flow ${opts.flow}?`);
  if (!['chromium', 'firefox', 'all'].includes(opts.browser)) throw new Error(`--browser ${opts.browser}?`);
  return opts;
}

// What each browser's virtual authenticators report as their AAGUID: named in
// a file loaded with --authenticator-names (the community aaguid.json format),
// on top of relypass's built-in table.
const BROWSERS = {
  chromium: {
    launch: () => launchBrowser(),
    aaguid: '01020304-0506-0708-0102-030405060708',
    virtualName: 'Chromium virtual authenticator',
  },
  firefox: {
    launch: (opts) => launchFirefox({ logDir: opts.out }),
    aaguid: '68e100a5-0b47-9104-b854-97a9ba510638',
    virtualName: 'Firefox virtual authenticator',
  },
};

function namesFile(opts) {
  const file = path.join(opts.out, 'aaguid.json');
  const names = {};
  for (const b of Object.values(BROWSERS)) names[b.aaguid] = { name: b.virtualName };
  fs.writeFileSync(file, JSON.stringify(names));
  return ['--authenticator-names', file];
}

async function sqliteFlow(opts, which) {
  const dir = fs.mkdtempSync(path.join(opts.out, 'sqlite-'));
  const port = await freePort();
  const server = await startDemo({
    bin: opts.bin,
    port,
    origins: [`http://localhost:${port}`],
    databaseUrl: `sqlite://${path.join(dir, 'relypass-demo.db')}`,
    logDir: opts.out,
    // No --enumeration-secret: one server may keep the random default.
    extraArgs: namesFile(opts),
  });
  let browser;
  try {
    browser = await BROWSERS[which].launch(opts);
    console.log(`  (${browser.version})`);
    return await runFlow({
      name: 'sqlite', sites: [server], browser, outDir: opts.out, virtualName: BROWSERS[which].virtualName,
    });
  } finally {
    if (browser) await browser.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function postgresFlow(opts, which) {
  const pg = await startPostgres();
  const servers = [];
  let browser;
  try {
    const ports = [await freePort(), await freePort()];
    const origins = ports.map((p) => `http://localhost:${p}`);
    // One enumeration secret for both servers: an unknown username must get
    // the same fake options from either, as a real one gets the same real ones.
    const secret = crypto.randomBytes(32).toString('hex');
    const extraArgs = [...namesFile(opts), '--enumeration-secret', secret];
    // Started together: the schema migration must cope with a concurrent start.
    servers.push(...(await Promise.all(ports.map((port) => startDemo({
      bin: opts.bin, port, origins, databaseUrl: pg.url, logDir: opts.out, extraArgs,
    })))));
    browser = await BROWSERS[which].launch(opts);
    console.log(`  (${browser.version})`);
    return await runFlow({
      name: 'postgres', sites: servers, browser, outDir: opts.out, virtualName: BROWSERS[which].virtualName,
    });
  } catch (err) {
    console.log(`postgres log:\n${tail(pg.logPath)}`);
    throw err;
  } finally {
    if (browser) await browser.close();
    for (const s of servers) await s.stop();
    pg.stop();
  }
}

async function minimalFlow(opts, which) {
  if (!fs.existsSync(opts.minimalBin)) {
    throw new Error(`${opts.minimalBin} not found: run \`cargo build -p relypass-axum --example minimal\` first`);
  }
  const site = await startMinimal({ bin: opts.minimalBin, logDir: opts.out });
  let browser;
  try {
    browser = await BROWSERS[which].launch(opts);
    console.log(`  (${browser.version})`);
    return await runMinimalFlow({ site, browser });
  } finally {
    if (browser) await browser.close();
    await site.stop();
  }
}

// `--flow minimal`: the relypass-axum example alone, in each browser asked
// for (`--browser`, default all). Prints "browser minimal <name>: …" per
// browser, then "browser minimal: …" for all.
async function mainMinimal(opts) {
  fs.mkdirSync(opts.out, { recursive: true });
  const browsers = opts.browser === 'all' ? Object.keys(BROWSERS) : [opts.browser];
  const total = { passed: 0, failed: 0, skipped: 0 };
  for (const which of browsers) {
    console.log(`== ${which} minimal flow`);
    let steps;
    try {
      steps = await minimalFlow(opts, which);
    } catch (err) {
      console.log(`  FAIL ${which} minimal flow setup: ${err && err.stack ? err.stack : err}`);
      steps = { passed: 0, failed: 1, skipped: 0 };
    }
    console.log(`browser minimal ${which}: ${steps.passed} passed, ${steps.failed} failed, ${steps.skipped} skipped`);
    for (const k of Object.keys(total)) total[k] += steps[k];
  }
  console.log(`browser minimal: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  process.exitCode = total.failed ? 1 : 0;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.flow === 'minimal') return mainMinimal(opts);
  if (!fs.existsSync(opts.bin)) {
    throw new Error(`demo binary ${opts.bin} not found: run \`cargo build -p relypass-demo\` first`);
  }
  // Fresh output each run (screenshots, server logs).
  fs.rmSync(opts.out, { recursive: true, force: true });
  fs.mkdirSync(opts.out, { recursive: true });
  const started = Date.now();
  const times = [];

  // Before any browser: a plain-http origin off localhost is refused at start.
  const refused = spawnSync(opts.bin, ['--origin', 'http://demo.example.com', '--database-url', 'sqlite://unused.db'], {
    encoding: 'utf8', timeout: 20_000,
  });
  const startupOk = refused.status === 2 && /secure context/.test(refused.stderr) && /https/.test(refused.stderr);
  console.log(`${startupOk ? '  ok  ' : '  FAIL'} the demo refuses a plain-http origin off localhost (exit ${refused.status})`);
  if (!startupOk) console.log(refused.stderr);
  const flows = opts.flow === 'all' ? ['sqlite', 'postgres'] : [opts.flow];
  const browsers = opts.browser === 'all' ? Object.keys(BROWSERS) : [opts.browser];
  let passed = startupOk ? 1 : 0;
  let failed = startupOk ? 0 : 1;
  let skipped = 0;
  const perBrowser = [];
  for (const which of browsers) {
    const count = { passed: 0, failed: 0, skipped: 0 };
    for (const flow of flows) {
      const t0 = Date.now();
      console.log(`== ${which} ${flow} flow`);
      let steps;
      try {
        steps = await (flow === 'sqlite' ? sqliteFlow(opts, which) : postgresFlow(opts, which));
      } catch (err) {
        console.log(`  FAIL ${which} ${flow} flow setup: ${err && err.stack ? err.stack : err}`);
        count.failed += 1;
        continue;
      }
      count.passed += steps.passed;
      count.failed += steps.failed;
      count.skipped += steps.skipped;
      const secs = ((Date.now() - t0) / 1000).toFixed(1);
      times.push(`${which} ${flow} ${secs}s`);
      console.log(`== ${which} ${flow} flow: ${steps.passed} passed, ${steps.failed} failed, ${steps.skipped} skipped in ${secs}s`);
      if (steps.failed) console.log(`   server logs: ${opts.out}/demo-*.log`);
    }
    passed += count.passed;
    failed += count.failed;
    skipped += count.skipped;
    perBrowser.push(`browser ${which}: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped`);
  }
  const total = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`browser suite wall time: ${total}s (${times.join(', ')})`);
  console.log(`screenshots and server logs: ${opts.out}`);
  for (const line of perBrowser) console.log(line);
  console.log(`browser: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exitCode = 1;
});

// A throw-away PostgreSQL cluster for the two-instance flow: initdb in a temp
// directory, started on 127.0.0.1 at a free port with pg_ctl, removed after.
// PostgreSQL refuses to run as root, so as root the cluster runs as the
// `postgres` user (or `nobody` when there is none).

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './harness.mjs';

function findBin(name) {
  const fromPath = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
  if (fromPath) return fromPath;
  const root = '/usr/lib/postgresql';
  if (fs.existsSync(root)) {
    const versions = fs.readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) {
      const p = path.join(root, v, 'bin', name);
      if (fs.existsSync(p)) return p;
    }
  }
  throw new Error(`${name} not found: install PostgreSQL (.ci/install-browser-deps.sh does)`);
}

function runAsUser() {
  if (process.getuid && process.getuid() !== 0) return null;
  for (const user of ['postgres', 'nobody']) {
    const r = spawnSync('id', ['-u', user], { encoding: 'utf8' });
    if (r.status === 0) {
      const uid = Number(r.stdout.trim());
      const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
      return { user, uid, gid };
    }
  }
  throw new Error('running as root and neither a postgres nor a nobody user exists');
}

function run(as, cmd, args) {
  const [file, argv] = as ? ['runuser', ['-u', as.user, '--', cmd, ...args]] : [cmd, args];
  try {
    return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${err.stdout || ''}${err.stderr || ''}`);
  }
}

export async function startPostgres() {
  const initdb = findBin('initdb');
  const pgCtl = path.join(path.dirname(initdb), 'pg_ctl');
  const as = runAsUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'relypass-pg-'));
  const data = path.join(dir, 'data');
  if (as) fs.chownSync(dir, as.uid, as.gid);
  run(as, initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  // Loopback only; the socket in our own directory; durability off (a test DB).
  const opts = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
  run(as, pgCtl, ['-D', data, '-l', path.join(dir, 'postgres.log'), '-w', '-t', '60', '-o', opts, 'start']);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    logPath: path.join(dir, 'postgres.log'),
    stop() {
      try {
        run(as, pgCtl, ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

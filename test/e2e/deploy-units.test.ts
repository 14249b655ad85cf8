// Goal: the systemd units in deploy/ are ones systemd accepts as written: every key known, every command they run present in this checkout (with /opt/tandem read as the checkout, as deploy/README.md installs it) — `systemd-analyze verify`, which systemd itself runs on the unit at `daemon-reload`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/daemon-process.js';

const units = readdirSync(join(repoRoot, 'deploy')).filter((name) => name.endsWith('.service'));

function verify(paths: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile('systemd-analyze', ['verify', ...paths], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** A copy of each unit with the install paths pointing at this checkout and this Node. */
function localCopies(dir: string, edit: (text: string) => string = (t) => t): string[] {
  return units.map((name) => {
    const text = readFileSync(join(repoRoot, 'deploy', name), 'utf8')
      .replaceAll('/opt/tandem/', `${repoRoot}/`.replace(/\/+$/, '/'))
      .replaceAll('/usr/bin/node ', `${process.execPath} `);
    const path = join(dir, name);
    writeFileSync(path, edit(text));
    return path;
  });
}

test('deploy/*.service pass systemd-analyze verify with no complaint', async () => {
  assert.deepEqual(units.sort(), ['tandem-witness.service', 'tandemd.service']);
  const dir = mkdtempSync(join(tmpdir(), 'tandem-units-'));
  try {
    const result = await verify(localCopies(dir));
    assert.equal(result.output.trim(), '');
    assert.equal(result.code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// systemd checks the programs a unit runs, not their arguments (tandemd.mjs is node's argument).
test('every /opt/tandem path the units name is a file of this checkout', () => {
  const named = units.flatMap((name) => [...readFileSync(join(repoRoot, 'deploy', name), 'utf8').matchAll(/\/opt\/tandem\/([\w./-]+)/g)].map((m) => m[1]!));
  assert.ok(named.includes('apps/server/bin/tandemd.mjs') && named.includes('apps/cli/bin/tandem.mjs'), named.join(' '));
  for (const path of named) assert.ok(existsSync(join(repoRoot, path)), `${path} is named in deploy/*.service but is not in the checkout`);
});

test('the check sees a misspelt key and a command that is not there', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-units-'));
  try {
    const misspelt = await verify(localCopies(dir, (t) => t.replace('LimitNOFILE=', 'LimitNOFILES=')));
    assert.match(misspelt.output, /Unknown key 'LimitNOFILES'/);
    const missing = await verify(localCopies(dir, (t) => t.replace('vip-release.sh', 'vip-release-gone.sh')));
    assert.notEqual(missing.code, 0);
    assert.match(missing.output, /vip-release-gone\.sh/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

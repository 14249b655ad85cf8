// Goal: deploy/tandem, linked onto the PATH as deploy/README.md says, runs the checkout's CLI from anywhere against the node's data dir: TANDEM_DATA_DIR when set, else the systemd unit's /var/lib/tandem; --data-dir still wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess, type ProcessResult } from '../support/cli-process.js';
import { DaemonProcess, repoRoot } from '../support/daemon-process.js';

const scratch = mkdtempSync(join(tmpdir(), 'tandem-deploy-cli-'));
const dataDir = join(scratch, 'data');
const bin = join(scratch, 'bin');
let daemon: DaemonProcess;

test.before(async () => {
  mkdirSync(bin);
  symlinkSync(join(repoRoot, 'deploy', 'tandem'), join(bin, 'tandem'));
  const { args } = await DaemonProcess.devArgs(dataDir);
  daemon = DaemonProcess.spawn(args);
  await daemon.ready();
});
test.after(async () => {
  await daemon.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** `tandem ARGS` through the link, from a directory that is not the checkout. */
function linked(args: string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  const { TANDEM_DATA_DIR: _unset, ...rest } = process.env;
  return runProcess(join(bin, 'tandem'), args, { cwd: scratch, env: { ...rest, ...env } });
}

test('TANDEM_DATA_DIR picks the daemon', async () => {
  const r = await linked(['status', '--json'], { TANDEM_DATA_DIR: dataDir });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { dataDir: string }).dataDir, dataDir);
});

test('--data-dir wins over TANDEM_DATA_DIR', async () => {
  const r = await linked(['--data-dir', dataDir, 'status', '--json'], { TANDEM_DATA_DIR: join(scratch, 'elsewhere') });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { dataDir: string }).dataDir, dataDir);
});

test('without either, the unit\'s /var/lib/tandem, not ./.tandem', async () => {
  const r = await linked(['status', '--json'], {});
  if (existsSync('/var/lib/tandem/admin.token')) {
    // A machine with a deployed node: the wrapper talks to it.
    assert.equal((JSON.parse(r.stdout) as { dataDir: string }).dataDir, '/var/lib/tandem');
  } else {
    assert.equal(r.code, 1);
    assert.match(r.stderr, /\/var\/lib\/tandem(-witness)?\/admin\.token/);
    assert.doesNotMatch(r.stderr, /\.tandem\//);
  }
});

/**
 * `tandem backup create | check | restore`. A backup is the store's snapshot archive
 * (@tandem/store snapshot-archive.ts): one self-checking file — a sha256 after every entry and over
 * the whole — that holds the index and every message file of one applied index.
 *
 * create: tandemd streams the archive over the admin socket (store-backup.ts) and this process
 *   writes it where the admin says (a file, or `-` for stdout to pipe it off the host); a file is
 *   written as NAME.partial, checked whole, fsynced, and only then renamed to NAME, so a backup under
 *   its name is always a whole one, and an existing file is never overwritten.
 * check: reads a backup and checks every checksum (backups are worth what their last test says).
 * restore: offline, with tandemd stopped: replaces the data dir's store with the backup's state,
 *   rebased past any log index the lost history may have used (restore-snapshot.ts `rebaseTo`:
 *   every mailbox gets a new UIDVALIDITY, so IMAP clients fetch their mail again rather than trust
 *   UIDs that now name other messages); the old command log is moved aside, not deleted. With a
 *   cluster data member's config (--config), the cluster starts over from the backup: this member
 *   gets a one-member Raft state at the restored index, and the others rejoin empty (cluster.join,
 *   `tandem cluster add`).
 */
import { createWriteStream, existsSync } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { loadConfig } from '@tandem/config';
import { writeSingleMemberState } from '@tandem/replication';
import { dataDirStamp, fsyncDir, LocalCommandLog, MailStore, StoreInUseError, verifySnapshotFile } from '@tandem/store';
import { CliError, downloadAdmin, type AdminTarget } from './admin-client.js';
import type { CommandContext } from './command-context.js';

export function registerBackupCommands(program: Command, context: CommandContext): void {
  const backup = program.command('backup').description('backups of the store: one self-checking file each');
  backup.command('create').description('stream a backup of the running store to a file (or - for stdout)')
    .requiredOption('--out <file>', 'where to write it; never overwritten; - writes to stdout')
    .action(async (options: { out: string }, cmd: Command) => {
      if (options.out === '-') {
        await pipeline(await downloadAdmin(context.target(cmd), 'store.backup'), process.stdout);
        return;
      }
      const done = await createBackupFile(context.target(cmd), resolve(options.out));
      context.print(cmd, done, () => `backup of applied index ${done.appliedIndex}: ${done.path} (${mib(done.bytes)}, sha256 ${done.sha256})\n`);
    });
  backup.command('check <file>').description('read a backup and check every checksum in it')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const path = resolve(file);
      const appliedIndex = await checked(path);
      const bytes = (await stat(path)).size;
      context.print(cmd, { path, appliedIndex, bytes }, () => `${path}: a whole backup of applied index ${appliedIndex} (${mib(bytes)})\n`);
    });
  backup.command('restore <file>').description('with tandemd stopped: replace the data dir\'s store with the backup\'s')
    .option('--config <file>', "this node's tandemd config: restore into its data dir; on a cluster data member, start the cluster over from the backup with this member alone (the others rejoin empty: deploy/README §9)")
    .action(async (file: string, o: { config?: string }, cmd: Command) => {
      const into = o.config === undefined ? { dataDir: context.target(cmd).dataDir, member: undefined } : restoreTarget(resolve(o.config));
      const done = await restoreBackup(into.dataDir, resolve(file), Date.now(), into.member);
      context.print(cmd, done, () => [
        `restored the backup of applied index ${done.snapshotIndex} into ${done.dataDir}: ${done.files} message files, ${done.indexRows} index rows`,
        `its log continues at ${done.appliedIndex + 1}; every mailbox has the new UIDVALIDITY ${done.appliedIndex}, so IMAP clients fetch their mail again`,
        ...(done.logMovedTo ? [`the command log from before the restore is kept in ${done.logMovedTo}`] : []),
        ...(done.member ? [`${done.member} starts as a one-member cluster; bring the others back empty with "join": true and tandem cluster add (deploy/README §9)`] : []),
        'start tandemd now',
        '',
      ].join('\n'));
    });
}

async function createBackupFile(target: AdminTarget, path: string): Promise<{ path: string; appliedIndex: number; bytes: number; sha256: string }> {
  if (existsSync(path)) throw new CliError(`${path} exists; a backup never overwrites a file: choose another name`);
  const partial = `${path}.partial`;
  // 'wx': a second backup racing for the same name fails here instead of interleaving.
  const fh = await open(partial, 'wx', 0o600).catch((err: NodeJS.ErrnoException) => {
    throw new CliError(err.code === 'EEXIST' ? `${partial} exists: another backup to ${path} is running, or one was cut short (remove it)` : `cannot write ${partial}: ${err.message}`);
  });
  try {
    const res = await downloadAdmin(target, 'store.backup');
    const expected = Number(res.headers['content-length']);
    const appliedIndex = Number(res.headers['x-tandem-applied-index']);
    const sha256 = String(res.headers['x-tandem-archive-sha256']);
    await pipeline(res, createWriteStream('', { fd: fh.fd, autoClose: false }));
    const bytes = (await fh.stat()).size;
    if (bytes !== expected) throw new CliError(`the backup was cut short after ${bytes} of ${expected} bytes (see tandemd's log); nothing was kept`);
    await fh.sync();
    await fh.close();
    if (await checked(partial) !== appliedIndex) throw new CliError(`the backup says it is of another applied index than tandemd announced (${appliedIndex}); nothing was kept`);
    await rename(partial, path);
    await fsyncDir(dirname(path));
    return { path, appliedIndex, bytes, sha256 };
  } catch (err) {
    await fh.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw err;
  }
}

async function checked(path: string): Promise<number> {
  try {
    return await verifySnapshotFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`no file ${path}`);
    throw new CliError(`${path} is not a whole Tandem backup: ${(err as Error).message}`);
  }
}

interface RestoreDone {
  dataDir: string; snapshotIndex: number; appliedIndex: number; files: number; indexRows: number; logMovedTo: string | undefined;
  /** A cluster data member restored as a one-member cluster. */
  member: string | undefined;
}

/** The data dir (and, on a cluster data member, its id) from this node's config. */
function restoreTarget(configFile: string): { dataDir: string; member: string | undefined } {
  let config;
  try {
    config = loadConfig({ file: configFile, dev: false, cwd: process.cwd() });
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  if (config.cluster?.role === 'witness') {
    throw new CliError('a witness holds no mail: restore on a data member, then give the witness an empty data dir and "join": true (deploy/README §9)');
  }
  return { dataDir: config.dataDir, member: config.cluster?.nodeId };
}

/**
 * The log index the restored store continues from: past the old log's last entry, past the backup,
 * and past the Unix time in seconds — on a new machine the lost history's length is unknown, but it
 * made at most one entry per command, far fewer than the seconds since 1970, and every later
 * restore picks a later time. (UIDVALIDITY is a 32-bit number: this leaves room until 2106.)
 */
export function rebaseIndex(oldLogLast: number | undefined, snapshotIndex: number, nowMs: number): number {
  return Math.max(oldLogLast ?? 0, snapshotIndex, Math.floor(nowMs / 1000)) + 1;
}

async function restoreBackup(dataDir: string, file: string, nowMs: number, member: string | undefined): Promise<RestoreDone> {
  const raftDir = join(dataDir, 'raft');
  if (existsSync(raftDir)) {
    throw new CliError(member === undefined
      ? `${dataDir} belongs to a cluster member (it has raft/): restore with --config and the member's config, which starts the cluster over from the backup`
      : `${dataDir} has Raft state: to start the cluster over from this backup, stop every member, move this data dir's raft/ aside (or empty the data dir), then restore`);
  }
  const snapshotIndex = await checked(file);
  const logDir = join(dataDir, 'log');
  const rebaseTo = rebaseIndex(await LocalCommandLog.lastIndexOnDisk(logDir), snapshotIndex, nowMs);
  let logMovedTo: string | undefined;
  try {
    const summary = await MailStore.restoreSnapshot(dataDir, file, {
      rebaseTo,
      // Decided and checked, before the live store is touched: the old log must not be replayed
      // onto the restored state (a crash from here on finishes the restore at the next open).
      beforeSwap: async () => {
        if (!existsSync(logDir)) return;
        logMovedTo = `${logDir}.before-restore-${dataDirStamp(nowMs)}`;
        await rename(logDir, logMovedTo);
        await fsyncDir(dataDir);
      },
    });
    if (member !== undefined) await seedOneMemberCluster(dataDir, member, summary.appliedIndex);
    return { dataDir, snapshotIndex, appliedIndex: summary.appliedIndex, files: summary.files, indexRows: summary.indexRows, logMovedTo, member };
  } catch (err) {
    if (err instanceof StoreInUseError) throw new CliError(`tandemd is running on ${dataDir}: stop it first (systemctl stop tandemd), then restore`);
    throw err;
  }
}

/**
 * The restored store as a one-member cluster's state at its applied index (as force-single makes
 * it): its Raft log starts after a snapshot of the store there, so the member elects itself, and
 * the others join empty. Written aside and renamed, so a crash leaves no half of it as raft/ (the
 * member would then refuse to start, its store being ahead of any log, and the restore can be run again).
 */
async function seedOneMemberCluster(dataDir: string, member: string, index: number): Promise<void> {
  const raftDir = join(dataDir, 'raft');
  const writing = `${raftDir}.restoring`;
  await rm(writing, { recursive: true, force: true });
  const store = await MailStore.open({ dataDir });
  try {
    await writeSingleMemberState(writing, { selfId: member, index, term: 1, writeSnapshot: (path) => store.writeSnapshotFile(path) });
  } finally {
    await store.close();
  }
  await rename(writing, raftDir);
  await fsyncDir(dataDir);
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

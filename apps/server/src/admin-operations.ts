import {
  canonicalAddress, hashPassword, NotLeaderError, parseAliasSource, parseDomain, parseLocalAddress,
  type ApplyValue, type Command, type CommandLog, type StoreReader,
} from '@tandem/store';
import { archiveAdminHandlers } from './archive-admin.js';
import { reviewAdminHandlers } from './review-admin.js';
import { accepted, optionalText, requiredText, type AdminArgs } from './admin-args.js';
import { limits } from '@tandem/config';
import { AdminRequestError } from './admin-errors.js';
import { TlsMaterialError } from './tls-material.js';
import { exportUnderDataDir } from './maildir-export.js';
import type { AdminStream } from './admin-stream.js';

/**
 * The admin operations behind `tandem` (users and quotas, domains, aliases, the outbound queue,
 * status, export, backup, TLS reload). Reads come from the
 * applied store; every write is a command proposed through the command log, like any other writer,
 * so a change takes effect for the next SMTP session without a restart and, later, on every node.
 * Passwords are hashed here, by the proposer (apply() stays deterministic and cheap).
 */
export type { AdminArgs } from './admin-args.js';
export type StatusProvider = () => Record<string, unknown>;

export type AdminHandler = (args: AdminArgs) => Promise<unknown>;

export interface AdminOperationsDeps {
  /** The mail store's read side and command log; absent on a witness (no mail operations there). */
  reader?: StoreReader | undefined;
  commandLog?: CommandLog | undefined;
  nowMs(): number;
  status: StatusProvider;
  /** A backup of the store as a byte stream (`tandem backup create`); absent on a witness. */
  backup?: (() => Promise<AdminStream>) | undefined;
  /** The daemon's data dir: `maildir.export` writes under it (maildir-export.ts). */
  dataDir?: string | undefined;
  /** Reads the TLS certificate and key again (tandem-daemon.ts); absent on a witness. */
  reloadTls?: (() => unknown) | undefined;
  /** This server's name: reports to senders whose held mail a reviewer refused come from it. */
  hostname?: string | undefined;
  /** More operations (the cluster's), by name. */
  extra?: Record<string, AdminHandler>;
}

export const passwordLengthMin = 8;


export class AdminOperations {
  private readonly handlers: Record<string, AdminHandler>;

  constructor(private readonly deps: AdminOperationsDeps) {
    this.handlers = { 'status': async () => this.deps.status(), ...deps.extra };
    if (deps.reader !== undefined && deps.commandLog !== undefined) Object.assign(this.handlers, this.mailHandlers());
    const backup = deps.backup;
    if (backup) this.handlers['store.backup'] = () => backup();
    const reloadTls = deps.reloadTls;
    if (reloadTls) this.handlers['tls.reload'] = async () => this.reloadTls(reloadTls);
  }

  /** `tandem tls reload`: the certificate now presented, or why the files were refused (the old pair stays). */
  private reloadTls(reload: () => unknown): unknown {
    try {
      return reload();
    } catch (err) {
      if (!(err instanceof TlsMaterialError)) throw err;
      throw new AdminRequestError(422, 'TLS_NOT_LOADED', `${err.message}; the listeners keep the certificate they had`);
    }
  }

  private get reader(): StoreReader {
    if (this.deps.reader === undefined) throw new AdminRequestError(404, 'UNKNOWN_OPERATION', 'this member holds no mail store (a witness)');
    return this.deps.reader;
  }

  private mailHandlers(): Record<string, AdminHandler> {
    return {
      'user.list': async () => this.listUsers(),
      'user.add': (args) => this.addUser(args),
      'user.passwd': (args) => this.changePassword(args),
      'user.quota': async (args) => {
        if (!('quotaBytes' in args)) throw new AdminRequestError(400, 'INVALID', 'quotaBytes is required (null for no quota)');
        return this.propose({ type: 'user.quota', address: this.localUser(args, 'address', true), ...this.quota(args, true) });
      },
      'user.remove': async (args) => this.propose({ type: 'user.remove', address: this.localUser(args, 'address', true) }),
      'domain.list': async () => this.listDomains(),
      'domain.add': async (args) => this.propose({ type: 'domain.add', domain: this.domain(args) }),
      'domain.remove': async (args) => this.propose({ type: 'domain.remove', domain: this.domain(args) }),
      'alias.list': async () => this.reader.listAliases(),
      'alias.add': (args) => this.addAlias(args),
      'alias.remove': async (args) => this.propose({ type: 'alias.remove', ...this.aliasArgs(args) }),
      'queue.list': async () => this.listQueue(),
      'queue.retry': async (args) => {
        const queueId = optionalText(args, 'queueId');
        return this.proposeForValue({ type: 'queue.retry', ...(queueId === undefined ? {} : { queueId }) });
      },
      'queue.remove': async (args) => this.proposeForValue({ type: 'queue.remove', queueId: requiredText(args, 'queueId') }),
      ...archiveAdminHandlers({
        reader: this.reader, dataDir: this.deps.dataDir, nowMs: this.deps.nowMs,
        propose: (command) => this.proposeForValue(command as unknown as DistributiveOmit<Command, 'timestampMs'>),
      }),
      ...reviewAdminHandlers({
        reader: this.reader, commandLog: this.deps.commandLog!, nowMs: this.deps.nowMs, hostname: this.deps.hostname ?? 'localhost',
        propose: (command) => this.proposeForValue(command as unknown as DistributiveOmit<Command, 'timestampMs'>),
      }),
      ...(this.deps.dataDir !== undefined ? { 'maildir.export': (args: AdminArgs) => this.exportMaildir(args, this.deps.dataDir!) } : {}),
    };
  }

  /** `tandem export [--user A]…`: every user's mail, or the named users' (each must exist). */
  private exportMaildir(args: AdminArgs, dataDir: string): Promise<unknown> {
    const users = args.users;
    if (users !== undefined && (!Array.isArray(users) || users.some((u) => typeof u !== 'string'))) {
      throw new AdminRequestError(400, 'INVALID', 'users must be a list of addresses');
    }
    const addresses = (users as string[] | undefined)?.map((address) => this.localUser({ address }, 'address', true));
    return exportUnderDataDir(this.reader, dataDir, addresses?.length ? addresses : undefined, this.deps.nowMs());
  }

  get operations(): string[] { return Object.keys(this.handlers); }

  async run(operation: string, args: AdminArgs): Promise<unknown> {
    const handler = this.handlers[operation];
    if (!handler) throw new AdminRequestError(404, 'UNKNOWN_OPERATION', `unknown operation ${JSON.stringify(operation)}; known: ${this.operations.join(', ')}`);
    return handler(args);
  }

  private listUsers(): unknown {
    return this.reader.listUsers().map((u) => ({
      address: u.address,
      createdMs: u.createdMs,
      quotaBytes: u.quotaBytes ?? null,
      usageBytes: this.reader.usageBytes(u.address),
    }));
  }

  private listDomains(): unknown {
    const users = this.reader.listUsers();
    return this.reader.listDomains().map((domain) => ({
      domain,
      users: users.filter((u) => u.address.endsWith(`@${domain}`)).length,
    }));
  }

  private async addUser(args: AdminArgs): Promise<unknown> {
    const address = this.localUser(args, 'address', false);
    const password = this.password(args);
    const quota = this.quota(args, false);
    const passwordHash = await hashPassword(password);
    return this.propose({ type: 'user.add', address, passwordHash, ...quota });
  }

  private async changePassword(args: AdminArgs): Promise<unknown> {
    const address = this.localUser(args, 'address', true);
    const passwordHash = await hashPassword(this.password(args));
    return this.propose({ type: 'user.passwd', address, passwordHash });
  }

  private async addAlias(args: AdminArgs): Promise<unknown> {
    const { source, target } = this.aliasArgs(args);
    const sourceDomain = source.slice(source.lastIndexOf('@') + 1);
    if (!this.reader.isLocalDomain(sourceDomain)) {
      throw new AdminRequestError(404, 'NOTFOUND', `domain ${sourceDomain} is not served here; add it first: tandem domain add ${sourceDomain}`);
    }
    if (!this.reader.getUser(target)) {
      throw new AdminRequestError(404, 'NOTFOUND', `no user ${target}; an alias must point at a local user (tandem user add ${target})`);
    }
    return this.propose({ type: 'alias.add', source, target });
  }

  private async propose(command: DistributiveOmit<Command, 'timestampMs'>): Promise<unknown> {
    return { index: (await this.proposeForResult(command)).index };
  }

  /** The command's index and what apply() answered (the queue's counts). */
  private async proposeForValue(command: DistributiveOmit<Command, 'timestampMs'>): Promise<unknown> {
    const result = await this.proposeForResult(command);
    return { index: result.index, ...(result.value ?? {}) };
  }

  private async proposeForResult(command: DistributiveOmit<Command, 'timestampMs'>): Promise<{ index: number; value: ApplyValue }> {
    try {
      return accepted(await this.deps.commandLog!.propose({ ...command, timestampMs: this.deps.nowMs() } as Command));
    } catch (err) {
      if (err instanceof NotLeaderError) throw new AdminRequestError(503, 'NOT_LEADER', `${err.message}; try again there`);
      throw err;
    }
  }







  /** `tandem queue list`: the outbound queue, oldest first, at most limits.outboundQueueListMax entries (the count is whole). */
  private listQueue(): unknown {
    const entries = this.reader.listQueue();
    return {
      count: entries.length,
      entries: entries.slice(0, limits.outboundQueueListMax).map((e) => ({
        queueId: e.queueId, from: e.mailFrom, sizeBytes: e.sizeBytes, arrivalMs: e.arrivalMs, nextAttemptMs: e.nextAttemptMs, attempts: e.attempts,
        recipients: e.recipients.map((r) => ({ address: r.address, state: r.state, attempts: r.attempts, reply: r.reply ?? null })),
      })),
    };
  }

  private localUser(args: AdminArgs, key: string, mustExist: boolean): string {
    const input = requiredText(args, key);
    let address: string;
    try {
      address = parseLocalAddress(input).address;
    } catch (err) {
      throw new AdminRequestError(400, 'INVALID', (err as Error).message);
    }
    const domain = address.slice(address.lastIndexOf('@') + 1);
    if (!mustExist && !this.reader.isLocalDomain(domain)) {
      throw new AdminRequestError(404, 'NOTFOUND', `domain ${domain} is not served here; add it first: tandem domain add ${domain}`);
    }
    if (mustExist && !this.reader.getUser(address)) {
      throw new AdminRequestError(404, 'NOTFOUND', `no user ${address} (see tandem user list)`);
    }
    return address;
  }

  private domain(args: AdminArgs): string {
    try {
      return parseDomain(requiredText(args, 'domain'));
    } catch (err) {
      if (err instanceof AdminRequestError) throw err;
      throw new AdminRequestError(400, 'INVALID', (err as Error).message);
    }
  }

  private aliasArgs(args: AdminArgs): { source: string; target: string } {
    try {
      return { source: parseAliasSource(requiredText(args, 'source')).source, target: canonicalAddress(requiredText(args, 'target')) };
    } catch (err) {
      if (err instanceof AdminRequestError) throw err;
      throw new AdminRequestError(400, 'INVALID', (err as Error).message);
    }
  }

  /** `quotaBytes`: a positive integer; absent (or, where `nullRemoves`, null) means no quota. */
  private quota(args: AdminArgs, nullRemoves: boolean): { quotaBytes?: number } {
    const quota = args.quotaBytes;
    if (quota === undefined || (nullRemoves && quota === null)) return {};
    if (typeof quota !== 'number' || !Number.isSafeInteger(quota) || quota <= 0) {
      throw new AdminRequestError(400, 'INVALID', `quotaBytes must be a positive integer${nullRemoves ? ', or null for no quota' : ''}`);
    }
    return { quotaBytes: quota };
  }

  private password(args: AdminArgs): string {
    const password = requiredText(args, 'password');
    if ([...password].length < passwordLengthMin) {
      throw new AdminRequestError(400, 'INVALID', `password too short: at least ${passwordLengthMin} characters`);
    }
    return password;
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

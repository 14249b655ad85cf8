import { join } from 'node:path';
import { hashPassword, verifyPassword, type Command, type CommandLog, type StoreReader } from '@tandem/store';
import { readOrCreateSecret, writeSecret } from './secret-file.js';

/**
 * Dev mode's demo account: domain example.test and user demo@example.test, created on first start
 * through the command log like any other change. The password is --demo-password when given, else
 * one generated once and kept in `<data>/demo-password` (0600), so every start prints a password
 * that works (or says it was changed since).
 */
export const demoDomain = 'example.test';
export const demoAddress = `demo@${demoDomain}`;

export interface DemoUserDeps {
  reader: StoreReader;
  commandLog: CommandLog;
  dataDir: string;
  nowMs(): number;
}

/** `password` is undefined when the demo password was changed since (`tandem user passwd`) and no flag says otherwise. */
export async function ensureDemoUser(deps: DemoUserDeps, passwordFlag: string | undefined): Promise<{ address: string; password: string | undefined }> {
  const passwordFile = join(deps.dataDir, 'demo-password');
  const password = passwordFlag ?? readOrCreateSecret(passwordFile);
  if (passwordFlag !== undefined) writeSecret(passwordFile, passwordFlag);

  if (!deps.reader.isLocalDomain(demoDomain)) await propose(deps, { type: 'domain.add', domain: demoDomain, timestampMs: deps.nowMs() });
  const user = deps.reader.getUser(demoAddress);
  if (!user) {
    await propose(deps, { type: 'user.add', address: demoAddress, passwordHash: await hashPassword(password), timestampMs: deps.nowMs() });
  } else if (!(await verifyPassword(password, user.passwordHash))) {
    // A password changed with `tandem user passwd` is kept unless --demo-password asks for another.
    if (passwordFlag === undefined) return { address: demoAddress, password: undefined };
    await propose(deps, { type: 'user.passwd', address: demoAddress, passwordHash: await hashPassword(password), timestampMs: deps.nowMs() });
  }
  return { address: demoAddress, password };
}

async function propose(deps: DemoUserDeps, command: Command): Promise<void> {
  const result = await deps.commandLog.propose(command);
  if (!result.ok) throw new Error(`dev setup: ${command.type} failed: ${result.error}: ${result.message}`);
}

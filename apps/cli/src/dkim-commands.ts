/**
 * `tandem dkim keygen | record`: a DKIM key for a domain and the DNS record that publishes it. These
 * run on the admin's side and need no daemon: the key file is then named in the config
 * (`outbound.dkim`, docs/configuration.md) and read by tandemd at start.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
// The subpath, not the package: the CLI must not load the SMTP server's modules to make a key.
import { dkimRecordOf, generateDkimKey, type DkimKeyType } from '@tandem/smtp/dkim-key';
import { CliError } from './admin-client.js';
import type { CommandContext } from './command-context.js';

/** The zone-file line for a record: long TXT text split into quoted strings of at most 255 octets (RFC 1035 §3.3.14). */
export function zoneLine(selector: string, domain: string, record: string): string {
  const parts = record.match(/.{1,255}/g) ?? [''];
  return `${selector}._domainkey.${domain}. IN TXT ( ${parts.map((p) => `"${p}"`).join(' ')} )`;
}

export function registerDkimCommands(program: Command, { print }: Pick<CommandContext, 'print'>): void {
  const dkim = program.command('dkim').description('DKIM keys for signing outbound mail (no daemon needed)');
  dkim.command('keygen <domain>').description('make a private key file (mode 0600) and print the DNS record to publish')
    .requiredOption('--selector <selector>', 'the key\'s name in DNS, e.g. tandem2026')
    .requiredOption('--out <file>', 'where to write the private key (never overwritten)')
    .addOption(new Option('--type <type>', 'key type').choices(['rsa', 'ed25519']).default('rsa'))
    .action((domain: string, o: { selector: string; out: string; type: DkimKeyType }, cmd: Command) => {
      const pem = generateDkimKey(o.type);
      const file = resolve(o.out);
      try {
        writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError(`${file} exists; a key file is never overwritten`);
        throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
      }
      const record = dkimRecordOf(pem);
      const d = domain.toLowerCase();
      print(cmd, { domain: d, selector: o.selector, privateKeyFile: file, name: `${o.selector}._domainkey.${d}`, record }, () => [
        `wrote ${file} (${o.type === 'rsa' ? 'RSA 2048' : 'Ed25519'}; keep it private: chown root:tandem, chmod 640)`,
        'publish this TXT record:',
        `  ${zoneLine(o.selector, d, record)}`,
        'and add to the config\'s "outbound" section:',
        `  "dkim": [{ "domain": "${d}", "selector": "${o.selector}", "privateKeyFile": "${file}" }]`,
        '',
      ].join('\n'));
    });
  dkim.command('record <keyFile> <domain>').description('print the DNS record for an existing key')
    .requiredOption('--selector <selector>', 'the key\'s name in DNS')
    .action((keyFile: string, domain: string, o: { selector: string }, cmd: Command) => {
      let record: string;
      try {
        record = dkimRecordOf(readFileSync(keyFile, 'utf8'));
      } catch (err) {
        throw new CliError(`${keyFile}: ${(err as Error).message}`);
      }
      print(cmd, { name: `${o.selector}._domainkey.${domain.toLowerCase()}`, record }, () => `${zoneLine(o.selector, domain.toLowerCase(), record)}\n`);
    });
}

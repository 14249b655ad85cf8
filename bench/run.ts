/**
 * `npm run bench -- NAME [args…]` runs bench/NAME.ts. Each benchmark prints its figures beside a
 * baseline measured in the same run, as a ratio: machines here are shared and noisy, so absolute
 * numbers mean little on their own.
 */
import { readdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const names = readdirSync(dir).filter((f) => f.endsWith('.ts') && f !== 'run.ts').map((f) => f.slice(0, -3)).sort();
const [name, ...rest] = process.argv.slice(2);
if (!name || !names.includes(name)) {
  console.error(`usage: npm run bench -- NAME [args…]\nbenchmarks: ${names.join(', ')}`);
  process.exit(2);
}
const child = spawn(process.execPath, ['--import', 'tsx', `${dir}${name}.ts`, ...rest], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 1));

#!/usr/bin/env node
// Runs every *.test.ts under packages/, apps/ and test/ with Node's own test runner (node:test),
// TypeScript loaded through tsx. Node 20's `--test` does not expand globs or find .ts files by itself,
// so the files are listed here.
//   --unit     only packages/ and apps/ (fast, no real processes in namespaces)
//   --cluster  only test/cluster (needs root: network namespaces)
//   any other argument: a path filter (substring) on the test files
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const clusterOnly = args.includes('--cluster');
const filters = args.filter((a) => !a.startsWith('--'));

function walk(dir, out) {
  let names;
  try { names = readdirSync(dir); } catch { return out; }
  for (const name of names) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

let files = [];
if (!clusterOnly) for (const top of ['packages', 'apps']) walk(join(root, top), files);
if (!unitOnly) {
  const e2e = walk(join(root, 'test'), []);
  files.push(...e2e.filter((f) => clusterOnly ? relative(root, f).startsWith('test/cluster/') : true));
}
files = files.map((f) => relative(root, f)).sort();
if (filters.length) files = files.filter((f) => filters.some((s) => f.includes(s)));
if (files.length === 0) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
const child = spawn(process.execPath, [
  '--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files,
], { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

/**
 * What the daemon and the CLI load at run time is installed by `npm ci --omit=dev`, the install
 * deploy/README.md gives for production: every package a runtime module imports must be in the
 * `dependencies` of the workspace that module belongs to, not only in a devDependencies list (which
 * that install leaves out) or in another workspace's list (which works only while npm happens to
 * hoist it). The runtime modules are found by following imports from the two bins, the way Node
 * would: relative imports, `@tandem/*` packages through their `exports`, worker entry points started
 * with startModuleWorker or `new URL('./x.ts', import.meta.url)`, and `import.meta.resolve`.
 * Type-only imports are erased by tsx and do not count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const entries = ['apps/server/bin/tandemd.mjs', 'apps/cli/bin/tandem.mjs'];

interface Manifest { name: string; dependencies?: Record<string, string>; exports?: Record<string, string> }
const readManifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

/** The workspace directory a file belongs to (the nearest package.json below the repository root). */
function workspaceOf(file: string): string {
  for (let dir = dirname(file); dir.startsWith(root) && dir !== root.replace(/\/$/, ''); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`${relative(root, file)} belongs to no workspace`);
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
const packageName = (specifier: string): string =>
  specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

const builtins = new Set(builtinModules);
const isBuiltin = (specifier: string): boolean => specifier.startsWith('node:') || builtins.has(packageName(specifier));

/** What a module loads at run time: module specifiers, and sibling files started as workers. */
export function runtimeReferences(source: string): { specifiers: string[]; files: string[] } {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specifiers: string[] = [];
  const files: string[] = [];
  const collect = (re: RegExp, into: string[], map: (m: RegExpExecArray) => string | undefined): void => {
    for (let m = re.exec(code); m; m = re.exec(code)) {
      const value = map(m);
      if (value !== undefined) into.push(value);
    }
  };
  // import x from 'y'; import { a } from 'y'; export * from 'y' (not `import type` / `export type`)
  collect(/^\s*(?:import|export)\s+(?!type\b)[^'";]*?\sfrom\s*['"]([^'"]+)['"]/gm, specifiers, (m) => m[1]);
  collect(/^\s*import\s*['"]([^'"]+)['"]/gm, specifiers, (m) => m[1]);
  collect(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, specifiers, (m) => m[1]);
  collect(/import\.meta\.resolve\(\s*['"]([^'"]+)['"]\s*\)/g, specifiers, (m) => m[1]);
  collect(/new URL\(\s*['"](\.{1,2}\/[^'"]+\.ts)['"]\s*,\s*import\.meta\.url\s*\)/g, files, (m) => m[1]);
  collect(/startModuleWorker\(\s*import\.meta\.url\s*,\s*['"]([^'"]+)['"]/g, files, (m) => `./${m[1]}.ts`);
  return { specifiers, files };
}

/** A relative specifier as the file tsx loads: `./x.js` is `./x.ts` in these sources. */
function resolveRelative(from: string, specifier: string): string {
  const path = resolve(dirname(from), specifier);
  const ts = path.replace(/\.js$/, '.ts');
  return existsSync(ts) ? ts : path;
}

function walkRuntimeGraph(): { files: Set<string>; imports: Array<{ file: string; pkg: string }> } {
  const workspaces = new Map<string, string>(); // @tandem/x → its directory
  for (const top of ['packages', 'apps']) {
    for (const dir of readdirSync(join(root, top))) {
      const full = join(root, top, dir);
      if (existsSync(join(full, 'package.json'))) workspaces.set(readManifest(full).name, full);
    }
  }
  const files = new Set<string>();
  const imports: Array<{ file: string; pkg: string }> = [];
  const queue = entries.map((e) => join(root, e));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    assert.ok(existsSync(file), `a runtime module that does not exist: ${relative(root, file)}`);
    files.add(file);
    const refs = runtimeReferences(readFileSync(file, 'utf8'));
    for (const f of refs.files) queue.push(resolveRelative(file, f));
    for (const s of refs.specifiers) {
      if (s.startsWith('.')) { queue.push(resolveRelative(file, s)); continue; }
      if (isBuiltin(s)) continue;
      const pkg = packageName(s);
      imports.push({ file, pkg });
      const workspace = workspaces.get(pkg);
      if (workspace) queue.push(join(workspace, readManifest(workspace).exports?.['.'] ?? 'src/index.ts'));
    }
  }
  return { files, imports };
}

test('every package a runtime module imports is a dependency of its own workspace', () => {
  const { files, imports } = walkRuntimeGraph();
  // The walk must reach the daemon's parts, or it checks nothing.
  for (const part of ['packages/store/src/mail-store.ts', 'packages/smtp/src/intake-thread-worker.ts', 'packages/replication/src/raft-worker.ts', 'packages/cluster/src/vip-guard-main.ts']) {
    assert.ok(files.has(join(root, part)), `the walk from the bins did not reach ${part}`);
  }
  const missing = new Set<string>();
  for (const { file, pkg } of imports) {
    const workspace = workspaceOf(file);
    const manifest = readManifest(workspace);
    if (manifest.name === pkg) continue; // a package importing itself by name
    if (!manifest.dependencies?.[pkg]) missing.add(`${relative(root, workspace)}/package.json needs "${pkg}" in dependencies (imported by ${relative(root, file)})`);
  }
  assert.deepEqual([...missing].sort(), []);
});

test('runtimeReferences tells run-time imports from type-only ones and finds worker entries', () => {
  const refs = runtimeReferences([
    "import type { A } from 'types-only';",
    "import { b, type C } from 'runtime-a';",
    'import {\n  d,\n  e,\n} from "@scope/runtime-b/sub";',
    "export { f } from './local.js';",
    "export type { G } from 'types-too';",
    "// import x from 'commented-out';",
    "/* import y from 'commented-too'; */",
    "const m = await import('runtime-c');",
    "const api = import.meta.resolve('runtime-d/esm/api');",
    "startModuleWorker(import.meta.url, 'some-worker', {});",
    "fork(fileURLToPath(new URL('./guard-main.ts', import.meta.url)));",
  ].join('\n'));
  assert.deepEqual(refs.specifiers.sort(), ['./local.js', '@scope/runtime-b/sub', 'runtime-a', 'runtime-c', 'runtime-d/esm/api']);
  assert.deepEqual(refs.files.sort(), ['./guard-main.ts', './some-worker.ts']);
  assert.equal(packageName('@scope/runtime-b/sub'), '@scope/runtime-b');
  assert.equal(packageName('runtime-d/esm/api'), 'runtime-d');
});

// Goal: the core stays a pure state machine — no sockets, files, timers, clocks or Math.random in any
// non-test source of packages/raft/src (they would make its behaviour depend on the world, not its inputs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const srcDir = fileURLToPath(new URL('.', import.meta.url));

const forbidden: Array<{ what: string; pattern: RegExp }> = [
  { what: 'Date', pattern: /\bDate\s*[.(]|\bnew\s+Date\b/ },
  { what: 'Math.random', pattern: /\bMath\s*\.\s*random\b/ },
  { what: 'performance.now / process.hrtime', pattern: /\bperformance\s*\.\s*now\b|\bhrtime\b/ },
  { what: 'timers', pattern: /\b(setTimeout|setInterval|setImmediate|queueMicrotask)\s*\(/ },
  { what: 'node: modules (fs, net, dgram, child_process, ...)', pattern: /from\s+['"]node:|require\s*\(|from\s+['"](fs|net|dgram|http|https|tls|child_process|worker_threads|os|crypto)['"]/ },
  { what: 'process', pattern: /\bprocess\s*\./ },
  { what: 'fetch / WebSocket', pattern: /\bfetch\s*\(|\bWebSocket\b/ },
  { what: 'crypto.getRandomValues', pattern: /getRandomValues/ },
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** Drops comments so that prose such as "never calls Math.random" does not trip the scan. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

test('packages/raft/src uses no sockets, files, timers, clocks or Math.random outside tests', () => {
  const files = sourceFiles(srcDir);
  assert.ok(files.length >= 15, `scanned only ${files.length} files`);
  const hits: string[] = [];
  for (const f of files) {
    const lines = code(readFileSync(f, 'utf8')).split('\n');
    lines.forEach((line, i) => {
      for (const { what, pattern } of forbidden) {
        if (pattern.test(line)) hits.push(`${relative(srcDir, f)}:${i + 1}: ${what}: ${line.trim()}`);
      }
    });
  }
  assert.deepEqual(hits, []);
});

test('the purity scan itself catches each forbidden use', () => {
  const samples = ['Date.now()', 'Math.random()', "import { x } from 'node:fs';", 'setTimeout(f, 1)', 'process.env.X', 'performance.now()'];
  for (const s of samples) {
    assert.ok(forbidden.some(({ pattern }) => pattern.test(code(s))), s);
  }
  assert.equal(forbidden.some(({ pattern }) => pattern.test(code('// never Date.now() here'))), false);
});

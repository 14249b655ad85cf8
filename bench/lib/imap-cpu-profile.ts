/**
 * Reads the .cpuprofile that `node --cpu-prof` wrote for the Tandem server child and lists where
 * its CPU time went: self time per function (name, file:line) and per source file, largest first.
 * Enough to say which code a slow bench line spends its time in, without opening DevTools.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number }

export interface CpuProfileSummary {
  totalMs: number;
  idleMs: number;
  functions: Array<{ name: string; selfMs: number }>;
  files: Array<{ name: string; selfMs: number }>;
}

export async function summarizeCpuProfiles(dir: string, repoRoot: string, top = 20): Promise<CpuProfileSummary | undefined> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.cpuprofile'));
  if (names.length === 0) return undefined;
  const profile = JSON.parse(await readFile(join(dir, names[0]!), 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const perFunction = new Map<string, number>();
  const perFile = new Map<string, number>();
  let totalUs = 0;
  let idleUs = 0;
  // timeDeltas[i] is the time before sample i; attribute it to the sample's frame (self time).
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byId.get(profile.samples[i]!);
    const us = profile.timeDeltas[i] ?? 0;
    if (!node) continue;
    totalUs += us;
    const frame = node.callFrame;
    if (frame.functionName === '(idle)') { idleUs += us; continue; }
    const file = frame.url ? shortUrl(frame.url, repoRoot) : `(${frame.functionName || 'native'})`;
    const name = `${frame.functionName || '(anonymous)'} ${file}${frame.url && frame.lineNumber > 0 ? `:${frame.lineNumber + 1}` : ''}`;
    perFunction.set(name, (perFunction.get(name) ?? 0) + us);
    perFile.set(file, (perFile.get(file) ?? 0) + us);
  }
  const sorted = (m: Map<string, number>): Array<{ name: string; selfMs: number }> =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, selfMs: us / 1000 }));
  return { totalMs: totalUs / 1000, idleMs: idleUs / 1000, functions: sorted(perFunction), files: sorted(perFile) };
}

function shortUrl(url: string, repoRoot: string): string {
  const path = url.startsWith('file://') ? decodeURIComponent(url.slice('file://'.length)) : url;
  return path.startsWith(repoRoot) ? relative(repoRoot, path) : path;
}

/**
 * CPU time a process has used, from /proc (Linux): all of its threads (including ones that have
 * ended) and its main thread alone. On a machine where the bench's client and the server share
 * two cores, CPU per message says more about the server's cost than its throughput does.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcessCpu {
  totalMs: number;
  mainThreadMs: number;
}

let ticksPerSecond: number | undefined;

/** utime + stime of a /proc stat line, in ms (fields 14 and 15, proc(5); the name may hold spaces). */
function statCpuMs(path: string): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
  const text = readFileSync(path, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) and stime (15) are fields[11] and fields[12].
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}

export function processCpu(pid: number): ProcessCpu {
  return { totalMs: statCpuMs(`/proc/${pid}/stat`), mainThreadMs: statCpuMs(`/proc/${pid}/task/${pid}/stat`) };
}

import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { limits } from './limits.js';
import type { TandemConfig } from './tandem-config.js';
import type { MemberRole } from './cluster-config.js';
import { clusterSecretBytesMin } from './cluster-secret.js';
import { validateConfig } from './validate-config.js';

/** One value set from the command line, e.g. { key: 'smtp.port', value: 3525, label: '--smtp-port' }. */
export interface ConfigOverride {
  /** Dotted key path in the config tree. */
  key: string;
  value: unknown;
  /** What the user typed, used in error messages instead of the key. */
  label: string;
}

export interface LoadConfigOptions {
  /** JSON config file; without one, the built-in defaults (dev or production) apply. */
  file?: string | undefined;
  dev: boolean;
  overrides?: readonly ConfigOverride[];
  /** Base for relative paths when there is no file (and for the file path itself). */
  cwd: string;
  /** --role data|witness from the command line. */
  role?: MemberRole | undefined;
}

/**
 * Reads the config file (JSON), applies the command-line overrides, validates the result and
 * checks that the files it names are readable. Throws ConfigError naming every problem.
 */
export function loadConfig(options: LoadConfigOptions): TandemConfig {
  let tree: Record<string, unknown> = {};
  let baseDir = options.cwd;
  if (options.file !== undefined) {
    const file = resolve(options.cwd, options.file);
    tree = readJsonFile(file);
    baseDir = dirname(file);
  }
  const keyLabels = new Map<string, string>();
  for (const override of options.overrides ?? []) {
    setPath(tree, override.key, override.value);
    keyLabels.set(override.key, override.label);
  }
  const config = validateConfig(tree, { dev: options.dev, baseDir, keyLabels, role: options.role });
  const problems: ConfigProblem[] = [];
  if (config.cluster) checkSecretFile(config.cluster.secretFile, problems);
  if (config.tls) {
    for (const key of ['certFile', 'keyFile'] as const) {
      const path = config.tls[key];
      try {
        accessSync(path, constants.R_OK);
      } catch (err) {
        problems.push({ key: `tls.${key}`, problem: `cannot read ${JSON.stringify(path)} (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** The secret is read again at start; checked here so a wrong path is a config error, not a crash. */
function checkSecretFile(path: string, problems: ConfigProblem[]): void {
  try {
    const sizeBytes = statSync(path).size;
    accessSync(path, constants.R_OK);
    if (sizeBytes < clusterSecretBytesMin) {
      problems.push({ key: 'cluster.secretFile', problem: `${JSON.stringify(path)} holds ${sizeBytes} bytes; a cluster secret needs at least ${clusterSecretBytesMin} (tandem cluster init writes one)` });
    }
  } catch (err) {
    problems.push({ key: 'cluster.secretFile', problem: `cannot read ${JSON.stringify(path)} (${(err as NodeJS.ErrnoException).code ?? 'error'})` });
  }
}

function readJsonFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    const { size } = statSync(file);
    if (size > limits.configFileBytesMax) {
      throw new ConfigError([{ key: file, problem: `larger than ${limits.configFileBytesMax} bytes; is this the right file?` }]);
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([{ key: file, problem: `cannot read the config file (${(err as NodeJS.ErrnoException).code ?? String(err)})` }]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([{ key: file, problem: `not valid JSON: ${(err as Error).message}${lineHint(text, err as Error)}` }]);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([{ key: file, problem: 'must contain a JSON object ({ … })' }]);
  }
  return parsed as Record<string, unknown>;
}

/** V8's JSON errors give a character position; people want a line and column. */
function lineHint(text: string, err: Error): string {
  const match = /position (\d+)/.exec(err.message);
  if (!match?.[1]) return '';
  if (/line \d+/.test(err.message)) return '';
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}

function setPath(tree: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

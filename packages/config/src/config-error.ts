/**
 * A configuration that tandemd cannot run with. Each problem names the key (or the command-line
 * flag) and says what is wrong with it, so the operator can fix the file without reading code:
 *   config: smtp.port: must be an integer 1–65535, got "abc"
 */
export interface ConfigProblem {
  /** Dotted key path in the config file ("smtp.port"), or the flag that set it ("--smtp-port"). */
  key: string;
  problem: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(problems.map((p) => `config: ${p.key}: ${p.problem}`).join('\n'));
  }
}

import { CliError } from './admin-client.js';
import { buildProgram } from './tandem-program.js';

/** `tandem` entry point: runs the command; a failure prints one line saying what to do, exit status 1. */
try {
  await buildProgram().parseAsync(process.argv);
} catch (err) {
  if (!(err instanceof CliError)) throw err;
  process.stderr.write(`tandem: ${err.message}\n`);
  process.exitCode = 1;
}

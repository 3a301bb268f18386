/**
 * `waakvlam validate FILE…`: validates definition files and prints every problem with its file, line, column and
 * path. Exit code 0 when all are valid, 1 when any problem was found, 2 on a usage error.
 */
import { ACTIVITY_NAMES } from '../activities/names.js';
import { formatProblems, loadDefinitionFile } from '../definitions/load.js';

const USAGE = 'usage: waakvlam validate FILE [FILE…]';

function main(argv: string[]): number {
  const [command, ...files] = argv;
  if (command !== 'validate' || files.length === 0) {
    console.error(USAGE);
    return 2;
  }
  let failed = false;
  for (const file of files) {
    let result;
    try {
      result = loadDefinitionFile(file, { activities: ACTIVITY_NAMES });
    } catch (err) {
      console.error(`${file}: cannot read: ${(err as Error).message}`);
      failed = true;
      continue;
    }
    if (result.ok) {
      console.log(`${file}: valid (${result.definition.id} version ${result.definition.version}, ${result.definition.phases.length} phases)`);
    } else {
      failed = true;
      console.log(formatProblems(file, result.problems));
      console.log(`${file}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`);
    }
  }
  return failed ? 1 : 0;
}

/**
 * A reader that stops early (`waakvlam validate FILE | head`) closes the pipe: the next write fails with EPIPE, which
 * Node reports as an 'error' event on the stream (unhandled: a crash with a stack trace). Stop quietly instead, as Unix
 * tools do, with the exit code of the validation (the event comes after `main` has returned).
 */
function exitQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}

exitQuietlyOnClosedPipe(process.stdout);
exitQuietlyOnClosedPipe(process.stderr);
process.exitCode = main(process.argv.slice(2));

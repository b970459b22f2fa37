// The image test's janitor: a separate process that removes the test's engine (containers,
// dockerd, mounts, directories, bridge: teardown.ts) when the test process lets go of it —
// at the end, or when the test process dies in any way (its stdin, a pipe from the test
// process, then ends). It runs in its own session, so a Ctrl-C does not stop it first.
// argv[2]: the EngineSpec as JSON.
import { createInterface } from 'node:readline';
import { teardownEngine, type EngineSpec } from './teardown.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as EngineSpec;
process.stderr.on('error', () => undefined);
process.stdout.on('error', () => undefined);

let done = false;
function cleanUp(why: string): void {
  if (done) return;
  done = true;
  const problems = teardownEngine(spec);
  if (problems.length > 0) {
    try {
      process.stderr.write(`image janitor: after ${why}, could not remove everything: ${problems.join('; ')}\n`);
    } catch {
      /* nobody listens */
    }
  }
  process.exit(problems.length > 0 ? 1 : 0);
}

process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
process.on('SIGTERM', () => cleanUp('SIGTERM'));
createInterface({ input: process.stdin }).on('close', () => cleanUp('the test process let go'));
process.stdout.write('ready\n');

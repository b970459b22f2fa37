// The cluster test's janitor: a separate process that removes the test's network, kills its
// helper processes and deletes its temp directories when the test process lets go of it —
// at the end of the test, or when the test process dies in any way (Ctrl-C, SIGTERM, even
// SIGKILL): its stdin, a pipe from the test process, then ends.
//
// argv[2]: {"netnses": [...], "links": [...]}; stdin: JSON lines {"pids": [...]} or
// {"dirs": [...]} adding resources. It runs in its own session (detached), so a Ctrl-C in
// the terminal does not stop it before it has cleaned up.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { killPids, teardownNetwork } from './teardown.js';

interface Spec {
  netnses: string[];
  links: string[];
}

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const pids = new Set<number>();
const dirs = new Set<string>();
const say = (text: string) => {
  try {
    process.stderr.write(`cluster janitor: ${text}\n`);
  } catch {
    /* nobody listens */
  }
};
process.stderr.on('error', () => undefined);
process.stdout.on('error', () => undefined);

/** Only our own temp directories are ever removed. */
function removable(dir: string): boolean {
  const full = resolve(dir);
  return full.startsWith(resolve(tmpdir()) + sep + 'rolevisor-') && !full.includes(`${sep}..`);
}

let done = false;
function cleanUp(why: string): void {
  if (done) return;
  done = true;
  const problems: string[] = [];
  const attempt = (what: string, step: () => void) => {
    try {
      step();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
    }
  };
  attempt('helper processes', () => killPids([...pids]));
  attempt('network', () => teardownNetwork(spec.netnses, spec.links));
  for (const dir of dirs) attempt(dir, () => rmSync(dir, { recursive: true, force: true }));
  if (problems.length > 0) say(`after ${why}, could not remove everything: ${problems.join('; ')}`);
  process.exit(problems.length > 0 ? 1 : 0);
}

process.on('SIGINT', () => undefined);
process.on('SIGHUP', () => undefined);
process.on('SIGTERM', () => cleanUp('SIGTERM'));

createInterface({ input: process.stdin })
  .on('line', (line) => {
    const add = JSON.parse(line) as { pids?: number[]; dirs?: string[] };
    for (const pid of add.pids ?? []) pids.add(pid);
    for (const dir of add.dirs ?? []) {
      if (removable(dir)) dirs.add(dir);
      else say(`not removing ${dir}: only temp directories named rolevisor-* are`);
    }
  })
  .on('close', () => cleanUp('the test process let go'));
process.stdout.write('ready\n');

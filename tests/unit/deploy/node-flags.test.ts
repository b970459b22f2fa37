// rolevisor's footprint depends on node flags and one malloc setting (src/cli.ts's first
// lines say why): every way to start it gives the same ones — the bin's shebang, npm start,
// the image (ENV and ENTRYPOINT) and the boot bench that measures it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_ENV, NODE_FLAGS } from '../../../bench/boot.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');

const shebang = read('src/cli.ts').split('\n')[0];
const match = /^#!\/usr\/bin\/env -S ((?:[A-Z_]+=\S+ )*)node ((?:--\S+ )*)--$/.exec(shebang);

test("the bin's shebang sets the environment and the node flags, then ends node's options", () => {
  expect(match).not.toBeNull();
});

const assignments = (match?.[1] ?? '').trim();
const flags = (match?.[2] ?? '').trim();

test('npm start runs node with the same environment and flags', () => {
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
  expect(pkg.scripts.start).toContain(`${assignments} node ${flags} -- dist/cli.js run`);
});

test('the image: the same environment (ENV) and flags (ENTRYPOINT)', () => {
  const dockerfile = read('Dockerfile').replace(/\\\n/g, ' ');
  const env = /^ENV (.*)$/m.exec(
    dockerfile.split('\n').filter((l) => l.startsWith('ENV ') && l.includes('NODE_ENV'))[0] ?? '',
  );
  for (const assignment of assignments.split(' ')) expect(env?.[1].split(/\s+/)).toContain(assignment);
  const entrypoint = JSON.parse(/^ENTRYPOINT (.*)$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
  const node = entrypoint.indexOf('node');
  expect(entrypoint.slice(node + 1, entrypoint.indexOf('--', node))).toEqual(flags.split(' '));
});

test('the boot bench measures rolevisor started that way', () => {
  expect(NODE_FLAGS).toEqual(flags.split(' '));
  expect(Object.entries(NODE_ENV).map(([k, v]) => `${k}=${v}`)).toEqual(assignments.split(' '));
});

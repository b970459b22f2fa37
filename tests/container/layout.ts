// The image's file layout, built by hand in a temp dir the way the Dockerfile builds it, so
// that the container tests run the image's own ENTRYPOINT against the image's own files:
// the build stage's `npm run build` (tsc into a temp dir, not the shared dist/), then the
// runtime stage's COPY and RUN steps in order. Steps that change the machine (the Debian
// packages, which `npm test` installs through the same bootstrap script) are not repeated;
// a step this file does not know fails loudly, so the layout cannot silently drift.
import { execa } from 'execa';
import { chmod, cp, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, posix, relative } from 'node:path';
import { REPO, type Image, type Instruction, type Stage } from './dockerfile.js';

export interface Layout {
  /** Stands for the image's WORKDIR (/opt/rolevisor). */
  dir: string;
  /** Stands for /usr/local/bin: the `rolevisor` command. */
  bin: string;
  /** An image path (under WORKDIR or /usr/local/bin) in this layout. */
  translate(path: string): string;
  cleanup(): Promise<void>;
}

const run = (file: string, args: string[], cwd: string) =>
  execa(file, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root' },
    extendEnv: false,
  });

export async function buildLayout(image: Image): Promise<Layout> {
  const root = await mkdtemp(join(tmpdir(), 'rolevisor-image-'));
  // Service users (www-data runs the demo app from roles/) must traverse it.
  await chmod(root, 0o755);
  const dir = join(root, 'opt-rolevisor');
  const bin = join(root, 'usr-local-bin');
  const built = join(root, 'build');
  await mkdir(dir, { mode: 0o755 });
  await mkdir(bin, { mode: 0o755 });
  const translate = (path: string): string => {
    const p = posix.normalize(path);
    if (p === image.workdir || p.startsWith(`${image.workdir}/`)) return join(dir, posix.relative(image.workdir, p));
    if (p.startsWith('/usr/local/bin/')) return join(bin, posix.basename(p));
    if (!isAbsolute(p)) return join(dir, p);
    throw new Error(`the layout has no place for ${path}`);
  };
  const layout: Layout = { dir, bin, translate, cleanup: () => rm(root, { recursive: true, force: true }) };
  try {
    const fromStage = await buildStage(image, built);
    for (const step of image.runtime.instructions) await replay(step, layout, fromStage);
    return layout;
  } catch (error) {
    await layout.cleanup();
    throw error;
  }
}

/** Runs the build stage's `npm run build` with tsc's output in `out`; maps its paths. */
async function buildStage(image: Image, out: string): Promise<(stage: string, path: string) => string> {
  const build = image.stages.find((s) => s.name !== undefined && s !== image.runtime) as Stage;
  if (!build.instructions.some((x) => x.keyword === 'RUN' && x.rest === 'npm run build'))
    throw new Error('the build stage does not run `npm run build`');
  const workdir = build.instructions.filter((x) => x.keyword === 'WORKDIR').at(-1)!.rest;
  const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const [tool, ...args] = pkg.scripts.build.split(' ');
  if (tool !== 'tsc')
    throw new Error(`the build script is "${pkg.scripts.build}"; this layout knows how to replay tsc only`);
  await run(
    process.execPath,
    [join(REPO, 'node_modules/typescript/bin/tsc'), ...args, '--outDir', join(out, 'dist')],
    REPO,
  );
  return (stage, path) => {
    if (stage !== build.name) throw new Error(`COPY --from=${stage}: no such stage`);
    const rel = posix.relative(workdir, path);
    if (rel === 'dist') return join(out, 'dist');
    throw new Error(`COPY --from=${stage} ${path}: only ${workdir}/dist comes from the build stage`);
  };
}

async function replay(
  step: Instruction,
  layout: Layout,
  fromStage: (stage: string, path: string) => string,
): Promise<void> {
  if (step.keyword === 'COPY') return copy(step, layout, fromStage);
  if (step.keyword !== 'RUN') return;
  // The Debian packages: on this machine `npm test` installs them with the same script.
  if (step.rest.startsWith('bash scripts/bootstrap.sh ')) return;
  for (const command of step.rest.split(/\s*&&\s*/)) {
    const words = command.trim().split(/\s+/);
    if (words[0] === 'npm' && words[1] === 'ci') {
      // From the npm cache `npm test` filled; none of the production packages has an install script.
      await run('npm', [...words.slice(1), '--ignore-scripts', '--prefer-offline'], layout.dir);
    } else if (words.join(' ') === 'rm -rf /root/.npm') {
      // Image size only; the machine's cache stays.
    } else if (words[0] === 'chmod' && words.length === 3) {
      await chmod(layout.translate(words[2]), parseInt(words[1], 8));
    } else if (words[0] === 'ln' && words[1] === '-s' && words.length === 4) {
      const link = layout.translate(words[3]);
      await symlink(relative(dirname(link), layout.translate(words[2])), link);
    } else {
      throw new Error(`Dockerfile line ${step.line}: teach tests/container/layout.ts to replay "${command.trim()}"`);
    }
  }
}

async function copy(
  step: Instruction,
  layout: Layout,
  fromStage: (stage: string, path: string) => string,
): Promise<void> {
  const words = step.rest.split(/\s+/);
  const dest = layout.translate(words.pop()!);
  const into = words.length > 1 || step.rest.endsWith('/');
  for (const source of words) {
    const from = step.flags.from ? fromStage(step.flags.from, source) : join(REPO, source);
    const to = into ? join(dest, posix.basename(source)) : dest;
    await mkdir(dirname(to), { recursive: true, mode: 0o755 });
    await cp(from, to, { recursive: true });
  }
}

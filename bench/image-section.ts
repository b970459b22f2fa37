// The image section: builds the Dockerfile on a dockerd of our own (the image test's
// engine, tests/image/engine.ts: Debian's docker.io, its own data root, removed at the end)
// on the base the image test makes when no registry answers, and reports the image's size
// with the per-layer split of `docker history`, against the goal of 600 MB.
import { REPO } from '../tests/container/dockerfile.js';
import { BASE_IMAGE, ensureBaseImage } from '../tests/image/base-image.js';
import { ensureDockerInstalled, startEngine } from '../tests/image/engine.js';
import type { BenchSection } from './sections.js';

const IMAGE = 'rolevisor-bench';
const GOAL_MB = 600;
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

export const imageSection: BenchSection = {
  name: 'image',
  async run({ say }) {
    await ensureDockerInstalled(say);
    const engine = await startEngine(say);
    try {
      const base = await ensureBaseImage(engine.argv, say);
      const started = Date.now();
      await engine.docker(['build', '--network', 'host', '-q', '-t', IMAGE, '.'], {
        cwd: REPO,
        extraEnv: { DOCKER_BUILDKIT: '1' },
      });
      const buildS = (Date.now() - started) / 1000;
      const size = Number((await engine.docker(['image', 'inspect', '--format', '{{.Size}}', IMAGE])).stdout.trim());
      const baseSize = Number(
        (await engine.docker(['image', 'inspect', '--format', '{{.Size}}', BASE_IMAGE])).stdout.trim(),
      );
      const history = (
        await engine.docker(['history', '--no-trunc', '--format', '{{.Size}}\t{{.CreatedBy}}', IMAGE])
      ).stdout
        .split('\n')
        .filter((l) => l && !l.startsWith('0B\t'))
        .map((l) => {
          const [layerSize, ...by] = l.split('\t');
          // BuildKit's history says "RUN |2 ARG=... /bin/sh -c CMD" and "COPY ... # buildkit"; an
          // imported base has no step at all.
          const step =
            by
              .join(' ')
              .replace(/^(RUN )?\|\d+ [^/]*\/bin\/sh -c /, 'RUN ')
              .replace(/ # buildkit$/, '')
              .replace(/\s+/g, ' ')
              .trim() || `the base, ${BASE_IMAGE}`;
          return `| ${layerSize} | \`${(step.length > 90 ? `${step.slice(0, 87)}...` : step).replace(/\|/g, '\\|')}\` |`;
        })
        .reverse();
      say(`image ${mb(size)} MB (base ${mb(baseSize)} MB), built in ${buildS.toFixed(0)} s`);
      return [
        '## Image size',
        '',
        `\`docker build\` (BuildKit, Docker ${(await engine.docker(['version', '--format', '{{.Server.Version}}'])).stdout.trim()}) of the repository's Dockerfile; base \`${BASE_IMAGE}\` ${base === 'present' ? 'from the engine' : 'made locally (tests/image/base-image.ts: debootstrap minbase, slim dpkg excludes, Node and npm from the npm registry)'}. Goal: at most ${GOAL_MB} MB.`,
        '',
        `- image: **${mb(size)} MB** (${size <= GOAL_MB * 1e6 ? 'within' : 'OVER'} the goal), of which the base ${mb(baseSize)} MB and rolevisor's layers ${mb(size - baseSize)} MB`,
        `- build: ${buildS.toFixed(0)} s on this machine, apt and npm downloads included (one run; varies with load)`,
        '',
        '| Layer size | Step (oldest first) |',
        '|---|---|',
        ...history,
        '',
      ].join('\n');
    } finally {
      const left = await engine.stop();
      if (left.length > 0) say(`the engine left: ${left.join(', ')}`);
    }
  },
};

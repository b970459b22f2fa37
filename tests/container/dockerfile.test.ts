// The Dockerfile, read and checked without Docker: the stages, the install step (the same
// bootstrap script CI runs, run here the way the image runs it), the entrypoint, the
// healthcheck, the volume, the exposed ports (against what the services really listen on),
// the labels (against package.json), .dockerignore, and hadolint-style rules.
// tests/container/pid1.test.ts runs the ENTRYPOINT itself as PID 1.
import { execa } from 'execa';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLoopback } from '../../src/services/shared/backend-bind.js';
import { loadRoleCatalog } from '../../src/roles/catalog.js';
import { planServices } from '../../src/roles/plan.js';
import { VARIABLES } from '../../src/settings/variables.js';
import { buildServices } from '../../src/supervisor/build.js';
import { memoryLogger, testSettings } from '../helpers/env.js';
import { execForm, keyValues, parseDockerfile, readImage, REPO } from './dockerfile.js';

const image = readImage();
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  description: string;
  license: string;
  bin: Record<string, string>;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
};
const defaultOf = (name: string) => VARIABLES.find((v) => v.name === name)!.shownDefault;
const runs = (stage = image.runtime) => stage.instructions.filter((x) => x.keyword === 'RUN').map((x) => x.rest);
const BASE = 'node:22-bookworm-slim';

describe('the stages', () => {
  test(`two stages on ${BASE}: the build stage compiles, the runtime stage takes only dist/ from it`, () => {
    expect(image.stages.map((s) => s.from)).toEqual([BASE, BASE]);
    const build = image.stages[0];
    expect(build.name).toBe('build');
    expect(runs(build)).toEqual(['npm ci --no-audit --no-fund --loglevel=error', 'npm run build']);
    expect(pkg.scripts.build).toMatch(/^tsc /);
    const fromBuild = image.all('COPY').filter((x) => x.flags.from);
    expect(fromBuild.map((x) => [x.flags.from, x.rest])).toEqual([['build', '/src/dist ./dist']]);
  });

  test('no `# syntax=` directive: with it BuildKit first fetches a frontend image from a registry', () => {
    const text = readFileSync(join(REPO, 'Dockerfile'), 'utf8');
    expect(text).not.toMatch(/^#\s*syntax\s*=/im);
  });

  test('no compiler at run time: production packages only, no TypeScript runner among them', () => {
    const install = runs().find((r) => r.startsWith('npm ci'));
    expect(install).toMatch(/^npm ci --omit=dev /);
    expect(runs().join('\n')).not.toMatch(/\b(tsc|tsx|npm run build|npm install)\b/);
    for (const compiler of ['typescript', 'tsx', 'ts-node', 'ts-jest'])
      expect(pkg.dependencies).not.toHaveProperty(compiler);
    expect(image.env).toMatchObject({ NODE_ENV: 'production' });
  });
});

describe('the Debian packages: the bootstrap script CI uses', () => {
  const bootstrapRun = runs().find((r) => r.includes('bootstrap.sh'))!;

  test('the image runs scripts/bootstrap.sh --no-npm, the script `npm test` runs', () => {
    expect(bootstrapRun).toMatch(/^bash scripts\/bootstrap\.sh --no-npm /);
    expect(image.all('COPY').map((x) => x.rest)).toContain('scripts/bootstrap.sh scripts/bootstrap.sh');
    expect(pkg.scripts.test).toMatch(/^bash scripts\/bootstrap\.sh --test && /);
    expect(pkg.scripts.start).toMatch(/^bash scripts\/bootstrap\.sh && /);
  });

  test('the install is non-interactive, without recommends, starts no service, and leaves no apt lists', () => {
    const script = readFileSync(join(REPO, 'scripts/bootstrap.sh'), 'utf8');
    expect(script).toMatch(/^ {2}export DEBIAN_FRONTEND=noninteractive$/m);
    expect(script).toMatch(/apt-get install -y -qq --no-install-recommends /);
    expect(script).toMatch(/\/usr\/sbin\/policy-rc\.d/);
    expect(script).toMatch(/apt-get update/);
    // In the same layer as the install, so the lists never reach the image.
    expect(bootstrapRun).toMatch(/&& rm -rf \/var\/lib\/apt\/lists\/\*/);
  });

  test('every RUN is valid for /bin/sh (dash), the shell of the shell form', async () => {
    for (const command of image.stages.flatMap((s) => runs(s))) {
      const check = await execa('/bin/sh', ['-n', '-c', command], { reject: false });
      expect([command, check.exitCode, check.stderr]).toEqual([command, 0, '']);
    }
  });

  test('run as the image runs it, the script finds every package installed (CI installed them)', async () => {
    const result = await execa('bash', ['scripts/bootstrap.sh', '--no-npm'], {
      cwd: REPO,
      reject: false,
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      extendEnv: false,
    });
    expect([result.exitCode, result.stderr]).toEqual([0, '']);
    expect(result.stdout).not.toMatch(/installing/);
  }, 300_000);

  test("tini, the ENTRYPOINT's PID 1, is one of the packages the script installs", async () => {
    expect(image.entrypoint[0]).toBe('/usr/bin/tini');
    const owner = await execa('dpkg', ['-S', '/usr/bin/tini']);
    expect(owner.stdout).toBe('tini: /usr/bin/tini');
    expect(readFileSync(join(REPO, 'scripts/bootstrap.sh'), 'utf8')).toMatch(/^packages=\([^)]*\btini\b/m);
  });
});

describe('how the container runs', () => {
  test('ENTRYPOINT: tini as PID 1, then node running the compiled CLI; CMD: run', () => {
    expect(image.workdir).toBe('/opt/rolevisor');
    expect(image.entrypoint).toEqual([
      '/usr/bin/tini',
      '--',
      'node',
      '--max-semi-space-size=1',
      '--',
      `${image.workdir}/${pkg.bin.rolevisor}`,
    ]);
    expect(pkg.bin.rolevisor).toBe('dist/cli.js');
    expect(image.cmd).toEqual(['run']);
  });

  test('STOPSIGNAL SIGTERM: the signal rolevisor stops on (backup first)', () => {
    expect(image.last('STOPSIGNAL').rest).toBe('SIGTERM');
  });

  test('HEALTHCHECK asks /healthz on STATUSPORT (default 8088) with node: the image has no curl', () => {
    const check = image.last('HEALTHCHECK');
    expect(check.rest).toMatch(/^CMD \[/);
    const argv = execForm(check.rest.slice('CMD '.length));
    expect(argv.slice(0, 2)).toEqual(['node', '-e']);
    expect(argv[2]).toContain('/healthz');
    expect(argv[2]).toContain(`process.env.STATUSPORT || '${defaultOf('STATUSPORT')}'`);
    expect(defaultOf('STATUSPORT')).toBe('8088');
    // The check's own deadline is shorter than Docker's, so it fails rather than hangs.
    const seconds = (v: string | undefined) => Number(/^(\d+)s$/.exec(v ?? '')?.[1]);
    expect(seconds(check.flags.timeout) * 1000).toBeGreaterThan(
      Number(/AbortSignal\.timeout\((\d+)\)/.exec(argv[2])?.[1]),
    );
    expect(seconds(check.flags.interval)).toBeGreaterThanOrEqual(5);
    expect(seconds(check.flags['start-period'])).toBeGreaterThanOrEqual(60);
  });

  test("VOLUME is ROLEVISOR_HOME's default", () => {
    expect(image.last('VOLUME').rest).toBe(defaultOf('ROLEVISOR_HOME'));
    expect(defaultOf('ROLEVISOR_HOME')).toBe('/var/lib/rolevisor');
  });

  test('EXPOSE lists exactly what each role (alone, HTTPS on) and the status server listen on beyond loopback', async () => {
    const catalog = loadRoleCatalog();
    const { log } = memoryLogger();
    const listening = new Set<string>([`${defaultOf('STATUSPORT')}/tcp`]);
    for (const role of catalog.names()) {
      const settings = testSettings({ CONTAINERROLE: role, USEHTTPS: 'true' });
      const built = await buildServices(settings, planServices(settings.roles, catalog), catalog.dir, log);
      for (const listener of built.flatMap((b) => b.service.listeners())) {
        if (isLoopback(listener.bind)) continue;
        for (const protocol of (listener.protocol ?? 'tcp').split('+')) listening.add(`${listener.port}/${protocol}`);
      }
    }
    const exposed = image
      .all('EXPOSE')
      .flatMap((x) => x.rest.split(/\s+/))
      .map((p) => (p.includes('/') ? p : `${p}/tcp`));
    expect(new Set(exposed).size).toBe(exposed.length);
    expect([...exposed].sort()).toEqual([...listening].sort());
    expect(exposed).toEqual([
      '80/tcp',
      '443/tcp',
      '5432/tcp',
      '6379/tcp',
      '5672/tcp',
      '514/tcp',
      '514/udp',
      '8080/tcp',
      '8088/tcp',
    ]);
  });

  test('role all: only the web, the log viewer and the status server listen beyond loopback, as the docs say', async () => {
    const catalog = loadRoleCatalog();
    const settings = testSettings({});
    const built = await buildServices(settings, planServices(settings.roles, catalog), catalog.dir, memoryLogger().log);
    const outside = built
      .flatMap((b) => b.service.listeners().map((l) => ({ ...l, owner: b.plan.name })))
      .filter((l) => !isLoopback(l.bind))
      .map((l) => `${l.owner} ${l.port}`);
    expect([...new Set(outside)].sort()).toEqual(['logviewer 8080', 'nginx 80']);
    const guide = readFileSync(join(REPO, 'docs/container.md'), 'utf8').replace(/\s+/g, ' ');
    expect(guide).toContain(
      'When every role runs in one container, PostgreSQL, Redis, RabbitMQ and syslog listen on loopback only',
    );
    expect(guide).toContain('the log viewer (8080) listens on all interfaces');
  });

  test('OCI labels say what the image is, as package.json does', () => {
    const labels = Object.assign({}, ...image.all('LABEL').map((x) => keyValues(x.rest))) as Record<string, string>;
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': pkg.name,
      'org.opencontainers.image.description': pkg.description,
      'org.opencontainers.image.version': pkg.version,
      'org.opencontainers.image.licenses': pkg.license,
      'org.opencontainers.image.base.name': `docker.io/library/${BASE}`,
    });
    for (const key of Object.keys(labels)) expect(key).toMatch(/^org\.opencontainers\.image\.[a-z.]+$/);
  });
});

describe('the build context and hadolint-style rules', () => {
  const all = parseDockerfile(readFileSync(join(REPO, 'Dockerfile'), 'utf8'));
  const ignored = readFileSync(join(REPO, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  // Docker's rule for these simple patterns: a path is out if it or one of its parents matches.
  const glob = (pattern: string) =>
    new RegExp(
      `^${pattern
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '\0')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replace(/\0/g, '(?:.*/)?')}$`,
    );
  const isIgnored = (path: string) =>
    path.split('/').some((_, i, parts) => ignored.some((p) => glob(p).test(parts.slice(0, i + 1).join('/'))));

  test('.dockerignore keeps local state out and lets in every file the Dockerfile copies', () => {
    const sources = all
      .filter((x) => x.keyword === 'COPY' && !x.flags.from)
      .flatMap((x) => x.rest.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(4);
    for (const source of sources) {
      expect([source, existsSync(join(REPO, source))]).toEqual([source, true]);
      expect([source, isIgnored(source)]).toEqual([source, false]);
    }
    for (const local of [
      'node_modules',
      'dist',
      '.git',
      'env.list',
      // Every env file, wherever it is and whatever it is called: they hold the secrets.
      'prod.list',
      'config/backend.env.list',
      'app.env',
      'deploy/.env',
      '.env.production',
      'tests/container/pid1.test.ts',
      'roles/web/demo/__pycache__/app.cpython-311.pyc',
    ])
      expect([local, isIgnored(local)]).toEqual([local, true]);
  });

  test('pinned bases, exec forms, COPY not ADD, no cd, no sudo, no curl or wget, absolute WORKDIR', () => {
    for (const from of all.filter((x) => x.keyword === 'FROM'))
      expect(from.rest).toMatch(/^[a-z0-9./-]+:(?!latest\b)[\w.-]+( AS \w+)?$/);
    expect(all.some((x) => x.keyword === 'ADD')).toBe(false);
    for (const x of all.filter((i) => i.keyword === 'ENTRYPOINT' || i.keyword === 'CMD'))
      expect(x.rest.startsWith('[')).toBe(true);
    for (const x of all.filter((i) => i.keyword === 'RUN'))
      expect(x.rest).not.toMatch(/(^|&&|;)\s*(cd|sudo)\s|\b(curl|wget|apt-get upgrade)\b/);
    for (const x of all.filter((i) => i.keyword === 'WORKDIR')) expect(x.rest).toMatch(/^\//);
    expect(all.filter((x) => x.keyword === 'ENTRYPOINT')).toHaveLength(1);
    expect(all.filter((x) => x.keyword === 'HEALTHCHECK')).toHaveLength(1);
  });
});

describe('the documentation quotes the Dockerfile as it is', () => {
  const guide = readFileSync(join(REPO, 'docs/container.md'), 'utf8');
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

  test('docs/container.md: the entrypoint, the healthcheck timing and every exposed port', () => {
    expect(guide).toContain(`ENTRYPOINT ${JSON.stringify(image.entrypoint).replace(/","/g, '", "')}`);
    expect(guide).toContain(`CMD ${JSON.stringify(image.cmd)}`);
    const check = image.last('HEALTHCHECK');
    const spaced = (v: string | undefined) => String(v).replace(/^(\d+)s$/, '$1 s');
    expect(guide).toContain(`every ${spaced(check.flags.interval)}`);
    expect(guide).toContain(`during the first ${spaced(check.flags['start-period'])}`);
    for (const port of image.all('EXPOSE').flatMap((x) => x.rest.split(/\s+/)))
      expect(guide).toMatch(new RegExp(`\\b${port.replace('/', '\\/')}\\b`));
  });

  test("guide: Redis's overcommit warning at every boot, what it means and the host's sysctl that removes it", () => {
    const section = guide.split(/^## /m).find((s) => s.startsWith('Messages at boot')) ?? '';
    expect(section).toContain('WARNING Memory overcommit must be enabled!');
    expect(section).toMatch(/fork .*fail/s);
    expect(section).toContain('sysctl -w vm.overcommit_memory=1');
    expect(section).toMatch(/host/);
  });

  test('README and guide: build, run with the volume, and a stop that waits at least STOPTIMEOUT', () => {
    for (const text of [readme, guide]) {
      expect(text).toContain('docker build -t rolevisor .');
      expect(text).toMatch(
        new RegExp(
          `docker run .*--env-file=env\\.list .*-v rolevisor:${image.last('VOLUME').rest} (--stop-timeout \\d+ )?rolevisor`,
        ),
      );
      const grace = Number(/docker stop -t (\d+)/.exec(text)?.[1]);
      expect(grace).toBeGreaterThanOrEqual(Number(defaultOf('STOPTIMEOUT')));
      // Every `docker run -d` sets the grace once for the container: a plain `docker stop`
      // (Docker's 10 s) would SIGKILL rolevisor in the middle of its backup.
      const runs = text.match(/^docker run -d (?:.*\\\n)*.*$/gm) ?? [];
      expect(runs.length).toBeGreaterThan(0);
      for (const run of runs) {
        const timeout = Number(/--stop-timeout (\d+)/.exec(run)?.[1]);
        expect([run, timeout >= Number(defaultOf('STOPTIMEOUT'))]).toEqual([run, true]);
      }
    }
    // Compose and ECS examples set theirs explicitly too.
    const compose = readFileSync(join(REPO, 'docs/deploy/compose/docker-compose.yml'), 'utf8');
    const services = /^services:\n((?: .*\n|\n)*)/m.exec(compose)?.[1]?.match(/^ {2}\w[\w-]*:$/gm) ?? [];
    expect(services.length).toBeGreaterThan(0);
    expect((compose.match(/^ {4}stop_grace_period: \d+s$/gm) ?? []).length).toBe(services.length);
    for (const task of ['app-task.json', 'backend-task.json', 'backend-task-ec2-host.json']) {
      const json = JSON.parse(readFileSync(join(REPO, 'docs/deploy/ecs', task), 'utf8')) as {
        containerDefinitions: { stopTimeout?: number }[];
      };
      for (const c of json.containerDefinitions)
        expect([task, (c.stopTimeout ?? 0) >= Number(defaultOf('STOPTIMEOUT'))]).toEqual([task, true]);
    }
    expect(readme).toMatch(/^npm start$/m);
    expect(readme).toMatch(/^npm test$/m);
  });
});

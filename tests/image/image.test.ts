// The image on a real engine, used as a person would: Debian's docker.io, a dockerd of our
// own (engine.ts), the base image made here when no registry answers (base-image.ts), the
// Dockerfile built unchanged with BuildKit, then `docker run --env-file`, `docker exec …
// rolevisor status`, the demo app and a job, `docker stop` with Docker's default grace, a new
// container on the same volume, a new data volume restored from the store volume, `check`
// both ways, and the seeds' env.list against an unreachable S3. The engine and everything it
// made are removed at the end, or by the janitor if this process dies.
// Needs root and a kernel with overlayfs (docs/container.md). Lean on purpose (one build,
// three boots): `npm test` must stay within its time on a 2-core machine.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBaseImage } from './base-image.js';
import { ensureDockerInstalled, startEngine, type Engine } from './engine.js';

import { REPO } from '../container/dockerfile.js';
const IMAGE = 'rolevisor-image-test';
const DBPASSWORD = 'image-test-db-pw-41c9';
const SEED_ENV = join(REPO, 'tests/fixtures/env/seed-webserver.env.list');
const BOOT_MS = 300_000;
const timings: string[] = [];
const say = (line: string) => process.stderr.write(`image test: ${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function timed<T>(what: string, step: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await step();
  timings.push(`${what}: ${seconds(Date.now() - started)}`);
  say(`${what}: ${seconds(Date.now() - started)}`);
  return result;
}

interface AppState {
  visits: number;
  cache_hits: number;
  jobs_done: number;
}

describe('the image, built and run by a real engine', () => {
  let engine: Engine | undefined;
  let envFile: string;
  const started = Date.now();
  const docker = (args: string[], options?: Parameters<Engine['docker']>[1]) => engine!.docker(args, options);

  async function inspect(name: string, format: string): Promise<string> {
    return (await docker(['inspect', '--format', format, name])).stdout.trim();
  }

  /** Runs a container detached; waits until Docker's HEALTHCHECK says healthy and returns its bridge address. */
  async function runHealthy(name: string, args: string[]): Promise<string> {
    await docker(['run', '-d', '--name', name, '--env-file', envFile, ...args, IMAGE]);
    const begun = Date.now();
    for (;;) {
      const [state, health] = (await inspect(name, '{{.State.Status}} {{.State.Health.Status}}')).split(' ');
      // Healthy is "the supervisor is alive"; ready (/readyz) is "every service answers".
      if (health === 'healthy' && (await readyz(await inspect(name, '{{.NetworkSettings.IPAddress}}')))) break;
      if (state !== 'running' || Date.now() - begun > BOOT_MS) {
        const logs = await docker(['logs', '--tail', '30', name], { reject: false });
        throw new Error(`${name} is ${state}/${health} after ${seconds(Date.now() - begun)}:\n${logs.all}`);
      }
      await sleep(1000);
    }
    timings.push(`${name} healthy: ${seconds(Date.now() - begun)}`);
    return inspect(name, '{{.NetworkSettings.IPAddress}}');
  }

  async function readyz(address: string): Promise<boolean> {
    try {
      return (await fetch(`http://${address}:8088/readyz`, { signal: AbortSignal.timeout(5000) })).status === 200;
    } catch {
      return false;
    }
  }

  async function api(address: string, method: 'GET' | 'POST', path: string): Promise<Record<string, unknown>> {
    const response = await fetch(`http://${address}${path}`, { method, signal: AbortSignal.timeout(20_000) });
    expect([path, response.status]).toEqual([path, 200]);
    return (await response.json()) as Record<string, unknown>;
  }

  const state = async (address: string) => (await api(address, 'GET', '/api/state')) as unknown as AppState;

  /** `docker stop` without -t (Docker's default grace, 10 s); returns the exit code and the time. */
  async function dockerStop(name: string): Promise<{ exitCode: number; ms: number }> {
    const begun = Date.now();
    await docker(['stop', name]);
    const ms = Date.now() - begun;
    timings.push(`${name} docker stop: ${seconds(ms)}`);
    return { exitCode: Number(await inspect(name, '{{.State.ExitCode}}')), ms };
  }

  async function generations(storeVolume: string): Promise<{ id: string; verified: boolean }[]> {
    const result = await docker([
      'run',
      '--rm',
      '--network',
      'none',
      '-v',
      `${storeVolume}:/store`,
      '-e',
      'BACKUPDIR=/store',
      '-e',
      `DBPASSWORD=${DBPASSWORD}`,
      IMAGE,
      'generations',
      '--verify',
      '--json',
    ]);
    return (JSON.parse(result.stdout) as { generations: { id: string; verified: boolean }[] }).generations;
  }

  beforeAll(async () => {
    await timed('install docker.io', () => ensureDockerInstalled(say));
    engine = await timed('start dockerd', () => startEngine(say));
    const base = await timed('base image', () => ensureBaseImage(engine!.argv, say));
    timings.push(`base image from: ${base}`);
    // BuildKit (DOCKER_BUILDKIT=1: Docker 20.10's own; a 23+ CLI uses it by default). The
    // build's RUN steps use the host's network: the bridge has no masquerading here.
    await timed('docker build (BuildKit)', () =>
      docker(['build', '--network', 'host', '--progress', 'plain', '-t', IMAGE, '.'], {
        cwd: REPO,
        extraEnv: { DOCKER_BUILDKIT: '1' },
      }),
    );
    envFile = join(engine.spec.dir, 'env.list');
    // The README's env.list: DBPASSWORD at least. Backups go to their own volume.
    writeFileSync(envFile, `DBPASSWORD=${DBPASSWORD}\nBACKUPDIR=/store\n`, { mode: 0o600 });
  }, 1_500_000);

  afterAll(async () => {
    if (engine) await engine.stop().catch((error: unknown) => say(`stopping the engine: ${String(error)}`));
    say(`timings:\n  ${timings.join('\n  ')}\n  total: ${seconds(Date.now() - started)}`);
  }, 120_000);

  let first: AppState;

  test(
    'docker run --env-file: healthy; docker exec … rolevisor status; the demo app and a job',
    async () => {
      const address = await runHealthy('rv1', ['-v', 'rvdata1:/var/lib/rolevisor', '-v', 'rvstore:/store']);
      const status = await docker(['exec', 'rv1', 'rolevisor', 'status'], { reject: false });
      expect([status.exitCode, status.stderr]).toEqual([0, '']);
      expect(status.stdout).toMatch(/^rolevisor .*, ready, up /);
      for (const service of ['postgres', 'redis', 'rabbitmq', 'syslog', 'nginx', 'uwsgi', 'celery'])
        expect(status.stdout).toMatch(new RegExp(`^${service} .*\\bready\\b`, 'm'));
      const before = await state(address);
      await api(address, 'POST', '/api/visit');
      await api(address, 'POST', '/api/job');
      const deadline = Date.now() + 60_000;
      let now = await state(address);
      while (now.jobs_done !== before.jobs_done + 1 && Date.now() < deadline) {
        await sleep(500);
        now = await state(address);
      }
      expect(now).toMatchObject({ visits: before.visits + 1, jobs_done: before.jobs_done + 1 });
      first = now;
      const page = await fetch(`http://${address}/`, { signal: AbortSignal.timeout(20_000) });
      expect(await page.text()).toContain('<html');
    },
    BOOT_MS + 120_000,
  );

  test("docker stop with Docker's default grace: exit 0 and a verified generation", async () => {
    const { exitCode } = await dockerStop('rv1');
    expect(exitCode).toBe(0);
    const gens = await generations('rvstore');
    expect(gens.length).toBeGreaterThanOrEqual(1);
    expect(gens[0].verified).toBe(true);
    // A boot, the demo app, a job and a stop, without the noise the engine had shown: no
    // connection left for RabbitMQ to find dropped, no ::1 for epmd (at debug, not shown),
    // no listener leak warning, and no error from any service.
    const logs = (await docker(['logs', 'rv1'])).all;
    expect(logs).toMatch(/all services ready/);
    for (const noise of [/unexpectedly closed TCP connection/, /failed to bind on ipaddr ::1/, /MaxListenersExceeded/])
      expect([String(noise), noise.test(logs)]).toEqual([String(noise), false]);
    const errors = logs.split('\n').filter((l) => l.startsWith('{"level":"error"') && l.includes('"stream":"child"'));
    expect(errors).toEqual([]);
  }, 120_000);

  test(
    'a new container on the same volume carries on',
    async () => {
      const address = await runHealthy('rv2', ['-v', 'rvdata1:/var/lib/rolevisor', '-v', 'rvstore:/store']);
      expect(await state(address)).toMatchObject({ visits: first.visits, jobs_done: first.jobs_done });
      await api(address, 'POST', '/api/visit');
      first = await state(address);
      expect((await dockerStop('rv2')).exitCode).toBe(0);
    },
    BOOT_MS + 120_000,
  );

  test(
    'a new data volume is restored from the store volume',
    async () => {
      const address = await runHealthy('rv3', ['-v', 'rvdata2:/var/lib/rolevisor', '-v', 'rvstore:/store']);
      expect(await state(address)).toMatchObject({ visits: first.visits, jobs_done: first.jobs_done });
      const logs = await docker(['logs', 'rv3']);
      expect(logs.all).toMatch(/restor/i);
      expect((await dockerStop('rv3')).exitCode).toBe(0);
    },
    BOOT_MS + 120_000,
  );

  test('docker run IMAGE check and docker run IMAGE rolevisor check print the same plan', async () => {
    const plain = await docker(['run', '--rm', '--network', 'none', '--env-file', envFile, IMAGE, 'check'], {
      reject: false,
    });
    const named = await docker(
      ['run', '--rm', '--network', 'none', '--env-file', envFile, IMAGE, 'rolevisor', 'check'],
      {
        reject: false,
      },
    );
    expect([plain.exitCode, plain.stderr]).toEqual([0, '']);
    expect([named.exitCode, named.stderr]).toEqual([0, '']);
    expect(named.stdout).toBe(plain.stdout);
    expect(plain.stdout).toMatch(/postgres/);
  }, 120_000);

  test("the seeds' env.list, S3 unreachable: exit 75 within STORECHECKTIMEOUT (60 s, the default)", async () => {
    expect(readFileSync(SEED_ENV, 'utf8')).not.toMatch(/STORECHECKTIMEOUT/);
    const begun = Date.now();
    const result = await docker(['run', '--rm', '--name', 'rvseed', '--env-file', SEED_ENV, IMAGE], {
      reject: false,
      timeout: 240_000,
    });
    const ms = Date.now() - begun;
    timings.push(`seeds' env.list exit ${result.exitCode}: ${seconds(ms)}`);
    // From rolevisor's first line to its last (the container's and Node's start are not in the bound).
    const times = result.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => Date.parse((JSON.parse(l) as { time: string }).time));
    const boundMs = times.at(-1)! - times[0];
    timings.push(`seeds' env.list, rolevisor's own time to exit 75: ${seconds(boundMs)}`);
    expect(boundMs).toBeLessThan(60_000 + 5000);
    expect([result.exitCode, result.all.split('\n').filter((l) => /RV_STORE_UNREACHABLE/.test(l)).length > 0]).toEqual([
      75,
      true,
    ]);
    // The bound, plus the container's start and Node's, on a loaded 2-core machine.
    expect(ms).toBeLessThan(60_000 + 40_000);
  }, 300_000);

  test('stopping the engine leaves no daemon, container, mount or interface behind', async () => {
    const left = await engine!.stop();
    engine = undefined;
    expect(left).toEqual([]);
  }, 300_000);
});

// The command line as a user meets it: bad input → one line per problem and exit 78, never
// a stack trace; check prints the plan; render-config prints YAML.
import yaml from 'js-yaml';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, tempHome } from '../helpers/env.js';
import { RolevisorProcess, runCli } from '../helpers/rolevisor-process.js';

describe('rolevisor CLI', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  beforeAll(async () => {
    home = await tempHome();
  });
  afterAll(() => home.cleanup());

  test('invalid settings: exit 78, every problem on its own line, secrets hidden, no stack trace', async () => {
    const result = await runCli(['run'], {
      ROLEVISOR_HOME: home.dir,
      DBPORT: 'abc',
      CONTAINERROLE: 'web:bogus',
      DBPASSWORD: 'pw',
      REDIS: 'http://:sekrit@x',
    });
    expect(result.exitCode).toBe(78);
    const lines = result.stderr.split('\n');
    expect(lines[0]).toBe(
      'rolevisor: RV_CONFIG_INVALID: 3 settings are invalid; fix them in the environment or env-file',
    );
    expect(lines.slice(1)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}DBPORT: /),
        expect.stringMatching(/^ {2}REDIS: .*hidden/),
        expect.stringMatching(/^ {2}CONTAINERROLE: .*unknown role "bogus"/),
      ]),
    );
    expect(result.stderr).not.toMatch(/sekrit|\bat .*\.ts:\d+/);
    expect(result.stdout).toBe('');
  });

  test('--env-file: a missing file is exit 78 with the path', async () => {
    const result = await runCli(['check', '--env-file', join(home.dir, 'nope.env')], {});
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toMatch(/^rolevisor: RV_ENV_FILE_UNREADABLE: cannot read env-file .*nope\.env \(ENOENT\)/);
  });

  test('usage errors: exit 64', async () => {
    expect((await runCli(['frobnicate'], {})).exitCode).toBe(64);
    const bad = await runCli(['check', '--nope'], {});
    expect(bad.exitCode).toBe(64);
    expect(bad.stderr).toMatch(/RV_USAGE: .*--nope.*rolevisor check --help/);
    expect((await runCli([], {})).exitCode).toBe(64);
  });

  test('the program name first, as after an image name (docker run IMAGE rolevisor check), is the same command', async () => {
    const env = { ROLEVISOR_HOME: home.dir, DBPASSWORD: 'pw' };
    const plain = await runCli(['check'], env);
    const named = await runCli(['rolevisor', 'check'], env);
    expect([named.exitCode, named.stderr]).toEqual([0, '']);
    expect(named.stdout).toBe(plain.stdout);
    expect((await runCli(['rolevisor', '--version'], {})).exitCode).toBe(0);
    expect((await runCli(['rolevisor'], {})).exitCode).toBe(64);
  });

  test('--help on each command', async () => {
    for (const command of ['run', 'check', 'render-config']) {
      const result = await runCli([command, '--help'], {});
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toContain(`Usage: rolevisor ${command}`);
    }
  });

  test('check in role all: the log role binds as EXPOSE and docs/container.md say (syslog loopback, viewer all)', async () => {
    const result = await runCli(['check'], { ROLEVISOR_HOME: home.dir, DBPASSWORD: 'pw' });
    expect([result.exitCode, result.stderr]).toEqual([0, '']);
    expect(result.stdout).toMatch(/^roles: +all /m);
    expect(result.stdout).toMatch(/^ {2}syslog .*\n\s+listens 127\.0\.0\.1:514\/tcp\+udp \(syslog\)$/m);
    expect(result.stdout).toMatch(/^ {2}logviewer .*\n\s+listens 0\.0\.0\.0:8080\/tcp \(logviewer\)$/m);
    for (const backend of ['5432', '6379', '5672', '4369', '25672'])
      expect(result.stdout).toMatch(new RegExp(`listens 127\\.0\\.0\\.1:${backend}/tcp`));
  });

  test('check prints the plan: roles, services, ports, data dirs, store', async () => {
    const envFile = join(home.dir, 'env.list');
    await writeFile(envFile, `CONTAINERROLE=sql:redis\nROLEVISOR_HOME=${home.dir}\nDBPORT=6543\n`);
    const result = await runCli(['check', '--env-file', envFile], {});
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^roles: +sql:redis/m);
    expect(result.stdout).toMatch(/postgres .*\n\s+listens 0\.0\.0\.0:6543\/tcp/);
    expect(result.stdout).toMatch(/redis .*\n\s+listens 0\.0\.0\.0:6379\/tcp/);
    expect(result.stdout).toContain(`data    ${home.dir}/data/postgres`);
    expect(result.stdout).toContain(`store:     local directory ${home.dir}/backup`);
    expect(result.stdout).toMatch(/settings are valid$/);
  });

  test('check prints the stop budget next to the last backup this volume recorded', async () => {
    const env = { ROLEVISOR_HOME: home.dir, DBPASSWORD: 'pw', STOPTIMEOUT: '45' };
    const before = await runCli(['check'], env);
    expect(before.stdout).toMatch(
      /at least 45 s before SIGKILL \(docker run --stop-timeout 45, .*\); last backup: none recorded here yet/,
    );
    await writeFile(
      join(home.dir, 'last-backup.json'),
      JSON.stringify({
        ok: true,
        trigger: 'stop',
        startedAt: Date.parse('2026-01-02T03:04:05Z'),
        durationMs: 12_345,
        bytes: 1,
      }),
    );
    const after = await runCli(['check'], env);
    expect(after.stdout).toMatch(
      /at least 45 s before SIGKILL .*; last backup: 12\.3 s \(ok, stop, 2026-01-02T03:04:05\.000Z\)/,
    );
  });

  test('check says where an app host finds each backend service, without credentials', async () => {
    const result = await runCli(['check'], {
      ROLEVISOR_HOME: home.dir,
      CONTAINERROLE: 'web:celery',
      RABBITMQ: 'amqp://app:mq-sekrit@mq.internal:5672/',
      DISCOVERYTIMEOUT: '90',
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(
      /^ {2}sql +discovery records in the store, waiting up to 90 s \(DISCOVERYTIMEOUT\)$/m,
    );
    expect(result.stdout).toMatch(/^ {2}rabbitmq +RABBITMQ=amqp:\/\/mq\.internal:5672$/m);
    expect(result.stdout).toMatch(/^ {2}log +discovery records in the store when one appears \(optional\)$/m);
    expect(result.stdout).not.toContain('mq-sekrit');
  });

  test('check refuses two services on one port', async () => {
    const result = await runCli(['check'], { ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'sql:redis', REDISPORT: '5432' });
    expect(result.exitCode).toBe(78);
    expect(result.stderr).toMatch(/port 5432\/tcp is wanted by both postgres .* and redis/);
  });

  test('render-config prints config.yml with the docassemble keys', async () => {
    const result = await runCli(['render-config'], {
      ROLEVISOR_HOME: home.dir,
      DBNAME: 'shop',
      DAHOSTNAME: 'shop.example',
    });
    expect(result.exitCode).toBe(0);
    const config = yaml.load(result.stdout) as { db: { name: string }; 'external hostname': string };
    expect(config.db.name).toBe('shop');
    expect(config['external hostname']).toBe('shop.example');
  });
});

test('status without a running instance: exit 69 and what to do', async () => {
  const home = await tempHome();
  const result = await runCli(['status'], { ROLEVISOR_HOME: home.dir });
  await home.cleanup();
  expect(result.exitCode).toBe(69);
  expect(result.stderr).toMatch(
    /^rolevisor: RV_CONTROL_UNREACHABLE: .*no rolevisor is running with this ROLEVISOR_HOME/,
  );
});

test('an app host whose backend never publishes: exit 79 naming what is missing, no service started', async () => {
  const home = await tempHome();
  const result = await runCli(['run'], {
    ROLEVISOR_HOME: home.dir,
    CONTAINERROLE: 'web:celery',
    DISCOVERYTIMEOUT: '2',
    STATUSPORT: String(await freePort()),
  });
  await home.cleanup();
  expect(result.exitCode).toBe(79);
  const lines = result.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { msg: string });
  expect(lines.some((l) => /^started /.test(l.msg))).toBe(false);
  expect(lines.at(-1)?.msg).toMatch(
    /RV_DISCOVERY_TIMEOUT: no fresh discovery record for sql, redis, rabbitmq in the local directory .* after 2 s; start the backend/,
  );
});

test('LOGFORMAT=pretty: one readable line per event; json (the default off a terminal): one object per line', async () => {
  const home = await tempHome();
  const env = { ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'web:celery', DISCOVERYTIMEOUT: '1' };
  try {
    const pretty = await runCli(['run'], { ...env, LOGFORMAT: 'pretty', STATUSPORT: String(await freePort()) });
    expect(pretty.exitCode).toBe(79);
    const lines = pretty.stdout.split('\n').filter(Boolean);
    expect(lines.some((l) => l.startsWith('{'))).toBe(false);
    expect(lines[0]).toMatch(
      /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: rolevisor \S+ starting roles web, celery {"roles":\["web","celery"\]/,
    );
    expect(pretty.stdout).toMatch(/ERROR: rolevisor: RV_DISCOVERY_TIMEOUT/);
    const json = await runCli(['run'], { ...env, STATUSPORT: String(await freePort()) });
    expect(
      json.stdout
        .split('\n')
        .filter(Boolean)
        .every((l) => l.startsWith('{')),
    ).toBe(true);
  } finally {
    await home.cleanup();
  }
});

test('an app host waiting for its backend says what it waits for: in the log, /readyz and status', async () => {
  const home = await tempHome();
  const statusPort = await freePort();
  const env = { ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'web:celery', DISCOVERYTIMEOUT: '300' };
  const waiting = new RolevisorProcess(['run'], { ...env, STATUSPORT: String(statusPort) });
  try {
    const logged = await waiting.waitForMessage(/^waiting for the backend/, 30_000);
    expect(logged.msg).toMatch(/sql/);
    const ready = await fetch(`http://127.0.0.1:${statusPort}/readyz`);
    const body = (await ready.json()) as { waitingFor?: string; notReady: string[] };
    expect(ready.status).toBe(503);
    expect(body.waitingFor).toMatch(/^the backend: .*sql.*DISCOVERYTIMEOUT/);
    expect(body.notReady).toEqual([expect.stringMatching(/^boot: waiting for the backend: .*sql/)]);
    const status = await runCli(['status'], { ...env, STATUSPORT: String(statusPort) });
    expect(status.exitCode).toBe(69);
    expect(status.stdout).toMatch(/^waiting for: the backend: .*sql.*redis.*rabbitmq/m);
  } finally {
    await waiting.stop('SIGTERM');
    await home.cleanup();
  }
});

test('SIGTERM while an app host waits for its backend: a clean exit 0 at once', async () => {
  const home = await tempHome();
  const waiting = new RolevisorProcess(['run'], {
    ROLEVISOR_HOME: home.dir,
    CONTAINERROLE: 'web:celery',
    DISCOVERYTIMEOUT: '300',
    STATUSPORT: String(await freePort()),
  });
  await waiting.waitForMessage(/^waiting for the backend/, 30_000);
  const { exitCode } = await waiting.stop('SIGTERM');
  await home.cleanup();
  expect(exitCode).toBe(0);
  expect(waiting.lines.some((l) => /^started /.test(l.msg))).toBe(false);
  expect(waiting.lines.at(-1)?.msg).toBe('rolevisor stopped cleanly');
});

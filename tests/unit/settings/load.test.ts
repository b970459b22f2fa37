import { fileURLToPath } from 'node:url';
import { RolevisorError } from '../../../src/errors.js';
import { loadRoleCatalog } from '../../../src/roles/catalog.js';
import { readEnvFile } from '../../../src/settings/env-file.js';
import { loadSettings } from '../../../src/settings/load.js';

const catalog = loadRoleCatalog();
const load = (env: Record<string, string>) => loadSettings(env, catalog);
const problemsOf = (env: Record<string, string>): string[] => {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(RolevisorError);
    expect((error as RolevisorError).exitCode).toBe(78);
    return (error as RolevisorError).details;
  }
  throw new Error('expected invalid settings');
};

describe('loadSettings', () => {
  test('defaults: every role, local store under ROLEVISOR_HOME, 30 s grace', () => {
    const s = load({});
    expect(s.roles).toEqual(['sql', 'redis', 'rabbitmq', 'log', 'web', 'celery']);
    expect(s.singleHost).toBe(true);
    expect(s.home).toBe('/var/lib/rolevisor');
    expect(s.backupDir).toBe('/var/lib/rolevisor/backup');
    expect(s.stopTimeoutSec).toBe(30);
    expect(s.s3).toBeUndefined();
    expect(s.db).toMatchObject({
      name: 'docassemble',
      user: 'docassemble',
      port: 5432,
      prefix: 'postgresql+psycopg2://',
    });
  });

  test.each([
    ['true', true],
    ['YES', true],
    ['1', true],
    ['On', true],
    ['false', false],
    ['no', false],
    ['0', false],
    ['OFF', false],
  ])('boolean %s', (raw, value) => {
    expect(load({ USEHTTPS: raw }).web.useHttps).toBe(value);
  });

  test('CONTAINERROLE is a colon list; aliases expand; order follows the catalogue', () => {
    const s = load({ CONTAINERROLE: 'celery:web' });
    expect(s.roles).toEqual(['web', 'celery']);
    expect(s.singleHost).toBe(false);
    expect(load({ CONTAINERROLE: 'webserver' }).roles).toEqual(['web', 'celery']);
    expect(load({ CONTAINERROLE: 'sql:redis:rabbitmq:log:web:celery' }).singleHost).toBe(true);
    expect(load({ CONTAINERROLE: 'SQL:Redis' }).roles).toEqual(['sql', 'redis']);
  });

  test('an empty value means unset, as docker passes FOO=', () => {
    expect(load({ DBPORT: '', CONTAINERROLE: '' }).db.port).toBe(5432);
  });

  test('S3 is enabled by S3BUCKET alone and carries its settings', () => {
    const s = load({
      S3BUCKET: 'b',
      S3ENDPOINTURL: 'http://127.0.0.1:9000',
      S3ACCESSKEY: 'AK',
      S3SECRETACCESSKEY: 'SK',
    });
    expect(s.s3).toMatchObject({
      bucket: 'b',
      region: 'us-east-1',
      endpointUrl: 'http://127.0.0.1:9000',
      accessKeyId: 'AK',
    });
    expect(load({ S3BUCKET: 'b', S3ENABLE: 'false' }).s3).toBeUndefined();
  });

  test('LOGSERVER=null disables forwarding', () => {
    expect(load({ LOGSERVER: 'null' }).log).toMatchObject({ server: undefined, forwardingDisabled: true });
    expect(load({ LOGSERVER: 'log.example:5514' }).log.server).toBe('log.example:5514');
  });

  test('TIMEZONE must be an IANA zone the machine knows; LOGSERVER a host name or address (one line each)', () => {
    const problems = problemsOf({ TIMEZONE: 'Mars/Olympus_Mons', LOGSERVER: 'bad host name' });
    expect(problems).toHaveLength(2);
    expect(problems.find((p) => p.startsWith('TIMEZONE:'))).toMatch(/IANA time zone.*Mars\/Olympus_Mons/);
    expect(problems.find((p) => p.startsWith('LOGSERVER:'))).toMatch(/host name or IP address.*bad host name/);
    for (const zone of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])
      expect(load({ TIMEZONE: zone }).timezone).toBe(zone);
    for (const bad of ['Europe/Nowhere', '../etc/passwd', 'Europe/Berlin ; rm'])
      expect(problemsOf({ TIMEZONE: bad })[0]).toMatch(/^TIMEZONE:/);
    for (const server of ['log.internal', 'log.internal:5514', '10.0.0.5', '10.0.0.5:514', 'fd00::5', '[fd00::5]:514'])
      expect(load({ LOGSERVER: server }).log.server).toBe(server);
    for (const bad of ['log internal', 'log.internal:99999', 'http://log', 'a:b:c:d:zz', 'user@log'])
      expect(problemsOf({ LOGSERVER: bad })[0]).toMatch(/^LOGSERVER:/);
  });

  test('secrets are collected for redaction, including passwords inside URLs', () => {
    const s = load({
      DBPASSWORD: 'hunter22',
      RABBITMQ: 'amqp://app:s3cr%2Ft@mq:5672//',
      S3BUCKET: 'b',
      S3ACCESSKEY: 'AKIA1',
      S3SECRETACCESSKEY: 'SECRETKEY',
    });
    expect(s.secrets).toEqual(
      expect.arrayContaining(['hunter22', 's3cr/t', 'amqp://app:s3cr%2Ft@mq:5672//', 'AKIA1', 'SECRETKEY']),
    );
  });

  test('every problem is reported at once, one line each, with variable, expectation, value and fix', () => {
    const problems = problemsOf({
      DBPORT: 'abc',
      USEHTTPS: 'maybe',
      CONTAINERROLE: 'web:nosuch',
      STOPTIMEOUT: '0',
      S3ENABLE: 'true',
    });
    expect(problems).toHaveLength(5);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^DBPORT: expected a whole number from 1 to 65535.*received "abc"; fix DBPORT or unset it to use the default \(5432\)$/,
        ),
        expect.stringMatching(/^USEHTTPS: expected true or false.*received "maybe"/),
        expect.stringMatching(/^CONTAINERROLE: .*received "web:nosuch"; unknown role "nosuch"/),
        expect.stringMatching(/^STOPTIMEOUT: expected a whole number from 1 to 3600/),
        expect.stringMatching(/^S3BUCKET: expected a bucket name because S3ENABLE is true/),
      ]),
    );
    for (const line of problems) expect(line).not.toContain('\n');
  });

  test('secret values never appear in errors', () => {
    const problems = problemsOf({ REDIS: 'http://:topsecretpw@host', RABBITMQ: 'nonsense-with-secret' });
    expect(problems.join('\n')).not.toContain('topsecretpw');
    expect(problems.join('\n')).not.toContain('nonsense-with-secret');
    expect(problems[0]).toMatch(/received a value of \d+ characters \(hidden\)/);
  });

  test('cross-field checks: one S3 key without the other, more workers than the cap', () => {
    const problems = problemsOf({ S3BUCKET: 'b', S3ACCESSKEY: 'AK', DACELERYWORKERS: '8', DAMAXCELERYWORKERS: '4' });
    expect(problems).toEqual([
      expect.stringMatching(/^S3SECRETACCESSKEY: /),
      expect.stringMatching(/^DACELERYWORKERS: expected at most DAMAXCELERYWORKERS \(4\)/),
    ]);
  });

  test('uwsgi: cheaper mode needs fewer processes than UWSGIPROCESSES; threads are bounded', () => {
    expect(problemsOf({ UWSGIPROCESSES: '4', UWSGICHEAPER: '4' })).toEqual([
      expect.stringMatching(/^UWSGICHEAPER: expected fewer than UWSGIPROCESSES \(4\)/),
    ]);
    expect(problemsOf({ UWSGITHREADS: '0' })).toEqual([expect.stringMatching(/^UWSGITHREADS: /)]);
    expect(load({ UWSGIPROCESSES: '4', UWSGICHEAPER: '1', UWSGITHREADS: '2' }).web).toMatchObject({
      processes: 4,
      cheaper: 1,
      threads: 2,
      offloadThreads: 1,
    });
  });

  test('ports, paths, URLs and cron expressions are validated', () => {
    const problems = problemsOf({
      REDISPORT: '70000',
      ROLEVISOR_HOME: 'relative/path',
      S3ENDPOINTURL: 'ftp://x',
      BACKUPSCHEDULE: 'every day',
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'ROLEVISOR_HOME',
      'BACKUPSCHEDULE',
      'REDISPORT',
      'S3ENDPOINTURL',
    ]);
  });
});

describe("the seeds' env.list files are accepted unchanged", () => {
  const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/env/${name}`, import.meta.url));
  test.each([
    'seed-webserver.env.list',
    'seed-webserver-log.env.list',
    'seed-ecs-backend.env.list',
    'seed-ecs-app.env.list',
    'seed-ecs-all.env.list',
  ])('%s', async (name) => {
    const env = await readEnvFile(fixture(name), {});
    expect(() => load(env)).not.toThrow();
  });
});

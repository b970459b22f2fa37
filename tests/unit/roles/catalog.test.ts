import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRoleCatalog } from '../../../src/roles/catalog.js';
import { planServices } from '../../../src/roles/plan.js';

describe('the shipped roles', () => {
  const catalog = loadRoleCatalog();

  test('every role loads and names known concrete roles', () => {
    expect(catalog.names()).toEqual(['all', 'celery', 'cron', 'log', 'rabbitmq', 'redis', 'sql', 'web', 'webserver']);
  });

  test('all = every role with services, in dependency order', () => {
    const plan = planServices(catalog.expand('all').roles, catalog).map((p) => p.name);
    expect(plan).toEqual(['postgres', 'redis', 'epmd', 'syslog', 'rabbitmq', 'logviewer', 'uwsgi', 'celery', 'nginx']);
    for (const [before, after] of [['postgres', 'uwsgi'], ['rabbitmq', 'celery'], ['uwsgi', 'nginx'], ['epmd', 'rabbitmq']]) {
      expect(plan.indexOf(before)).toBeLessThan(plan.indexOf(after));
    }
  });

  test('dependencies on services of other hosts are dropped from the plan', () => {
    const plan = planServices(catalog.expand('web:celery').roles, catalog);
    expect(plan.find((p) => p.name === 'uwsgi')?.dependsOn).toEqual([]);
    expect(plan.find((p) => p.name === 'nginx')?.dependsOn).toEqual(['uwsgi']);
  });

  test('front services are the web and worker ones', () => {
    const plan = planServices(catalog.expand('all').roles, catalog);
    expect(plan.filter((p) => p.front).map((p) => p.name).sort()).toEqual(['celery', 'nginx', 'uwsgi']);
  });

  test('the app runs in web and celery; sql, redis and rabbitmq own their credentials in config.yml', () => {
    expect(catalog.runsApp(['web'])).toBe(true);
    expect(catalog.runsApp(['celery'])).toBe(true);
    expect(catalog.runsApp(['sql', 'redis', 'rabbitmq', 'log'])).toBe(false);
    expect(catalog.ownedCredentials(catalog.expand('all').roles)).toEqual(['sql', 'redis', 'rabbitmq']);
    expect(catalog.ownedCredentials(['rabbitmq', 'web', 'sql'])).toEqual(['sql', 'rabbitmq']);
    expect(catalog.ownedCredentials(['web', 'celery', 'log'])).toEqual([]);
  });
});

describe('invalid role files', () => {
  let dir: string;
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'roles-')); });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('every problem is listed with its file', async () => {
    await writeFile(join(dir, 'a.yml'), 'name: a\nsummary: x\nservices:\n  - name: A!\n    kind: k\n    colour: red\n');
    await writeFile(join(dir, 'b.yml'), 'name: c\nsummary: wrong file name\n');
    await writeFile(join(dir, 'd.yml'), 'name: d\nsummary: x\nincludes: [nosuch]\n');
    await writeFile(join(dir, 'e.yml'), ': : :\n');
    expect(() => loadRoleCatalog(dir)).toThrow(expect.objectContaining({
      code: 'RV_ROLE_FILE_INVALID',
      details: expect.arrayContaining([
        expect.stringMatching(/^a\.yml: services\.0\.name: /),
        expect.stringMatching(/^a\.yml: services\.0: .*colour/),
        'b.yml: name "c" must match the file name',
        'd.yml: includes unknown role "nosuch"',
        expect.stringMatching(/^e\.yml: not valid YAML/),
      ]),
    }));
  });

  test('a dependency cycle is refused', async () => {
    await writeFile(join(dir, 'x.yml'), 'name: x\nsummary: x\nservices:\n  - {name: p, kind: k, after: [q]}\n  - {name: q, kind: k, after: [p]}\n');
    const catalog = loadRoleCatalog(dir);
    expect(() => planServices(['x'], catalog)).toThrow(/wait for each other in a cycle/);
  });
});

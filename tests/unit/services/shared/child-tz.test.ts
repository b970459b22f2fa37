// Every child runs in UTC, the zone of rolevisor's own log lines, whatever TIMEZONE says
// (TIMEZONE is the app's zone: config.yml and the backup schedule).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRoleCatalog } from '../../../../src/roles/catalog.js';
import { planServices } from '../../../../src/roles/plan.js';
import { CHILD_TZ } from '../../../../src/services/shared/child-tz.js';
import { pythonAppEnv } from '../../../../src/services/shared/python-app.js';
import { buildServices } from '../../../../src/supervisor/build.js';
import { memoryLogger, testSettings } from '../../../helpers/env.js';

const SERVICES = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../../../src/services');

test('children get TZ=UTC, not TIMEZONE: their timestamps match the JSON log lines', async () => {
  expect(CHILD_TZ).toBe('UTC');
  const settings = testSettings({ TIMEZONE: 'Europe/Berlin' });
  expect(settings.timezone).toBe('Europe/Berlin');
  const catalog = loadRoleCatalog();
  const built = await buildServices(settings, planServices(settings.roles, catalog), catalog.dir, memoryLogger().log);
  const celery = built.find((b) => b.plan.name === 'celery')!;
  expect(pythonAppEnv(celery.ctx).TZ).toBe('UTC');
  // Every program of role all: syslog-ng, Celery and uwsgi stamp their lines in local time,
  // Redis too; none may take the container's TZ or TIMEZONE.
  // (syslog and the log viewer launch only after prepare(): their sources say TZ: CHILD_TZ.)
  const zones: Record<string, string | undefined> = {};
  for (const b of built.filter((b) => !['syslog', 'logviewer'].includes(b.plan.name)))
    zones[b.plan.name] = b.service.launch().env?.TZ;
  expect(Object.keys(zones).sort()).toEqual(['celery', 'epmd', 'nginx', 'postgres', 'rabbitmq', 'redis', 'uwsgi']);
  for (const name of Object.keys(zones)) expect([name, zones[name]]).toEqual([name, 'UTC']);
  for (const kind of ['syslog', 'logviewer'])
    expect(readFileSync(join(SERVICES, kind, 'service.ts'), 'utf8')).toMatch(/\bTZ: CHILD_TZ\b/);
});

test('no service hands TIMEZONE to a process environment', () => {
  const files = readdirSync(SERVICES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  expect(files.length).toBeGreaterThan(10);
  for (const file of files) {
    const source = readFileSync(join(SERVICES, file), 'utf8');
    expect([file, /TZ:\s*(ctx\.)?settings\.timezone/.test(source)]).toEqual([file, false]);
  }
});

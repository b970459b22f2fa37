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
  const nginx = built.find((b) => b.plan.name === 'nginx')!;
  expect(nginx.service.launch().env?.TZ).toBe('UTC');
});

test('no service hands TIMEZONE to a process environment', () => {
  const files = readdirSync(SERVICES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
  expect(files.length).toBeGreaterThan(10);
  for (const file of files) {
    const source = readFileSync(join(SERVICES, file), 'utf8');
    expect([file, /TZ:\s*(ctx\.)?settings\.timezone/.test(source)]).toEqual([file, false]);
  }
});

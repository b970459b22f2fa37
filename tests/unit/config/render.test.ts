import yaml from 'js-yaml';
import { localEndpoints } from '../../../src/config/endpoints.js';
import { buildConfig, renderConfig } from '../../../src/config/render.js';
import { loadRoleCatalog } from '../../../src/roles/catalog.js';
import { loadSettings } from '../../../src/settings/load.js';

/** config.yml as parsed: each test looks at the keys it checks. */
interface Rendered {
  db: Record<string, unknown>;
  [key: string]: unknown;
}

const settingsOf = (env: Record<string, string>) => loadSettings(env, loadRoleCatalog());
const render = (env: Record<string, string>) => {
  const settings = settingsOf(env);
  return yaml.load(
    renderConfig({ settings, endpoints: localEndpoints(settings), secretKey: 'k'.repeat(43) }),
  ) as Rendered;
};

test('docassemble keys from the environment', () => {
  const config = render({
    DBNAME: 'app',
    DBUSER: 'u',
    DBPASSWORD: 'pw',
    DBPORT: '5433',
    DBTABLEPREFIX: 'da_',
    DAHOSTNAME: 'example.com',
    USEHTTPS: 'true',
    TIMEZONE: 'Europe/Paris',
    POSTURLROOT: '/app',
  });
  expect(config.db).toEqual({
    prefix: 'postgresql+psycopg2://',
    name: 'app',
    user: 'u',
    password: 'pw',
    host: 'localhost',
    port: 5433,
    'table prefix': 'da_',
  });
  expect(config.redis).toBe('redis://localhost:6379');
  expect(config.rabbitmq).toBe('amqp://guest:guest@localhost:5672//');
  expect(config['external hostname']).toBe('example.com');
  expect(config['url root']).toBe('https://example.com');
  expect(config.root).toBe('/app/');
  expect(config.timezone).toBe('Europe/Paris');
  expect(config.secretkey).toBe('k'.repeat(43));
  expect(config.s3).toEqual({ enable: false });
});

test('values with YAML syntax in them survive unchanged (no text templating)', () => {
  const nasty = `a'b"c: d # e\n- f {g} [h] &i *j`;
  expect(render({ DBPASSWORD: nasty }).db.password).toBe(nasty);
});

test('S3 settings and the log server', () => {
  const config = render({
    S3BUCKET: 'b',
    S3REGION: 'eu-west-1',
    S3ACCESSKEY: 'A',
    S3SECRETACCESSKEY: 'S',
    LOGSERVER: 'log.local',
  });
  expect(config.s3).toEqual({
    enable: true,
    bucket: 'b',
    region: 'eu-west-1',
    'access key id': 'A',
    'secret access key': 'S',
  });
  expect(config['log server']).toBe('log.local');
});

test('settings given explicitly are used for the app endpoints', () => {
  const settings = settingsOf({
    CONTAINERROLE: 'web',
    DBHOST: 'db.internal',
    REDIS: 'redis://cache:6380',
    RABBITMQ: 'amqp://u:p@mq//',
  });
  const config = buildConfig({ settings, endpoints: localEndpoints(settings), secretKey: 'x' });
  expect(config).toMatchObject({
    db: { host: 'db.internal' },
    redis: 'redis://cache:6380',
    rabbitmq: 'amqp://u:p@mq//',
  });
});

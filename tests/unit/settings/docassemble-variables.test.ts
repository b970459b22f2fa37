// docassemble's variables as its users write them: `null`/`none` mean unset, DASECRETKEY is
// the secret key, config.yml carries the keys the docassemble app reads, variables rolevisor
// only passes on land in config.yml, unsupported ones are named in one warning, and the roles
// docassemble has (mail, cron) are refused with their reason.
import yaml from 'js-yaml';
import { localEndpoints } from '../../../src/config/endpoints.js';
import { overlayEnvironment } from '../../../src/config/env-precedence.js';
import { buildConfig, renderConfig } from '../../../src/config/render.js';
import { RolevisorError } from '../../../src/errors.js';
import { loadRoleCatalog } from '../../../src/roles/catalog.js';
import { DOCASSEMBLE_VARIABLES } from '../../../src/settings/docassemble-variables.js';
import { loadSettings } from '../../../src/settings/load.js';
import { VARIABLES } from '../../../src/settings/variables.js';

const catalog = loadRoleCatalog();
const load = (env: Record<string, string>) => loadSettings(env, catalog);
const config = (env: Record<string, string>, secretKey = 'generated') => {
  const settings = load(env);
  return yaml.load(renderConfig({ settings, endpoints: localEndpoints(settings), secretKey })) as Record<
    string,
    unknown
  >;
};
function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    expect((error as RolevisorError).exitCode).toBe(78);
    return (error as RolevisorError).details;
  }
  throw new Error('expected invalid settings');
}

test('null and none mean unset, as in docassemble (no host "null", no bucket "null", no http://none)', () => {
  const s = load({
    DBHOST: 'null',
    DBPORT: 'null',
    REDIS: 'null',
    RABBITMQ: 'Null',
    S3ENDPOINTURL: 'null',
    S3BUCKET: 'null',
    DAHOSTNAME: 'none',
    DBSSLMODE: 'null',
    DACELERYWORKERS: 'null',
    DAMAXCELERYWORKERS: 'null',
    DBTABLEPREFIX: 'null',
    SERVERHOSTNAME: 'null',
    AZURECONTAINER: 'null',
  });
  expect(s.db.host).toBeUndefined();
  expect(s.db.port).toBe(5432);
  expect(s.redis.url).toBeUndefined();
  expect(s.rabbitmq.url).toBeUndefined();
  expect(s.s3).toBeUndefined();
  expect(s.web.hostname).toBeUndefined();
  expect(s.db.ssl.mode).toBeUndefined();
  expect(s.celery.workers).toBeUndefined();
  expect(s.db.tablePrefix).toBeUndefined();
  expect(config({ DAHOSTNAME: 'none' })['url root']).toBeNull();
  // LOGSERVER=null keeps its meaning (forwarding off); the password is taken literally.
  expect(load({ LOGSERVER: 'null' }).log.forwardingDisabled).toBe(true);
  expect(load({ DBPASSWORD: 'null' }).db.password).toBe('null');
});

test('DASECRETKEY is config.yml secretkey, and a secret', () => {
  const s = load({ DASECRETKEY: 'the-key-of-the-old-deployment' });
  expect(s.secrets).toContain('the-key-of-the-old-deployment');
  expect(s.secretKey).toBe('the-key-of-the-old-deployment');
});

test("config.yml uses the keys docassemble's app reads", () => {
  const c = config({
    DACELERYWORKERS: '3',
    DAMAXCELERYWORKERS: '5',
    S3BUCKET: 'b',
    S3_SSE_ALGORITHM: 'aws:kms',
    S3_SSE_KMS_KEY_ID: 'key-1',
    EC2: 'true',
    PORT: '8081',
  });
  expect(c['celery processes']).toBe(3);
  expect(c['max celery processes']).toBe(5);
  expect(c.celery).toBeUndefined();
  expect((c.s3 as Record<string, unknown>)['server side encryption']).toEqual({
    algorithm: 'aws:kms',
    'KMS key ID': 'key-1',
  });
  expect(c.ec2).toBe(true);
  expect(c.kubernetes).toBe(false);
  expect(c['http port']).toBe(8081);
});

test('variables rolevisor only passes on land in config.yml, read as docassemble reads them', () => {
  const c = config({
    DAEXPOSEWEBSOCKETS: 'true',
    DAWEBSOCKETSPORT: '5000',
    USECLOUDURLS: 'False',
    DASTABLEVERSION: 'null',
    SERVERADMIN: 'admin@example.com',
    GOTENBERGURL: 'http://gotenberg:3000',
    S3_SSE_CUSTOMER_KEY: 'c2VjcmV0',
    S3BUCKET: 'b',
  });
  expect(c['expose websockets']).toBe(true);
  expect(c['websockets port']).toBe(5000);
  expect(c['use cloud urls']).toBe(false);
  expect(c['stable version']).toBeNull();
  expect(c['server administrator email']).toBe('admin@example.com');
  expect(c.gotenberg).toEqual({ url: 'http://gotenberg:3000' });
  expect((c.s3 as Record<string, unknown>)['server side encryption']).toEqual({ 'customer key': 'c2VjcmV0' });
  expect(load({ S3_SSE_CUSTOMER_KEY: 'c2VjcmV0' }).secrets).toContain('c2VjcmV0');
});

test('one warning names every set-but-unsupported variable', () => {
  const s = load({ DAWEBSERVER: 'apache', PACKAGES: 'docassemble.foo', WWWUID: '1000', DAEXPOSEWEBSOCKETS: 'true' });
  const lines = s.warnings.filter((w) => w.includes('not supported'));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(
    /^docassemble variables not supported by rolevisor, ignored: DAWEBSERVER, PACKAGES, WWWUID /,
  );
});

test('mail is refused with its reason; cron where the database is elsewhere too', () => {
  expect(problemsOf({ CONTAINERROLE: 'sql:redis:rabbitmq:log:cron:mail' })).toEqual([
    expect.stringMatching(/^CONTAINERROLE: .*the mail role \(exim4\) is not supported: use an SMTP service/),
  ]);
  expect(problemsOf({ CONTAINERROLE: 'web:celery:cron', DBHOST: 'db.example.com' })).toEqual([
    expect.stringMatching(/cron role would dump the PostgreSQL at DBHOST=db.example.com.*or set DBBACKUP=false/),
  ]);
  expect(load({ CONTAINERROLE: 'web:celery:cron', DBHOST: 'db.example.com', DBBACKUP: 'false' }).roles).toContain(
    'cron',
  );
  expect(load({ CONTAINERROLE: 'sql:redis:cron' }).roles).toContain('cron');
});

test('ENVIRONMENT_TAKES_PRECEDENCE overlays only the keys of the variables set', () => {
  const stored = 'secretkey: old\ndebug: true\ncelery processes: 2\nredis: redis://old\n';
  const rendered = 'secretkey: new\ndebug: false\ncelery processes: 7\nredis: redis://new\n';
  const { content, overlaid } = overlayEnvironment(stored, rendered, ['DACELERYWORKERS', 'REDIS']);
  expect(overlaid).toEqual(['redis', 'celery processes']);
  expect(yaml.load(content)).toEqual({
    secretkey: 'old',
    debug: true,
    'celery processes': 7,
    redis: 'redis://new',
  });
  // buildConfig is used: keep the import honest.
  expect(buildConfig).toBeInstanceOf(Function);
});

test('the table has one row per variable, and every docassemble name in the schema is in it', () => {
  const names = DOCASSEMBLE_VARIABLES.map((v) => v.name);
  expect(new Set(names).size).toBe(names.length);
  const ownNames = new Set([
    'ROLEVISOR_HOME',
    'BACKUPDIR',
    'STOPTIMEOUT',
    'BACKUPSCHEDULE',
    'BACKUPKEEP',
    'STORECHECKTIMEOUT',
    'ALLOWFRESHSTART',
    'ADOPTFROM',
    'LOGLEVEL',
    'REDISPORT',
    'RABBITMQPORT',
    'RABBITMQDISTPORT',
    'EPMDPORT',
    'LOGPORT',
    'LOGVIEWPORT',
    'LOGKEEPDAYS',
    'HTTPSPORT',
    'WSGIAPP',
    'UWSGIPROCESSES',
    'CELERYAPP',
    'CELERYAPPDIR',
    'ADVERTISEADDRESS',
    'POD_IP',
    'ECS_CONTAINER_METADATA_URI_V4',
    'AWS_EC2_METADATA_SERVICE_ENDPOINT',
    'DISCOVERYTIMEOUT',
    'DISCOVERYTTL',
    'STATUSPORT',
    'STATUSBIND',
    // rolevisor's own, added with continuous state, readable logs, secure defaults and the web tier.
    'DUMPSCHEDULE',
    'ACCEPTOLDERSTATE',
    'ARCHIVESECONDS',
    'REDISSNAPSHOTSECONDS',
    'FILESDIR',
    'LOGFORMAT',
    'LOGVIEWPASSWORD',
    'UWSGITHREADS',
    'UWSGICHEAPER',
    'UWSGIOFFLOADTHREADS',
    'CLUSTERTLS',
  ]);
  for (const v of VARIABLES) if (!ownNames.has(v.name)) expect(names).toContain(v.name);
});

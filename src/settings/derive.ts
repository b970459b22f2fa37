// Typed values → Settings: defaults that depend on other variables, role expansion and the
// checks that involve more than one variable. Problems are appended to `problems`.
import type { RoleCatalog } from '../roles/catalog.js';
import { docassembleRoleProblems, MAIL_ROLE } from '../roles/docassemble-roles.js';
import { deriveAzure } from './azure.js';
import { problemLine } from './problems.js';
import type { LogFormat } from '../log-format.js';
import type { Settings } from './types.js';

type Raw = Record<string, unknown>;

const str = (raw: Raw, k: string) => raw[k] as string | undefined;
const num = (raw: Raw, k: string) => raw[k] as number;
const flag = (raw: Raw, k: string) => raw[k] as boolean;

function credentialsOf(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const parsed = new URL(url);
    return [url, decodeURIComponent(parsed.password)].filter((x) => x.length > 0);
  } catch {
    return [url];
  }
}

function hasUser(url: string | undefined): boolean {
  if (!url) return false;
  try {
    return new URL(url).username.length > 0;
  } catch {
    return false;
  }
}

export function deriveSettings(
  raw: Raw,
  given: Record<string, string | undefined>,
  catalog: RoleCatalog,
  problems: string[],
): Settings | undefined {
  const rolesRaw = str(raw, 'CONTAINERROLE') ?? 'all';
  const expanded = catalog.expand(rolesRaw);
  expanded.unknown = expanded.unknown.filter((r) => r !== MAIL_ROLE); // refused with its own reason below
  if (expanded.unknown.length > 0) {
    problems.push(
      problemLine(
        'CONTAINERROLE',
        `colon-separated roles from: ${catalog.names().join(', ')} (mail: not supported, use an SMTP service)`,
        given.CONTAINERROLE,
        `unknown role${expanded.unknown.length > 1 ? 's' : ''} ${expanded.unknown.map((r) => `"${r}"`).join(', ')}; use e.g. CONTAINERROLE=sql:redis:rabbitmq:log or CONTAINERROLE=web:celery`,
      ),
    );
  }

  const home = str(raw, 'ROLEVISOR_HOME') as string;
  const s3Bucket = str(raw, 'S3BUCKET');
  const s3Enabled = given.S3ENABLE === undefined ? s3Bucket !== undefined : flag(raw, 'S3ENABLE');
  if (s3Enabled && !s3Bucket) {
    problems.push(
      problemLine(
        'S3BUCKET',
        'a bucket name because S3ENABLE is true',
        given.S3BUCKET,
        'set S3BUCKET, or set S3ENABLE=false to use the local store BACKUPDIR',
      ),
    );
  }
  const accessKey = str(raw, 'S3ACCESSKEY');
  const secretKey = str(raw, 'S3SECRETACCESSKEY');
  if ((accessKey === undefined) !== (secretKey === undefined)) {
    const missing = accessKey === undefined ? 'S3ACCESSKEY' : 'S3SECRETACCESSKEY';
    problems.push(
      problemLine(
        missing,
        'a value because the other S3 key is set',
        given[missing],
        'set both S3ACCESSKEY and S3SECRETACCESSKEY, or neither to use the instance or task role',
      ),
    );
  }
  if (str(raw, 'S3_SSE_ALGORITHM')?.startsWith('aws:kms') === false && str(raw, 'S3_SSE_KMS_KEY_ID')) {
    problems.push(
      problemLine(
        'S3_SSE_KMS_KEY_ID',
        'no value unless S3_SSE_ALGORITHM is aws:kms',
        given.S3_SSE_KMS_KEY_ID,
        'set S3_SSE_ALGORITHM=aws:kms or unset S3_SSE_KMS_KEY_ID',
      ),
    );
  }

  const workers = raw.DACELERYWORKERS as number | undefined;
  const maxWorkers = raw.DAMAXCELERYWORKERS as number | undefined;
  if (workers !== undefined && maxWorkers !== undefined && workers > maxWorkers) {
    problems.push(
      problemLine(
        'DACELERYWORKERS',
        `at most DAMAXCELERYWORKERS (${maxWorkers})`,
        given.DACELERYWORKERS,
        'lower DACELERYWORKERS or raise DAMAXCELERYWORKERS',
      ),
    );
  }

  const cheaper = raw.UWSGICHEAPER as number | undefined;
  if (cheaper !== undefined && cheaper >= num(raw, 'UWSGIPROCESSES')) {
    problems.push(
      problemLine(
        'UWSGICHEAPER',
        `fewer than UWSGIPROCESSES (${num(raw, 'UWSGIPROCESSES')}), the most processes cheaper mode may run`,
        given.UWSGICHEAPER,
        'lower UWSGICHEAPER, raise UWSGIPROCESSES, or unset UWSGICHEAPER to always run UWSGIPROCESSES',
      ),
    );
  }
  const azure = deriveAzure(raw, given, s3Enabled, problems);
  problems.push(
    ...docassembleRoleProblems(
      { rolesRaw, roles: expanded.roles, dbBackup: flag(raw, 'DBBACKUP'), dbHost: str(raw, 'DBHOST') },
      given.CONTAINERROLE,
    ),
  );

  const logServer = str(raw, 'LOGSERVER');
  const settings: Settings = {
    rolesRaw,
    roles: expanded.roles,
    singleHost: expanded.singleHost,
    home,
    backupDir: str(raw, 'BACKUPDIR') ?? `${home}/backup`,
    stopTimeoutSec: num(raw, 'STOPTIMEOUT'),
    backupSchedule: str(raw, 'BACKUPSCHEDULE') as string,
    dumpSchedule: str(raw, 'DUMPSCHEDULE') as string,
    backupKeep: num(raw, 'BACKUPKEEP'),
    backupDays: num(raw, 'DABACKUPDAYS'),
    storeCheckTimeoutSec: num(raw, 'STORECHECKTIMEOUT'),
    allowFreshStart: flag(raw, 'ALLOWFRESHSTART'),
    acceptOlderState: flag(raw, 'ACCEPTOLDERSTATE'),
    adoptFrom: str(raw, 'ADOPTFROM'),
    environmentTakesPrecedence: flag(raw, 'ENVIRONMENT_TAKES_PRECEDENCE'),
    logLevel: str(raw, 'LOGLEVEL') as string,
    logFormat: str(raw, 'LOGFORMAT') as LogFormat,
    secretKey: str(raw, 'DASECRETKEY'),
    explicit: Object.keys(given).filter((name) => given[name] !== undefined),
    appConfig: [],
    db: {
      host: str(raw, 'DBHOST'),
      port: num(raw, 'DBPORT'),
      name: str(raw, 'DBNAME') as string,
      user: str(raw, 'DBUSER') as string,
      password: str(raw, 'DBPASSWORD') as string,
      prefix: str(raw, 'DBPREFIX') as string,
      tablePrefix: str(raw, 'DBTABLEPREFIX'),
      ssl: {
        mode: str(raw, 'DBSSLMODE'),
        cert: str(raw, 'DBSSLCERT'),
        key: str(raw, 'DBSSLKEY'),
        rootCert: str(raw, 'DBSSLROOTCERT'),
      },
      backup: flag(raw, 'DBBACKUP'),
      archiveSeconds: num(raw, 'ARCHIVESECONDS'),
    },
    redis: { url: str(raw, 'REDIS'), port: num(raw, 'REDISPORT'), snapshotSeconds: num(raw, 'REDISSNAPSHOTSECONDS') },
    rabbitmq: {
      url: str(raw, 'RABBITMQ'),
      port: num(raw, 'RABBITMQPORT'),
      distPort: num(raw, 'RABBITMQDISTPORT'),
      epmdPort: num(raw, 'EPMDPORT'),
    },
    log: {
      server: logServer && logServer.toLowerCase() !== 'null' ? logServer : undefined,
      forwardingDisabled: logServer?.toLowerCase() === 'null',
      port: num(raw, 'LOGPORT'),
      viewPort: num(raw, 'LOGVIEWPORT'),
      viewPassword: str(raw, 'LOGVIEWPASSWORD'),
      keepDays: num(raw, 'LOGKEEPDAYS'),
    },
    web: {
      port: num(raw, 'PORT'),
      httpsPort: num(raw, 'HTTPSPORT'),
      hostname: str(raw, 'DAHOSTNAME'),
      useHttps: flag(raw, 'USEHTTPS'),
      behindLoadBalancer: flag(raw, 'BEHINDHTTPSLOADBALANCER'),
      urlRoot: str(raw, 'POSTURLROOT') as string,
      wsgiApp: str(raw, 'WSGIAPP'),
      processes: num(raw, 'UWSGIPROCESSES'),
      threads: num(raw, 'UWSGITHREADS'),
      cheaper: raw.UWSGICHEAPER as number | undefined,
      offloadThreads: num(raw, 'UWSGIOFFLOADTHREADS'),
      filesDir: str(raw, 'FILESDIR') ?? `${home}/data/files`,
    },
    celery: { app: str(raw, 'CELERYAPP'), appDir: str(raw, 'CELERYAPPDIR'), workers, maxWorkers },
    s3:
      s3Enabled && s3Bucket
        ? {
            bucket: s3Bucket,
            region: str(raw, 'S3REGION') ?? 'us-east-1',
            endpointUrl: str(raw, 'S3ENDPOINTURL'),
            accessKeyId: accessKey,
            secretAccessKey: secretKey,
            sseAlgorithm: str(raw, 'S3_SSE_ALGORITHM'),
            sseKmsKeyId: str(raw, 'S3_SSE_KMS_KEY_ID'),
          }
        : undefined,
    azure,
    network: {
      ec2: flag(raw, 'EC2'),
      kubernetes: flag(raw, 'KUBERNETES'),
      serverHostname: str(raw, 'SERVERHOSTNAME'),
      advertiseAddress: str(raw, 'ADVERTISEADDRESS'),
      clusterTls: flag(raw, 'CLUSTERTLS'),
      podIp: str(raw, 'POD_IP'),
      ecsMetadataUri: str(raw, 'ECS_CONTAINER_METADATA_URI_V4'),
      ec2MetadataEndpoint: (str(raw, 'AWS_EC2_METADATA_SERVICE_ENDPOINT') ?? 'http://169.254.169.254').replace(
        /\/+$/,
        '',
      ),
    },
    discovery: { timeoutSec: num(raw, 'DISCOVERYTIMEOUT'), ttlSec: num(raw, 'DISCOVERYTTL') },
    status: { port: num(raw, 'STATUSPORT'), bind: str(raw, 'STATUSBIND') ?? '0.0.0.0' },
    timezone: str(raw, 'TIMEZONE') as string,
    locale: str(raw, 'LOCALE') as string,
    credentialsSet: {
      db: given.DBPASSWORD !== undefined && given.DBPASSWORD !== '',
      redis: credentialsOf(str(raw, 'REDIS')).length > 1,
      rabbitmq: hasUser(str(raw, 'RABBITMQ')),
    },
    secrets: [
      str(raw, 'DBPASSWORD'),
      str(raw, 'LOGVIEWPASSWORD'),
      accessKey,
      secretKey,
      str(raw, 'DASECRETKEY'),
      azure?.accountKey,
      azure?.connectionString,
      ...credentialsOf(str(raw, 'REDIS')),
      ...credentialsOf(str(raw, 'RABBITMQ')),
    ].filter((x): x is string => x !== undefined && x.length > 0),
    warnings: [],
  };

  // Unset, it is generated (config/cluster-credentials.ts); set to the documented default, it is the user's choice.
  if (
    settings.credentialsSet.db &&
    settings.db.password === 'abc123' &&
    settings.roles.includes('sql') &&
    !settings.singleHost
  ) {
    settings.warnings.push(
      'DBPASSWORD is the documented default "abc123" while PostgreSQL listens on the network: anyone who can reach its port can log in as DBUSER and read or change every record; unset DBPASSWORD (rolevisor then generates one) or set a secret of your own',
    );
  }
  if (settings.network.clusterTls && settings.singleHost) {
    settings.warnings.push(
      'CLUSTERTLS=true has no effect in a single-host role (all): PostgreSQL, Redis and RabbitMQ listen on loopback only and no other host connects; set it on the backend of a cluster',
    );
  }
  if (flag(raw, 'USELETSENCRYPT')) {
    settings.warnings.push(
      'USELETSENCRYPT is not supported: rolevisor installs certificates from the store (certs/) or generates a self-signed pair',
    );
  }
  return problems.length > 0 ? undefined : settings;
}

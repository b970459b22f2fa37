// Every environment variable rolevisor reads: the docassemble names users already have in
// their env.list, plus rolevisor's own. This list is the single source for the schema,
// docs/configuration.md and env.example.list.
import type { Field } from './fields.js';
import * as f from './fields.js';

export type Group =
  | 'roles'
  | 'state'
  | 'database'
  | 'redis'
  | 'rabbitmq'
  | 'log'
  | 'web'
  | 'celery'
  | 's3'
  | 'azure'
  | 'network'
  | 'status'
  | 'locale';

export interface Variable {
  name: string;
  group: Group;
  /** What it means, one line. */
  doc: string;
  /** The default as a user reads it (may name another variable). */
  shownDefault: string;
  field: Field<unknown>;
  secret?: boolean;
}

function v(
  name: string,
  group: Group,
  field: Field<unknown>,
  shownDefault: string,
  doc: string,
  secret = false,
): Variable {
  return { name, group, field, shownDefault, doc, secret };
}

export const VARIABLES: readonly Variable[] = [
  v(
    'CONTAINERROLE',
    'roles',
    f.text('all'),
    'all',
    'Colon-separated roles this container runs (sql, redis, rabbitmq, log, web, celery, cron; all = every role on one host).',
  ),

  v(
    'ROLEVISOR_HOME',
    'state',
    f.absolutePath('/var/lib/rolevisor'),
    '/var/lib/rolevisor',
    'Where all local state lives: data directories, rendered configs, sockets.',
  ),
  v(
    'BACKUPDIR',
    'state',
    f.absolutePath(undefined),
    '$ROLEVISOR_HOME/backup',
    'The local-directory store (a mounted volume in production), used when S3 is not enabled.',
  ),
  v(
    'STOPTIMEOUT',
    'state',
    f.requiredInt(30, 1, 3600, 'seconds'),
    '30',
    'Seconds of grace between SIGTERM and SIGKILL (docker stop -t, ECS stopTimeout); the whole stop, backup included, fits inside it.',
  ),
  v(
    'BACKUPSCHEDULE',
    'state',
    f.cron('@daily'),
    '@daily',
    'When to back up while running (cron expression, in TIMEZONE).',
  ),
  v(
    'DUMPSCHEDULE',
    'state',
    f.cron('@daily'),
    '@daily',
    "When to take PostgreSQL's logical dumps (cron, in TIMEZONE): what a later PostgreSQL major version restores from. Never at the stop.",
  ),
  v(
    'BACKUPKEEP',
    'state',
    f.requiredInt(3, 1, 1000),
    '3',
    'The newest N verified backup generations are always kept, whatever their age.',
  ),
  v(
    'DABACKUPDAYS',
    'state',
    f.requiredInt(14, 0, 36500, 'days'),
    '14',
    "Generations older than this many days are deleted, the BACKUPKEEP newest always kept; 0 keeps only those (docassemble's 0: no rolling daily copies).",
  ),
  v(
    'STORECHECKTIMEOUT',
    'state',
    f.requiredInt(60, 0, 3600, 'seconds'),
    '60',
    'Seconds rolevisor keeps retrying a store it cannot read at boot before it gives up (exit 75).',
  ),
  v(
    'ALLOWFRESHSTART',
    'state',
    f.bool(false),
    'false',
    'Start with empty data even though the store cannot be read or the restore failed.',
  ),
  v(
    'ACCEPTOLDERSTATE',
    'state',
    f.bool(false),
    'false',
    'Start from an older state when the archived WAL has a gap or a damaged segment (otherwise the boot stops with exit 74); every service is then restored to that time.',
  ),
  v(
    'ADOPTFROM',
    'state',
    f.absolutePath(undefined),
    '(none: the store itself)',
    'A mounted docassemble backup folder (its /usr/share/docassemble/backup: postgres/, redis.rdb, config.yml, files/) adopted on the first boot, while the store holds no rolevisor generation; only read.',
  ),
  v(
    'ENVIRONMENT_TAKES_PRECEDENCE',
    'state',
    f.bool(false),
    'false',
    'The environment wins over a config.yml found in the store.',
  ),
  v(
    'LOGFORMAT',
    'state',
    f.oneOf(['auto', 'json', 'pretty'] as const, 'auto'),
    'auto',
    'Shape of the log lines on stdout: json (one object per line), pretty (one readable, coloured line per event), or auto: pretty when stdout is a terminal, else json (docker logs, ECS).',
  ),
  v(
    'DASECRETKEY',
    'state',
    f.optionalText(),
    '(generated once, kept in ROLEVISOR_HOME)',
    "The app's secret key, written to config.yml as `secretkey`.",
    true,
  ),
  v(
    'LOGLEVEL',
    'state',
    f.oneOf(['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const, 'info'),
    'info',
    "rolevisor's own log level.",
  ),

  v(
    'DBHOST',
    'database',
    f.hostname(),
    'localhost (discovered from the store on app hosts)',
    'PostgreSQL host the app connects to.',
  ),
  v('DBPORT', 'database', f.port(5432), '5432', 'PostgreSQL port (the sql role listens on it).'),
  v('DBNAME', 'database', f.text('docassemble'), 'docassemble', 'Database name; the sql role creates it if missing.'),
  v(
    'DBUSER',
    'database',
    f.text('docassemble'),
    'docassemble',
    'Database login role; the sql role creates it if missing.',
  ),
  v(
    'DBPASSWORD',
    'database',
    f.text('abc123'),
    '(generated when the sql role listens on the network; abc123 on one host with every role)',
    "Password of DBUSER. Unset on a sql host of a cluster, a strong one is generated at the first boot and kept in the store's config.yml, where the app hosts read it.",
    true,
  ),
  v(
    'DBPREFIX',
    'database',
    f.text('postgresql+psycopg2://'),
    'postgresql+psycopg2://',
    'SQLAlchemy URL prefix written to config.yml.',
  ),
  v('DBTABLEPREFIX', 'database', f.optionalText(), '(none)', "Prefix of the app's table names."),
  v(
    'DBSSLMODE',
    'database',
    f.oneOf(['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const, undefined),
    '(none)',
    "libpq sslmode for the app's database connection.",
  ),
  v('DBSSLCERT', 'database', f.optionalText(), '(none)', 'Client certificate file name for the database connection.'),
  v('DBSSLKEY', 'database', f.optionalText(), '(none)', 'Client key file name for the database connection.'),
  v('DBSSLROOTCERT', 'database', f.optionalText(), '(none)', 'Root certificate file name for the database connection.'),
  v('DBBACKUP', 'database', f.bool(true), 'true', 'Back up the database (sql role).'),
  v(
    'ARCHIVESECONDS',
    'database',
    f.requiredInt(5, 0, 3600, 'seconds'),
    '5',
    'At most this many seconds of PostgreSQL commits are lost when a host dies without warning: the WAL is switched and archived to the store at least this often while there are writes (sql role, DBBACKUP=true). 0 turns continuous archiving off: every generation then holds logical dumps, taken at the stop too.',
  ),

  v(
    'REDIS',
    'redis',
    f.url(['redis:', 'rediss:']),
    'redis://localhost:$REDISPORT (discovered on app hosts)',
    "Redis URL the app uses; a password in it is also required by the redis role. Without one, a redis role that listens on the network generates a password and keeps it in the store's config.yml.",
    true,
  ),
  v('REDISPORT', 'redis', f.port(6379), '6379', 'Port the redis role listens on.'),
  v(
    'REDISSNAPSHOTSECONDS',
    'redis',
    f.requiredInt(60, 1, 3600, 'seconds'),
    '60',
    'At most this many seconds of Redis writes (and of FILESDIR changes) are lost when a host vanishes: a snapshot (and a files sync) this often, only when something changed.',
  ),

  v(
    'RABBITMQ',
    'rabbitmq',
    f.url(['amqp:', 'amqps:', 'pyamqp:']),
    'amqp://guest:guest@localhost:$RABBITMQPORT// (discovered on app hosts)',
    "AMQP URL of the Celery broker; its user and password are created by the rabbitmq role. Without a user, a rabbitmq role that listens on the network generates an account (user rolevisor) instead of guest/guest and keeps it in the store's config.yml.",
    true,
  ),
  v('RABBITMQPORT', 'rabbitmq', f.port(5672), '5672', 'AMQP port the rabbitmq role listens on.'),
  v('RABBITMQDISTPORT', 'rabbitmq', f.port(25672), '25672', 'Erlang distribution port of the rabbitmq node.'),
  v('EPMDPORT', 'rabbitmq', f.port(4369), '4369', 'Port of the Erlang port mapper (epmd) run for RabbitMQ.'),

  v(
    'LOGSERVER',
    'log',
    f.hostPort(),
    '(none; discovered on app hosts)',
    'Central log host (host or host:port) to forward logs to over TCP syslog; "null" disables forwarding.',
  ),
  v('LOGPORT', 'log', f.port(514), '514', 'Syslog port (TCP and UDP) of the log role, and the port forwarded to.'),
  v('LOGVIEWPORT', 'log', f.port(8080), '8080', 'Port of the read-only log viewer (log role).'),
  v(
    'LOGVIEWPASSWORD',
    'log',
    f.optionalText(),
    '(generated, kept in the store)',
    'Password of the log viewer (user "rolevisor", HTTP Basic); unset, one is generated at the first boot and `rolevisor status` on the log host says where it is.',
    true,
  ),
  v(
    'LOGKEEPDAYS',
    'log',
    f.requiredInt(30, 0, 36500, 'days'),
    '30',
    'Log role: files no host has written to for this many days are deleted, with the folders of hosts that are gone (e.g. finished ECS tasks); 0 keeps them forever.',
  ),

  v('PORT', 'web', f.port(80), '80', 'HTTP port nginx listens on.'),
  v('HTTPSPORT', 'web', f.port(443), '443', 'HTTPS port nginx listens on when USEHTTPS is true.'),
  v('DAHOSTNAME', 'web', f.hostname(), '(none: any host)', "External host name: nginx server_name and the app's URLs."),
  v(
    'USEHTTPS',
    'web',
    f.bool(false),
    'false',
    'Serve HTTPS with the installed certificates (self-signed ones are generated if none exist).',
  ),
  v(
    'BEHINDHTTPSLOADBALANCER',
    'web',
    f.bool(false),
    'false',
    'A load balancer terminates TLS: trust its X-Forwarded-Proto/For headers.',
  ),
  v(
    'USELETSENCRYPT',
    'web',
    f.bool(false),
    'false',
    'Accepted for docassemble compatibility; rolevisor installs certificates from the store instead.',
  ),
  v('LETSENCRYPTEMAIL', 'web', f.optionalText(), '(none)', 'Accepted for docassemble compatibility; unused.'),
  v('POSTURLROOT', 'web', f.urlRoot(), '/', 'URL path the app is served under.'),
  v(
    'WSGIAPP',
    'web',
    f.absolutePath(undefined),
    'the bundled demo app',
    'WSGI file uwsgi runs (callable "app" or "application").',
  ),
  v(
    'FILESDIR',
    'web',
    f.absolutePath(undefined),
    '$ROLEVISOR_HOME/data/files',
    "Where the app keeps its uploaded files (config.yml's uploads; docassemble's is /usr/share/docassemble/files); the web role keeps it in the store.",
  ),
  v(
    'UWSGIPROCESSES',
    'web',
    f.requiredInt(2, 1, 256),
    '2',
    'uwsgi worker processes (with UWSGICHEAPER: the most it runs under load).',
  ),
  v(
    'UWSGITHREADS',
    'web',
    f.requiredInt(1, 1, 64),
    '1',
    'Threads per uwsgi process: up to UWSGIPROCESSES × UWSGITHREADS requests at once (more than 1 enables Python threads).',
  ),
  v(
    'UWSGICHEAPER',
    'web',
    f.int(undefined, 1, 255),
    '(off: always UWSGIPROCESSES)',
    "uwsgi's cheaper mode: at least this many processes (fewer than UWSGIPROCESSES), one more whenever all are busy for 3 s, one fewer after 3 s idle.",
  ),
  v(
    'UWSGIOFFLOADTHREADS',
    'web',
    f.requiredInt(1, 0, 64),
    '1',
    "Threads per uwsgi process that send files (a WSGI app's wsgi.file_wrapper, e.g. Flask's send_file) so the worker is free at once; 0: the worker sends them.",
  ),

  v(
    'CELERYAPP',
    'celery',
    f.optionalText(),
    "the bundled demo app's tasks",
    'Celery application module (-A); its directory is CELERYAPPDIR.',
  ),
  v('CELERYAPPDIR', 'celery', f.absolutePath(undefined), 'the bundled demo app', 'Directory that holds CELERYAPP.'),
  v('DACELERYWORKERS', 'celery', f.int(undefined, 1, 256), 'number of cores', 'Celery worker processes.'),
  v('DAMAXCELERYWORKERS', 'celery', f.int(undefined, 1, 256), '(no cap)', 'Upper bound on Celery worker processes.'),

  v(
    'S3ENABLE',
    's3',
    f.bool(false),
    'true when S3BUCKET is set',
    'Use S3 (or an S3-compatible server) as the store instead of BACKUPDIR.',
  ),
  v('S3BUCKET', 's3', f.optionalText(), '(none)', 'Bucket of the store; created if missing.'),
  v('S3REGION', 's3', f.optionalText(), 'us-east-1', 'Region of the bucket.'),
  v(
    'S3ENDPOINTURL',
    's3',
    f.url(['http:', 'https:']),
    '(AWS)',
    'Endpoint of an S3-compatible server (path-style addressing is used).',
  ),
  v('S3ACCESSKEY', 's3', f.optionalText(), '(SDK default chain: instance or task role)', 'Access key id.', true),
  v('S3SECRETACCESSKEY', 's3', f.optionalText(), '(SDK default chain)', 'Secret access key.', true),
  v(
    'S3_SSE_ALGORITHM',
    's3',
    f.oneOf(['AES256', 'aws:kms', 'aws:kms:dsse'] as const, undefined),
    '(bucket default)',
    'Server-side encryption of stored objects.',
  ),
  v('S3_SSE_KMS_KEY_ID', 's3', f.optionalText(), '(none)', 'KMS key for aws:kms encryption.'),

  v(
    'AZUREENABLE',
    'azure',
    f.bool(false),
    'true when AZUREACCOUNTNAME, AZUREACCOUNTKEY and AZURECONTAINER are set',
    'Use the Azure Blob Storage container AZURECONTAINER as the store (not together with S3).',
  ),
  v('AZURECONTAINER', 'azure', f.optionalText(), '(none)', 'Container of the store; created if missing.'),
  v('AZUREACCOUNTNAME', 'azure', f.optionalText(), '(none)', 'Storage account name (with AZUREACCOUNTKEY).'),
  v('AZUREACCOUNTKEY', 'azure', f.optionalText(), '(none)', 'Storage account key.', true),
  v(
    'AZURECONNECTIONSTRING',
    'azure',
    f.optionalText(),
    '(none)',
    'Connection string instead of name and key; may name a BlobEndpoint (e.g. the Azurite emulator).',
    true,
  ),

  v('EC2', 'network', f.bool(false), 'false', 'Learn the own address from EC2 instance metadata (IMDSv2).'),
  v('KUBERNETES', 'network', f.bool(false), 'false', 'Learn the own address from the pod IP.'),
  v(
    'SERVERHOSTNAME',
    'network',
    f.hostname(),
    'the host name',
    'Address other hosts use to reach this one, when nothing better is known.',
  ),
  v(
    'ADVERTISEADDRESS',
    'network',
    f.hostname(),
    '(detected)',
    "Address published for this host's services, overriding detection.",
  ),
  v(
    'CLUSTERTLS',
    'network',
    f.bool(false),
    'false',
    "TLS between hosts: the backend's PostgreSQL, Redis and RabbitMQ accept only TLS beyond loopback, with a certificate from a cluster CA kept in the store (tls/), and app hosts verify it; set it on the backend, app hosts follow the store's config.yml. No effect when every role runs on one host. Off by default: see docs/security.md for the cost.",
  ),
  v(
    'POD_IP',
    'network',
    f.hostname(),
    '(none)',
    'Kubernetes: the pod IP, passed with the downward API (fieldRef status.podIP); used with KUBERNETES=true.',
  ),
  v(
    'ECS_CONTAINER_METADATA_URI_V4',
    'network',
    f.url(['http:', 'https:']),
    '(set by ECS)',
    "ECS task metadata endpoint v4; ECS sets it in every task, and the own address is the task's private IPv4.",
  ),
  v(
    'AWS_EC2_METADATA_SERVICE_ENDPOINT',
    'network',
    f.url(['http:', 'https:']),
    'http://169.254.169.254',
    'EC2 instance metadata endpoint (IMDSv2) used with EC2=true.',
  ),
  v(
    'DISCOVERYTIMEOUT',
    'network',
    f.requiredInt(300, 1, 86400, 'seconds'),
    '300',
    "How long a host waits for the backend services' discovery records in the store before it exits with code 79.",
  ),
  v(
    'DISCOVERYTTL',
    'network',
    f.requiredInt(60, 6, 3600, 'seconds'),
    '60',
    'Lifetime of a published discovery record; the backend refreshes it every third of it, and app hosts ignore older ones.',
  ),

  v('STATUSPORT', 'status', f.port(8088), '8088', 'Port of the status server (/healthz, /readyz, /metrics).'),
  v('STATUSBIND', 'status', f.hostname(), '0.0.0.0', 'Address the status server binds to.'),

  v(
    'TIMEZONE',
    'locale',
    f.timeZone('America/New_York'),
    'America/New_York',
    'Time zone written to config.yml and given to the services.',
  ),
  v('LOCALE', 'locale', f.text('en_US.UTF-8'), 'en_US.UTF-8', 'Locale written to config.yml.'),
];

export const SECRET_VARIABLES = VARIABLES.filter((x) => x.secret).map((x) => x.name);

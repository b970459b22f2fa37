// Every variable docassemble's entrypoint reads (Docker/initialize.sh, run-*.sh, the cron
// scripts, and config.py's environment overrides), and what rolevisor does with each:
// honoured (how), passed into config.yml for the app (the key docassemble's config.py sets),
// or not supported (why, and what to do instead). docs/configuration.md shows this table;
// `check` and `run` warn, in one line, about every set-but-unsupported one.

export type Treatment = 'honoured' | 'config' | 'unsupported';

export interface DocassembleVariable {
  name: string;
  treatment: Treatment;
  /** Honoured: how. Config: nothing more (the key says it). Unsupported: why, and what instead. */
  note: string;
  /** 'config': the config.yml key path the value goes to (as config.py's overrides name it). */
  key?: string[];
  secret?: boolean;
}

const h = (name: string, note: string): DocassembleVariable => ({ name, treatment: 'honoured', note });
const c = (name: string, key: string[], note = '', secret = false): DocassembleVariable => ({
  name,
  treatment: 'config',
  note,
  key,
  secret,
});
const u = (name: string, note: string, secret = false): DocassembleVariable => ({
  name,
  treatment: 'unsupported',
  note,
  secret,
});

export const DOCASSEMBLE_VARIABLES: readonly DocassembleVariable[] = [
  h('CONTAINERROLE', 'the roles to run; `mail` is refused (use an SMTP service), `cron` as documented under Roles'),
  h('DBHOST', 'config.yml `db: host`; `null`/`none` = unset (this host, or discovered)'),
  h('DBPORT', 'the sql role listens on it; config.yml `db: port`'),
  h('DBNAME', 'created by the sql role; config.yml `db: name`'),
  h('DBUSER', 'created by the sql role, owner of restored and adopted databases; config.yml `db: user`'),
  h('DBPASSWORD', 'the password of DBUSER; config.yml `db: password` (secret)'),
  h('DBPREFIX', 'config.yml `db: prefix`'),
  h('DBTABLEPREFIX', 'config.yml `db: table prefix`'),
  h('DBSSLMODE', 'config.yml `db: ssl mode`'),
  h('DBSSLCERT', 'config.yml `db: ssl cert`'),
  h('DBSSLKEY', 'config.yml `db: ssl key`'),
  h('DBSSLROOTCERT', 'config.yml `db: ssl root cert`'),
  h('DBBACKUP', 'false: this host backs up no PostgreSQL (the database lives elsewhere)'),
  h(
    'DABACKUPDAYS',
    'docassemble keeps that many daily `backup/MM-DD` copies; rolevisor prunes generations older than that many days, the BACKUPKEEP newest always kept; 0 (docassemble: no rolling copies) keeps only the BACKUPKEEP newest',
  ),
  h('REDIS', 'config.yml `redis`; a password in it is required by the redis role; `null` = unset'),
  h('RABBITMQ', 'config.yml `rabbitmq`; its user is created by the rabbitmq role; `null` = unset'),
  h('LOGSERVER', 'logs forwarded there over TCP syslog; `null` turns forwarding off; config.yml `log server`'),
  h('DAHOSTNAME', 'nginx server_name, config.yml `external hostname` and `url root`; `null`/`none` = unset'),
  h('USEHTTPS', 'nginx serves TLS with the certificates from the store; config.yml `use https`'),
  h('BEHINDHTTPSLOADBALANCER', 'trust X-Forwarded-Proto/For; config.yml `behind https load balancer`'),
  h('POSTURLROOT', 'the path the app is served under; config.yml `root`'),
  h('PORT', 'the HTTP port nginx listens on; config.yml `http port`'),
  h('DACELERYWORKERS', 'Celery concurrency; config.yml `celery processes`'),
  h('DAMAXCELERYWORKERS', 'cap on Celery concurrency; config.yml `max celery processes`'),
  h('S3ENABLE', 'S3 is the store; config.yml `s3: enable`'),
  h('S3BUCKET', 'the store bucket (enables S3); config.yml `s3: bucket`'),
  h('S3REGION', 'config.yml `s3: region`'),
  h('S3ENDPOINTURL', 'S3-compatible server (path-style); config.yml `s3: endpoint url`'),
  h('S3ACCESSKEY', 'config.yml `s3: access key id`; omitted: the SDK default chain (task role)'),
  h('S3SECRETACCESSKEY', 'config.yml `s3: secret access key` (secret)'),
  h('S3_SSE_ALGORITHM', "the store's objects encrypted so; config.yml `s3: server side encryption: algorithm`"),
  h('S3_SSE_KMS_KEY_ID', 'config.yml `s3: server side encryption: KMS key ID`'),
  h('AZUREENABLE', 'Azure Blob Storage is the store; config.yml `azure: enable`'),
  h('AZUREACCOUNTNAME', 'config.yml `azure: account name`'),
  h('AZUREACCOUNTKEY', 'config.yml `azure: account key` (secret)'),
  h('AZURECONTAINER', 'the store container; config.yml `azure: container`'),
  h(
    'AZURECONNECTIONSTRING',
    'instead of name and key (may name a BlobEndpoint); config.yml `azure: connection string`',
  ),
  h('EC2', 'own address from EC2 metadata (IMDSv2); config.yml `ec2`'),
  h('KUBERNETES', 'own address is POD_IP; config.yml `kubernetes`'),
  h('SERVERHOSTNAME', 'the address published when nothing better is known'),
  h('TIMEZONE', 'config.yml `timezone`, TZ of the services'),
  h('LOCALE', 'config.yml `os locale`'),
  h('ENVIRONMENT_TAKES_PRECEDENCE', "the environment's values overlay the store's config.yml key by key"),
  h('DASECRETKEY', 'config.yml `secretkey` (secret); without it one is generated once and kept'),
  h('USELETSENCRYPT', 'warned: certificates come from the store (`certs/`) or are self-signed'),
  h('LETSENCRYPTEMAIL', 'accepted, unused (see USELETSENCRYPT)'),

  c('DASTABLEVERSION', ['stable version']),
  c('SERVERADMIN', ['server administrator email']),
  c('COLLECTSTATISTICS', ['collect statistics']),
  c('USECLOUDURLS', ['use cloud urls']),
  c('USEMINIO', ['use minio']),
  c('XSENDFILE', ['xsendfile']),
  c('NLTKSOCKET', ['nltk socket']),
  c('DAUPDATEONSTART', ['update on start'], 'rolevisor itself installs nothing at boot'),
  c('URLROOT', ['url root'], 'wins over the one derived from DAHOSTNAME'),
  c('DAEXPOSEWEBSOCKETS', ['expose websockets']),
  c('DAWEBSOCKETSIP', ['websockets ip']),
  c('DAWEBSOCKETSPORT', ['websockets port']),
  c('DASQLPING', ['sql ping']),
  c('DAALLOWUPDATES', ['allow updates']),
  c('DAALLOWCONFIGURATIONEDITING', ['allow configuration editing']),
  c('DAENABLEPLAYGROUND', ['enable playground']),
  c('DADEBUG', ['debug']),
  c('DAALLOWLOGVIEWING', ['allow log viewing']),
  c('DAROOTOWNED', ['root owned']),
  c('DAREADONLYFILESYSTEM', ['read only file system']),
  c('ENABLEUNOCONV', ['enable unoconv']),
  c('PIPINDEXURL', ['pip index url']),
  c('PIPEXTRAINDEXURLS', ['pip extra index urls']),
  c('GOTENBERGENABLE', ['gotenberg', 'enable']),
  c('GOTENBERGURL', ['gotenberg', 'url']),
  c('GOTENBERGUSERNAME', ['gotenberg', 'username']),
  c('GOTENBERGPASSWORD', ['gotenberg', 'password'], '', true),
  c('S3_SSE_CUSTOMER_ALGORITHM', ['s3', 'server side encryption', 'customer algorithm'], "the app's own uploads only"),
  c(
    'S3_SSE_CUSTOMER_KEY',
    ['s3', 'server side encryption', 'customer key'],
    "the app's own uploads only; the store does not use SSE-C",
    true,
  ),

  u('DAWEBSERVER', 'rolevisor runs nginx only; remove it (apache is not available)'),
  u('DATIMEOUT', "not applied to rolevisor's nginx/uwsgi; set the timeout at your load balancer"),
  u(
    'DASSLPROTOCOLS',
    "rolevisor's nginx uses its own TLS protocols; terminate TLS at a load balancer for another policy",
  ),
  u('DASSLCIPHERS', "rolevisor's nginx uses its own ciphers; terminate TLS at a load balancer for another policy"),
  u('DASSLCERTIFICATE', 'put the certificate in the store under certs/ (installed at boot)'),
  u('DASSLCERTIFICATEKEY', 'put the key in the store under certs/ (installed at boot)', true),
  u('DAMAXCONTENTLENGTH', 'not applied to nginx; limit upload sizes at your load balancer'),
  u('DALOCATIONREWRITE', "no rewrite rules in rolevisor's nginx; use POSTURLROOT"),
  u('DAREALIP', 'use BEHINDHTTPSLOADBALANCER=true (trusts X-Forwarded-For)'),
  u('USENGINXTOSERVEFILES', 'uwsgi serves the files; nothing to set'),
  u('USENLTKSERVER', 'no NLTK helper service is run; point NLTKSOCKET at one you run'),
  u('ENABLEEMAILSERVER', 'the mail role is not supported: use an SMTP service'),
  u('ENABLEMONITOR', 'no monitor process; use /healthz, /readyz and /metrics (STATUSPORT)'),
  u('PACKAGES', 'nothing is installed at boot: build an image with the packages (FROM the rolevisor image)'),
  u('PYTHONPACKAGES', 'nothing is installed at boot: build an image with the packages'),
  u('PIPTRUSTEDHOST', 'nothing is installed at boot: build an image with the packages'),
  u('DAEXTRAFONTS', 'nothing is installed at boot: build an image with the fonts'),
  u('DAGOOGLEFONTS', 'nothing is installed at boot: build an image with the fonts'),
  u('OTHERLOCALES', 'no locales are generated at boot: build an image with them'),
  u('DAINSTALLASROOT', 'nothing is installed at boot'),
  u('CONFIGFROM', 'config.yml comes from the store (or is rendered from the environment)'),
  u('DADEFAULTSECRET', 'use DASECRETKEY', true),
  u('WWWUID', "uids are the image's; build an image or use the volume's ownership"),
  u('WWWGID', "gids are the image's; build an image or use the volume's ownership"),
  u('DASUPERVISORUSERNAME', 'there is no supervisord; use `rolevisor status` and STATUSPORT'),
  u('DASUPERVISORPASSWORD', 'there is no supervisord; use `rolevisor status` and STATUSPORT', true),
  u('SUPERVISORLOGLEVEL', 'there is no supervisord; use LOGLEVEL'),
  u('DA_ROOT', "rolevisor's paths are under ROLEVISOR_HOME"),
  u('DA_PYTHON', 'the app is given by WSGIAPP / CELERYAPP'),
  u('DA_CONFIG', 'config.yml is written under ROLEVISOR_HOME'),
  u('AWSACCESSKEY', 'use S3ACCESSKEY', true),
  u('AWSSECRETACCESSKEY', 'use S3SECRETACCESSKEY', true),
  u('DA_ADMIN_EMAIL', "create the first administrator in the app (or the app's own setup)"),
  u('DA_ADMIN_PASSWORD', "create the first administrator in the app (or the app's own setup)", true),
  u('DA_ADMIN_API_KEY', 'create API keys in the app', true),
];

const BY_NAME = new Map(DOCASSEMBLE_VARIABLES.map((v) => [v.name, v]));

export const docassembleVariable = (name: string): DocassembleVariable | undefined => BY_NAME.get(name);

/** docassemble's reading of a config value from the environment (config.py's env_translate). */
export function translateValue(raw: string): unknown {
  const value = raw.trim();
  if (value === 'true' || value === 'True') return true;
  if (value === 'false' || value === 'False') return false;
  if (value === 'null' || value === 'None' || value === 'Null') return null;
  if (/^-?[0-9]+$/.test(value)) return Number(value);
  return value;
}

/** The config.yml keys given by 'config' variables set in the environment. */
export function passedConfig(env: Record<string, string | undefined>): { key: string[]; value: unknown }[] {
  return DOCASSEMBLE_VARIABLES.filter((v) => v.treatment === 'config' && env[v.name]?.trim()).map((v) => ({
    key: v.key!,
    value: translateValue(env[v.name]!),
  }));
}

/** One warning naming every unsupported variable that is set, or undefined. */
export function unsupportedWarning(env: Record<string, string | undefined>): string | undefined {
  const set = DOCASSEMBLE_VARIABLES.filter((v) => v.treatment === 'unsupported' && env[v.name]?.trim());
  if (set.length === 0) return undefined;
  return `docassemble variable${set.length > 1 ? 's' : ''} not supported by rolevisor, ignored: ${set.map((v) => v.name).join(', ')} (docs/configuration.md, "Every docassemble variable", says what to do instead)`;
}

export function docassembleTableMarkdown(): string[] {
  const word: Record<Treatment, string> = {
    honoured: 'honoured',
    config: 'passed into config.yml',
    unsupported: '**not supported**',
  };
  const out = [
    '## Every docassemble variable',
    '',
    "One row per variable docassemble's entrypoint reads (`Docker/initialize.sh`, `run-*.sh`, the cron",
    "scripts, `config.py`'s environment overrides). `check` and `run` print one warning line naming",
    'every unsupported one that is set. Values passed into config.yml are read as docassemble reads',
    'them: `true`/`false`, `null`/`None` (= null), whole numbers, else text.',
    '',
    '| Variable | rolevisor | How, or what to do instead |',
    '|---|---|---|',
  ];
  for (const v of DOCASSEMBLE_VARIABLES) {
    const how = v.treatment === 'config' ? `\`${v.key!.join(': ')}\`${v.note ? `; ${v.note}` : ''}` : v.note;
    out.push(`| \`${v.name}\`${v.secret ? ' (secret)' : ''} | ${word[v.treatment]} | ${how.replace(/\|/g, '\\|')} |`);
  }
  out.push('');
  return out;
}

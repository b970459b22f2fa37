// Every error a user can meet: a code, an exit code and what to do. Each code keeps its
// message templates here, named for the case (a code can have several: the same cause and
// exit code, different facts to show); call sites pass only the values, through
// catalogError (fastify's createError, with named templates). docs/errors.md documents each
// code, and a test keeps them in step: every catalogued code and template is used and
// documented, every raised code is catalogued, and nothing outside raises free text.

/** A message template: the values a call site passes, in; the one-line message, out. */
type Template = (values: never) => string;

export interface ErrorDefinition {
  code: string;
  exitCode: number;
  summary: string;
}

export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 64,
  serviceUnavailable: 69,
  serviceFailed: 70,
  backupFailed: 73,
  walGap: 74,
  storeUnreachable: 75,
  restoreFailed: 76,
  permission: 77,
  config: 78,
  discoveryTimeout: 79,
} as const;

export const ERRORS = {
  RV_CONFIG_INVALID: {
    exitCode: EXIT.config,
    summary: 'The environment or env-file has invalid settings.',
    // The lines under the message (`details`) are the problems, one per setting (settings/problems.ts).
    messages: {
      settings: (v: { count: number }) =>
        `${v.count} setting${v.count === 1 ? ' is' : 's are'} invalid; fix ${v.count === 1 ? 'it' : 'them'} in the environment or env-file`,
      envFileLines: (v: { source: string; count: number }) => `${v.source} has ${v.count} malformed line(s)`,
      portConflicts: (v: { count: number }) => `${v.count} port conflict(s)`,
      storedConfigYaml: (v: { key: string; reason: string }) =>
        `the ${v.key} in the store is not valid YAML (${v.reason}); fix or delete it in the store, or set ENVIRONMENT_TAKES_PRECEDENCE=true`,
      logServer: (v: { value: string; why: string }) =>
        `LOGSERVER must be host or host:port (e.g. log.internal or log.internal:514); received "${v.value}": ${v.why}`,
    },
  },
  RV_ENV_FILE_UNREADABLE: {
    exitCode: EXIT.config,
    summary: 'The --env-file could not be read.',
    messages: {
      unreadable: (v: { path: string; reason: string }) =>
        `cannot read env-file ${v.path} (${v.reason}); check the path given to --env-file`,
    },
  },
  RV_ROLE_FILE_INVALID: {
    exitCode: EXIT.config,
    summary: 'A file in roles/ is not a valid role definition.',
    messages: {
      folderUnreadable: (v: { dir: string }) => `the roles folder ${v.dir} cannot be read; reinstall rolevisor`,
      problems: (v: { count: number; dir: string }) => `${v.count} problem(s) in the role definitions in ${v.dir}`,
      unknownKind: (v: { role: string; kind: string; known: string[] }) =>
        `role ${v.role} names service kind "${v.kind}", which rolevisor does not have (known: ${v.known.join(', ')})`,
      cycle: (v: { services: string[] }) =>
        `the services ${v.services.join(', ')} wait for each other in a cycle; fix "after" in roles/`,
    },
  },
  RV_USAGE: {
    exitCode: EXIT.usage,
    summary: 'The command line is wrong.',
    messages: {
      unknownCommand: (v: { command: string; commands: string[] }) =>
        `unknown command "${v.command}"; commands: ${v.commands.join(', ')} (rolevisor --help)`,
      arguments: (v: { reason: string; command: string }) => `${v.reason}; see rolevisor ${v.command} --help`,
      optionOf: (v: { option: string; owners: string[]; command: string }) =>
        `${v.option} is an option of ${v.owners.map((o) => `"rolevisor ${o}"`).join(' and ')} only; see rolevisor ${v.command} --help`,
      generationAndTime: () => 'rolevisor restore takes --generation ID or --time ISO8601, not both',
      restoreTarget: () =>
        'rolevisor restore needs --generation ID or --time ISO8601 (rolevisor generations lists them and the restorable window); see rolevisor restore --help',
      time: (v: { time: string | undefined }) =>
        `--time ${JSON.stringify(v.time)} is not an ISO 8601 time; write e.g. 2026-12-01T14:30:00Z`,
      rotateService: (v: { choices: readonly string[]; received: string }) =>
        `--service must be one of ${v.choices.join(', ')}; received ${JSON.stringify(v.received)}`,
      nothingToRestore: (v: { roles: string; holding: string[] }) =>
        `CONTAINERROLE=${v.roles} has none of the roles that hold state (${v.holding.join(', ')}): there is nothing to restore on this host`,
    },
  },
  RV_NOT_ROOT: {
    exitCode: EXIT.permission,
    summary: 'A setting needs root (a port below the unprivileged start) and rolevisor does not run as root.',
    messages: {
      privilegedPort: (v: { setting: string; port: number; portStart: number }) =>
        `${v.setting}=${v.port} is a privileged port (below ${v.portStart}) and rolevisor does not run as root; set ${v.setting} to a port >= ${v.portStart} or run rolevisor as root`,
    },
  },
  RV_HOME_UNREACHABLE: {
    exitCode: EXIT.permission,
    summary: "A service's own user cannot enter ROLEVISOR_HOME (a parent directory is not searchable).",
    messages: {
      notSearchable: (v: { home: string; user: string; service: string; dir: string; mode: number; uid: number }) =>
        `ROLEVISOR_HOME ${v.home} cannot be entered by user ${v.user}, which runs ${v.service}: ${v.dir} is mode ${v.mode.toString(8).padStart(4, '0')} (owner uid ${v.uid}); run chmod o+x ${v.dir} (or chmod 0755), or set ROLEVISOR_HOME to a directory every user can enter`,
    },
  },
  RV_SERVICE_NOT_READY: {
    exitCode: EXIT.serviceUnavailable,
    summary: 'A service did not become ready in time.',
    messages: {
      probeTimeout: (v: { service: string; elapsedMs: number; lastProbe: string }) =>
        `${v.service} was not ready after ${Math.round(v.elapsedMs / 1000)} s (last probe: ${v.lastProbe}); see its log lines above, or raise its ready_timeout in roles/`,
      restarting: (v: { service: string; readyTimeoutSec: number }) =>
        `${v.service} was not ready within ${v.readyTimeoutSec} s (it exited and is restarting); see its log lines above`,
    },
  },
  RV_SERVICE_FAILED: {
    exitCode: EXIT.serviceFailed,
    summary: 'A critical service kept failing.',
    messages: {
      starting: (v: { reason: string }) => `${v.reason}; see its log lines above`,
      critical: (v: { reason: string }) =>
        `${v.reason}; stopping the container so that the orchestrator can replace it`,
    },
  },
  RV_PREPARE_FAILED: {
    exitCode: EXIT.serviceFailed,
    summary: 'Preparing a service (data directory, config files) failed.',
    messages: {
      step: (v: { service: string; reason: string }) => `preparing ${v.service} failed: ${v.reason}`,
      walStart: (v: { start: string; exitCode: number | undefined; output: string }) =>
        `pg_resetwal -l ${v.start} (starting the new cluster's WAL past the store's) failed with exit ${String(v.exitCode)}: ${v.output}`,
      clusterTlsOpenssl: (v: { command: string; exitCode: number | undefined; output: string }) =>
        `openssl ${v.command} failed (exit ${String(v.exitCode)}) making the CLUSTERTLS certificates: ${v.output}`,
      clusterCaKeyMissing: (v: { cert: string; key: string }) =>
        `the store holds the cluster CA certificate ${v.cert} but not its key ${v.key}; put the key back, or delete ${v.cert} to make a new CA (then restart every host)`,
      clusterCaMissing: (v: { missing: string }) =>
        `config.yml says the cluster uses TLS (CLUSTERTLS on the backend), but ${v.missing}; start the backend with CLUSTERTLS=true first (it makes the CA), or set CLUSTERTLS=false on the backend`,
      noSystemUser: (v: { user: string }) =>
        `the system user "${v.user}" does not exist; install the Debian package that creates it (scripts/bootstrap.sh does)`,
      privilegedPortDirect: (v: { setting: string; port: number; portStart: number; user: string }) =>
        `${v.setting}=${v.port} is a privileged port (below ${v.portStart}) but the service is started directly as ${v.user}; use a port >= ${v.portStart} (this is a rolevisor bug if the port is the default)`,
      socketPathTooLong: (v: { what: string; path: string; max: number }) =>
        `the ${v.what} socket path ${v.path} is longer than ${v.max} bytes; use a shorter ROLEVISOR_HOME`,
      appConfigMissing: (v: { path: string }) =>
        `${v.path} does not exist; rolevisor renders it at boot before the web and celery services start (run "rolevisor render-config" to see it)`,
      appConfigUnreadable: (v: { path: string; user: string; uid: number; mode: number }) =>
        `${v.path} is not readable by ${v.user} (owner uid ${v.uid}, mode ${(v.mode & 0o777).toString(8)}); it must belong to ${v.user} with mode 0600`,
      wsgiApp: (v: { file: string; reason: string }) =>
        `WSGIAPP ${v.file} cannot be read (${v.reason}); point WSGIAPP at a readable .py file or unset it for the demo app`,
      uwsgiOption: (v: { name: string; text: string }) =>
        `the uwsgi option ${v.name} cannot contain a newline, "%", "$(" or "@(" (got ${JSON.stringify(v.text)}); rename the path`,
      celeryAppDir: (v: { dir: string; app: string }) =>
        `CELERYAPPDIR ${v.dir} does not exist; point it at the directory that holds the module "${v.app}"`,
      syslogPath: (v: { what: string; path: string }) =>
        `the ${v.what} path ${JSON.stringify(v.path)} cannot be used in the syslog-ng config; ROLEVISOR_HOME must be an absolute path without " \\ $ \` or control characters`,
      syslogBind: (v: { bind: string }) => `the syslog bind address "${v.bind}" must be an IP address`,
      syslogPort: (v: { port: number }) => `the syslog port must be 1-65535; received ${v.port}`,
      nginxSetting: (v: { name: string; text: string }) =>
        `the nginx setting ${v.name} cannot contain quotes, backslashes, "$", ";", braces or newlines (got ${JSON.stringify(v.text)}); rename the path`,
      nginxRejected: (v: { file: string; problem: string }) => `nginx rejected ${v.file}: ${v.problem}`,
      certPair: (v: { found: string; missing: string }) =>
        `${v.found} exists but ${v.missing} does not; put both in certs/ (or neither, for a self-signed pair)`,
      dbUserIsSuperuser: (v: { superuser: string }) =>
        `DBUSER must not be "${v.superuser}": rolevisor manages that superuser itself; set DBUSER to the application's own role name (e.g. docassemble)`,
      postgresMissing: (v: { root: string }) =>
        `no PostgreSQL found under ${v.root}; install the Debian package "postgresql" (scripts/bootstrap.sh does)`,
      postgresMajor: (v: { major: number; installed: number[] }) =>
        `the database cluster was created by PostgreSQL ${v.major} but only ${v.installed.join(', ')} is installed; install postgresql-${v.major}, or move the data directory away and restore from a backup`,
      notACluster: (v: { dataDir: string }) =>
        `${v.dataDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION); move its contents away (or mount volumes at ROLEVISOR_HOME, not at the data directory itself)`,
      initdb: (v: { exitCode: number | undefined; output: string }) =>
        `initdb failed (exit ${v.exitCode}): ${v.output}`,
      clusterMove: (v: { from: string; to: string; reason: string }) =>
        `could not move the new cluster from ${v.from} to ${v.to} (${v.reason}); mount volumes at ROLEVISOR_HOME, not at the data directory itself`,
      superuserPassword: (v: { file: string }) =>
        `cannot read the PostgreSQL superuser password ${v.file}; the sql role's prepare step creates it (start the sql role once on this home)`,
      superuserReset: (v: { exitCode: number | undefined; reason: string; dataDir: string }) =>
        `could not set a new PostgreSQL superuser password in single-user mode (exit ${v.exitCode}): ${v.reason || 'no error text'}; is another postgres running on ${v.dataDir}?`,
    },
  },
  RV_STORE_UNREACHABLE: {
    exitCode: EXIT.storeUnreachable,
    summary: 'The configured store could not be read at boot.',
    messages: {
      afterRetries: (v: { store: string; attempts: number; reason: string; advice: string }) =>
        `cannot read the ${v.store} after ${v.attempts} attempt${v.attempts === 1 ? '' : 's'}: ${v.reason}; ${v.advice}`,
      directory: (v: { store: string; reason: string }) =>
        `cannot use the ${v.store}: ${v.reason}; check that BACKUPDIR is a writable directory (a mounted volume)`,
      list: (v: { store: string; reason: string }) =>
        `cannot list the backup generations in the ${v.store}: ${v.reason}; check the store's permissions (list and read)`,
    },
  },
  RV_STORE_KEY_INVALID: {
    exitCode: EXIT.internal,
    summary: 'A store key or object name would escape its place.',
    messages: {
      refused: (v: { what: string; value: string; reason: string }) =>
        `store ${v.what} ${JSON.stringify(v.value)} is refused: ${v.reason}`,
    },
  },
  RV_RESTORE_FAILED: {
    exitCode: EXIT.restoreFailed,
    summary: 'Restoring state from the store failed.',
    messages: {
      // Reading a generation back.
      manifest: (v: { id: string; file: string; reason: string }) =>
        `generation ${v.id}: ${v.file} is not valid: ${v.reason}`,
      partNotListed: (v: { id: string; part: string; key: string }) =>
        `generation ${v.id}, part "${v.part}": the part is not in the manifest (key ${v.key})`,
      partMissing: (v: { id: string; part: string; key: string }) =>
        `generation ${v.id}, part "${v.part}": the object ${v.key} is missing from the store`,
      partUnreadable: (v: { id: string; part: string; key: string; reason: string }) =>
        `generation ${v.id}, part "${v.part}": cannot read ${v.key}: ${v.reason}`,
      sizeMismatch: (v: { id: string; part: string; read: number; expected: number }) =>
        `generation ${v.id}, part "${v.part}": size mismatch: read ${v.read} bytes, the manifest says ${v.expected}; the part is damaged`,
      digestMismatch: (v: { id: string; part: string; read: string; expected: string }) =>
        `generation ${v.id}, part "${v.part}": sha256 mismatch: read ${v.read}, the manifest says ${v.expected}; the part is damaged`,
      // No candidate restored (each failure is "<where>: <why>").
      noGeneration: (v: { what: string; failures: string[] }) =>
        `no generation could restore ${v.what} (${v.failures.join('; ')})`,
      noBaseBackup: (v: { failures: string[] }) => `no base backup could restore PostgreSQL (${v.failures.join('; ')})`,
      noSnapshot: (v: { failures: string[] }) => `no Redis snapshot could be restored (${v.failures.join('; ')})`,
      noFilesIndex: (v: { root: string; failures: string[] }) =>
        `no files index could be restored into ${v.root} (${v.failures.join('; ')})`,
      allDamaged: (v: { service: string }) => `every generation holding ${v.service} data is damaged`,
      service: (v: { service: string; reason: string }) => `restoring ${v.service}: ${v.reason}`,
      clusterMove: (v: { from: string; to: string; reason: string }) =>
        `could not move the restored cluster from ${v.from} to ${v.to}: ${v.reason}`,
      adoption: (v: { what: string; where: string; reason: string }) =>
        `adopting docassemble's ${v.what} from the ${v.where} failed: ${v.reason}; docassemble's objects are unchanged: replace the damaged one (a good docassemble stop writes it again), or set ALLOWFRESHSTART=true to start empty (that boot writes no backup)`,
      // rolevisor restore (offline) refusing.
      instanceRunning: (v: { pid: number | undefined; home: string }) =>
        `a rolevisor instance (pid ${v.pid}) is running with ROLEVISOR_HOME=${v.home}; stop it first (restore works offline, into empty data directories)`,
      dataDirNotEmpty: (v: { what: string; dir: string }) =>
        `${v.what}'s data directory ${v.dir} is not empty; restore writes only into empty data directories (move it away first)`,
      generationUnusable: (v: { id: string; reason: string }) => `generation ${v.id} is unusable: ${v.reason}`,
      generationMissing: (v: { id: string; store: string; listed: string[] }) =>
        `no complete generation ${v.id} in the ${v.store}; rolevisor generations lists them (${v.listed.join(', ') || 'there are none'})`,
      generationSkipped: (v: { id: string; reason: string }) => `generation ${v.id}: ${v.reason}`,
      generationLacks: (v: { id: string; what: string }) => `generation ${v.id} holds no ${v.what} data`,
      dirsNotEmpty: (v: { what: string }) =>
        `${v.what} are not empty; restore writes only into empty directories (move them away first)`,
      engineRefuses: (v: { reason: string }) => v.reason,
      noOtherForm: (v: { because: string; what: string; service: string }) =>
        `${v.because}, and the store holds no ${v.what} to restore ${v.service} from instead: install that major version's packages to restore its base backup, or restore a ${v.what} taken by it`,
      engineRestore: (v: { what: string; reason: string }) => `${v.what} could not be restored: ${v.reason}`,
      nothingAtHostTime: (v: { what: string; time: Date; from: string | undefined }) =>
        `the store holds no ${v.what} state from at or before the host's point in time ${v.time.toISOString()} (${v.from})`,
      nothingAtTime: (v: { what: string; time: Date }) =>
        `the store holds no ${v.what} state from at or before ${v.time.toISOString()}`,
    },
  },
  RV_LOCAL_DATA_STALE: {
    exitCode: EXIT.restoreFailed,
    summary: 'Local data is older than a generation another host wrote to the store since.',
    messages: {
      newerInStore: (v: {
        service: string;
        dataDir: string;
        from: string | undefined;
        newest: string;
        host: string;
        time: string;
        lineageFile: string;
      }) =>
        `${v.service}'s local data in ${v.dataDir} descends from generation ${v.from}, but the store's newest generation ${v.newest} (host ${v.host}, ${v.time}) was written since by another host: ` +
        `starting would serve stale data and back it up over the newer state. Move ${v.dataDir} away to restore ${v.newest}, ` +
        `or, to keep this data and make it the newest, delete ${v.lineageFile}`,
    },
  },
  RV_WAL_GAP: {
    exitCode: EXIT.walGap,
    summary: 'The archived WAL has a gap or a damaged segment: PostgreSQL would come back older than the store holds.',
    messages: {
      breaks: (v: { problem: string }) =>
        `${v.problem}; put the segment back, or set ACCEPTOLDERSTATE=true to start from that older state`,
    },
  },
  RV_BACKUP_FAILED: {
    exitCode: EXIT.backupFailed,
    summary: 'A backup could not be completed.',
    messages: {
      // A reason that already names its generation (a writer's own error) is kept as it is.
      generation: (v: { id: string; reason: string }) =>
        v.reason.startsWith('generation ') ? v.reason : `generation ${v.id}: ${v.reason}`,
      nothingToBackUp: (v: { why: string }) => `nothing to back up here: ${v.why}`,
      storeOpening: () => 'rolevisor is still opening the store; try again once it is running',
      instanceAnswer: (v: { error: string | undefined; status: number | undefined }) =>
        `${v.error ?? `the instance answered HTTP ${v.status}`}; see its log for the details`,
    },
  },
  RV_DISCOVERY_TIMEOUT: {
    exitCode: EXIT.discoveryTimeout,
    summary: 'A backend service was not found in the store in time.',
    messages: {
      noFreshRecord: (v: {
        services: string[];
        store: string;
        waitedMs: number;
        storeProblem: string | undefined;
        settings: string[];
        timeoutSec: number;
      }) =>
        `no fresh discovery record for ${v.services.join(', ')} in the ${v.store} after ${Math.round(v.waitedMs / 1000)} s${v.storeProblem !== undefined ? `; the last read of the store failed: ${v.storeProblem}` : ''}; ` +
        `start the backend (e.g. CONTAINERROLE=sql:redis:rabbitmq:log) with the same store, or set ${v.settings.join(', ')} explicitly; ` +
        `DISCOVERYTIMEOUT (now ${v.timeoutSec} s) sets how long to wait`,
    },
  },
  RV_CONTROL_UNREACHABLE: {
    exitCode: EXIT.serviceUnavailable,
    summary: 'No running rolevisor answered on the control endpoint.',
    messages: {
      unreachable: (v: { socketPath: string; reason: string }) =>
        `cannot reach the running instance at ${v.socketPath}: ${v.reason}; start it with "rolevisor run", or set ROLEVISOR_HOME to the one it uses`,
    },
  },
  RV_ROTATE_FAILED: {
    exitCode: EXIT.serviceFailed,
    summary: 'Rotating the generated credentials of a running backend failed.',
    messages: {
      noBackend: () =>
        'this host runs no backend service (sql, redis, rabbitmq) or is not running yet; run rolevisor rotate-credentials on the running backend host',
      instanceAnswer: (v: { error: string | undefined; status: number | undefined }) =>
        `${v.error ?? `the instance answered HTTP ${v.status}`}; the credentials in use are unchanged unless the log says otherwise`,
    },
  },
  RV_INTERNAL: {
    exitCode: EXIT.internal,
    summary: 'A bug in rolevisor.',
    messages: {
      unexpected: (v: { reason: string }) => v.reason,
      launchBeforePrepare: (v: { service: string }) => `${v.service} launch() called before prepare()`,
      controlNotJson: (v: { status: number | undefined }) =>
        `the control endpoint answered something that is not JSON (HTTP ${v.status})`,
    },
  },
} as const satisfies Record<string, Omit<ErrorDefinition, 'code'> & { messages?: Record<string, Template> }>;

export type ErrorCode = keyof typeof ERRORS;

/** What a call site may pass besides the values: problem lines shown under the message, the cause. */
export interface ErrorOptions {
  details?: string[];
  cause?: unknown;
}

type Templates<C extends ErrorCode> = (typeof ERRORS)[C] extends { messages: infer M } ? M : never;
/** The names of the message templates of `code`. */
export type TemplateName<C extends ErrorCode> = keyof Templates<C> & string;
// A template without values is called with none; otherwise its values object is required.
type TemplateArgs<T> = T extends () => string
  ? [values?: undefined, options?: ErrorOptions]
  : T extends (values: infer V) => string
    ? [values: V, options?: ErrorOptions]
    : never;

export class RolevisorError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** Extra lines (one per problem) shown under the message, e.g. every invalid setting. */
  readonly details: string[];

  /** Raise through catalogError: only the catalogue (and tests) give a message here. */
  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'RolevisorError';
    this.code = code;
    this.exitCode = ERRORS[code].exitCode;
    this.details = options.details ?? [];
  }
}

/**
 * The error `code` with its message made by the catalogue's template `name` from `values`
 * (typed by the template: a wrong or missing value does not compile).
 */
export function catalogError<C extends ErrorCode, N extends TemplateName<C>>(
  code: C,
  name: N,
  ...[values, options]: TemplateArgs<Templates<C>[N]>
): RolevisorError {
  const templates = (ERRORS[code] as { messages?: Record<string, (values: unknown) => string> }).messages;
  const template = templates?.[name];
  if (!template) throw new RolevisorError('RV_INTERNAL', `the error catalogue has no template ${code}.${name}`);
  return new RolevisorError(code, template(values), options);
}

export function isRolevisorError(error: unknown): error is RolevisorError {
  return error instanceof RolevisorError;
}

/** The message of anything thrown (an Error's message, else its text). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The one-line (plus details) text shown to a user; never a stack trace. */
export function formatError(error: unknown): string {
  if (isRolevisorError(error)) {
    return [`rolevisor: ${error.code}: ${error.message}`, ...error.details.map((d) => `  ${d}`)].join('\n');
  }
  return `rolevisor: RV_INTERNAL: ${errorMessage(error)} (this is a bug; please report it with the log above)`;
}

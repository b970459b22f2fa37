// Every error a user can meet: a code, an exit code and what to do. A code whose message
// has one shape keeps its template here and call sites pass only the values (fastify's
// createError); docs/errors.md documents each code, and a test keeps the three in step:
// every catalogued code is raised and documented, every raised code is catalogued.

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
  RV_CONFIG_INVALID: { exitCode: EXIT.config, summary: 'The environment or env-file has invalid settings.' },
  RV_ENV_FILE_UNREADABLE: {
    exitCode: EXIT.config,
    summary: 'The --env-file could not be read.',
    message: (v: { path: string; reason: string }) =>
      `cannot read env-file ${v.path} (${v.reason}); check the path given to --env-file`,
  },
  RV_ROLE_FILE_INVALID: { exitCode: EXIT.config, summary: 'A file in roles/ is not a valid role definition.' },
  RV_USAGE: { exitCode: EXIT.usage, summary: 'The command line is wrong.' },
  RV_NOT_ROOT: {
    exitCode: EXIT.permission,
    summary: 'A setting needs root (a port below the unprivileged start) and rolevisor does not run as root.',
    message: (v: { setting: string; port: number; portStart: number }) =>
      `${v.setting}=${v.port} is a privileged port (below ${v.portStart}) and rolevisor does not run as root; set ${v.setting} to a port >= ${v.portStart} or run rolevisor as root`,
  },
  RV_HOME_UNREACHABLE: {
    exitCode: EXIT.permission,
    summary: "A service's own user cannot enter ROLEVISOR_HOME (a parent directory is not searchable).",
  },
  RV_SERVICE_NOT_READY: { exitCode: EXIT.serviceUnavailable, summary: 'A service did not become ready in time.' },
  RV_SERVICE_FAILED: { exitCode: EXIT.serviceFailed, summary: 'A critical service kept failing.' },
  RV_PREPARE_FAILED: {
    exitCode: EXIT.serviceFailed,
    summary: 'Preparing a service (data directory, config files) failed.',
  },
  RV_STORE_UNREACHABLE: { exitCode: EXIT.storeUnreachable, summary: 'The configured store could not be read at boot.' },
  RV_STORE_KEY_INVALID: {
    exitCode: EXIT.internal,
    summary: 'A store key or object name would escape its place.',
    message: (v: { what: string; value: string; reason: string }) =>
      `store ${v.what} ${JSON.stringify(v.value)} is refused: ${v.reason}`,
  },
  RV_RESTORE_FAILED: { exitCode: EXIT.restoreFailed, summary: 'Restoring state from the store failed.' },
  RV_LOCAL_DATA_STALE: {
    exitCode: EXIT.restoreFailed,
    summary: 'Local data is older than a generation another host wrote to the store since.',
  },
  RV_WAL_GAP: {
    exitCode: EXIT.walGap,
    summary: 'The archived WAL has a gap or a damaged segment: PostgreSQL would come back older than the store holds.',
  },
  RV_BACKUP_FAILED: { exitCode: EXIT.backupFailed, summary: 'A backup could not be completed.' },
  RV_DISCOVERY_TIMEOUT: {
    exitCode: EXIT.discoveryTimeout,
    summary: 'A backend service was not found in the store in time.',
  },
  RV_CONTROL_UNREACHABLE: {
    exitCode: EXIT.serviceUnavailable,
    summary: 'No running rolevisor answered on the control endpoint.',
    message: (v: { socketPath: string; reason: string }) =>
      `cannot reach the running instance at ${v.socketPath}: ${v.reason}; start it with "rolevisor run", or set ROLEVISOR_HOME to the one it uses`,
  },
  RV_ROTATE_FAILED: {
    exitCode: EXIT.serviceFailed,
    summary: 'Rotating the generated credentials of a running backend failed.',
  },
  RV_INTERNAL: { exitCode: EXIT.internal, summary: 'A bug in rolevisor.' },
} as const satisfies Record<string, Omit<ErrorDefinition, 'code'> & { message?: (values: never) => string }>;

export type ErrorCode = keyof typeof ERRORS;

type ValuesOf<C extends ErrorCode> = (typeof ERRORS)[C] extends { message: (values: infer V) => string } ? V : never;
/** The codes whose message is a template in the catalogue. */
export type TemplatedCode = { [C in ErrorCode]: ValuesOf<C> extends never ? never : C }[ErrorCode];

export class RolevisorError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  /** Extra lines (one per problem) shown under the message, e.g. every invalid setting. */
  readonly details: string[];

  constructor(code: ErrorCode, message: string, options: { details?: string[]; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'RolevisorError';
    this.code = code;
    this.exitCode = ERRORS[code].exitCode;
    this.details = options.details ?? [];
  }
}

/** The error of a templated code, its message made from the catalogue's template and `values`. */
export function catalogError<C extends TemplatedCode>(
  code: C,
  values: ValuesOf<C>,
  options: { details?: string[]; cause?: unknown } = {},
): RolevisorError {
  const template = ERRORS[code].message as (values: ValuesOf<C>) => string;
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

// Every error a user can meet: a code, an exit code and a message template that says what
// to do. docs/errors.md documents each code; a test keeps the two in step.

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
  storeUnreachable: 75,
  restoreFailed: 76,
  permission: 77,
  config: 78,
  discoveryTimeout: 79,
} as const;

export const ERRORS = {
  RV_CONFIG_INVALID: { exitCode: EXIT.config, summary: 'The environment or env-file has invalid settings.' },
  RV_ENV_FILE_UNREADABLE: { exitCode: EXIT.config, summary: 'The --env-file could not be read.' },
  RV_ROLE_FILE_INVALID: { exitCode: EXIT.config, summary: 'A file in roles/ is not a valid role definition.' },
  RV_USAGE: { exitCode: EXIT.usage, summary: 'The command line is wrong.' },
  RV_NOT_ROOT: { exitCode: EXIT.permission, summary: 'Running services as their own users needs root.' },
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
  RV_STORE_KEY_INVALID: { exitCode: EXIT.internal, summary: 'A store key or object name would escape its place.' },
  RV_RESTORE_FAILED: { exitCode: EXIT.restoreFailed, summary: 'Restoring state from the store failed.' },
  RV_LOCAL_DATA_STALE: {
    exitCode: EXIT.restoreFailed,
    summary: 'Local data is older than a generation another host wrote to the store since.',
  },
  RV_BACKUP_FAILED: { exitCode: EXIT.backupFailed, summary: 'A backup could not be completed.' },
  RV_DISCOVERY_TIMEOUT: {
    exitCode: EXIT.discoveryTimeout,
    summary: 'A backend service was not found in the store in time.',
  },
  RV_CONTROL_UNREACHABLE: {
    exitCode: EXIT.serviceUnavailable,
    summary: 'No running rolevisor answered on the control endpoint.',
  },
  RV_ROTATE_FAILED: {
    exitCode: EXIT.serviceFailed,
    summary: 'Rotating the generated credentials of a running backend failed.',
  },
  RV_INTERNAL: { exitCode: EXIT.internal, summary: 'A bug in rolevisor.' },
} as const satisfies Record<string, Omit<ErrorDefinition, 'code'>>;

export type ErrorCode = keyof typeof ERRORS;

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

export function isRolevisorError(error: unknown): error is RolevisorError {
  return error instanceof RolevisorError;
}

/** The one-line (plus details) text shown to a user; never a stack trace. */
export function formatError(error: unknown): string {
  if (isRolevisorError(error)) {
    return [`rolevisor: ${error.code}: ${error.message}`, ...error.details.map((d) => `  ${d}`)].join('\n');
  }
  const message = error instanceof Error ? error.message : String(error);
  return `rolevisor: RV_INTERNAL: ${message} (this is a bug; please report it with the log above)`;
}

#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=1 --
// "node --": Node 20 reads --env-file even after the script name (and exits if the file is
// missing); "--" ends its own options so --env-file reaches rolevisor. The footprint's flags
// (docs/benchmarks.md, boot section), the same in npm start and the image (a test checks):
// MALLOC_ARENA_MAX=2: glibc gives each thread (V8's, libuv's) its own malloc arena, whose
// freed pages stay resident; --max-semi-space-size=1: V8's young generation stays at 1-3 MB
// instead of growing to 32 MB while children log a lot at boot.
// rolevisor's command line. Bad input ends with one clear line and a documented exit code.
import './util/navigator-shim.js';
import { parseArgs } from 'node:util';
import { catalogError, EXIT, formatError, RolevisorError } from './errors.js';
import { createLogger, registerSecrets } from './log.js';
import pino from 'pino';
import { backupCommand } from './commands/backup.js';
import { checkCommand } from './commands/check.js';
import { generationsCommand } from './commands/generations.js';
import { restoreCommand } from './commands/restore.js';
import { renderConfigCommand } from './commands/render-config.js';
import { rotateCredentialsCommand } from './commands/rotate-credentials.js';
import { statusCommand } from './commands/status.js';
import { runContainer } from './container.js';
import { loadRoleCatalog } from './roles/catalog.js';
import { settingsFrom } from './settings/from-cli.js';
import { VERSION } from './version.js';

const USAGE = `rolevisor — role-driven container entrypoint and supervisor

Usage:
  rolevisor run [--env-file FILE]            start the roles in CONTAINERROLE and supervise them
  rolevisor check [--env-file FILE]          validate the settings and print the plan
  rolevisor render-config [--env-file FILE]  print the config.yml that run would write
  rolevisor status [--json]                  show the running instance: services, store, backups
  rolevisor backup                           back up the running instance now
  rolevisor generations [--verify] [--json]  list the backup generations in the store
  rolevisor restore --generation ID          restore one generation into empty data directories (offline)
  rolevisor restore --time ISO8601           restore the host's state at that moment (PostgreSQL by WAL replay)
  rolevisor rotate-credentials [--service S] new generated credentials for the running backend
  rolevisor COMMAND --help                   help for one command

The environment is read as docker run --env-file would pass it; --env-file FILE adds
that file's variables over the real environment. Settings: docs/configuration.md.
Exit codes: docs/errors.md.`;

const HELP: Record<string, string> = {
  run: `Usage: rolevisor run [--env-file FILE]

Validates the settings, renders config.yml, starts every service of the roles in
CONTAINERROLE in dependency order (each waits for its dependencies to be ready), restarts
services that exit, and on SIGTERM or SIGINT stops them in reverse order within STOPTIMEOUT.`,
  check: `Usage: rolevisor check [--env-file FILE]

Validates the settings without starting anything and prints the plan: roles, services,
ports, data directories and store. Exit 0 when valid, 78 with one line per problem when not.`,
  'render-config': `Usage: rolevisor render-config [--env-file FILE]

Prints the config.yml that "rolevisor run" would write (secrets included: it is the file
the app reads; keep the output private).`,
  status: `Usage: rolevisor status [--json] [--env-file FILE]

Asks the instance running with this ROLEVISOR_HOME (through its local control socket) for
every service's state, pid, uptime, restarts and last exit, the store, and the last and next
backup. --json prints the same for scripts. Exit 0 when every service is ready, 69 when not
(or when no instance answers).`,
  backup: `Usage: rolevisor backup [--env-file FILE]

Asks the instance running with this ROLEVISOR_HOME (through its local control socket) to
back up now: every PostgreSQL database and the Redis snapshot stream into a new generation
in the store, the manifest last, then retention (BACKUPKEEP, DABACKUPDAYS). A backup already
running is joined. Prints the generation id, its size and duration. Exit 0 when it was
committed, 73 when it failed (the previous generations are untouched), 69 when no instance
answers.`,
  generations: `Usage: rolevisor generations [--verify] [--json] [--env-file FILE]

Lists the backup generations in the store (S3 or BACKUPDIR), newest first: id, time, host,
size, parts and whether they are verified. Without --verify each stored part's size is
compared with the manifest (no download); --verify reads every part and checks its sha256.
--json prints the same for scripts. Exit 0, or 76 when --verify found a damaged generation.`,
  restore: `Usage: rolevisor restore (--generation ID | --time ISO8601) [--env-file FILE]

--time brings the host back to one moment: PostgreSQL from the newest base backup that
ended before it plus the archived WAL replayed up to that time, Redis from its newest
snapshot at or before it. rolevisor generations shows the restorable window.

Restores one generation (see rolevisor generations) into the EMPTY data directories of the
sql and redis roles in CONTAINERROLE, with no instance running: Redis gets its dump.rdb,
PostgreSQL is started on its own, each dump is restored (sha256 checked while it streams),
and it is stopped again. A later "rolevisor run" keeps this data. Refuses (exit 76) when an
instance is running or a data directory is not empty: move it away first.`,
  'rotate-credentials': `Usage: rolevisor rotate-credentials [--service sql|redis|rabbitmq] [--env-file FILE]

Asks the backend running with this ROLEVISOR_HOME (through its local control socket) for new
generated credentials (DBUSER's password, the Redis password, the RabbitMQ account's
password): each is applied to the running service, then written to the store's config.yml,
and the running app hosts re-write their config.yml and restart uwsgi and celery within
seconds. Credentials set in the environment (DBPASSWORD, REDIS, RABBITMQ) are not touched.
Prints what was rotated, never a value. See docs/security.md.`,
};

// The AWS SDK prints a multi-line, non-JSON deprecation warning on Node < 22 to stderr;
// `rolevisor run` says the same once, as a log line (container.ts). Children get explicit
// environments, so this reaches no service.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

async function main(argv: string[]): Promise<number> {
  // `docker run IMAGE rolevisor check`: people name the program after the image, as they do
  // with `docker exec`; the ENTRYPOINT already is rolevisor.
  const [command, ...rest] = argv[0] === 'rolevisor' ? argv.slice(1) : argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (!(command in HELP)) {
    throw catalogError('RV_USAGE', 'unknownCommand', { command, commands: Object.keys(HELP) });
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        'env-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        json: { type: 'boolean' },
        verify: { type: 'boolean' },
        generation: { type: 'string' },
        time: { type: 'string' },
        service: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw catalogError('RV_USAGE', 'arguments', { reason: (error as Error).message, command });
  }
  if (parsed.values.json && command !== 'status' && command !== 'generations') {
    throw catalogError('RV_USAGE', 'optionOf', { option: '--json', owners: ['status', 'generations'], command });
  }
  if (parsed.values.verify && command !== 'generations') {
    throw catalogError('RV_USAGE', 'optionOf', { option: '--verify', owners: ['generations'], command });
  }
  if (parsed.values.time !== undefined && command !== 'restore') {
    throw catalogError('RV_USAGE', 'optionOf', { option: '--time', owners: ['restore'], command });
  }
  if (command === 'restore' && parsed.values.time !== undefined && parsed.values.generation !== undefined) {
    throw catalogError('RV_USAGE', 'generationAndTime');
  }
  const time = parsed.values.time === undefined ? undefined : new Date(parsed.values.time);
  if (time && (Number.isNaN(time.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(parsed.values.time ?? ''))) {
    throw catalogError('RV_USAGE', 'time', { time: parsed.values.time });
  }
  if (
    (parsed.values.generation !== undefined || time !== undefined) !== (command === 'restore') &&
    !parsed.values.help
  ) {
    throw command === 'restore'
      ? catalogError('RV_USAGE', 'restoreTarget')
      : catalogError('RV_USAGE', 'optionOf', { option: '--generation', owners: ['restore'], command });
  }
  if (parsed.values.service !== undefined && command !== 'rotate-credentials') {
    throw catalogError('RV_USAGE', 'optionOf', { option: '--service', owners: ['rotate-credentials'], command });
  }
  if (parsed.values.help) {
    process.stdout.write(`${HELP[command]}\n`);
    return EXIT.ok;
  }
  const catalog = loadRoleCatalog();
  const settings = await settingsFrom(process.env, parsed.values['env-file'], catalog);
  switch (command) {
    case 'run': {
      const code = await runContainer({ settings, catalog });
      // Clients and timers of finished services must not keep a stopped container alive.
      return process.exit(code);
    }
    case 'check':
      return checkCommand(settings, catalog, process.stdout);
    case 'status':
      return statusCommand(settings, parsed.values.json === true, process.stdout);
    case 'backup':
      return backupCommand(settings, process.stdout);
    case 'rotate-credentials':
      return rotateCredentialsCommand(settings, parsed.values.service, process.stdout);
    case 'generations': {
      // Store warnings go to stderr; stdout carries only the listing.
      registerSecrets(settings.secrets);
      const log = createLogger({ level: 'warn', destination: pino.destination({ fd: 2, sync: true }) });
      return generationsCommand(
        settings,
        { verify: parsed.values.verify === true, json: parsed.values.json === true },
        process.stdout,
        log,
      );
    }
    case 'restore': {
      registerSecrets(settings.secrets);
      const log = createLogger({ level: settings.logLevel });
      return restoreCommand(
        settings,
        catalog,
        time ? { time } : { generation: parsed.values.generation as string },
        log,
      );
    }
    default:
      return renderConfigCommand(settings, process.stdout);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${formatError(error)}\n`);
    process.exitCode = error instanceof RolevisorError ? error.exitCode : EXIT.internal;
  },
);

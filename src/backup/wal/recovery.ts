// Replaying the prefetched WAL: PostgreSQL is started on the restored directory on its own
// (no network, a private socket, peer login for root only), with recovery.signal and the
// target; it replays pg_wal, promotes, and is stopped again. Its new timeline's files stay
// marked for archiving (archive_command is empty here) and go to the store at the real
// start. The superuser gets this host's password while it is up.
import { execa } from 'execa';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import type { Logger } from '../../log.js';
import { ensureServiceDir } from '../../services/shared/backend-dirs.js';
import { backendEnv } from '../../services/shared/backend-env.js';
import { confString } from '../../services/postgres/conf.js';
import { SUPERUSER } from '../../services/postgres/superuser.js';
import type { Identity } from '../../util/identity.js';
import { scramSha256Verifier } from '../../util/scram.js';
import { stderrTail } from '../pipeline.js';

export interface RecoveryOptions {
  bin: string;
  dataDir: string;
  /** A private directory for the socket and the temporary configuration. */
  workDir: string;
  port: number;
  identity: Identity | undefined;
  timeline: number;
  targetTime: Date | undefined;
  superuserPassword: string;
  log: Logger;
}

export interface RecoveryResult {
  /** The commit time of the last transaction replayed (undefined: none after the base backup). */
  lastTransaction: Date | undefined;
  lastLsn: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function writeRecoveryConf(options: RecoveryOptions): Promise<string> {
  const file = join(options.workDir, 'recovery.conf');
  const hba = join(options.workDir, 'pg_hba.conf');
  const ident = join(options.workDir, 'pg_ident.conf');
  await writeFile(hba, 'local all postgres peer map=rolevisor\n', { mode: 0o600 });
  await writeFile(ident, 'rolevisor root postgres\nrolevisor postgres postgres\n', { mode: 0o600 });
  const lines = [
    `include ${confString(join(options.dataDir, 'postgresql.conf'))}`,
    "listen_addresses = ''",
    `port = ${options.port}`,
    `unix_socket_directories = ${confString(options.workDir)}`,
    `hba_file = ${confString(hba)}`,
    `ident_file = ${confString(ident)}`,
    "log_destination = 'stderr'",
    'logging_collector = off',
    // The segments are in pg_wal already (fetched and verified by rolevisor).
    "restore_command = '/bin/false'",
    `recovery_target_timeline = '${options.timeline}'`,
    ...(options.targetTime
      ? [
          // PostgreSQL's own timestamp syntax (it refuses the ISO 'T' and 'Z').
          `recovery_target_time = ${confString(options.targetTime.toISOString().replace('T', ' ').replace('Z', '+00'))}`,
          "recovery_target_inclusive = 'true'",
        ]
      : []),
    "recovery_target_action = 'promote'",
    'archive_mode = on',
    "archive_command = ''",
    '',
  ];
  await writeFile(file, lines.join('\n'), { mode: 0o600 });
  if (options.identity) {
    const { chown } = await import('node:fs/promises');
    for (const f of [file, hba, ident]) await chown(f, options.identity.uid, options.identity.gid);
  }
  return file;
}

export async function replayWal(options: RecoveryOptions): Promise<RecoveryResult> {
  const { log } = options;
  // On a new volume the service's run directory does not exist yet (its prepare() comes later):
  // made here as prepare() makes it, so PostgreSQL's user can reach the work directory inside.
  await ensureServiceDir(dirname(options.workDir), 0o755, options.identity);
  await mkdir(options.workDir, { recursive: true, mode: 0o700 });
  if (options.identity) {
    const { chown } = await import('node:fs/promises');
    await chown(options.workDir, options.identity.uid, options.identity.gid);
  }
  await writeFile(join(options.dataDir, 'recovery.signal'), '', { mode: 0o600 });
  if (options.identity) {
    const { chown } = await import('node:fs/promises');
    await chown(join(options.dataDir, 'recovery.signal'), options.identity.uid, options.identity.gid);
  }
  const conf = await writeRecoveryConf(options);
  const server = execa(join(options.bin, 'postgres'), ['-D', options.dataDir, '-c', `config_file=${conf}`], {
    env: backendEnv(options.dataDir),
    extendEnv: false,
    cwd: options.dataDir,
    uid: options.identity?.uid,
    gid: options.identity?.gid,
    reject: false,
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'pipe',
    buffer: { stderr: true },
    maxBuffer: { stderr: 4 * 1024 * 1024 },
  });
  let exited = false;
  void server.then(() => {
    exited = true;
  });
  const connect = async (): Promise<pg.Client | undefined> => {
    const client = new pg.Client({
      host: options.workDir,
      port: options.port,
      user: SUPERUSER,
      database: 'postgres',
      connectionTimeoutMillis: 5000,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return client;
    } catch {
      await client.end().catch(() => undefined);
      return undefined;
    }
  };
  let lastReport = 0;
  try {
    for (;;) {
      if (exited) {
        const result = await server;
        throw new Error(
          `PostgreSQL stopped during WAL replay (exit ${result.exitCode ?? result.signal}): ${stderrTail(String(result.stderr ?? ''))}`,
        );
      }
      const client = await connect();
      if (client) {
        try {
          const row = (
            await client.query<{ recovering: boolean; lsn: string | null; ts: Date | null }>(
              'SELECT pg_is_in_recovery() AS recovering, pg_last_wal_replay_lsn()::text AS lsn, pg_last_xact_replay_timestamp() AS ts',
            )
          ).rows[0];
          if (!row.recovering) {
            await client.query(
              `ALTER ROLE ${pg.escapeIdentifier(SUPERUSER)} PASSWORD ${pg.escapeLiteral(scramSha256Verifier(options.superuserPassword))}`,
            );
            await client.query('CHECKPOINT');
            return { lastTransaction: row.ts ?? undefined, lastLsn: row.lsn ?? '' };
          }
          if (Date.now() - lastReport > 5000) {
            lastReport = Date.now();
            log.info(
              { lsn: row.lsn, lastTransaction: row.ts },
              `replaying WAL: at ${row.lsn ?? '?'}, last transaction ${row.ts?.toISOString() ?? 'none yet'}`,
            );
          }
        } finally {
          await client.end().catch(() => undefined);
        }
      }
      await sleep(200);
    }
  } finally {
    if (!exited) server.kill('SIGINT');
    await server;
  }
}

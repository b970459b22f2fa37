// Restoring PostgreSQL into the fresh cluster (started, not yet serving the app): each dump
// streams from the store, its sha256 checked on the way, through `zstd -d` into
// `pg_restore --clean --if-exists --create`, which recreates the database as it was (owner
// DBUSER, encoding, settings, grants). The hash is known only at the end, when pg_restore
// may already have committed: then everything restored is dropped and the previous
// generation is tried. Only the cluster this boot created is ever written to.
import pg from 'pg';
import { catalogError, errorMessage } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import { ensureAppDatabase } from '../../../services/postgres/app-database.js';
import { readSuperuserPassword } from '../../../services/postgres/superuser.js';
import type { ServiceContext } from '../../../services/types.js';
import { readPart } from '../../../generations/read.js';
import type { PartInfo } from '../../../generations/manifest.js';
import type { Store } from '../../../store/store.js';
import { formatBytes } from '../../../util/progress.js';
import type { Candidate } from '../../candidates.js';
import { startPipeline } from '../../pipeline.js';
import { DATABASES_TO_BACK_UP, withAdminClient } from './dump.js';
import { ZSTD, ZSTD_DECOMPRESS_ARGS, zstdEnv } from '../../zstd.js';
import { postgresTool, postgresToolEnv } from './tools.js';

export const RESTORE_SESSION_OPTIONS = '-c maintenance_work_mem=256MB -c synchronous_commit=off';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function restoreDump(
  store: Store,
  candidate: Candidate,
  part: PartInfo,
  ctx: ServiceContext,
  password: string,
): Promise<void> {
  const source = await readPart(store, candidate.summary.manifest, part);
  const steps = [
    ...(part.compression === 'zstd'
      ? [{ name: `zstd -d of ${part.name}`, file: ZSTD, args: ZSTD_DECOMPRESS_ARGS, env: zstdEnv(), cwd: '/' }]
      : []),
    {
      name: `pg_restore of ${part.name}`,
      file: postgresTool(ctx, 'pg_restore'),
      // --create: the dump's own CREATE DATABASE (owner, encoding, grants); -d names only the
      // database to connect to first. --exit-on-error: a partial restore is a failed one.
      args: ['--clean', '--if-exists', '--create', '--exit-on-error', '--no-password', '-d', 'postgres'],
      // More memory for the index builds of this one session (the server default is 64 MB).
      env: { ...postgresToolEnv(ctx, password), PGOPTIONS: RESTORE_SESSION_OPTIONS },
      identity: ctx.identity,
      cwd: ctx.paths.run,
    },
  ];
  const restore = startPipeline(steps, { input: source, output: false });
  await restore.done;
}

/** Drops every database but "postgres" and the templates: this boot's cluster held nothing else. */
export async function dropRestoredDatabases(ctx: ServiceContext, log: Logger): Promise<void> {
  await withAdminClient(ctx, async (client) => {
    const rows = (await client.query<{ datname: string }>(DATABASES_TO_BACK_UP)).rows;
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
    }
    if (rows.length > 0) log.warn({ databases: rows.map((r) => r.datname) }, 'dropped the partly restored databases');
  });
}

/** DBUSER and DBNAME as the settings say (the dump's database may lack them, or the password changed). */
export const ensureAppDatabaseAgain = (ctx: ServiceContext): Promise<unknown> =>
  withAdminClient(ctx, (client) =>
    ensureAppDatabase(
      client,
      { user: ctx.settings.db.user, password: ctx.settings.db.password, database: ctx.settings.db.name },
      ctx.log,
    ),
  );

/**
 * Restores the newest generation whose dumps prove intact, falling back generation by
 * generation. Returns the generation used; throws RV_RESTORE_FAILED (with everything
 * restored dropped again) when none could be.
 */
export async function restorePostgres(
  store: Store,
  candidates: Candidate[],
  ctx: ServiceContext,
  log: Logger,
): Promise<string> {
  const password = await readSuperuserPassword(ctx.paths);
  const failures: string[] = [];
  for (const candidate of candidates) {
    const started = Date.now();
    try {
      let bytes = 0;
      for (const part of candidate.parts) {
        const partStarted = Date.now();
        log.info(
          { generation: candidate.id, part: part.name, bytes: part.size },
          `restoring ${part.name} (${formatBytes(part.size)}) from generation ${candidate.id}`,
        );
        await restoreDump(store, candidate, part, ctx, password);
        bytes += part.size;
        log.info(
          { generation: candidate.id, part: part.name, durationMs: Date.now() - partStarted },
          `restored ${part.name} in ${seconds(Date.now() - partStarted)}`,
        );
      }
      await ensureAppDatabaseAgain(ctx);
      log.info(
        { generation: candidate.id, bytes, durationMs: Date.now() - started },
        `restored PostgreSQL from generation ${candidate.id} (${candidate.parts.length} database(s), ${formatBytes(bytes)} in ${seconds(Date.now() - started)})`,
      );
      return candidate.id;
    } catch (error) {
      failures.push(`${candidate.id}: ${errorMessage(error)}`);
      log.error(
        { generation: candidate.id },
        `RESTORE OF POSTGRESQL FROM GENERATION ${candidate.id} FAILED: ${errorMessage(error)}; ${candidates.at(-1) === candidate ? 'no older generation is left' : 'dropping what was restored and falling back to the previous generation'}`,
      );
      await dropRestoredDatabases(ctx, log);
      await ensureAppDatabaseAgain(ctx);
    }
  }
  throw catalogError('RV_RESTORE_FAILED', 'noGeneration', { what: 'PostgreSQL', failures });
}

// Bringing a docassemble deployment's state into this host, as docassemble's initialize.sh
// does it, but checked: each `postgres/<db>` dump streams straight from its object into
// `pg_restore --create --clean` (the database recreated with its owner, DBUSER, who exists
// by then), failing on the first error rather than leaving half a database; `redis.rdb`
// becomes dump.rdb before Redis starts, only once all of it arrived and it starts with
// Redis's magic; uploaded files are copied when they sit in a folder. Only reads the source.
import { createWriteStream } from 'node:fs';
import { chown, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../log.js';
import { ensureServiceDir } from '../services/shared/backend-dirs.js';
import { readSuperuserPassword } from '../services/postgres/superuser.js';
import type { ServiceContext } from '../services/types.js';
import type { Identity } from '../util/identity.js';
import type { ListedObject, Store } from '../store/store.js';
import { sizeGuard } from '../store/size-guard.js';
import { formatBytes } from '../util/progress.js';
import { startPipeline } from '../backup/pipeline.js';
import {
  dropRestoredDatabases,
  ensureAppDatabaseAgain,
  RESTORE_SESSION_OPTIONS,
} from '../backup/engines/postgres/restore.js';
import { RDB_FILE } from '../backup/engines/redis/snapshot.js';
import { postgresTool, postgresToolEnv } from '../backup/engines/postgres/tools.js';
import { DA_FILES_PREFIX, type DocassembleLayout } from './layout.js';

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function restoreDump(source: Store, object: ListedObject, ctx: ServiceContext, password: string): Promise<void> {
  const body = await source.get(object.key);
  const input = body.pipe(sizeGuard(object.key, object.size));
  body.once('error', (error) => input.destroy(error));
  const restore = startPipeline(
    [
      {
        name: `pg_restore of docassemble's ${object.key}`,
        file: postgresTool(ctx, 'pg_restore'),
        args: ['--clean', '--if-exists', '--create', '--exit-on-error', '--no-password', '-d', 'postgres'],
        env: { ...postgresToolEnv(ctx, password), PGOPTIONS: RESTORE_SESSION_OPTIONS },
        identity: ctx.identity,
        cwd: ctx.paths.run,
      },
    ],
    { input, output: false },
  );
  await restore.done;
}

/** Every dump into the fresh cluster; on any failure everything restored is dropped again and it throws. */
export async function adoptPostgres(
  source: Store,
  layout: DocassembleLayout,
  ctx: ServiceContext,
  log: Logger,
): Promise<void> {
  const password = await readSuperuserPassword(ctx.paths);
  const started = Date.now();
  let bytes = 0;
  try {
    for (const { database, object } of layout.dumps) {
      const partStarted = Date.now();
      log.info(
        { key: object.key, bytes: object.size, written: object.modified.toISOString() },
        `adopting docassemble's database "${database}" from ${object.key} (${formatBytes(object.size)}, written ${object.modified.toISOString()})`,
      );
      await restoreDump(source, object, ctx, password);
      bytes += object.size;
      log.info(
        { key: object.key, durationMs: Date.now() - partStarted },
        `adopted "${database}" in ${seconds(Date.now() - partStarted)}`,
      );
    }
    await ensureAppDatabaseAgain(ctx);
  } catch (error) {
    await dropRestoredDatabases(ctx, log);
    await ensureAppDatabaseAgain(ctx);
    throw error;
  }
  log.info(
    { databases: layout.dumps.map((d) => d.database), bytes, durationMs: Date.now() - started },
    `adopted PostgreSQL from docassemble's ${layout.where} (${layout.dumps.length} database(s), ${formatBytes(bytes)} in ${seconds(Date.now() - started)})`,
  );
}

const RDB_MAGIC = Buffer.from('REDIS');

/** redis.rdb → <data>/dump.rdb (owned by redis, 0600), or nothing when it is not whole or not an RDB file. */
export async function adoptRedis(
  source: Store,
  object: ListedObject,
  ctx: Pick<ServiceContext, 'paths' | 'identity'>,
  log: Logger,
): Promise<void> {
  await ensureServiceDir(ctx.paths.data, 0o700, ctx.identity);
  const target = join(ctx.paths.data, RDB_FILE);
  const temp = `${target}.rv-adopt`;
  const body = await source.get(object.key);
  try {
    await pipeline(body, sizeGuard(object.key, object.size), createWriteStream(temp, { mode: 0o600 }));
    const handle = await open(temp, 'r+');
    try {
      const head = Buffer.alloc(RDB_MAGIC.length);
      await handle.read(head, 0, head.length, 0);
      if (!head.equals(RDB_MAGIC))
        throw new Error(
          `${object.key} in ${source.describe()} is not a Redis snapshot (it does not start with "REDIS")`,
        );
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (ctx.identity) await chown(temp, ctx.identity.uid, ctx.identity.gid);
    await rename(temp, target);
  } catch (error) {
    body.destroy();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  log.info(
    { key: object.key, bytes: object.size, written: object.modified.toISOString() },
    `adopted Redis from docassemble's ${object.key} (${formatBytes(object.size)}, written ${object.modified.toISOString()})`,
  );
}

/** files/… → <dest>/…, each file written whole before its name appears. */
export async function adoptFiles(
  source: Store,
  files: ListedObject[],
  dest: string,
  owner: Identity | undefined,
  log: Logger,
): Promise<void> {
  let bytes = 0;
  for (const file of files) {
    const target = join(dest, ...file.key.slice(DA_FILES_PREFIX.length).split('/'));
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    const temp = `${target}.rv-adopt`;
    await pipeline(
      await source.get(file.key),
      sizeGuard(file.key, file.size),
      createWriteStream(temp, { mode: 0o640 }),
    );
    if (owner) await chown(temp, owner.uid, owner.gid);
    await rename(temp, target);
    bytes += file.size;
  }
  log.info(
    { files: files.length, bytes, dest },
    `adopted ${files.length} uploaded file(s) (${formatBytes(bytes)}) into ${dest}`,
  );
}

// PostgreSQL's state as logical dumps: every database (but "postgres" and the templates) as
// one part, `pg_dump -Fc | zstd` streamed into the store; restored with pg_restore into the
// fresh cluster once it answers, before anything that uses it. DBBACKUP=false leaves it out.
import { clusterMajor } from '../../../services/postgres/binaries.js';
import { isEmptyDir } from '../../../util/fsx.js';
import { formatBytes } from '../../../util/progress.js';
import type { StateEngine } from '../engine.js';
import { dumpDatabase, postgresInventory, type DatabaseInfo } from './dump.js';
import { BASE_BACKUP_KIND } from '../../wal/base-backup.js';
import { POSTGRES_KIND, postgresPartName } from './part-names.js';
import { restorePostgres } from './restore.js';

/** Databases dumped at the same time (each dump runs its own zstd on every core). */
const DATABASE_CONCURRENCY = 2;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, queue.length) }, worker));
}

export const postgresDumpEngine: StateEngine = {
  kind: POSTGRES_KIND,
  label: 'PostgreSQL',
  service: 'postgres',
  restoreAt: 'after-ready',
  partNames: 'postgres.<database>.dump.zst (one per database)',
  setsTime: true,
  // Beside base backups the dumps run on DUMPSCHEDULE only, and restore when no base backup can.
  yieldsTo: BASE_BACKUP_KIND,
  what: 'logical dump',

  backsUp: (settings) => settings.db.backup,

  // A cluster (PG_VERSION) or anything else in the directory: initdb would refuse it too.
  hasLocalData: async (ctx) => clusterMajor(ctx.paths.data) !== undefined || !(await isEmptyDir(ctx.paths.data)),

  async backUp({ ctx, addPart, signal, log }) {
    const inventory = await postgresInventory(ctx);
    log.info(
      { databases: inventory.databases.map((d) => d.name) },
      `dumping ${inventory.databases.length} PostgreSQL database(s)`,
    );
    await eachLimited(inventory.databases, DATABASE_CONCURRENCY, async (db: DatabaseInfo) => {
      const started = Date.now();
      const dump = await dumpDatabase(ctx, db.name, { signal, log });
      const part = await addPart(postgresPartName(db.name), dump.output!, {
        compression: 'zstd',
        expectedSize: Math.max(db.size, 1),
      });
      log.info(
        { phase: 'postgres', database: db.name, part: part.name, bytes: part.size, durationMs: Date.now() - started },
        `dumped database "${db.name}": ${formatBytes(part.size)} stored in ${seconds(Date.now() - started)}`,
      );
    });
    return { version: inventory.version };
  },

  restore: ({ store, candidates, ctx, log }) => restorePostgres(store, candidates, ctx, log),
};

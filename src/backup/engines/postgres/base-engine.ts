// PostgreSQL's state as a base backup plus the archived WAL (src/backup/wal/): what a
// scheduled generation holds for PostgreSQL while archiving is on (DBBACKUP=true). Restored
// physically into the empty data directory before PostgreSQL starts, replaying the WAL to
// its end or to the host's target time. The logical dumps (engine.ts) stay, on their own
// schedule, for a restore into another major version.
import { clusterMajor, postgresBinaries } from '../../../services/postgres/binaries.js';
import type { Candidate } from '../../candidates.js';
import { isEmptyDir } from '../../../util/fsx.js';
import type { StateEngine } from '../engine.js';
import { BASE_BACKUP_KIND, writeBaseBackup } from '../../wal/base-backup.js';
import { restorePhysical } from '../../wal/restore-base.js';
import { postgresInventory } from './dump.js';

/** The major version the base backup's cluster was made by, from its manifest ("15.8" → 15). */
const recordedMajor = (candidate: Candidate): number | undefined => {
  const version = candidate.summary.manifest.versions[BASE_BACKUP_KIND];
  const major = version && /^(\d+)/.exec(version)?.[1];
  return major ? Number(major) : undefined;
};

/** The major version a new cluster on this host gets (the newest installed), or undefined when none is. */
const installedMajor = (): number | undefined => {
  try {
    return postgresBinaries(undefined).major;
  } catch {
    return undefined;
  }
};

export const postgresBaseEngine: StateEngine = {
  kind: BASE_BACKUP_KIND,
  label: 'PostgreSQL',
  service: 'postgres',
  restoreAt: 'before-start',
  partNames: 'postgres.base.tar.zst (a base backup; the WAL under wal/)',

  setsTime: true,
  backUpAtFirstBoot: true,
  what: 'base backup',

  // The oldest moment it restores: its end (WAL replay goes on from there).
  stateTime: (candidate) => new Date(candidate.summary.manifest.wal?.endTime ?? candidate.summary.manifest.time),

  // A physical copy only starts under the major version that wrote it: another one restores from a logical dump.
  cannotRestore(candidate) {
    const recorded = recordedMajor(candidate);
    const installed = installedMajor();
    if (recorded === undefined || installed === undefined || recorded === installed) return undefined;
    return `the base backup of generation ${candidate.id} is from PostgreSQL ${recorded} and this host runs PostgreSQL ${installed}`;
  },

  backsUp: (settings) => settings.db.backup && settings.db.archiveSeconds > 0,

  hasLocalData: async (ctx) => clusterMajor(ctx.paths.data) !== undefined || !(await isEmptyDir(ctx.paths.data)),

  async backUp({ ctx, addPart, signal, log }) {
    const inventory = await postgresInventory(ctx);
    const expectedSize = inventory.databases.reduce((sum, d) => sum + d.size, 0);
    const wal = await writeBaseBackup(addPart, ctx, { signal, log, expectedSize });
    return { version: inventory.version, wal };
  },

  async restore({ store, candidates, ctx, log, targetTime }) {
    const bases = candidates.flatMap((c) => {
      const part = c.parts[0];
      return part && c.summary.manifest.wal ? [{ summary: c.summary, part }] : [];
    });
    const result = await restorePhysical({
      store,
      candidates: bases.filter((b) => !targetTime || new Date(b.summary.manifest.wal!.endTime) <= targetTime),
      ctx,
      log,
      targetTime,
      acceptOlderState: ctx.settings.acceptOlderState,
    });
    return { generation: result.generation, reached: result.reached };
  },
};

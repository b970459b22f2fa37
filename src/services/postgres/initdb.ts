// Creating the database cluster on first boot. initdb writes into a sibling directory that
// is renamed into place only when it succeeded, so a crash during initdb never leaves a
// half-made cluster that a later boot would take for a real one.
import { chown, readFile, readdir, rename, rm, rmdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { catalogError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { writeSecretFile } from '../../util/fsx.js';
import { ensureServiceDir } from '../shared/backend-dirs.js';
import { backendEnv } from '../shared/backend-env.js';
import type { Identity } from '../../util/identity.js';
import { SUPERUSER } from './superuser.js';

export interface InitClusterOptions {
  bin: string;
  dataDir: string;
  /** A directory the service user owns, for initdb's short-lived password file. */
  runDir: string;
  superuserPassword: string;
  identity: Identity | undefined;
  log: Logger;
}

const lastLines = (text: string, n = 5): string => text.trim().split('\n').slice(-n).join(' | ');

async function isEmptyDir(path: string): Promise<boolean | undefined> {
  try {
    return (await readdir(path)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function initCluster(options: InitClusterOptions): Promise<void> {
  const { dataDir, identity, log } = options;
  const empty = await isEmptyDir(dataDir);
  if (empty === false) {
    throw catalogError('RV_PREPARE_FAILED', 'notACluster', { dataDir });
  }
  const staging = `${dataDir}.initdb`;
  await rm(staging, { recursive: true, force: true });
  await ensureServiceDir(staging, 0o700, identity);
  // initdb runs as postgres, which cannot read the secrets directory: a copy it can read,
  // removed as soon as initdb is done.
  const pwfile = join(options.runDir, 'initdb.pwfile');
  await writeSecretFile(pwfile, `${options.superuserPassword}\n`, identity);
  const started = Date.now();
  try {
    const result = await execa(
      join(options.bin, 'initdb'),
      [
        '-D',
        staging,
        '-U',
        SUPERUSER,
        '-E',
        'UTF8',
        '--locale=C.UTF-8',
        '--auth-local=scram-sha-256',
        '--auth-host=scram-sha-256',
        `--pwfile=${pwfile}`,
      ],
      {
        env: backendEnv(staging),
        extendEnv: false,
        cwd: staging,
        uid: identity?.uid,
        gid: identity?.gid,
        reject: false,
        stdin: 'ignore',
        all: true,
      },
    );
    if (result.exitCode !== 0) {
      throw catalogError('RV_PREPARE_FAILED', 'initdb', {
        exitCode: result.exitCode,
        output: lastLines(result.all ?? ''),
      });
    }
  } finally {
    await unlink(pwfile).catch(() => undefined);
  }
  try {
    if (empty) await rmdir(dataDir);
    await rename(staging, dataDir);
  } catch (error) {
    throw catalogError(
      'RV_PREPARE_FAILED',
      'clusterMove',
      { from: staging, to: dataDir, reason: (error as NodeJS.ErrnoException).code ?? String(error) },
      { cause: error },
    );
  }
  log.info({ ms: Date.now() - started, dataDir }, 'created the PostgreSQL cluster');
}

/**
 * A cluster made on a store that holds another cluster's WAL starts its own past every
 * name there (startFile, written by the WAL engine): `pg_resetwal -l` on the new, cleanly
 * shut down cluster, as pg_upgrade does. Its segments and timeline history files then never
 * take a name the store already holds. No file: nothing to do.
 */
export async function startWalPastStore(options: {
  bin: string;
  dataDir: string;
  startFile: string;
  identity: Identity | undefined;
  log: Logger;
}): Promise<void> {
  const start = (await readFile(options.startFile, 'utf8').catch(() => '')).trim();
  if (!/^[0-9A-F]{24}$/.test(start)) return;
  const result = await execa(join(options.bin, 'pg_resetwal'), ['-l', start, '-D', options.dataDir], {
    env: backendEnv(options.dataDir),
    extendEnv: false,
    cwd: options.dataDir,
    uid: options.identity?.uid,
    gid: options.identity?.gid,
    reject: false,
    stdin: 'ignore',
    all: true,
  });
  if (result.exitCode !== 0)
    throw catalogError('RV_PREPARE_FAILED', 'walStart', {
      start,
      exitCode: result.exitCode,
      output: lastLines(result.all ?? ''),
    });
  // A timeline past 1 needs its history file: a restore targets the timeline by number, and
  // PostgreSQL refuses a target timeline without one. This timeline has no parent worth
  // replaying (the cluster is new): a comment only, marked ready so PostgreSQL archives it.
  const timeline = start.slice(0, 8);
  const history = join(options.dataDir, 'pg_wal', `${timeline}.history`);
  const ready = join(options.dataDir, 'pg_wal', 'archive_status', `${timeline}.history.ready`);
  await writeFile(
    history,
    `# rolevisor: a new cluster, its WAL started at ${start} past an earlier cluster's (pg_resetwal)\n`,
    { mode: 0o600 },
  );
  await writeFile(ready, '', { mode: 0o600 });
  if (options.identity) {
    await chown(history, options.identity.uid, options.identity.gid);
    await chown(ready, options.identity.uid, options.identity.gid);
  }
  options.log.info(
    { walStart: start },
    `the store holds WAL of an earlier cluster: this new cluster's WAL starts at ${start} (timeline ${parseInt(start.slice(0, 8), 16)}), past every archived name, so none of its segments can take one of theirs`,
  );
}

// Creating the database cluster on first boot. initdb writes into a sibling directory that
// is renamed into place only when it succeeded, so a crash during initdb never leaves a
// half-made cluster that a later boot would take for a real one.
import { readdir, rename, rm, rmdir, unlink } from 'node:fs/promises';
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

// When the superuser password file is gone but the cluster is still there (a lost secrets
// directory), rolevisor makes a new password and sets it with the server stopped, in
// single-user mode: only its SCRAM verifier goes in, on stdin.
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { catalogError } from '../../errors.js';
import { scramSha256Verifier } from '../../util/scram.js';
import { backendEnv } from '../shared/backend-env.js';
import type { Identity } from '../../util/identity.js';
import { SUPERUSER } from './superuser.js';

export interface OfflineResetOptions {
  bin: string;
  dataDir: string;
  configFile: string;
  password: string;
  identity: Identity | undefined;
}

export async function setSuperuserPasswordOffline(options: OfflineResetOptions): Promise<void> {
  const statement = `ALTER ROLE ${pg.escapeIdentifier(SUPERUSER)} PASSWORD ${pg.escapeLiteral(scramSha256Verifier(options.password))};\n`;
  const result = await execa(
    join(options.bin, 'postgres'),
    ['--single', '-D', options.dataDir, '-c', `config_file=${options.configFile}`, 'postgres'],
    {
      env: backendEnv(options.dataDir),
      extendEnv: false,
      cwd: options.dataDir,
      uid: options.identity?.uid,
      gid: options.identity?.gid,
      input: statement,
      reject: false,
      all: true,
    },
  );
  // Single-user mode reports a failed statement on its output but may still exit 0.
  if (result.exitCode !== 0 || /\b(ERROR|FATAL|PANIC):/.test(result.all ?? '')) {
    const reason = (result.all ?? '')
      .split('\n')
      .filter((l) => /ERROR|FATAL|PANIC/.test(l))
      .slice(0, 3)
      .join(' | ');
    throw catalogError('RV_PREPARE_FAILED', 'superuserReset', {
      exitCode: result.exitCode,
      reason,
      dataDir: options.dataDir,
    });
  }
}

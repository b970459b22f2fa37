// The cluster's S3-compatible store: s3rver in the root namespace, bound to the bridge
// address so that every host namespace reaches it, with its objects in a temp directory.
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/env.js';

const S3RVER_BIN = fileURLToPath(new URL('../../node_modules/s3rver/bin/s3rver.js', import.meta.url));

export interface ClusterStore {
  endpoint: string;
  bucket: string;
  /** s3rver's data directory: <dir>/<bucket>/<key>._S3rver_object */
  dir: string;
  child: ResultPromise;
  /** The S3 settings every host gets. */
  env: Record<string, string>;
  /** Object keys in the bucket (recursively), e.g. "discovery/sql.json". */
  keys(): Promise<string[]>;
  stop(): Promise<void>;
}

async function waitForPort(host: string, port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, host);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`s3rver did not listen on ${host}:${port} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startClusterStore(address: string, bucket = 'rolevisor-cluster'): Promise<ClusterStore> {
  const dir = await mkdtemp(join(tmpdir(), 'rolevisor-cluster-s3-'));
  const port = await freePort();
  const child = execa(
    process.execPath,
    [S3RVER_BIN, '-d', dir, '-p', String(port), '-a', address, '--configure-bucket', bucket, '--silent'],
    {
      env: {},
      extendEnv: false,
      stdio: ['ignore', 'ignore', 'pipe'],
      reject: false,
    },
  );
  try {
    await waitForPort(address, port, 15_000);
  } catch (error) {
    child.kill('SIGKILL');
    await child;
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://${address}:${port}`;
  const bucketDir = join(dir, bucket);
  return {
    endpoint,
    bucket,
    dir,
    child,
    // s3rver accepts the fixed key pair S3RVER/S3RVER and checks signatures with it.
    env: { S3BUCKET: bucket, S3ENDPOINTURL: endpoint, S3ACCESSKEY: 'S3RVER', S3SECRETACCESSKEY: 'S3RVER' },
    keys: async () => {
      const entries = await readdir(bucketDir, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries
        .filter((e) => e.isFile() && e.name.endsWith('._S3rver_object'))
        .map((e) =>
          join(e.parentPath, e.name)
            .slice(bucketDir.length + 1)
            .replace(/\._S3rver_object$/, ''),
        )
        .sort();
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await child;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// An S3-compatible server for tests: s3rver as a child process on a free port, with its
// objects in a temp directory. The store talks to it over real HTTP with the real SDK.
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './env.js';
import type { S3Settings } from '../../src/settings/types.js';

const S3RVER_BIN = fileURLToPath(new URL('../../node_modules/s3rver/bin/s3rver.js', import.meta.url));

export interface S3rverHandle {
  endpoint: string;
  port: number;
  /** s3rver's data directory: <dir>/<bucket>/<key>._S3rver_object */
  dir: string;
  settings: (bucket: string) => S3Settings;
  stop: () => Promise<void>;
  /** Stops the server but keeps its objects: startS3rver({ port, dir }) brings it back (an outage). */
  halt: () => Promise<void>;
}

async function waitForPort(port: number, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > until) throw new Error(`s3rver did not listen on port ${port} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startS3rver(options: { port?: number; dir?: string } = {}): Promise<S3rverHandle> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'rolevisor-s3rver-')));
  const port = options.port ?? (await freePort());
  const child: ResultPromise = execa(
    process.execPath,
    [S3RVER_BIN, '-d', dir, '-p', String(port), '-a', '127.0.0.1', '--silent'],
    {
      env: {},
      extendEnv: false,
      stdio: ['ignore', 'ignore', 'pipe'],
      reject: false,
    },
  );
  try {
    await waitForPort(port, 15000);
  } catch (error) {
    child.kill('SIGKILL');
    await child;
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    dir,
    // s3rver accepts the fixed key pair S3RVER/S3RVER and checks signatures with it.
    settings: (bucket) => ({
      bucket,
      region: 'us-east-1',
      endpointUrl: endpoint,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      sseAlgorithm: undefined,
      sseKmsKeyId: undefined,
    }),
    stop: async () => {
      child.kill('SIGTERM');
      await child;
      await rm(dir, { recursive: true, force: true });
    },
    halt: async () => {
      child.kill('SIGKILL');
      await child;
    },
  };
}

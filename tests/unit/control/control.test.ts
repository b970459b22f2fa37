// The local control endpoint (a unix socket, 0600): status for `rolevisor status`, a backup
// for `rolevisor backup`, refused unless running; the client's clear error when nothing answers.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { stat } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { controlRequest } from '../../../src/control/client.js';
import { startControlServer } from '../../../src/control/server.js';
import type { BackupRecord, StatusSnapshot } from '../../../src/status/runtime.js';
import { RuntimeState } from '../../../src/status/runtime.js';
import { memoryLogger, tempHome } from '../../helpers/env.js';

describe('the control endpoint', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let server: Server;
  let socket: string;
  const state = new RuntimeState(['redis'], 'a local directory', '9.9.9');
  let backups = 0;

  beforeAll(async () => {
    home = await tempHome();
    socket = join(home.dir, 'rolevisor.sock');
    const record: BackupRecord = {
      trigger: 'manual',
      startedAt: 1,
      durationMs: 2,
      bytes: 3,
      ok: true,
      generation: 'g',
    };
    server = await startControlServer(
      socket,
      state,
      { backup: async () => (backups++, record), rotateCredentials: () => Promise.reject(new Error('not a backend')) },
      memoryLogger().log,
    );
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await home.cleanup();
  });

  it('listens on a socket only its owner may use', async () => {
    expect((await stat(socket)).mode & 0o777).toBe(0o600);
  });

  it('GET /status answers the snapshot', async () => {
    const { status, body } = await controlRequest<StatusSnapshot>(socket, 'GET', '/status', 5000);
    expect(status).toBe(200);
    expect(body).toMatchObject({ pid: process.pid, version: '9.9.9', roles: ['redis'], phase: 'booting' });
  });

  it('POST /backup is refused while booting and runs the backup once running', async () => {
    const refused = await controlRequest<{ error: string }>(socket, 'POST', '/backup', 5000);
    expect(refused).toEqual({ status: 409, body: { error: 'cannot back up while booting' } });
    expect(backups).toBe(0);
    state.phase = 'running';
    const done = await controlRequest<BackupRecord>(socket, 'POST', '/backup', 5000);
    expect(done.status).toBe(200);
    expect(done.body.generation).toBe('g');
    expect(backups).toBe(1);
  });

  it('an unknown path is a 404', async () => {
    expect((await controlRequest(socket, 'GET', '/nothing', 5000)).status).toBe(404);
  });

  it('no instance: RV_CONTROL_UNREACHABLE saying what to do', async () => {
    await expect(controlRequest(join(home.dir, 'none.sock'), 'GET', '/status', 5000)).rejects.toMatchObject({
      code: 'RV_CONTROL_UNREACHABLE',
      message: expect.stringMatching(/no rolevisor is running with this ROLEVISOR_HOME; start it with "rolevisor run"/),
    });
  });
});

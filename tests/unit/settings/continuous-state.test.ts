// REDISSNAPSHOTSECONDS and FILESDIR: defaults, and a value out of range is one line, exit 78.
import { RolevisorError } from '../../../src/errors.js';
import { loadRoleCatalog } from '../../../src/roles/catalog.js';
import { loadSettings } from '../../../src/settings/load.js';

const load = (env: Record<string, string>) => loadSettings(env, loadRoleCatalog());

describe('continuous Redis and files settings', () => {
  test('defaults: a snapshot every 60 s; the files under the home', () => {
    const s = load({ ROLEVISOR_HOME: '/srv/rv' });
    expect(s.redis.snapshotSeconds).toBe(60);
    expect(s.web.filesDir).toBe('/srv/rv/data/files');
    expect(load({ FILESDIR: '/usr/share/docassemble/files/' }).web.filesDir).toBe('/usr/share/docassemble/files');
    expect(load({ REDISSNAPSHOTSECONDS: '5' }).redis.snapshotSeconds).toBe(5);
  });

  test.each([
    ['REDISSNAPSHOTSECONDS', '0'],
    ['REDISSNAPSHOTSECONDS', '3601'],
    ['REDISSNAPSHOTSECONDS', 'soon'],
    ['FILESDIR', 'relative/files'],
  ])('%s=%s exits 78 with one line naming it', (name, value) => {
    let caught: unknown;
    try {
      load({ [name]: value });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RolevisorError);
    const error = caught as RolevisorError;
    expect(error.exitCode).toBe(78);
    expect(error.details).toHaveLength(1);
    expect(error.details[0]).toContain(name);
  });
});

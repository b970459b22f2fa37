import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyRunAs, resolveRunAs, unprivilegedPortStart } from '../../../src/util/run-as.js';
import { isRoot } from '../../../src/util/identity.js';

const daemon = { user: 'daemon', uid: 1, gid: 1, home: '/usr/sbin' };
const launch = { file: '/usr/sbin/prog', args: ['-x'], env: {} };

describe('run-as', () => {
  test('reads ip_unprivileged_port_start, 1024 when unreadable or odd', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'runas-'));
    try {
      await writeFile(join(dir, 'start'), '0\n');
      expect(unprivilegedPortStart(join(dir, 'start'))).toBe(0);
      await writeFile(join(dir, 'start'), 'junk');
      expect(unprivilegedPortStart(join(dir, 'start'))).toBe(1024);
      expect(unprivilegedPortStart(join(dir, 'missing'))).toBe(1024);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('started directly as the user: fine above the start, a clear error below', async () => {
    await expect(resolveRunAs(daemon, 'daemon', [1514], 'LOGPORT', 1024)).resolves.toEqual({
      identity: daemon,
      setpriv: false,
      bindCapability: false,
    });
    await expect(resolveRunAs(daemon, 'daemon', [514], 'LOGPORT', 1024)).rejects.toThrow(
      /LOGPORT=514 is a privileged port/,
    );
  });

  (isRoot() ? test : test.skip)(
    'as root: setpriv to the user, with the bind capability only for a low port',
    async () => {
      const high = await resolveRunAs(undefined, 'daemon', [1514], 'LOGPORT', 1024);
      expect(high).toMatchObject({ setpriv: true, bindCapability: false, identity: { uid: 1 } });
      const low = await resolveRunAs(undefined, 'daemon', [514], 'LOGPORT', 1024);
      expect(low.bindCapability).toBe(true);
      const wrapped = applyRunAs(low, launch);
      expect(wrapped.file).toBe('/usr/bin/setpriv');
      expect(wrapped.args).toEqual(
        expect.arrayContaining([
          '--reuid=1',
          '--regid=1',
          '--clear-groups',
          '--ambient-caps=+net_bind_service',
          '--',
          '/usr/sbin/prog',
          '-x',
        ]),
      );
      expect(applyRunAs(high, launch).args).not.toContain('--ambient-caps=+net_bind_service');
    },
  );

  test('nothing to do when not switching users', () => {
    expect(applyRunAs({ identity: daemon, setpriv: false, bindCapability: false }, launch)).toBe(launch);
  });
});

// epmd where the container has no IPv6 (Docker's default): given 127.0.0.1 it still tries
// ::1, says it cannot bind it, and carries on. That line, at every boot, is nothing wrong:
// the epmd service puts it at debug (not shown at the default level); other lines keep
// their level. Run in a network namespace of our own with IPv6 off, removed at the end.
import { execa } from 'execa';
import { createEpmd } from '../../../src/services/epmd/service.js';
import { guessLevel } from '../../../src/supervisor/lines.js';
import { freePort, memoryLogger, serviceContext, tempHome, testSettings } from '../../helpers/env.js';

const NS = `rvepmd${process.pid}`;

describe('epmd without IPv6', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  beforeAll(async () => {
    home = await tempHome();
    await execa('ip', ['netns', 'add', NS]);
    for (const key of ['all', 'default', 'lo'])
      await execa('ip', ['netns', 'exec', NS, 'sysctl', '-qw', `net.ipv6.conf.${key}.disable_ipv6=1`]);
    await execa('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
  });
  afterAll(async () => {
    await execa('ip', ['netns', 'del', NS], { reject: false });
    await home.cleanup();
  });

  test("its 'cannot bind ::1' line is a debug event; it answers on 127.0.0.1", async () => {
    const port = await freePort();
    const settings = testSettings({ ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'rabbitmq', EPMDPORT: String(port) });
    const epmd = createEpmd(await serviceContext(settings, 'epmd', undefined, memoryLogger().log));
    const launch = epmd.launch();
    const child = execa('ip', ['netns', 'exec', NS, launch.file, ...launch.args], {
      env: launch.env,
      extendEnv: false,
      reject: false,
      all: true,
    });
    try {
      // It answers NAMES inside the namespace (the probe's own request, through nsenter's node).
      const names = await execa(
        'ip',
        [
          'netns',
          'exec',
          NS,
          process.execPath,
          '--import',
          'tsx',
          '-e',
          `import('${new URL('../../../src/services/epmd/names.ts', import.meta.url).pathname}').then(async (m) => console.log(JSON.stringify(await m.epmdNames('127.0.0.1', ${port}, AbortSignal.timeout(5000)))))`,
        ],
        { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, extendEnv: false },
      );
      expect(JSON.parse(names.stdout)).toEqual({ epmdPort: port, nodes: [] });
    } finally {
      child.kill('SIGTERM');
    }
    const output = (await child).all ?? '';
    const line = output.split('\n').find((l) => l.includes('::1'));
    expect(line).toMatch(/failed to bind on ipaddr ::1: Cannot assign requested address$/);
    expect(epmd.levelOf?.(line!, guessLevel(line!))).toBe('debug');
    expect(epmd.levelOf?.('epmd: failed to bind socket: Address in use', 'error')).toBe('error');
  }, 60_000);
});

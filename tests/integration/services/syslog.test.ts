// The syslog kind with a real syslog-ng 3.38: RFC 5424 and RFC 3164 over TCP and UDP on one
// port, one file per host and program, hostile names kept inside the log directory, run as
// "daemon" (through setpriv, with only CAP_NET_BIND_SERVICE for a privileged port).
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createSyslog } from '../../../src/services/syslog/service.js';
import type { ServiceContext } from '../../../src/services/types.js';
import { lookupUser } from '../../../src/util/identity.js';
import { freePort, memoryLogger, serviceContext, tempHome, testSettings } from '../../helpers/env.js';
import { startService, type Running } from '../../helpers/start-service.js';
import { freePrivilegedPort, processCredentials, sendTcp, sendUdp, waitForText } from '../../helpers/syslog-sender.js';

const CAP_NET_BIND_SERVICE = 1n << 10n;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('syslog service', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let port: number;
  let ctx: ServiceContext;
  let running: Running | undefined;
  let logDir: string;

  beforeAll(async () => {
    home = await tempHome();
    port = await freePort();
    logDir = join(home.dir, 'log');
    const settings = testSettings({ ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'log', LOGPORT: String(port) });
    // user undefined: the registration syslog.ts asks for (it drops to daemon itself).
    ctx = await serviceContext(settings, 'syslog', undefined, memoryLogger().log);
    const started = performance.now();
    running = await startService(createSyslog(ctx), ctx, 20_000);
    console.log(`syslog-ng ready (probe passed) in ${Math.round(performance.now() - started)} ms`);
  });

  afterAll(async () => {
    await running?.stop();
    await home.cleanup();
  });

  test('RFC 5424 over TCP (newline framing) lands in <host>/<program>.log', async () => {
    await sendTcp(
      port,
      '<11>1 2024-05-06T07:08:09.123Z web-1 uwsgi 4242 - - first 5424 over tcp\n<14>1 2024-05-06T07:08:10Z web-1 uwsgi - - - second line\n',
    );
    const text = await waitForText(join(logDir, 'web-1', 'uwsgi.log'), ['first 5424 over tcp', 'second line']);
    expect(text).toContain('web-1 err uwsgi[4242]: first 5424 over tcp');
  });

  test('RFC 3164 over TCP', async () => {
    await sendTcp(port, '<13>May  6 07:08:09 celery-2 celery[77]: a 3164 message over tcp\n');
    const text = await waitForText(join(logDir, 'celery-2', 'celery.log'), ['a 3164 message over tcp']);
    expect(text).toContain('notice celery[77]:');
  });

  test('RFC 5424 and RFC 3164 over UDP on the same port', async () => {
    await sendUdp(port, [
      '<12>1 2024-05-06T07:08:09Z udp-host app5424 - - - udp 5424 datagram',
      '<10>May  6 07:08:09 udp-host app3164: udp 3164 datagram',
    ]);
    expect(await waitForText(join(logDir, 'udp-host', 'app5424.log'), ['udp 5424 datagram'])).toContain('warning');
    expect(await waitForText(join(logDir, 'udp-host', 'app3164.log'), ['udp 3164 datagram'])).toContain('crit');
  });

  test('hostile host and program names cannot leave the log directory', async () => {
    await sendTcp(
      port,
      [
        '<14>1 2024-05-06T07:08:09Z ../../etc ../../etc - - - hostile 5424\n',
        '<14>1 2024-05-06T07:08:09Z .. .. - - - dot dot\n',
        '<13>May  6 07:08:09 /etc/cron.d ../../../tmp/x: hostile 3164\n',
      ].join(''),
    );
    await waitForText(join(logDir, '_._.._etc', '_._.._etc.log'), ['hostile 5424']);
    await waitForText(join(logDir, '_.', '_..log'), ['dot dot']);
    await waitForText(join(logDir, '_etc_cron.d', '_._.._.._tmp_x.log'), ['hostile 3164']);
    for (const escaped of [
      join(home.dir, 'etc'),
      join(home.dir, 'etc.log'),
      '/etc/etc.log',
      '/tmp/x.log',
      join(home.dir, '..', 'etc.log'),
    ]) {
      await expect(stat(escaped)).rejects.toMatchObject({ code: 'ENOENT' });
    }
    for (const file of await filesUnder(logDir))
      expect(file).toMatch(/^[A-Za-z0-9_-][A-Za-z0-9._-]*\/[A-Za-z0-9_-][A-Za-z0-9._-]*\.log$/);
  });

  test('runs as daemon without capabilities; the log directory admits www-data only', async () => {
    const pid = Number((await readFile(join(ctx.paths.run, 'syslog-ng.pid'), 'utf8')).trim());
    expect(pid).toBe(running?.child.pid);
    const daemon = await lookupUser('daemon');
    const reader = await lookupUser('www-data');
    const creds = await processCredentials(pid);
    expect(creds).toMatchObject({ uid: daemon.uid, gid: daemon.gid, capEff: 0n, groups: '' });
    const dir = await stat(logDir);
    expect({ uid: dir.uid, gid: dir.gid, mode: dir.mode & 0o7777 }).toEqual({
      uid: daemon.uid,
      gid: reader.gid,
      mode: 0o750,
    });
    const file = await stat(join(logDir, 'web-1', 'uwsgi.log'));
    expect({ uid: file.uid, mode: file.mode & 0o777 }).toEqual({ uid: daemon.uid, mode: 0o644 });
  });

  test('probe messages go to the probe directory, which the probe empties', async () => {
    const service = createSyslog(ctx);
    for (let i = 0; i < 3; i++) await service.probe(AbortSignal.timeout(5000));
    expect(await readdir(join(ctx.paths.run, 'probe'))).toEqual([]);
    await expect(stat(join(logDir, '127.0.0.1'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  test('a remote-looking probe name from a client is just a log line', async () => {
    // Same program name, but not a 32-hex token: an ordinary file, not the probe directory.
    await sendTcp(port, '<14>1 2024-05-06T07:08:09Z somehost rolevisor-probe - - - ../../not-a-token\n');
    await waitForText(join(logDir, 'somehost', 'rolevisor-probe.log'), ['not-a-token']);
  });
});

describe('syslog service on a privileged port', () => {
  test('binds it as daemon holding CAP_NET_BIND_SERVICE only; SIGTERM stops it fast', async () => {
    const home = await tempHome();
    let running: Running | undefined;
    try {
      const port = await freePrivilegedPort();
      const settings = testSettings({ ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'log', LOGPORT: String(port) });
      const ctx = await serviceContext(settings, 'syslog', undefined, memoryLogger().log);
      running = await startService(createSyslog(ctx), ctx, 20_000);
      const creds = await processCredentials(running.child.pid as number);
      expect(creds.uid).toBe((await lookupUser('daemon')).uid);
      expect(creds.capEff).toBe(CAP_NET_BIND_SERVICE);
      await sendTcp(port, '<14>1 2024-05-06T07:08:09Z low-port app - - - via a low port\n');
      await waitForText(join(home.dir, 'log', 'low-port', 'app.log'), ['via a low port']);
      const stopping = performance.now();
      await running.stop();
      running = undefined;
      const stopMs = performance.now() - stopping;
      console.log(`syslog-ng stopped by SIGTERM in ${Math.round(stopMs)} ms`);
      expect(stopMs).toBeLessThan(2000);
    } finally {
      await running?.stop();
      await home.cleanup();
    }
  });

  test('started directly as daemon (registered with user "daemon"), a privileged port is a clear error', async () => {
    const home = await tempHome();
    try {
      const settings = testSettings({ ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'log', LOGPORT: '514' });
      const ctx = await serviceContext(settings, 'syslog', 'daemon', memoryLogger().log);
      await expect(createSyslog(ctx).prepare()).rejects.toThrow(/LOGPORT=514 is a privileged port/);
    } finally {
      await home.cleanup();
    }
  });

  test('registered with user "daemon" and a high port, it runs as daemon directly', async () => {
    const home = await tempHome();
    let running: Running | undefined;
    try {
      const port = await freePort();
      const settings = testSettings({ ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'log', LOGPORT: String(port) });
      const ctx = await serviceContext(settings, 'syslog', 'daemon', memoryLogger().log);
      const service = createSyslog(ctx);
      running = await startService(service, ctx, 20_000);
      expect(service.launch().file).toBe('/usr/sbin/syslog-ng');
      await sendTcp(port, '<14>1 2024-05-06T07:08:09Z direct app - - - direct start\n');
      await waitForText(join(home.dir, 'log', 'direct', 'app.log'), ['direct start']);
    } finally {
      await running?.stop();
      await home.cleanup();
    }
  });
});

// LogForwarder against a real syslog-ng receiver (the syslog kind): lines arrive per host and
// program with their severity; with the receiver away send() stays instant, the queue stays
// bounded and the oldest lines are dropped and counted; a receiver started later on the same
// port gets the buffered lines, after a line saying how many were dropped.
import { readFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LogForwarder } from '../../../src/logship/forwarder.js';
import { createSyslog } from '../../../src/services/syslog/service.js';
import { freePort, memoryLogger, serviceContext, tempHome, testSettings } from '../../helpers/env.js';
import { startService, type Running } from '../../helpers/start-service.js';
import { waitFor, waitForText } from '../../helpers/syslog-sender.js';

interface Receiver {
  logDir: string;
  running: Running;
  stop(): Promise<void>;
}

const homes: Awaited<ReturnType<typeof tempHome>>[] = [];
const receivers: Receiver[] = [];
const forwarders: LogForwarder[] = [];

async function startReceiver(port: number): Promise<Receiver> {
  const home = await tempHome();
  homes.push(home);
  const settings = testSettings({ ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'log', LOGPORT: String(port) });
  const ctx = await serviceContext(settings, 'syslog', undefined, memoryLogger().log);
  const running = await startService(createSyslog(ctx), ctx, 20_000);
  let stopped = false;
  const receiver = {
    logDir: join(home.dir, 'log'),
    running,
    stop: async () => {
      if (!stopped) {
        stopped = true;
        await running.stop();
      }
    },
  };
  receivers.push(receiver);
  return receiver;
}

function forwarder(options: ConstructorParameters<typeof LogForwarder>[0]): LogForwarder {
  const f = new LogForwarder(options);
  forwarders.push(f);
  return f;
}

const countLines = async (path: string): Promise<number> =>
  (await readFile(path, 'utf8').catch(() => '')).split('\n').length - 1;

afterAll(async () => {
  await Promise.all(forwarders.map((f) => f.close(500)));
  for (const r of receivers) await r.stop();
  for (const h of homes) await h.cleanup();
});

describe('LogForwarder with syslog-ng', () => {
  let port: number;
  let receiver: Receiver;
  beforeAll(async () => {
    port = await freePort();
    receiver = await startReceiver(port);
  });

  test('lines arrive under this host and their program, with their severity', async () => {
    const fwd = forwarder({ server: `127.0.0.1:${port}`, defaultPort: 1, hostname: 'app-host-1' });
    fwd.send('uwsgi', 'error', 'a request failed');
    fwd.send('celery', 'info', 'task done');
    fwd.send('uwsgi', 'warn', 'two\nlines');
    fwd.send('celery', 'fatal', 'worker lost');
    fwd.send('celery', 'debug', 'détail ünïcode');
    await fwd.close();
    const uwsgi = await waitForText(join(receiver.logDir, 'app-host-1', 'uwsgi.log'), [
      'a request failed',
      'two\\nlines',
    ]);
    expect(uwsgi).toMatch(/ app-host-1 err uwsgi: a request failed\n/);
    expect(uwsgi).toMatch(/ app-host-1 warning uwsgi: two\\nlines\n/);
    const celery = await waitForText(join(receiver.logDir, 'app-host-1', 'celery.log'), [
      'task done',
      'worker lost',
      'détail ünïcode',
    ]);
    expect(celery).toMatch(/ info celery: task done\n/);
    expect(celery).toMatch(/ crit celery: worker lost\n/);
    expect(celery).toMatch(/ debug celery: détail ünïcode\n/);
    expect(fwd.stats()).toEqual({ sent: 5, dropped: 0, buffered: 0, bufferedBytes: 0, connected: false });
  });

  test('throughput into syslog-ng files', async () => {
    const n = 100_000;
    const fwd = forwarder({
      server: '127.0.0.1',
      defaultPort: port,
      hostname: 'bench-host',
      maxBufferedLines: n,
      maxBufferedBytes: 64 * 1024 * 1024,
    });
    await waitFor('the forwarder to connect', () => fwd.stats().connected);
    const payload = 'x'.repeat(80);
    const started = performance.now();
    for (let i = 0; i < n; i++) fwd.send('bench', 'info', `${i} ${payload}`);
    const sendMs = performance.now() - started;
    const file = join(receiver.logDir, 'bench-host', 'bench.log');
    await waitFor(`${n} lines in ${file}`, async () => (await countLines(file)) >= n, 60_000);
    const totalMs = performance.now() - started;
    console.log(
      `throughput: ${n} lines (~${payload.length + 60} B each) in ${Math.round(totalMs)} ms = ${Math.round(n / (totalMs / 1000))} lines/s into syslog-ng files; send() ${((sendMs * 1000) / n).toFixed(2)} µs per call`,
    );
    expect(fwd.stats()).toMatchObject({ sent: n, dropped: 0, buffered: 0 });
    const text = await readFile(file, 'utf8');
    expect(text).toContain(` ${n - 1} ${payload}\n`);
  });

  test('the receiver restarting: the forwarder reconnects by itself', async () => {
    const restartPort = await freePort();
    const first = await startReceiver(restartPort);
    const fwd = forwarder({
      server: `127.0.0.1:${restartPort}`,
      defaultPort: 1,
      hostname: 'restart-host',
      backoff: { baseMs: 50, capMs: 200 },
    });
    fwd.send('app', 'info', 'before restart');
    await waitForText(join(first.logDir, 'restart-host', 'app.log'), ['before restart']);
    await first.stop();
    await waitFor('the forwarder to notice', () => !fwd.stats().connected);
    fwd.send('app', 'info', 'while it was down');
    const second = await startReceiver(restartPort);
    await waitForText(join(second.logDir, 'restart-host', 'app.log'), ['while it was down']);
    expect(fwd.stats()).toMatchObject({ connected: true, dropped: 0, buffered: 0 });
  });
});

describe('LogForwarder without a receiver', () => {
  test('send() never blocks, the queue stays bounded, the oldest are dropped; a receiver started later gets the rest and the count first', async () => {
    const port = await freePort();
    const fwd = forwarder({
      server: `127.0.0.1:${port}`,
      defaultPort: 1,
      hostname: 'offline-host',
      maxBufferedLines: 1000,
      noticeProgram: 'app',
      backoff: { baseMs: 50, capMs: 300 },
    });
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const started = performance.now();
    for (let i = 0; i < 10_000; i++) fwd.send('app', 'info', `offline line ${i}`);
    const sendMs = performance.now() - started;
    // The event loop keeps turning while the forwarder retries in the background.
    const timerStart = performance.now();
    await new Promise((r) => setTimeout(r, 10));
    const timerLate = performance.now() - timerStart - 10;
    await new Promise((r) => setTimeout(r, 1000));
    loop.disable();
    console.log(
      `10,000 send() with the receiver down: ${sendMs.toFixed(1)} ms; timer late by ${timerLate.toFixed(1)} ms; event loop delay max ${(loop.max / 1e6).toFixed(1)} ms over 1 s of reconnect attempts`,
    );
    // Bounds that only real blocking (a synchronous connect or write loop, seconds long) can
    // break, even on a loaded CI machine; the speed itself is measured, not asserted.
    expect(sendMs).toBeLessThan(2000);
    expect(timerLate).toBeLessThan(1000);
    expect(loop.max / 1e6).toBeLessThan(1000);
    expect(fwd.stats()).toMatchObject({ sent: 0, dropped: 9000, buffered: 1000, connected: false });

    const receiver = await startReceiver(port);
    const file = join(receiver.logDir, 'offline-host', 'app.log');
    const text = await waitForText(file, ['offline line 9999'], 15_000);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /warning app: log forwarder dropped 9000 lines while 127\.0\.0\.1:\d+ was unreachable or slow$/,
    );
    expect(lines).toHaveLength(1001);
    expect(lines[1]).toMatch(/ offline line 9000$/);
    expect(text).not.toContain('offline line 8999\n');
    expect(fwd.stats()).toMatchObject({ sent: 1000, dropped: 9000, buffered: 0, connected: true });
  });

  test('the byte bound holds too', () => {
    const fwd = forwarder({ server: '127.0.0.1', defaultPort: 9, hostname: 'h', maxBufferedBytes: 64 * 1024 });
    for (let i = 0; i < 10_000; i++) fwd.send('app', 'info', `line ${i} ${'y'.repeat(100)}`);
    const stats = fwd.stats();
    expect(stats.bufferedBytes).toBeLessThanOrEqual(64 * 1024);
    expect(stats.buffered + stats.dropped).toBe(10_000);
    expect(stats.dropped).toBeGreaterThan(9000);
  });

  test('close() with no receiver resolves by its deadline', async () => {
    const fwd = forwarder({ server: `127.0.0.1:${await freePort()}`, defaultPort: 1, hostname: 'h' });
    fwd.send('app', 'info', 'nobody will read this');
    const started = performance.now();
    await fwd.close(300);
    const ms = performance.now() - started;
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1500);
    fwd.send('app', 'info', 'after close');
    expect(fwd.stats().dropped).toBe(1);
  });

  test('send() never throws, whatever it is given', () => {
    const fwd = forwarder({ server: '127.0.0.1', defaultPort: 9, hostname: 'h' });
    expect(() =>
      fwd.send(
        undefined as never,
        'nonsense' as never,
        {
          toString: () => {
            throw new Error('x');
          },
        } as never,
      ),
    ).not.toThrow();
    expect(() => fwd.send('a', 'info', 'x'.repeat(1_000_000))).not.toThrow();
  });
});

describe('LogForwarder back-pressure', () => {
  test('a server that stops reading: the queue stays bounded, and everything flows once it reads again', async () => {
    let peer: Socket | undefined;
    let received = '';
    const server = createServer((socket) => {
      peer = socket;
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      socket.pause();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    try {
      const fwd = forwarder({
        server: `127.0.0.1:${port}`,
        defaultPort: 1,
        hostname: 'h',
        maxBufferedLines: 2000,
        maxBufferedBytes: 1024 * 1024,
      });
      await waitFor('a connection', () => fwd.stats().connected && peer !== undefined);
      const line = 'z'.repeat(1000);
      for (let round = 0; round < 100; round++) {
        for (let i = 0; i < 1000; i++) fwd.send('app', 'info', `${round * 1000 + i} ${line}`);
        await new Promise((r) => setImmediate(r));
      }
      const stats = fwd.stats();
      console.log(
        `back-pressure: 100,000 lines of 1 KB to a peer that does not read: sent ${stats.sent}, buffered ${stats.buffered} (${stats.bufferedBytes} B), dropped ${stats.dropped}`,
      );
      expect(stats.buffered).toBeLessThanOrEqual(2000);
      expect(stats.bufferedBytes).toBeLessThanOrEqual(1024 * 1024);
      expect(stats.dropped).toBeGreaterThan(0);
      expect(stats.sent + stats.buffered + stats.dropped).toBe(100_000);
      peer?.resume();
      await waitFor('the queue to drain', () => fwd.stats().buffered === 0, 20_000);
      await waitFor('the last line', () => received.includes(` 99999 ${line}\n`), 20_000);
      // Drops are reported before the next lines that get through, once per burst of drops.
      const reported = [...received.matchAll(/log forwarder dropped (\d+) lines?/g)].reduce(
        (sum, m) => sum + Number(m[1]),
        0,
      );
      expect(reported).toBe(fwd.stats().dropped);
      expect(received.split('\n').length - 1).toBe(
        fwd.stats().sent + [...received.matchAll(/log forwarder dropped/g)].length,
      );
    } finally {
      peer?.destroy();
      await new Promise((r) => server.close(r));
    }
  });
});

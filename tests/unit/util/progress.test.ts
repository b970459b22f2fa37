// The meter with a slow, real stream: lines every interval with bytes, rate and eta, then a
// summary with the duration.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatBytes, progressMeter } from '../../../src/util/progress.js';
import { memoryLogger } from '../../helpers/env.js';

const CHUNK = 64 * 1024;

/** 40 chunks of 64 KiB, one every 10 ms: about 400 ms. */
function slowSource(chunks = 40): Readable {
  let sent = 0;
  return new Readable({
    read() {
      setTimeout(() => this.push(sent++ < chunks ? Buffer.alloc(CHUNK, 1) : null), 10);
    },
  });
}

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

describe('progress meter', () => {
  test('logs bytes, rate and eta while a known total streams, then a summary', async () => {
    const { log, lines } = memoryLogger();
    const total = 40 * CHUNK;
    const meter = progressMeter(log, { op: 'put', key: 'generations/x/postgres.dump', total, intervalMs: 50 });
    await pipeline(slowSource(), meter, sink());
    const progress = lines().filter((l) => l.op === 'put' && !l.done);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    for (const line of progress) {
      expect(line).toMatchObject({ key: 'generations/x/postgres.dump', total, level: 'info' });
      expect(typeof line.bytes).toBe('number');
      expect(typeof line.rate).toBe('number');
    }
    const later = progress.filter((l) => (l.bytes as number) > 0);
    expect(later.length).toBeGreaterThan(0);
    for (const line of later) {
      expect(line.rate as number).toBeGreaterThan(0);
      expect(typeof line.eta).toBe('number');
      expect(line.eta as number).toBeGreaterThanOrEqual(0);
      expect(String(line.msg)).toMatch(
        /^put generations\/x\/postgres\.dump: .* of 2\.5 MiB at .*\/s, about \d+ s left$/,
      );
    }
    // Bytes only grow as the transfer goes on.
    const bytes = progress.map((l) => l.bytes as number);
    expect([...bytes].sort((a, b) => a - b)).toEqual(bytes);
    const summary = lines().filter((l) => l.done);
    expect(summary).toHaveLength(1);
    expect(summary[0]).toMatchObject({ op: 'put', bytes: total, level: 'info' });
    expect(summary[0].durationMs as number).toBeGreaterThanOrEqual(300);
    expect(meter.bytes).toBe(total);
  });

  test('without a total there is no eta; a quick small transfer summarises at debug', async () => {
    const { log, lines } = memoryLogger();
    await pipeline(slowSource(20), progressMeter(log, { op: 'get', intervalMs: 40 }), sink());
    const progress = lines().filter((l) => !l.done);
    expect(progress.length).toBeGreaterThan(0);
    for (const line of progress) expect(line.eta).toBeUndefined();

    const quiet = memoryLogger();
    await pipeline(
      Readable.from([Buffer.from('tiny')]),
      progressMeter(quiet.log, { op: 'get', key: 'hostname-sql' }),
      sink(),
    );
    expect(quiet.lines()).toMatchObject([{ level: 'debug', op: 'get', key: 'hostname-sql', bytes: 4, done: true }]);
  });

  test('summaryOnEnd false waits for finish(), which logs once', async () => {
    const { log, lines } = memoryLogger();
    const meter = progressMeter(log, { op: 'put', intervalMs: 1000, summaryOnEnd: false });
    await pipeline(Readable.from([Buffer.alloc(9 * 1024 * 1024)]), meter, sink());
    expect(lines()).toEqual([]);
    meter.finish();
    meter.finish();
    expect(lines()).toMatchObject([{ level: 'info', bytes: 9 * 1024 * 1024, done: true }]);
  });

  test('formatBytes', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(200 * 1024 * 1024)).toBe('200.0 MiB');
  });
});

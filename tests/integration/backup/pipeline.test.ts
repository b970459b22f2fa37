// Chains of real programs: the output is trusted only when every program exits 0 — a
// failed producer piped into zstd (which then exits 0) must fail the stream; an input
// error, an abort and a consumer that goes away stop every program.
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { startPipeline } from '../../../src/backup/pipeline.js';
import { ZSTD, ZSTD_COMPRESS_ARGS, ZSTD_DECOMPRESS_ARGS, zstdEnv } from '../../../src/backup/zstd.js';

const env = zstdEnv();
const zstd = { name: 'zstd', file: ZSTD, args: ZSTD_COMPRESS_ARGS, env };
const unzstd = { name: 'zstd -d', file: ZSTD, args: ZSTD_DECOMPRESS_ARGS, env };

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  await pipeline(
    stream,
    new Writable({
      write: (c, _e, cb) => {
        chunks.push(c as Buffer);
        cb();
      },
    }),
  );
  return Buffer.concat(chunks);
}

test('bytes survive zstd and zstd -d; every step exits 0', async () => {
  const data = Buffer.concat([randomBytes(300_000), Buffer.alloc(300_000, 7)]);
  const compressed = startPipeline([zstd], { input: Readable.from([data]) });
  const packed = await collect(compressed.output!);
  await compressed.done;
  expect(packed.length).toBeLessThan(data.length);
  const back = startPipeline([unzstd], { input: Readable.from([packed]) });
  expect((await collect(back.output!)).equals(data)).toBe(true);
});

test('a producer that fails fails the output although zstd exits 0, with its stderr', async () => {
  const failing = { name: 'ls of a missing file', file: '/bin/ls', args: ['/nonexistent-rolevisor-test'], env };
  const run = startPipeline([failing, zstd]);
  await expect(collect(run.output!)).rejects.toThrow(
    /^ls of a missing file exited with code 2: .*nonexistent-rolevisor-test/,
  );
  await expect(run.done).rejects.toThrow(/ls of a missing file exited with code 2/);
});

test('an input that errors at its end fails the pipeline even if the programs succeed', async () => {
  async function* broken() {
    yield Buffer.from('some bytes');
    throw new Error('sha256 mismatch: the part is damaged');
  }
  const run = startPipeline([zstd, unzstd], { input: Readable.from(broken()), output: false });
  await expect(run.done).rejects.toThrow('sha256 mismatch: the part is damaged');
});

test('an abort kills every step and reports the reason', async () => {
  const controller = new AbortController();
  const endless = { name: 'yes', file: '/usr/bin/yes', args: [], env };
  const run = startPipeline([endless, zstd], { signal: controller.signal });
  run.output!.resume();
  setTimeout(() => controller.abort(new Error('deadline reached')), 200);
  await expect(run.done).rejects.toThrow('deadline reached');
});

test('a consumer that goes away stops the programs', async () => {
  const endless = { name: 'yes', file: '/usr/bin/yes', args: [], env };
  const run = startPipeline([endless, zstd]);
  run.output!.once('data', () => run.output!.destroy());
  await expect(run.done).rejects.toThrow(/was stopped/);
});

// Store throughput: streams N MiB of random bytes into each store and back, and prints
// MiB/s. S3 runs against s3rver in a child process (the same server the tests use), so the
// numbers measure rolevisor's streaming path plus a local HTTP server, not AWS.
//   npx tsx bench/store-throughput.ts [MiB]      (default 200)
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createLogger } from '../src/log.js';
import { FsStore } from '../src/store/fs-store.js';
import { S3Store } from '../src/store/s3-store.js';
import type { Store } from '../src/store/store.js';
import { tempHome } from '../tests/helpers/env.js';
import { startS3rver } from '../tests/helpers/s3rver.js';

const MIB = 1024 * 1024;
const sizeMiB = Number(process.argv[2] ?? 200);

/** Pre-generated 1 MiB blocks reused in a shifting order: random enough, and cheap to produce. */
const blocks = Array.from({ length: 16 }, () => randomBytes(MIB));
function source(): { stream: Readable; sha256: () => string } {
  const hash = createHash('sha256');
  async function* chunks() {
    for (let i = 0; i < sizeMiB; i += 1) {
      const block = blocks[(i * 7) % blocks.length];
      hash.update(block);
      yield block;
    }
  }
  return { stream: Readable.from(chunks()), sha256: () => hash.digest('hex') };
}

async function measure(name: string, store: Store): Promise<void> {
  const src = source();
  // Peak RSS shows that objects stream (parts in flight only), never whole in memory.
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 20);
  let started = performance.now();
  await store.put('bench/object', src.stream);
  const upSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  const hash = createHash('sha256');
  for await (const chunk of await store.get('bench/object')) hash.update(chunk as Buffer);
  const downSeconds = (performance.now() - started) / 1000;
  const identical = hash.digest('hex') === src.sha256();
  clearInterval(sampler);
  console.log(
    `${name}: ${sizeMiB} MiB  upload ${(sizeMiB / upSeconds).toFixed(1)} MiB/s (${upSeconds.toFixed(2)} s)  download ${(sizeMiB / downSeconds).toFixed(1)} MiB/s (${downSeconds.toFixed(2)} s)  identical=${identical}  peak RSS ${(peakRss / MIB).toFixed(0)} MiB`,
  );
  await store.delete('bench/object');
}

const log = createLogger({ level: 'warn' });
const home = await tempHome('rolevisor-bench-store-');
const server = await startS3rver();
const s3 = new S3Store({ settings: server.settings('bench'), log });
try {
  await measure('fs', new FsStore({ root: join(home.dir, 'backup'), log }));
  await s3.check();
  await measure('s3 (s3rver)', s3);
} finally {
  s3.close();
  await server.stop();
  await home.cleanup();
}

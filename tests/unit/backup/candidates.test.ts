// Which generations can restore a service: newest first, with parts of that kind, stored
// with the sizes the manifest records; the others are passed over with the reason.
import { candidatesFor } from '../../../src/backup/candidates.js';
import type { GenerationScan, GenerationSummary } from '../../../src/generations/scan.js';
import { partKey, type PartInfo } from '../../../src/generations/manifest.js';

function generation(
  id: string,
  parts: { name: string; kind: string; size: number; stored?: number | null }[],
): GenerationSummary {
  const infos: PartInfo[] = parts.map((p) => ({
    name: p.name,
    key: partKey(id, p.name),
    size: p.size,
    sha256: '0'.repeat(64),
    kind: p.kind,
    compression: 'zstd',
  }));
  const objects = parts
    .filter((p) => p.stored !== null)
    .map((p) => ({ key: partKey(id, p.name), size: p.stored ?? p.size, modified: new Date() }));
  return {
    id,
    time: new Date(),
    totalBytes: 0,
    objects,
    manifest: {
      format: 1,
      id,
      time: new Date().toISOString(),
      host: 'h',
      roles: ['sql', 'redis'],
      versions: {},
      parts: infos,
      durationMs: 1,
    },
  };
}

const scan = (complete: GenerationSummary[]): GenerationScan => ({ complete, broken: [], incomplete: [] });

test('newest first, only generations holding the kind', () => {
  const list = candidatesFor(
    scan([
      generation('g3', [{ name: 'redis.rdb.zst', kind: 'redis', size: 5 }]),
      generation('g2', [
        { name: 'postgres.a.dump.zst', kind: 'postgres', size: 10 },
        { name: 'redis.rdb.zst', kind: 'redis', size: 5 },
      ]),
      generation('g1', [{ name: 'postgres.a.dump.zst', kind: 'postgres', size: 10 }]),
    ]),
    'postgres',
  );
  expect(list.usable.map((c) => c.id)).toEqual(['g2', 'g1']);
  expect(list.usable[0].parts.map((p) => p.name)).toEqual(['postgres.a.dump.zst']);
  expect(list.skipped).toEqual([]);
});

test('a part missing or of the wrong size passes the generation over, with the reason', () => {
  const list = candidatesFor(
    scan([
      generation('g3', [{ name: 'postgres.a.dump.zst', kind: 'postgres', size: 10, stored: null }]),
      generation('g2', [{ name: 'postgres.a.dump.zst', kind: 'postgres', size: 10, stored: 7 }]),
      generation('g1', [{ name: 'postgres.a.dump.zst', kind: 'postgres', size: 10 }]),
    ]),
    'postgres',
  );
  expect(list.usable.map((c) => c.id)).toEqual(['g1']);
  expect(list.skipped).toEqual([
    { id: 'g3', reason: 'part "postgres.a.dump.zst" is missing from the store' },
    { id: 'g2', reason: 'part "postgres.a.dump.zst" has 7 bytes, the manifest says 10' },
  ]);
});

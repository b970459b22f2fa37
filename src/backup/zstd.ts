// zstd, the compressor of every part, and the environment it gets: explicit and empty.
import { backendEnv } from '../services/shared/backend-env.js';

export const ZSTD = '/usr/bin/zstd';

/**
 * Compression of every part, chosen by measurement (docs/benchmarks.md): on 1 GiB of random
 * text, `pg_dump -Fc` (zlib 6) took 80 s for 588 MB, `gzip -1` 29 s, `lz4` and zstd's
 * negative levels did not compress at all (no entropy coding), `zstd -1` 6–7 s for 515 MB,
 * `zstd -3` twice as long for no gain. -T0 uses every core.
 */
export const ZSTD_COMPRESS_ARGS = ['-1', '-T0', '-q', '-c'];
export const ZSTD_DECOMPRESS_ARGS = ['-d', '-q', '-c'];

/** zstd needs nothing from the environment. */
export const zstdEnv = (): Record<string, string> => backendEnv('/');

// The manifest is what makes a generation exist: written last, it lists every part with its
// size and sha256 so that a restore can prove each part before trusting it.
import { z } from 'zod';
import { catalogError, errorMessage } from '../errors.js';

export const MANIFEST_FORMAT = 1;
/** Format 2: a generation with a PostgreSQL base backup (its WAL range). Older rolevisors refuse it (fail closed). */
export const MANIFEST_FORMAT_BASE_BACKUP = 2;
export const GENERATIONS_PREFIX = 'generations/';
export const MANIFEST_NAME = 'manifest.json';

export type Compression = 'zstd' | 'none';

export interface PartInfo {
  name: string;
  key: string;
  size: number;
  sha256: string;
  compression?: Compression;
  kind?: string;
}

/** Where a base backup sits in the WAL: replay must reach `end` before the cluster is consistent. */
export interface WalRange {
  timeline: number;
  /** LSNs as PostgreSQL prints them, e.g. "0/2000028". */
  start: string;
  end: string;
  startSegment: string;
  endSegment: string;
  /** When the base backup ended (ISO 8601): the oldest moment it can restore. */
  endTime: string;
}

export interface Manifest {
  format: typeof MANIFEST_FORMAT | typeof MANIFEST_FORMAT_BASE_BACKUP;
  id: string;
  /** When the backup started (ISO 8601, UTC). */
  time: string;
  host: string;
  roles: string[];
  /** Versions of the programs whose data is in the parts, e.g. { postgres: "15.8" }. */
  versions: Record<string, string>;
  parts: PartInfo[];
  durationMs: number;
  wal?: WalRange;
}

/** Part names are one safe path segment, e.g. "postgres.docassemble.dump", "redis.rdb". */
const PART_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export const generationPrefix = (id: string): string => `${GENERATIONS_PREFIX}${id}/`;
export const manifestKey = (id: string): string => `${generationPrefix(id)}${MANIFEST_NAME}`;
export const partKey = (id: string, name: string): string => `${generationPrefix(id)}${name}`;

/** Why a part name is refused, or undefined when it is fine. */
export function partNameProblem(name: string): string | undefined {
  if (!PART_NAME.test(name)) return 'use 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit';
  if (name === MANIFEST_NAME) return `"${MANIFEST_NAME}" is the generation's own manifest`;
  return undefined;
}

const partSchema = z.object({
  name: z.string(),
  key: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  compression: z.enum(['zstd', 'none']).optional(),
  kind: z.string().optional(),
});

const manifestSchema = z.object({
  format: z.union([z.literal(MANIFEST_FORMAT), z.literal(MANIFEST_FORMAT_BASE_BACKUP)]),
  id: z.string(),
  time: z.string(),
  host: z.string(),
  roles: z.array(z.string()),
  versions: z.record(z.string(), z.string()),
  parts: z.array(partSchema),
  durationMs: z.number().nonnegative(),
  wal: z
    .object({
      timeline: z.number().int().positive(),
      start: z.string().regex(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/),
      end: z.string().regex(/^[0-9A-F]{1,8}\/[0-9A-F]{1,8}$/),
      startSegment: z.string().regex(/^[0-9A-F]{24}$/),
      endSegment: z.string().regex(/^[0-9A-F]{24}$/),
      endTime: z.string(),
    })
    .optional(),
});

export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/**
 * Parses and checks a manifest read from generations/<id>/manifest.json: its shape, that
 * it names its own generation, and that every part lives inside that generation (a
 * tampered manifest must not send a restore elsewhere in the store).
 */
export function parseManifest(text: string, id: string): Manifest {
  const fail = (reason: string): never => {
    throw catalogError('RV_RESTORE_FAILED', 'manifest', { id, file: MANIFEST_NAME, reason });
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return fail(`not JSON (${errorMessage(error)})`);
  }
  const result = manifestSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    return fail(`${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unexpected shape'}`);
  }
  const manifest = result.data;
  if (manifest.id !== id) fail(`it names generation ${manifest.id}`);
  const seen = new Set<string>();
  for (const part of manifest.parts) {
    const problem = partNameProblem(part.name);
    if (problem) fail(`part name ${JSON.stringify(part.name)}: ${problem}`);
    if (seen.has(part.name)) fail(`part "${part.name}" is listed twice`);
    seen.add(part.name);
    if (part.key !== partKey(id, part.name)) fail(`part "${part.name}" points outside its generation (${part.key})`);
  }
  return manifest;
}

// A discovery record: where one backend service of one host can be reached, until when.
// Stored as JSON at discovery/<service>.json; docassemble's hostname-<service> keys carry
// the bare address for existing docassemble app images.
import { z } from 'zod';

export const DISCOVERED_SERVICES = ['sql', 'redis', 'rabbitmq', 'log'] as const;
export type DiscoveredService = (typeof DISCOVERED_SERVICES)[number];

const recordSchema = z.object({
  service: z.enum(DISCOVERED_SERVICES),
  address: z.string().regex(/^[A-Za-z0-9._:-]+$/, 'a host name or IP address'),
  port: z.number().int().min(1).max(65535),
  host: z.string(),
  roles: z.array(z.string()),
  updatedAt: z.string().datetime({ offset: true }),
  ttlSeconds: z.number().positive(),
  instance: z.string().min(1),
});

export type DiscoveryRecord = z.infer<typeof recordSchema>;

/** What a publisher knows of a record before it stamps time, TTL and instance. */
export type RecordDraft = Pick<DiscoveryRecord, 'service' | 'address' | 'port' | 'host' | 'roles'>;

export const recordKey = (service: DiscoveredService): string => `discovery/${service}.json`;
export const docassembleKey = (service: DiscoveredService): string => `hostname-${service}`;

export function isDiscoveredService(name: string): name is DiscoveredService {
  return (DISCOVERED_SERVICES as readonly string[]).includes(name);
}

/** The record, or why the text is not one (a half-written or foreign object is not trusted). */
export function parseRecord(text: string, service: DiscoveredService): DiscoveryRecord | { invalid: string } {
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    return { invalid: 'not JSON' };
  }
  const parsed = recordSchema.safeParse(json);
  if (!parsed.success)
    return { invalid: parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('; ') };
  if (parsed.data.service !== service) return { invalid: `it names service "${parsed.data.service}"` };
  return parsed.data;
}

/** Milliseconds since the record was last refreshed (negative if the publisher's clock is ahead). */
export const recordAgeMs = (record: DiscoveryRecord, now: number): number => now - Date.parse(record.updatedAt);

export const isFresh = (record: DiscoveryRecord, now: number): boolean =>
  recordAgeMs(record, now) < record.ttlSeconds * 1000;

// The shape of a roles/*.yml file, validated with zod.
import { z } from 'zod';

const NAME = /^[a-z][a-z0-9-]*$/;

/** The backend credentials config.yml holds (config/overlay.ts). */
export const CREDENTIALS = ['sql', 'redis', 'rabbitmq'] as const;
export type Credential = (typeof CREDENTIALS)[number];

export const serviceEntrySchema = z.object({
  name: z.string().regex(NAME, 'lower-case letters, digits and dashes'),
  kind: z.string().regex(NAME, 'lower-case letters, digits and dashes'),
  /** Services that must be ready first, when they run on this host too. */
  after: z.array(z.string().regex(NAME)).default([]),
  /**
   * Of `after`, the services this one may start alongside (its client retries their
   * connection): it starts without waiting for them; the container is ready only once they are.
   */
  starts_with: z.array(z.string().regex(NAME)).default([]),
  /** A critical service that keeps failing stops the container. */
  critical: z.boolean().default(true),
  /** Front services (web, workers) stop first, before the backup. */
  front: z.boolean().default(false),
  ready_timeout: z.number().positive().max(3600).default(60),
  stop_timeout: z.number().positive().max(3600).default(10),
  /** Restarts allowed within restart_window seconds before a critical service is fatal. */
  restart_limit: z.number().int().min(0).max(1000).default(5),
  restart_window: z.number().positive().max(86400).default(60),
}).strict();

export const roleSchema = z.object({
  name: z.string().regex(NAME, 'lower-case letters, digits and dashes'),
  summary: z.string().min(1),
  services: z.array(serviceEntrySchema).default([]),
  /** Other roles this one stands for (e.g. all). */
  includes: z.array(z.string().regex(NAME)).default([]),
  /** Discovery records this role writes (sql, redis, rabbitmq, log). */
  publishes: z.array(z.string().regex(NAME)).default([]),
  /** It runs the app, which reads config.yml as the app's user. */
  runs_app: z.boolean().default(false),
  /** Credentials in config.yml this role's services own: the store's copy follows this host's settings for them. */
  owns_credentials: z.array(z.enum(CREDENTIALS)).default([]),
}).strict();

export type ServiceEntry = z.infer<typeof serviceEntrySchema>;
export type Role = z.infer<typeof roleSchema>;

// The shape of a roles/*.yml file, validated with zod.
import { z } from 'zod';

const NAME = /^[a-z][a-z0-9-]*$/;

export const serviceEntrySchema = z.object({
  name: z.string().regex(NAME, 'lower-case letters, digits and dashes'),
  kind: z.string().regex(NAME, 'lower-case letters, digits and dashes'),
  /** Services that must be ready first, when they run on this host too. */
  after: z.array(z.string().regex(NAME)).default([]),
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
}).strict();

export type ServiceEntry = z.infer<typeof serviceEntrySchema>;
export type Role = z.infer<typeof roleSchema>;

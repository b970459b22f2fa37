// Field builders for the environment schema: each takes the raw string (or undefined when
// unset or empty) and yields a typed value. `expected` is the human text used in errors.
import { z } from 'zod';
import { existsSync, statSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import cronParser from './cron.js';

export interface Field<T> {
  schema: z.ZodType<T, string | undefined>;
  expected: string;
}

const TRUE = new Set(['true', 'yes', '1', 'on']);
const FALSE = new Set(['false', 'no', '0', 'off']);

function field<T>(expected: string, parse: (raw: string) => T | undefined, fallback: () => T): Field<T> {
  const schema = z
    .string()
    .optional()
    .transform((raw, ctx): T => {
      if (raw === undefined) return fallback();
      const value = parse(raw);
      if (value === undefined) {
        ctx.addIssue({ code: 'custom', message: expected });
        return z.NEVER;
      }
      return value;
    });
  return { schema: schema, expected };
}

export function bool(defaultValue: boolean): Field<boolean> {
  return field(
    'true or false (also yes/no, 1/0, on/off, any case)',
    (raw) => {
      const v = raw.trim().toLowerCase();
      if (TRUE.has(v)) return true;
      if (FALSE.has(v)) return false;
      return undefined;
    },
    () => defaultValue,
  );
}

export function text(defaultValue: string): Field<string> {
  return field(
    'a text value',
    (raw) => raw,
    () => defaultValue,
  );
}

export function optionalText(): Field<string | undefined> {
  return field(
    'a text value',
    (raw) => raw,
    () => undefined,
  );
}

export function int(defaultValue: number | undefined, min: number, max: number, unit = ''): Field<number | undefined> {
  const expected = `a whole number from ${min} to ${max}${unit ? ` (${unit})` : ''}`;
  return field(
    expected,
    (raw) => {
      if (!/^\s*-?\d+\s*$/.test(raw)) return undefined;
      const n = Number(raw);
      return n >= min && n <= max ? n : undefined;
    },
    () => defaultValue,
  );
}

export function requiredInt(defaultValue: number, min: number, max: number, unit = ''): Field<number> {
  return int(defaultValue, min, max, unit) as Field<number>;
}

export function port(defaultValue: number): Field<number> {
  return requiredInt(defaultValue, 1, 65535, 'a TCP/UDP port');
}

export function url(protocols: string[]): Field<string | undefined> {
  return field(
    `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    (raw) => {
      try {
        const parsed = new URL(raw.trim());
        return protocols.includes(parsed.protocol) && parsed.hostname ? raw.trim() : undefined;
      } catch {
        return undefined;
      }
    },
    () => undefined,
  );
}

export function oneOf<const T extends string>(values: readonly T[], defaultValue: T | undefined): Field<T | undefined> {
  return field(
    `one of ${values.join(', ')}`,
    (raw) => values.find((v) => v.toLowerCase() === raw.trim().toLowerCase()),
    () => defaultValue,
  );
}

export function absolutePath(defaultValue: string | undefined): Field<string | undefined> {
  return field(
    'an absolute path (starting with /)',
    (raw) => (raw.startsWith('/') && !raw.includes('\0') ? raw.replace(/\/+$/, '') || '/' : undefined),
    () => defaultValue,
  );
}

export function urlRoot(): Field<string> {
  return field(
    'a URL path starting and ending with / (e.g. /app/)',
    (raw) => {
      const v = raw.trim();
      if (!v.startsWith('/') || /[\s?#;{}]/.test(v)) return undefined;
      return v.endsWith('/') ? v : `${v}/`;
    },
    () => '/',
  );
}

export function hostname(): Field<string | undefined> {
  return field(
    'a host name or IP address',
    (raw) => (/^[A-Za-z0-9._:-]+$/.test(raw.trim()) ? raw.trim() : undefined),
    () => undefined,
  );
}

export function cron(defaultValue: string): Field<string> {
  return field(
    'a cron expression with 5 or 6 fields, or @daily/@hourly/@weekly',
    (raw) => (cronParser(raw.trim()) ? raw.trim() : undefined),
    () => defaultValue,
  );
}

const ZONEINFO = '/usr/share/zoneinfo';

/** Whether `name` is an IANA time zone: this machine's tzdata has it, or without tzdata, Node (ICU) knows it. */
export function knownTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  // The services (syslog-ng, Python, PostgreSQL) read the system's tzdata, when it is there.
  // Asked first: Intl.DateTimeFormat pages in ~5 MB of ICU's locale data for the process's life.
  if (existsSync(ZONEINFO)) {
    try {
      return statSync(`${ZONEINFO}/${name}`).isFile();
    } catch {
      return false;
    }
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export function timeZone(defaultValue: string): Field<string> {
  return field(
    `an IANA time zone name this machine knows, such as UTC, Europe/Berlin or America/New_York (see ${ZONEINFO})`,
    (raw) => (knownTimeZone(raw.trim()) ? raw.trim() : undefined),
    () => defaultValue,
  );
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

/** host, host:port, [v6]:port or a bare IPv6 address; "null" (any case) is kept for "none". */
export function hostPort(): Field<string | undefined> {
  return field(
    'a host name or IP address, optionally with :port (e.g. log.internal or log.internal:514), or null',
    (raw) => {
      const text = raw.trim();
      if (text.toLowerCase() === 'null') return text;
      if (isIPv6(text)) return text;
      const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
      const [host, port] = bracketed ? [bracketed[1], bracketed[2]] : text.split(':');
      if (bracketed ? !isIPv6(host) : !HOST_NAME.test(host ?? '') || text.split(':').length > 2) return undefined;
      if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535))
        return undefined;
      return text;
    },
    () => undefined,
  );
}

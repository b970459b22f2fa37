// Field builders for the environment schema: each takes the raw string (or undefined when
// unset or empty) and yields a typed value. `expected` is the human text used in errors.
import { z } from 'zod';
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

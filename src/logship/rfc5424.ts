// One log line as an RFC 5424 syslog message with newline framing (RFC 6587 §3.4.2), the
// framing the log role's syslog-ng port takes (see services/syslog/conf.ts).

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** RFC 5424 severities: fatal is "critical" (2), not "emergency" (the system still works). */
export const SEVERITY: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3, fatal: 2 };

/** Facility 1 = user-level messages: our services are applications, not the kernel or mail. */
export const FACILITY_USER = 1;

const MAX_HOSTNAME = 255;
const MAX_APP_NAME = 48;

/** PRINTUSASCII (33-126) only, at most `max` characters; "-" (the nil value) when empty. */
export function headerField(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean.length > 0 ? clean : '-';
}

/**
 * The message body on one line: CR/LF become the two characters "\n" so one message stays one
 * frame; NUL is dropped. Cut to at most `maxBytes` UTF-8 bytes without splitting a character.
 */
export function messageBody(message: string, maxBytes: number): string {
  let body = message.replace(/\r\n|\r|\n/g, '\\n').replace(/\0/g, '');
  if (Buffer.byteLength(body) <= maxBytes) return body;
  const marker = '…[cut]';
  const room = Math.max(0, maxBytes - Buffer.byteLength(marker));
  const bytes = Buffer.from(body);
  let end = room;
  // Back up to the start of a UTF-8 character (continuation bytes are 10xxxxxx).
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  body = bytes.subarray(0, end).toString('utf8') + marker;
  return body;
}

export interface Rfc5424Fields {
  hostname: string;
  appName: string;
  level: LogLevel;
  message: string;
  time?: Date;
  facility?: number;
  procId?: string;
  maxMessageBytes?: number;
}

export function formatRfc5424(fields: Rfc5424Fields): string {
  const pri = (fields.facility ?? FACILITY_USER) * 8 + (SEVERITY[fields.level] ?? SEVERITY.info);
  const time = (fields.time ?? new Date()).toISOString();
  const host = headerField(fields.hostname, MAX_HOSTNAME);
  const app = headerField(fields.appName, MAX_APP_NAME);
  const procId = headerField(fields.procId ?? '', 128);
  // MSGID and STRUCTURED-DATA are nil; the body follows after one space.
  return `<${pri}>1 ${time} ${host} ${app} ${procId} - - ${messageBody(fields.message, fields.maxMessageBytes ?? 16_384)}\n`;
}

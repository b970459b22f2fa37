// A child's lines → events. A multi-line message — an Erlang report (RabbitMQ repeats its
// stamp and pid on every line of it), a Python traceback, an indented continuation — becomes
// one event, at the level of its first line (a traceback at error, whatever words its frames
// hold), so that one report is one log line and not 21 error lines. An event ends at the
// next line that starts a new one, or after `idleMs` without output.
import { guessLevel, type LineLevel } from './lines.js';

/** RabbitMQ 3.9+ (Erlang logger): "2026-12-01 21:03:25.516287+00:00 [warning] <0.735.0> text". */
const ERLANG_PREFIX = /^(\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)?) \[(\w+)\] (<[\d.]+>) ?/;
const TRACEBACK = /^Traceback \(most recent call last\):$/;
const TRACEBACK_LINK =
  /^(During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)$/;
/** The last line of a traceback: "ValueError: bad", "KeyboardInterrupt", "pkg.mod.Error: x". */
const EXCEPTION_LINE = /^[A-Za-z_][\w.]*(?::\s.*|:)?$/;

/** Reports that say a child stopped because it was told to: nothing is wrong. */
function deservedLevel(text: string, level: LineLevel): LineLevel {
  if (
    (level === 'error' || level === 'warn') &&
    /\b(errorContext|context):\s*shutdown_error\b/.test(text) &&
    /\breason:\s*(shutdown|normal|\{shutdown\b)/.test(text)
  )
    return 'info';
  return level;
}

export interface LineGrouper {
  push(line: string): void;
  /** Emits what is pending (the stream ended). */
  flush(): void;
}

interface Pending {
  lines: string[];
  level: LineLevel;
  /** The Erlang stamp and pid of the first line, when it has them. */
  erlang: string | undefined;
  /** Inside a traceback: frames follow until the exception line. */
  traceback: boolean;
}

export function groupLines(
  emit: (text: string, level: LineLevel) => void,
  options: { idleMs?: number; maxLines?: number } = {},
): LineGrouper {
  const idleMs = options.idleMs ?? 100;
  const maxLines = options.maxLines ?? 200;
  let pending: Pending | undefined;
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!pending) return;
    const { lines, level } = pending;
    pending = undefined;
    const text = lines.join('\n');
    emit(text, deservedLevel(text, level));
  };

  const start = (line: string) => {
    const erlang = ERLANG_PREFIX.exec(line);
    const traceback = TRACEBACK.test(line);
    pending = {
      lines: [line],
      level: traceback ? 'error' : guessLevel(erlang ? `[${erlang[2]}]` : line),
      erlang: erlang ? `${erlang[1]} ${erlang[3]}` : undefined,
      traceback,
    };
  };

  /** Whether `line` continues the pending event; adds it if so. */
  const continues = (line: string): boolean => {
    if (!pending || pending.lines.length >= maxLines) return false;
    const erlang = ERLANG_PREFIX.exec(line);
    if (erlang) {
      if (pending.erlang !== `${erlang[1]} ${erlang[3]}`) return false;
      pending.lines.push(line.slice(erlang[0].length));
      return true;
    }
    if (/^\s/.test(line)) {
      pending.lines.push(line);
      return true;
    }
    if (TRACEBACK.test(line) || (pending.traceback && TRACEBACK_LINK.test(line))) {
      // A logged exception: the record, then its traceback.
      pending.lines.push(line);
      pending.traceback = true;
      if (pending.level !== 'fatal') pending.level = 'error';
      return true;
    }
    if (pending.traceback && EXCEPTION_LINE.test(line)) {
      pending.lines.push(line);
      pending.traceback = false;
      return true;
    }
    return false;
  };

  return {
    push(line: string) {
      if (!continues(line)) {
        flush();
        start(line);
      }
      if (timer) clearTimeout(timer);
      timer = setTimeout(flush, idleMs);
      timer.unref();
    },
    flush,
  };
}

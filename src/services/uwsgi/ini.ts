// uwsgi.ini as text. uwsgi expands %x, $(VAR) and @(file) inside option values, so a
// value that contains them (or a newline) is refused rather than silently rewritten.
import { catalogError } from '../../errors.js';

export interface UwsgiIniOptions {
  socket: string;
  wsgiFile: string;
  callable: string;
  /** Where the app is served, e.g. "/" or "/demo/". */
  urlRoot: string;
  /** Processes; with `cheaper`, the most under load. */
  processes: number;
  threads: number;
  /** Cheaper mode's fewest processes (uwsgi's "spare" algorithm); undefined: always `processes`. */
  cheaper?: number;
  /** Threads per worker that send wsgi.file_wrapper responses (static files); 0: none. */
  offloadThreads: number;
  /** Seconds a worker may take to finish its request at shutdown before it is killed. */
  shutdownMercySec: number;
}

function value(name: string, text: string): string {
  if (/[\r\n%]|\$\(|@\(/.test(text)) {
    throw catalogError('RV_PREPARE_FAILED', 'uwsgiOption', { name, text });
  }
  return text;
}

/** Which callable a WSGI file defines: `app` (Flask's habit) or `application` (WSGI's). */
export function wsgiCallable(source: string): 'app' | 'application' {
  const defines = (name: string) =>
    new RegExp(
      `^(?:${name}\\s*(?::[^=\\n]*)?=|def\\s+${name}\\s*\\(|(?:from\\s+\\S+\\s+)?import\\s+.*\\b${name}\\b(?!\\s+as\\b))`,
      'm',
    ).test(source);
  if (defines('app')) return 'app';
  return defines('application') ? 'application' : 'app';
}

export function renderUwsgiIni(o: UwsgiIniOptions): string {
  const dir = o.wsgiFile.slice(0, o.wsgiFile.lastIndexOf('/')) || '/';
  const mount = o.urlRoot.replace(/\/+$/, '');
  const lines = [
    '# Rendered by rolevisor at every start; edits are lost.',
    '[uwsgi]',
    'strict = true',
    'plugins = python3',
    'master = true',
    // Workers exit with the master even if it is SIGKILLed.
    'no-orphans = true',
    `socket = ${value('socket', o.socket)}`,
    // nginx workers run as the same user (www-data): owner and group may connect, nobody else.
    'chmod-socket = 660',
    'vacuum = true',
    `chdir = ${value('chdir', dir)}`,
    `pythonpath = ${value('pythonpath', dir)}`,
    // Under a URL root, uwsgi mounts the app there and moves the prefix into SCRIPT_NAME.
    ...(mount
      ? [`mount = ${value('mount', `${mount}=${o.wsgiFile}`)}`, 'manage-script-name = true']
      : [`wsgi-file = ${value('wsgi-file', o.wsgiFile)}`]),
    `callable = ${value('callable', o.callable)}`,
    'need-app = true',
    'single-interpreter = true',
    `processes = ${o.processes}`,
    // threads > 1 implies enable-threads (the GIL is released between requests).
    ...(o.threads > 1 ? [`threads = ${o.threads}`] : []),
    // Cheaper mode: start with the fewest; every cheaper-overload seconds the master adds a
    // worker when all are busy and removes one when some have been idle that long.
    ...(o.cheaper !== undefined && o.cheaper < o.processes
      ? [
          'cheaper-algo = spare',
          `cheaper = ${o.cheaper}`,
          `cheaper-initial = ${o.cheaper}`,
          'cheaper-step = 1',
          'cheaper-overload = 3',
        ]
      : []),
    ...(o.offloadThreads > 0 ? [`offload-threads = ${o.offloadThreads}`] : []),
    // Without die-on-term, SIGTERM makes uwsgi reload instead of exit.
    'die-on-term = true',
    // ...and die-on-term alone kills workers mid-request; this lets them finish it first.
    'hook-master-start = unix_signal:15 gracefully_kill_them_all',
    `worker-reload-mercy = ${o.shutdownMercySec}`,
    'buffer-size = 32768',
    // nginx logs every request; uwsgi logs only the failures.
    'disable-logging = true',
    'log-5xx = true',
    '',
  ];
  return lines.join('\n');
}

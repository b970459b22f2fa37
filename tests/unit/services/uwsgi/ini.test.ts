import { renderUwsgiIni, wsgiCallable } from '../../../../src/services/uwsgi/ini.js';

const options = {
  socket: '/h/run/uwsgi/uwsgi.sock',
  wsgiFile: '/app/demo/app.py',
  callable: 'app',
  urlRoot: '/',
  processes: 3,
  threads: 1,
  offloadThreads: 1,
  shutdownMercySec: 10,
};

test.each([
  ['app = Flask(__name__)\n', 'app'],
  ['app: Flask = Flask(__name__)\n', 'app'],
  ['from docassemble.webapp.server import app as application\n', 'application'],
  ['def application(environ, start_response):\n    pass\n', 'application'],
  ['from server import application as app\n', 'app'],
  ['import something\n', 'app'],
])('the callable of %j is %s', (source, expected) => {
  expect(wsgiCallable(source)).toBe(expected);
});

test('at the root the app is the wsgi-file; SIGTERM is graceful and final', () => {
  const ini = renderUwsgiIni(options).split('\n');
  expect(ini).toEqual(
    expect.arrayContaining([
      '[uwsgi]',
      'strict = true',
      'plugins = python3',
      'master = true',
      'need-app = true',
      'die-on-term = true',
      'hook-master-start = unix_signal:15 gracefully_kill_them_all',
      'socket = /h/run/uwsgi/uwsgi.sock',
      'chmod-socket = 660',
      'wsgi-file = /app/demo/app.py',
      'callable = app',
      'processes = 3',
      'chdir = /app/demo',
      'pythonpath = /app/demo',
    ]),
  );
  expect(ini.some((l) => l.startsWith('mount'))).toBe(false);
});

test('under a URL root the app is mounted there and the prefix moves to SCRIPT_NAME', () => {
  const ini = renderUwsgiIni({ ...options, urlRoot: '/demo/' }).split('\n');
  expect(ini).toEqual(expect.arrayContaining(['mount = /demo=/app/demo/app.py', 'manage-script-name = true']));
  expect(ini.some((l) => l.startsWith('wsgi-file'))).toBe(false);
});

test.each(['/a%d/app.py', '/a$(HOME)/app.py', '/a\n/app.py', '/a@(x)/app.py'])(
  'refuses the path %j, which uwsgi would expand',
  (wsgiFile) => {
    expect(() => renderUwsgiIni({ ...options, wsgiFile })).toThrow(
      expect.objectContaining({ code: 'RV_PREPARE_FAILED' }),
    );
  },
);

test('one thread and no cheaper: fixed processes, no threads line, one offload thread', () => {
  const ini = renderUwsgiIni(options).split('\n');
  expect(ini).toContain('processes = 3');
  expect(ini).toContain('offload-threads = 1');
  expect(ini.some((l) => l.startsWith('threads') || l.startsWith('cheaper'))).toBe(false);
});

test('threads, cheaper mode (spare: at least `cheaper`, up to `processes`) and no offload', () => {
  const ini = renderUwsgiIni({ ...options, processes: 4, threads: 2, cheaper: 1, offloadThreads: 0 }).split('\n');
  expect(ini).toEqual(
    expect.arrayContaining([
      'processes = 4',
      'threads = 2',
      'cheaper-algo = spare',
      'cheaper = 1',
      'cheaper-initial = 1',
      'cheaper-step = 1',
      'cheaper-overload = 3',
    ]),
  );
  expect(ini.some((l) => l.startsWith('offload-threads'))).toBe(false);
});

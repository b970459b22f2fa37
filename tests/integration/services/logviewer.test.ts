// The log viewer as the supervisor runs it (a node child, dropped to www-data), next to a
// real syslog-ng: listing, tail, HTML escaping, traversal refused, writes refused.
import { mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createLogViewerService } from '../../../src/services/logviewer/service.js';
import { createSyslog } from '../../../src/services/syslog/service.js';
import { lookupUser } from '../../../src/util/identity.js';
import { freePort, memoryLogger, serviceContext, tempHome, testSettings } from '../../helpers/env.js';
import { startService, type Running } from '../../helpers/start-service.js';
import { processCredentials, sendTcp, waitForText } from '../../helpers/syslog-sender.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** The viewer's generated credentials, as every request but the anonymous ones sends them. */
let authorization = '';
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function http(port: number, path: string, method = 'GET', body?: string, auth = authorization): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> =
      body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(body)) };
    if (auth) headers.Authorization = auth;
    const req = request({ host: '127.0.0.1', port, path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A request line exactly as written (no client-side normalisation of ../). */
function rawGet(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: ${authorization}\r\nConnection: close\r\n\r\n`),
    );
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => {
      text += c;
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('logviewer service', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let logPort: number;
  let viewPort: number;
  let syslog: Running | undefined;
  let viewer: Running | undefined;

  beforeAll(async () => {
    home = await tempHome();
    logPort = await freePort();
    viewPort = await freePort();
    const settings = testSettings({
      ROLEVISOR_HOME: home.dir,
      CONTAINERROLE: 'log',
      LOGPORT: String(logPort),
      LOGVIEWPORT: String(viewPort),
    });
    const { log } = memoryLogger();
    const syslogCtx = await serviceContext(settings, 'syslog', undefined, log);
    syslog = await startService(createSyslog(syslogCtx), syslogCtx, 20_000);
    const lines = Array.from(
      { length: 6000 },
      (_, i) => `<14>1 2024-05-06T07:08:09Z web-1 uwsgi - - - request ${i}\n`,
    ).join('');
    await sendTcp(logPort, `${lines}<11>1 2024-05-06T07:08:09Z web-1 evil - - - <script>alert("x")</script> & done\n`);
    await waitForText(join(home.dir, 'log', 'web-1', 'uwsgi.log'), ['request 5999']);
    await waitForText(join(home.dir, 'log', 'web-1', 'evil.log'), ['& done']);
    // Something outside the log directory, and symlinks inside that point at it.
    await mkdir(join(home.dir, 'outside'), { recursive: true });
    await writeFile(join(home.dir, 'outside', 'secret.log'), 'top secret\n', { mode: 0o644 });
    await symlink(join(home.dir, 'outside', 'secret.log'), join(home.dir, 'log', 'web-1', 'secret.log'));
    await symlink(join(home.dir, 'outside'), join(home.dir, 'log', 'linked'));
    const viewerCtx = await serviceContext(settings, 'logviewer', undefined, log);
    const started = performance.now();
    viewer = await startService(createLogViewerService(viewerCtx), viewerCtx, 30_000);
    console.log(`log viewer ready in ${Math.round(performance.now() - started)} ms (from TypeScript sources via tsx)`);
    password = (await readFile(join(home.dir, 'secrets', 'logviewer.password'), 'utf8')).trim();
    authorization = basic('rolevisor', password);
  });
  let password = '';

  test('never open: no credentials or wrong ones get 401; the password is on no command line and in no readable file', async () => {
    for (const auth of ['', basic('rolevisor', 'wrong'), basic('admin', password), 'Bearer x']) {
      const answer = await http(viewPort, '/?format=json', 'GET', undefined, auth);
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/^Basic realm=/);
      expect(answer.body).not.toContain('web-1');
    }
    expect((await http(viewPort, '/view?file=web-1/uwsgi.log', 'GET', undefined, '')).status).toBe(401);
    expect((await http(viewPort, '/?format=json')).status).toBe(200);
    expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
    expect((await stat(join(home.dir, 'secrets', 'logviewer.password'))).mode & 0o077).toBe(0);
    const authFile = join(home.dir, 'conf', 'logviewer', 'auth');
    expect((await stat(authFile)).mode & 0o077).toBe(0);
    expect(await readFile(authFile, 'utf8')).not.toContain(password);
    const cmdline = await readFile(`/proc/${viewer?.child.pid as number}/cmdline`, 'utf8');
    expect(cmdline).toContain('--auth-file');
    expect(cmdline).not.toContain(password);
  });

  afterAll(async () => {
    await viewer?.stop();
    await syslog?.stop();
    await home.cleanup();
  });

  test('runs as www-data with no capabilities', async () => {
    const creds = await processCredentials(viewer?.child.pid as number);
    const www = await lookupUser('www-data');
    expect(creds).toMatchObject({ uid: www.uid, gid: www.gid, capEff: 0n });
  });

  test('GET /healthz', async () => {
    expect(await http(viewPort, '/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
  });

  test('GET / lists hosts and files, as HTML and as JSON', async () => {
    const page = await http(viewPort, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.body).toContain('<h2>web-1</h2>');
    expect(page.body).toContain('href="/view?file=web-1%2Fuwsgi.log"');
    const json = JSON.parse((await http(viewPort, '/?format=json')).body) as {
      hosts: { host: string; files: { path: string; size: number }[] }[];
    };
    const web = json.hosts.find((h) => h.host === 'web-1');
    // Symlinks are not listed.
    expect(web?.files.map((f) => f.path)).toEqual(['web-1/evil.log', 'web-1/uwsgi.log']);
    expect(json.hosts.map((h) => h.host)).not.toContain('linked');
  });

  test('GET /view shows the last 200 lines by default, N on request, at most 5000', async () => {
    const tail = async (query: string) =>
      JSON.parse((await http(viewPort, `/view?file=web-1/uwsgi.log${query}&format=json`)).body) as { lines: string[] };
    const byDefault = await tail('');
    expect(byDefault.lines).toHaveLength(200);
    expect(byDefault.lines.at(-1)).toMatch(/request 5999$/);
    expect(byDefault.lines[0]).toMatch(/request 5800$/);
    expect((await tail('&lines=3')).lines.map((l) => l.split(' ').at(-1))).toEqual(['5997', '5998', '5999']);
    expect((await tail('&lines=999999')).lines).toHaveLength(5000);
    expect((await http(viewPort, '/view?file=web-1/uwsgi.log&lines=-5')).status).toBe(400);
    const text = await http(viewPort, '/view?file=web-1%2Fuwsgi.log&lines=2&format=text');
    expect(text.body).toMatch(/request 5998\n.*request 5999\n$/);
  });

  test('log lines are escaped in HTML', async () => {
    const page = await http(viewPort, '/view?file=web-1/evil.log');
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('<script>');
    expect(page.body).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; done');
  });

  test.each([
    ['/view?file=../../etc/passwd', 403],
    ['/view?file=web-1/../../outside/secret.log', 403],
    ['/view?file=%2e%2e%2f%2e%2e%2fetc%2fpasswd', 403],
    ['/view?file=web-1%2f%2e%2e%2f%2e%2e%2foutside%2fsecret.log', 403],
    ['/view?file=/etc/passwd', 403],
    ['/view?file=%2Fetc%2Fpasswd', 403],
    ['/view?file=web-1/uwsgi.log%00', 403],
    ['/view?file=web-1%5c..%5c..%5cx.log', 403],
    ['/view?file=web-1/secret.log', 403],
    ['/view?file=linked/secret.log', 403],
    ['/view?file=web-1/nothing.log', 404],
    ['/view', 404],
    ['/../../etc/passwd', 404],
    ['/view/../../etc/passwd', 404],
  ])('GET %s → %d', async (path, status) => {
    const answer = await http(viewPort, path);
    expect(answer.status).toBe(status);
    expect(answer.body).not.toContain('top secret');
    expect(answer.body).not.toContain('root:');
  });

  test('a raw request line with ../ in the path is not served', async () => {
    const answer = await rawGet(viewPort, '/view/../../../etc/passwd');
    expect(answer).toMatch(/^HTTP\/1\.1 404/);
    expect(answer).not.toContain('root:');
  });

  test.each(['POST', 'PUT', 'DELETE', 'PATCH'])('%s → 405 with Allow: GET, HEAD', async (method) => {
    const answer = await http(viewPort, '/view?file=web-1/uwsgi.log', method, 'x');
    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD');
  });

  test('HEAD works without a body', async () => {
    const answer = await http(viewPort, '/', 'HEAD');
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('');
  });
});

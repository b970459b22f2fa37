// rolevisor at a terminal, as a person runs it (`npm start`, `docker run -it`): stdout on a
// pseudo-terminal (tests/helpers/pty.ts). One readable line per event — time, level,
// service, message, in colour — and never JSON; LOGFORMAT=json still gives JSON there; a
// child's multi-line message (RabbitMQ's boot banner, an Erlang warning of two lines) is
// one event at its own level, its continuation lines indented under it.
import amqp from 'amqplib';
import { freePortSettings, tempHome } from '../helpers/env.js';
import { runOnPty, stripAnsi } from '../helpers/pty.js';
import { BASE_ENV, CLI } from '../helpers/rolevisor-process.js';

const RUN = [process.execPath, '--import', 'tsx', '--', CLI, 'run'];
/** The start of an event on the terminal: [UTC time] LEVEL: */
const EVENT = /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): \S/;

describe('rolevisor run with stdout on a terminal', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  beforeAll(async () => {
    home = await tempHome();
  });
  afterAll(() => home.cleanup());

  test('LOGFORMAT unset: readable events, coloured, no JSON; LOGFORMAT=json: JSON lines even there', async () => {
    // An app host with no backend: a few events, then RV_DISCOVERY_TIMEOUT (exit 79).
    const env = { ...BASE_ENV, ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'web:celery', DISCOVERYTIMEOUT: '1' };
    const pretty = runOnPty(RUN, { ...env, ...(await freePortSettings(['STATUSPORT'])) });
    expect(await pretty.exited).toBe(79);
    expect(pretty.output()).toMatch(/\x1b\[\d+m/); // eslint-disable-line no-control-regex
    const lines = stripAnsi(pretty.output()).split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);
    // Every line at the margin is an event (a multi-line message's other lines are indented
    // under it); nothing of pino-pretty's one-line-per-field blocks.
    expect(lines.filter((l) => !EVENT.test(l) && !l.startsWith('    '))).toEqual([]);
    expect(lines.filter((l) => /^ {4}"?\w+"?: [[{"\d]/.test(l))).toEqual([]);
    expect(lines[0]).toMatch(/ INFO: rolevisor \S+ starting roles web, celery \{"roles":\["web","celery"\]/);
    expect(lines.some((l) => / ERROR: .*RV_DISCOVERY_TIMEOUT/.test(l))).toBe(true);

    const json = runOnPty(RUN, { ...env, LOGFORMAT: 'json', ...(await freePortSettings(['STATUSPORT'])) });
    expect(await json.exited).toBe(79);
    const jsonLines = json.output().split('\n').filter(Boolean);
    expect(jsonLines.length).toBeGreaterThan(3);
    for (const line of jsonLines) expect(Object.keys(JSON.parse(line) as object)).toContain('msg');
    expect(json.output()).not.toMatch(/\x1b\[/); // eslint-disable-line no-control-regex
  }, 120_000);

  test("role rabbitmq: RabbitMQ's multi-line messages are one event each, at their level", async () => {
    const ports = await freePortSettings(['RABBITMQPORT', 'RABBITMQDISTPORT', 'EPMDPORT', 'STATUSPORT']);
    const url = `amqp://ttyuser:tty-secret-9@127.0.0.1:${ports.RABBITMQPORT}//`;
    const rv = runOnPty(RUN, {
      ...BASE_ENV,
      ROLEVISOR_HOME: home.dir,
      CONTAINERROLE: 'rabbitmq',
      RABBITMQ: url,
      ...ports,
    });
    try {
      await rv.waitFor(/ INFO: rabbitmq: rabbitmq is ready/, 180_000);
      // A client that drops its TCP connection without AMQP's close: RabbitMQ warns in two lines.
      // No heartbeat, and an error listener: the dropped connection must not outlive the test
      // (its heartbeat timeout once crashed the jest process, which runs the files in band here).
      const connection = await amqp.connect(`${url}?heartbeat=0`);
      connection.on('error', () => undefined);
      (connection.connection as unknown as { stream: { destroy(): void } }).stream.destroy();
      const text = await rv.waitFor(/client unexpectedly closed TCP connection/, 30_000);
      const lines = text.split('\n');
      const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
      const eventOf = (index: number) => lines.slice(0, index + 1).findLast((l) => EVENT.test(l));

      // The warning: its first line is a WARN event, its second is indented under it.
      const second = at(/client unexpectedly closed TCP connection/);
      expect(lines[second]).toMatch(/^ {4}client unexpectedly closed TCP connection$/);
      expect(lines[second - 1]).toMatch(
        /^\[[^\]]+\] WARN: rabbitmq: \S+ \S+ \[warning\] <[\d.]+> closing AMQP connection .*:$/,
      );
      // The boot banner: one INFO event whose lines are indented continuation lines.
      const banner = at(/Starting RabbitMQ \d/);
      expect(lines[banner]).toMatch(/^ {4}/);
      expect(eventOf(banner)).toMatch(/^\[[^\]]+\] INFO: rabbitmq: \S+ \S+ \[info\] /);
      expect(lines[at(/Copyright \(c\)/)]).toMatch(/^ {4}/);
      // Every line at the margin is an event; nothing is JSON.
      expect(lines.filter((l) => l && !l.startsWith(' ') && !EVENT.test(l))).toEqual([]);
      expect(lines.filter((l) => l.trimStart().startsWith('{"'))).toEqual([]);
    } finally {
      process.kill(await rv.pid, 'SIGTERM');
    }
    expect(await rv.exited).toBe(0);
  }, 300_000);
});

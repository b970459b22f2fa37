import { SwitchableSink } from '../../../src/logship/switchable.js';
import type { LogForwarder } from '../../../src/logship/forwarder.js';

/** A recording stand-in for LogForwarder (the real one is tested against a real syslog-ng). */
function recorder() {
  const made: { server: string; lines: string[]; closed: boolean }[] = [];
  const create = (server: string) => {
    const entry = { server, lines: [] as string[], closed: false };
    made.push(entry);
    return {
      send: (program: string, _level: string, message: string) => entry.lines.push(`${program}: ${message}`),
      close: async () => {
        entry.closed = true;
      },
    } as unknown as LogForwarder;
  };
  return { made, create };
}

describe('SwitchableSink', () => {
  test('lines before the first log server is known go out first, in order, once it is', async () => {
    const { made, create } = recorder();
    const sink = new SwitchableSink(create);
    sink.send('rolevisor', 'info', 'boot 1');
    sink.send('rolevisor', 'info', 'boot 2');
    await sink.point('10.0.0.1:514');
    sink.send('nginx', 'info', 'after');
    expect(made.map((m) => [m.server, m.lines])).toEqual([
      ['10.0.0.1:514', ['rolevisor: boot 1', 'rolevisor: boot 2', 'nginx: after']],
    ]);
  });

  test('a move closes the old forwarder; none drops the early lines and forwards nothing', async () => {
    const { made, create } = recorder();
    const sink = new SwitchableSink(create);
    sink.send('rolevisor', 'info', 'early');
    await sink.point(undefined);
    sink.send('rolevisor', 'info', 'nowhere');
    await sink.point('a:514');
    sink.send('rolevisor', 'info', 'to a');
    await sink.point('b:514');
    sink.send('rolevisor', 'info', 'to b');
    expect(made.map((m) => [m.server, m.lines, m.closed])).toEqual([
      ['a:514', ['rolevisor: to a'], true],
      ['b:514', ['rolevisor: to b'], false],
    ]);
    await sink.close(100);
    expect(made[1].closed).toBe(true);
  });
});

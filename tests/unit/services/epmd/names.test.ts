import { parseNamesReply } from '../../../../src/services/epmd/names.js';

describe('parseNamesReply', () => {
  test("reads epmd's port and the registered nodes", () => {
    const reply = Buffer.concat([
      Buffer.from([0, 0, 0x11, 0x11]),
      Buffer.from('name rabbit at port 25672\nname rabbitmqcli-1 at port 40001\n'),
    ]);
    expect(parseNamesReply(reply)).toEqual({
      epmdPort: 4369,
      nodes: [
        { name: 'rabbit', port: 25672 },
        { name: 'rabbitmqcli-1', port: 40001 },
      ],
    });
  });
  test("no nodes; and a reply too short to be epmd's", () => {
    expect(parseNamesReply(Buffer.from([0, 0, 0x11, 0x11]))).toEqual({ epmdPort: 4369, nodes: [] });
    expect(() => parseNamesReply(Buffer.from('HT'))).toThrow(/not a NAMES reply/);
  });
});

import { existsSync } from 'node:fs';
import { nodeEntryCommand, runningFromSources } from '../../../src/util/node-entry.js';

describe('nodeEntryCommand', () => {
  test('from compiled dist/: node dist/<entry>.js', () => {
    const command = nodeEntryCommand(
      'logviewer/main',
      ['--port', '1'],
      'file:///opt/rolevisor/dist/util/node-entry.js',
    );
    expect(command).toEqual({ file: process.execPath, args: ['/opt/rolevisor/dist/logviewer/main.js', '--port', '1'] });
  });

  test('from TypeScript sources: node --import <tsx loader> src/<entry>.ts', () => {
    expect(runningFromSources()).toBe(true);
    const command = nodeEntryCommand('logviewer/main', ['--x']);
    expect(command.file).toBe(process.execPath);
    expect(command.args[0]).toBe('--import');
    expect(command.args[1]).toMatch(/^file:\/\/.*\/node_modules\/tsx\/.*\.mjs$/);
    expect(command.args[2]).toMatch(/\/src\/logviewer\/main\.ts$/);
    expect(existsSync(command.args[2])).toBe(true);
    expect(command.args[3]).toBe('--x');
  });

  test.each(['../etc/passwd', '/abs', 'a/../../b', ''])('refuses entry %j', (entry) => {
    expect(() => nodeEntryCommand(entry)).toThrow(TypeError);
  });
});

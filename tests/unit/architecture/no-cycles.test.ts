// No import cycles anywhere in src/: a cycle is two modules that cannot be understood (or
// loaded) one without the other. madge follows the TypeScript imports as tsc resolves them.
import { describe, expect, it } from '@jest/globals';
import { execa } from 'execa';

describe('the import graph of src/', () => {
  it('has no cycles', async () => {
    const result = await execa(
      'node_modules/.bin/madge',
      ['--circular', '--json', '--no-spinner', '--extensions', 'ts', '--ts-config', 'tsconfig.json', 'src'],
      { reject: false },
    );
    const cycles = JSON.parse(result.stdout) as string[][];
    expect(cycles.map((cycle) => cycle.join(' > '))).toEqual([]);
  }, 60_000);
});

// The command that runs one of this package's Node entry points (e.g. "logviewer/main") as a
// child: the compiled dist/<entry>.js when rolevisor itself runs compiled, else the
// TypeScript source through tsx (tests, `tsx src/cli.ts`). Always the same node binary as ours.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface NodeCommand {
  file: string;
  args: string[];
}

/** True when this module was loaded from a .ts file (tsx, ts-jest), not from dist/. */
export const runningFromSources = (moduleUrl: string = import.meta.url): boolean =>
  /\.[cm]?ts$/.test(new URL(moduleUrl).pathname);

/**
 * `entry` is relative to src/ (or dist/), without extension: "logviewer/main".
 * `moduleUrl` only exists for tests; it is where this helper lives.
 */
export function nodeEntryCommand(entry: string, args: string[] = [], moduleUrl: string = import.meta.url): NodeCommand {
  if (!/^[a-z0-9][a-z0-9/_-]*$/i.test(entry) || entry.split('/').includes('..')) {
    throw new TypeError(
      `nodeEntryCommand: entry must be a path under src/ without extension, like "logviewer/main"; received "${entry}"`,
    );
  }
  // This file is <src or dist>/util/node-entry.(ts|js): the entry is relative to its parent.
  const root = new URL('../', moduleUrl);
  if (!runningFromSources(moduleUrl)) {
    return { file: process.execPath, args: [fileURLToPath(new URL(`${entry}.js`, root)), ...args] };
  }
  // An absolute URL of tsx's loader: the child's cwd and environment are not ours, so a bare
  // "tsx" might not resolve there.
  const tsxLoader = pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href;
  return {
    file: process.execPath,
    args: ['--import', tsxLoader, fileURLToPath(new URL(`${entry}.ts`, root)), ...args],
  };
}

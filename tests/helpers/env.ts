// Test scaffolding: temporary homes, free ports, settings and service contexts.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../src/log.js';
import { loadRoleCatalog, DEFAULT_ROLES_DIR } from '../../src/roles/catalog.js';
import { loadSettings } from '../../src/settings/load.js';
import { servicePaths } from '../../src/settings/paths.js';
import type { Settings } from '../../src/settings/types.js';
import { KINDS } from '../../src/services/registry.js';
import type { ServiceContext } from '../../src/services/types.js';
import { identityFor } from '../../src/util/identity.js';

/** A fresh directory that service users (postgres, redis, ...) can traverse. */
export async function tempHome(prefix = 'rolevisor-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A TCP port that was free a moment ago (the kernel picks it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Every port setting role `all` listens on. */
export const ALL_ROLE_PORTS = [
  'PORT',
  'HTTPSPORT',
  'DBPORT',
  'REDISPORT',
  'RABBITMQPORT',
  'RABBITMQDISTPORT',
  'EPMDPORT',
  'LOGPORT',
  'LOGVIEWPORT',
  'STATUSPORT',
] as const;

/** A free port for each named setting, as environment values. */
export async function freePortSettings(names: readonly string[] = ALL_ROLE_PORTS): Promise<Record<string, string>> {
  const ports: Record<string, string> = {};
  for (const name of names) ports[name] = String(await freePort());
  return ports;
}

export function testSettings(env: Record<string, string>): Settings {
  return loadSettings(env, loadRoleCatalog());
}

/** A logger that keeps its lines in memory (and prints nothing) for assertions. */
export function memoryLogger(): { log: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = {
    write: (s: string) => {
      chunks.push(s);
      return true;
    },
  } as unknown as { write(s: string): void };
  const log = createLogger({ level: 'debug', destination });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, lines };
}

export async function serviceContext(
  settings: Settings,
  service: string,
  user: string | undefined,
  log: Logger,
): Promise<ServiceContext> {
  return {
    settings,
    log: log.child({ service }),
    // The kind's user as registry.ts says (the test's service name is its kind); `user` is whom it is started as.
    user: KINDS[service]?.user ?? user ?? 'nobody',
    identity: await identityFor(user),
    paths: servicePaths(settings, service, DEFAULT_ROLES_DIR),
  };
}

// A Service for supervisor tests backed by a real process (tests/fixtures/toy-server.mjs)
// and a real HTTP readiness probe.
import { fileURLToPath } from 'node:url';
import type { Service } from '../../src/services/types.js';
import type { PlannedService } from '../../src/roles/plan.js';

export interface ToyOptions {
  name: string;
  port: number;
  journal: string;
  env?: Record<string, string>;
  stopSignal?: NodeJS.Signals;
}

const SCRIPT = fileURLToPath(new URL('../fixtures/toy-server.mjs', import.meta.url));

export function toyService(options: ToyOptions): Service & { env: Record<string, string> } {
  const env: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    TOY_PORT: String(options.port),
    TOY_JOURNAL: options.journal,
    TOY_NAME: options.name,
    ...options.env,
  };
  return {
    name: options.name,
    kind: 'toy',
    stopSignal: options.stopSignal ?? 'SIGTERM',
    env,
    listeners: () => [{ name: 'http', port: options.port, bind: '127.0.0.1' }],
    dataDirs: () => [],
    prepare: async () => undefined,
    launch() {
      return { file: process.execPath, args: [SCRIPT], env: this.env };
    },
    async probe(signal) {
      const res = await fetch(`http://127.0.0.1:${options.port}/`, { signal });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    },
  };
}

export function toyPlan(name: string, overrides: Partial<PlannedService> = {}): PlannedService {
  return {
    name,
    kind: 'toy',
    role: 'test',
    after: [],
    starts_with: [],
    dependsOn: [],
    startsWith: [],
    critical: true,
    front: false,
    ready_timeout: 10,
    stop_timeout: 3,
    restart_limit: 5,
    restart_window: 60,
    ...overrides,
  };
}

// The metrics docs/container.md lists are the ones /metrics serves, with one prefix.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createMetrics } from '../../../src/status/metrics.js';
import { RuntimeState } from '../../../src/status/runtime.js';

const page = readFileSync(fileURLToPath(new URL('../../../docs/container.md', import.meta.url)), 'utf8');

async function served(): Promise<string> {
  const state = new RuntimeState(['sql'], 'a local directory', 'test');
  state.services = () => [
    { name: 'postgres', role: 'sql', state: 'ready', pid: 42, restarts: 1, startedAt: Date.now() } as never,
  ];
  state.recordBackup({ trigger: 'manual', startedAt: Date.now(), durationMs: 1200, bytes: 99, ok: true });
  return createMetrics(state).metrics();
}

describe('/metrics', () => {
  it('serves every metric the docs list, and the docs list every rolevisor metric of its own', async () => {
    const text = await served();
    const names = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    const documented = [...page.matchAll(/^\| `(rolevisor_[a-z_]+)` \|/gm)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThan(10);
    for (const name of documented) expect(names).toContain(name);
    const own = [...names].filter((n) => !/^rolevisor_(process|nodejs)_/.test(n));
    expect(own.sort()).toEqual([...documented].sort());
  });

  it('names the process metrics once: rolevisor_process_cpu_user_seconds_total', async () => {
    const text = await served();
    expect(text).toMatch(/^rolevisor_process_cpu_user_seconds_total \d/m);
    expect(text).not.toMatch(/process_process|rolevisor_process_nodejs/);
    for (const example of page.matchAll(/`(rolevisor_(?:process|nodejs)_[a-z_]+)`/g))
      expect(text).toContain(example[1]);
  });

  it('a service and the last backup show their values', async () => {
    const text = await served();
    expect(text).toMatch(/^rolevisor_service_ready\{service="postgres",role="sql"\} 1$/m);
    expect(text).toMatch(/^rolevisor_service_restarts\{service="postgres",role="sql"\} 1$/m);
    expect(text).toMatch(/^rolevisor_backup_last_bytes 99$/m);
  });
});

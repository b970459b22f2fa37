// Prometheus metrics (prom-client), computed from the runtime state at each scrape.
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { RuntimeState } from './runtime.js';

export function createMetrics(state: RuntimeState): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rolevisor_' });
  const perService = (
    name: string,
    help: string,
    value: (s: ReturnType<RuntimeState['services']>[number]) => number | undefined,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['service', 'role'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of state.services()) {
          const v = value(s);
          if (v !== undefined) this.set({ service: s.name, role: s.role }, v);
        }
      },
    });
  perService('rolevisor_service_up', '1 when the service process is running', (s) => (s.pid !== undefined ? 1 : 0));
  perService('rolevisor_service_ready', '1 when the service passes its readiness probe', (s) =>
    s.state === 'ready' ? 1 : 0,
  );
  perService('rolevisor_service_restarts', 'Restarts since rolevisor started', (s) => s.restarts);
  perService('rolevisor_service_last_exit_code', 'Exit code of the last exit (-1: killed by a signal)', (s) =>
    s.lastExit ? (s.lastExit.code ?? -1) : undefined,
  );

  const scalar = (name: string, help: string, value: () => number | undefined) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        const v = value();
        if (v === undefined) this.reset();
        else this.set(v);
      },
    });
  const perEngine = (
    name: string,
    help: string,
    value: (s: ReturnType<RuntimeState['continuous']>[number]) => number | undefined,
  ) =>
    new Gauge({
      name,
      help,
      labelNames: ['engine'],
      registers: [registry],
      collect() {
        this.reset();
        for (const s of state.continuous()) {
          const v = value(s);
          if (v !== undefined) this.set({ engine: s.engine }, v);
        }
      },
    });
  perEngine('rolevisor_archive_lag_seconds', 'Age of the oldest change not yet in the store', (s) => s.lagSeconds);
  perEngine('rolevisor_archive_lag_bytes', 'Bytes written locally and not yet in the store', (s) => s.lagBytes);
  perEngine(
    'rolevisor_archive_last_timestamp_seconds',
    'When the last object (e.g. WAL segment) reached the store',
    (s) => (s.lastShipped ? s.lastShipped.at / 1000 : undefined),
  );
  perEngine('rolevisor_archive_failing', '1 while shipping to the store fails', (s) => (s.error ? 1 : 0));
  scalar('rolevisor_ready', '1 when every service is ready and the instance is not stopping', () =>
    state.ready() ? 1 : 0,
  );
  scalar('rolevisor_backup_last_timestamp_seconds', 'When the last backup started', () =>
    state.lastBackup ? state.lastBackup.startedAt / 1000 : undefined,
  );
  scalar('rolevisor_backup_last_duration_seconds', 'How long the last backup took', () =>
    state.lastBackup ? state.lastBackup.durationMs / 1000 : undefined,
  );
  scalar('rolevisor_backup_last_bytes', 'Bytes stored by the last backup', () => state.lastBackup?.bytes);
  scalar('rolevisor_backup_last_success', '1 when the last backup succeeded', () =>
    state.lastBackup ? (state.lastBackup.ok ? 1 : 0) : undefined,
  );
  scalar('rolevisor_backup_failures', 'Failed backups since rolevisor started', () => state.backupFailures);
  scalar('rolevisor_store_errors', 'Store operations that failed since rolevisor started', () => state.storeErrors);
  return registry;
}

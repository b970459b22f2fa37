// `rolevisor check`: validates everything that can be validated without starting anything
// and prints the plan — roles → services → ports → data directories → store.
import { lastBackupFile, readLastBackup } from '../backup/last-backup.js';
import { EXIT } from '../errors.js';
import { createLogger } from '../log.js';
import type { RoleCatalog } from '../roles/catalog.js';
import { planServices } from '../roles/plan.js';
import type { Settings } from '../settings/types.js';
import { buildServices } from '../supervisor/build.js';
import { checkPortConflicts } from '../supervisor/ports.js';
import { describeStore } from '../store/describe.js';
import { adoptionLines } from '../adopt/check-lines.js';
import { lookupPlan, SETTING_FOR } from '../discovery/lookup-plan.js';
import type { DiscoveredService } from '../discovery/record.js';

function settingValue(settings: Settings, service: DiscoveredService): string {
  switch (service) {
    case 'sql':
      return `${settings.db.host ?? ''}:${settings.db.port}`;
    case 'redis':
      return settings.redis.url ?? '';
    case 'rabbitmq':
      return settings.rabbitmq.url ?? '';
    case 'log':
      return settings.log.server ?? '';
  }
}

/** host:port of a URL (its credentials are none of the plan's business), or the value itself. */
function hostOnly(value: string): string {
  try {
    const url = new URL(value);
    return url.host ? `${url.protocol}//${url.host}` : value;
  } catch {
    return value;
  }
}

export async function checkCommand(
  settings: Settings,
  catalog: RoleCatalog,
  out: NodeJS.WritableStream,
): Promise<number> {
  const plan = planServices(settings.roles, catalog);
  const silent = createLogger({ level: 'silent' });
  const built = await buildServices(settings, plan, catalog.dir, silent);
  const listeners = built.flatMap((b) => b.service.listeners().map((l) => ({ ...l, owner: b.plan.name })));
  listeners.push({ name: 'status', port: settings.status.port, bind: settings.status.bind, owner: 'rolevisor' });
  checkPortConflicts(listeners);

  const lines: string[] = [];
  lines.push(
    `roles:     ${settings.rolesRaw}${settings.rolesRaw === settings.roles.join(':') ? '' : ` → ${settings.roles.join(', ') || '(no services)'}`}${settings.singleHost ? ' (single host: backend services on loopback)' : ''}`,
  );
  lines.push('services (in start order):');
  for (const b of built) {
    const deps = b.plan.dependsOn.length > 0 ? ` after ${b.plan.dependsOn.join(', ')}` : '';
    const user = b.ctx.identity ? ` as ${b.ctx.identity.user}` : '';
    lines.push(
      `  ${b.plan.name.padEnd(10)} ${b.plan.role.padEnd(9)}${user}${deps}${b.plan.critical ? '' : ' (not critical)'}`,
    );
    for (const l of b.service.listeners())
      lines.push(`      listens ${l.bind}:${l.port}/${l.protocol ?? 'tcp'} (${l.name})`);
    for (const d of b.service.dataDirs()) lines.push(`      data    ${d}`);
  }
  lines.push(`status:    http://${settings.status.bind}:${settings.status.port} (/healthz /readyz /metrics)`);
  lines.push(`store:     ${describeStore(settings)}`);
  lines.push('backend (where the app finds each service):');
  for (const { service, how, required } of lookupPlan(settings, catalog)) {
    const setting = SETTING_FOR[service];
    const text = {
      setting: `${setting}=${hostOnly(settingValue(settings, service))}`,
      local: 'this host',
      discover: `discovery records in the store${required ? `, waiting up to ${settings.discovery.timeoutSec} s (DISCOVERYTIMEOUT)` : ' when one appears (optional)'}`,
      unused: 'not used here',
      off: 'off (LOGSERVER=null)',
    }[how];
    lines.push(`  ${service.padEnd(10)} ${text}`);
  }
  lines.push(
    `stop:      ${settings.stopTimeoutSec} s grace (STOPTIMEOUT); backups ${settings.backupSchedule}, keep ${settings.backupKeep}, ${settings.backupDays} days`,
  );
  // The stop budget next to what the stop has to fit: the runtime's grace must cover it.
  const last = await readLastBackup(lastBackupFile(settings));
  lines.push(
    `           the runtime must wait at least ${settings.stopTimeoutSec} s before SIGKILL (docker run --stop-timeout ${settings.stopTimeoutSec}, compose stop_grace_period, ECS stopTimeout; Docker's default is 10 s); last backup: ${last ? `${(last.durationMs / 1000).toFixed(1)} s (${last.ok ? 'ok' : 'FAILED'}, ${last.trigger}, ${new Date(last.startedAt).toISOString()})` : 'none recorded here yet'}`,
  );
  lines.push(...(await adoptionLines(settings, silent)));
  for (const w of settings.warnings) lines.push(`warning:   ${w}`);
  lines.push('settings are valid');
  out.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

// `rolevisor status`: what is running here, for people (a table) and scripts (--json).
import { controlRequest } from '../control/client.js';
import { EXIT } from '../errors.js';
import { LOGVIEWER_USER } from '../config/logviewer-credentials.js';
import { configFilePath, controlSocketPath, logViewerPasswordFile } from '../settings/paths.js';
import type { Settings } from '../settings/types.js';
import type { StatusSnapshot } from '../status/runtime.js';

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}

export function formatStatus(snapshot: StatusSnapshot, now = Date.now()): string {
  const rows = [['SERVICE', 'ROLE', 'STATE', 'PID', 'UPTIME', 'RESTARTS', 'LAST EXIT']];
  for (const s of snapshot.services) {
    const lastExit = s.lastExit
      ? `${s.lastExit.signal ?? `code ${s.lastExit.code}`}, ${duration(now - s.lastExit.at)} ago`
      : '-';
    rows.push([
      s.name,
      s.role,
      s.state,
      s.pid ? String(s.pid) : '-',
      s.startedAt && s.pid ? duration(now - s.startedAt) : '-',
      String(s.restarts),
      lastExit,
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const table = rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
  const b = snapshot.lastBackup;
  const lastBackup = b
    ? `${b.ok ? 'ok' : 'FAILED'} ${new Date(b.startedAt).toISOString()} (${duration(now - b.startedAt)} ago, ${b.trigger}, ${(b.durationMs / 1000).toFixed(1)} s, ${b.bytes} bytes${b.generation ? `, generation ${b.generation}` : ''}${b.error ? `: ${b.error}` : ''})`
    : 'none since this instance started';
  return [
    `rolevisor ${snapshot.version}, pid ${snapshot.pid}, ${snapshot.phase}${snapshot.ready ? ', ready' : ', NOT ready'}, up ${duration(now - snapshot.startedAt)}`,
    ...(snapshot.waitingFor ? [`waiting for: ${snapshot.waitingFor}`] : []),
    `roles:       ${snapshot.roles.join(', ')}`,
    `store:       ${snapshot.store}`,
    `last backup: ${lastBackup}`,
    `next backup: ${snapshot.nextBackupAt ? `${new Date(snapshot.nextBackupAt).toISOString()} (in ${duration(snapshot.nextBackupAt - now)})` : 'not scheduled'}`,
    ...(snapshot.continuous ?? []).map(
      (c) =>
        `${`${c.engine}:`.padEnd(12)} lag ${c.lagSeconds.toFixed(0)} s, ${c.lagBytes} bytes not yet in the store; last ${c.lastShipped ? `${c.lastShipped.name} at ${new Date(c.lastShipped.at).toISOString()}` : 'none yet'}${c.error ? `; FAILING: ${c.error}` : ''}`,
    ),
    '',
    ...table,
    '',
  ].join('\n');
}

/** Where this host's generated credentials are, never the credentials themselves. */
export function credentialsHint(settings: Settings, roles: string[]): string {
  const lines: string[] = [];
  if (roles.includes('log'))
    lines.push(
      `log viewer:  http://<this host>:${settings.log.viewPort}/ user "${LOGVIEWER_USER}", password ${settings.log.viewPassword !== undefined ? 'LOGVIEWPASSWORD' : `in ${logViewerPasswordFile(settings)}`}`,
    );
  if (['sql', 'redis', 'rabbitmq'].some((r) => roles.includes(r)) && !settings.singleHost)
    lines.push(`credentials: generated ones are in ${configFilePath(settings)} (0600) and the store's config.yml`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

export async function statusCommand(settings: Settings, json: boolean, out: NodeJS.WritableStream): Promise<number> {
  const { body } = await controlRequest<StatusSnapshot>(controlSocketPath(settings), 'GET', '/status', 10_000);
  out.write(json ? `${JSON.stringify(body, null, 2)}\n` : formatStatus(body) + credentialsHint(settings, body.roles));
  return body.ready ? EXIT.ok : EXIT.serviceUnavailable;
}

// The log role's receiver: syslog-ng in the foreground, RFC 5424 and RFC 3164 over TCP and
// UDP on LOGPORT, one file per sending host and program under <home>/log (syslog-conf.ts).
//
// Who it runs as: the system user "daemon" (Debian's user for unprivileged daemons that
// write files), never root. When LOGPORT is a privileged port (514 by default, below
// net.ipv4.ip_unprivileged_port_start), root is needed for bind() alone: rolevisor then
// starts it through setpriv, which switches to daemon and keeps only CAP_NET_BIND_SERVICE
// (util/run-as.ts). syslog-ng's own --user/--caps would keep several capabilities instead
// and complain on every file it opens. So register this kind with user undefined: it drops
// privileges itself; with user "daemon" it still works for ports >= the unprivileged start.
import { CHILD_TZ } from '../shared/child-tz.js';
import { randomBytes } from 'node:crypto';
import { readFile, rm, unlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { catalogError } from '../../errors.js';
import { logDir } from '../../settings/paths.js';
import { startLogRetention } from './log-retention.js';
import { ensureDir, writeFileAtomic } from '../../util/fsx.js';
import { lookupUser } from '../../util/identity.js';
import { applyRunAs, resolveRunAs, type RunAs } from '../../util/run-as.js';
import { PROBE_PROGRAM, renderSyslogConf } from './conf.js';
import type { Service, ServiceContext } from '../types.js';
import type { Identity } from '../../util/identity.js';

const SYSLOG_NG = '/usr/sbin/syslog-ng';
/** The log viewer's user (registry.ts): the log directory's group, so it (and only it) may enter. */
export const LOG_READER_USER = 'www-data';
/** Unix sockets paths are limited to 108 bytes (sun_path). */
const MAX_SOCKET_PATH = 107;

/** Backend services listen on loopback when every role runs on this host. */
export const logBind = (singleHost: boolean): string => (singleHost ? '127.0.0.1' : '0.0.0.0');

export function createSyslog(ctx: ServiceContext): Service {
  const { settings, paths } = ctx;
  const port = settings.log.port;
  const bind = logBind(settings.singleHost);
  const dir = logDir(settings);
  const confFile = join(paths.conf, 'syslog-ng.conf');
  const probeDir = join(paths.run, 'probe');
  const controlFile = join(paths.run, 'syslog-ng.ctl');
  const pidFile = join(paths.run, 'syslog-ng.pid');
  const persistFile = join(paths.data, 'syslog-ng.persist');
  let runAs: RunAs | undefined;
  let stopRetention: (() => void) | undefined;

  return {
    name: 'syslog',
    kind: 'syslog',
    // SIGTERM: syslog-ng flushes its files and exits in ~0.1 s.
    stopSignal: 'SIGTERM',
    listeners: () => [{ name: 'syslog', port, bind, protocol: 'tcp+udp' }],
    dataDirs: () => [dir],

    async prepare() {
      runAs = await resolveRunAs(ctx.identity, ctx.user, [port], 'LOGPORT');
      if (controlFile.length > MAX_SOCKET_PATH) {
        throw catalogError('RV_PREPARE_FAILED', 'socketPathTooLong', {
          what: 'syslog-ng control',
          path: controlFile,
          max: MAX_SOCKET_PATH,
        });
      }
      const owner = runAs.identity;
      // mkdir -p gives new parents the leaf's mode: create <home>/data and <home>/run
      // traversable first, or daemon could not reach its own directories below them.
      for (const parent of [dirname(paths.data), dirname(paths.run)]) await ensureDir(parent, { mode: 0o755 });
      await ensureDir(dir, { mode: 0o750, owner: owner && (await logDirOwner(owner)) });
      await ensureDir(paths.data, { mode: 0o750, owner });
      await ensureDir(paths.run, { mode: 0o750, owner });
      // A previous boot's probe files, pid file and socket are stale.
      await rm(probeDir, { recursive: true, force: true });
      await rm(pidFile, { force: true });
      await rm(controlFile, { force: true });
      await ensureDir(probeDir, { mode: 0o750, owner });
      await ensureDir(paths.conf, { mode: 0o755 });
      await writeFileAtomic(confFile, renderSyslogConf({ bind, port, logDir: dir, probeDir }), { mode: 0o644 });
      ctx.log.debug(
        { confFile, logDir: dir, port, bind, user: owner?.user, bindCapability: runAs.bindCapability },
        'rendered syslog-ng.conf',
      );
    },

    launch() {
      if (!runAs) throw catalogError('RV_INTERNAL', 'launchBeforePrepare', { service: 'syslog' });
      // --no-caps: it never runs as root, so it must not try to manage capabilities (it would
      // warn at every start); under setpriv the one it needs is already effective.
      const args = ['-F', '-e', '--no-caps', '-f', confFile, '-R', persistFile, '-p', pidFile, '-c', controlFile];
      return applyRunAs(runAs, {
        file: SYSLOG_NG,
        args,
        env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', TZ: CHILD_TZ },
      });
    },

    // A real message over TCP, parsed and routed by syslog-ng, written to a file of its own.
    async probe(signal) {
      await probeOnce({ port, bind, probeDir, signal });
    },

    async afterReady() {
      stopRetention?.();
      stopRetention = startLogRetention(dir, settings.log.keepDays, ctx.log);
    },

    async beforeStop() {
      stopRetention?.();
      stopRetention = undefined;
    },
  };
}

/** daemon owns the log directory; the viewer's group may enter it. */
async function logDirOwner(writer: Identity): Promise<Identity> {
  const reader = await lookupUser(LOG_READER_USER);
  return { ...writer, gid: reader.gid };
}

export async function probeOnce(options: {
  port: number;
  bind: string;
  probeDir: string;
  signal: AbortSignal;
}): Promise<void> {
  const token = randomBytes(16).toString('hex');
  const host = options.bind === '0.0.0.0' ? '127.0.0.1' : options.bind;
  const line = `<14>1 ${new Date().toISOString()} ${hostname() || 'localhost'} ${PROBE_PROGRAM} - - - ${token}\n`;
  await sendTcp(host, options.port, line, options.signal);
  const file = join(options.probeDir, token);
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    if (text.includes(token)) break;
    if (options.signal.aborted)
      throw new Error(
        `syslog-ng accepted the probe message on ${host}:${options.port} but did not write it to ${file}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await unlink(file).catch(() => undefined);
}

function sendTcp(host: string, port: number, data: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, signal });
    socket.once('error', (error) =>
      reject(new Error(`syslog-ng does not accept TCP on ${host}:${port}: ${error.message}`)),
    );
    socket.once('connect', () => socket.end(data));
    socket.once('close', (hadError) => {
      if (!hadError) resolve();
    });
    socket.resume();
  });
}

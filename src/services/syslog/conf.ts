// syslog-ng 3.38 configuration for the log role: one port, TCP and UDP, RFC 5424 and RFC 3164
// alike; one file per sending host and program.
//
// Why network() with flags(syslog-protocol) and not syslog(): measured on syslog-ng 3.38.1,
// - network() with flags(syslog-protocol) reads newline-framed messages and parses each as
//   RFC 5424 when it starts "<PRI>1 ", else falls back to RFC 3164 (host, program[pid]);
//   the same holds on UDP (one datagram = one message).
// - syslog() expects RFC 6587 octet counting on TCP and drops a connection that sends
//   anything else ("Invalid frame header"); it cannot share the TCP port with network(), and
//   3.38 has no transport("auto") to detect the framing.
// So this port takes RFC 5424 with newline framing (RFC 6587 §3.4.2, what rsyslog sends by
// default) and RFC 3164; octet-counted senders are not accepted. LogForwarder sends RFC 5424
// with newline framing.
import { catalogError } from '../../errors.js';

export interface SyslogConfOptions {
  bind: string;
  port: number;
  /** <home>/log: one directory per host, one <program>.log per program. */
  logDir: string;
  /** Where probe messages land (see syslog/service.ts), outside the log tree. */
  probeDir: string;
}

/** The program name of probe messages; only accepted from loopback, with a hex token body. */
export const PROBE_PROGRAM = 'rolevisor-probe';

/** Longest host or program part of a file name (a file name may have 255 bytes). */
export const MAX_NAME_PART = 100;

// Inside a syslog-ng string, `$` starts a macro, a backtick a substitution, and `"`/`\` are
// quoting: a path with any of them (or a control character) is refused rather than escaped.
function confPath(what: string, path: string): string {
  if (!path.startsWith('/') || /["\\$`\p{Cc}]/u.test(path)) {
    throw catalogError('RV_PREPARE_FAILED', 'syslogPath', { what, path });
  }
  return path.replace(/\/+$/, '');
}

function confAddress(bind: string): string {
  if (!/^[0-9A-Fa-f.:]+$/.test(bind)) throw catalogError('RV_PREPARE_FAILED', 'syslogBind', { bind });
  return bind;
}

/** Copies HOST/PROGRAM into .rv.host/.rv.program made safe as one path component each. */
function safeNameRewrite(value: string, macro: string): string {
  return [
    `  set("$(substr \${${macro}} 0 ${MAX_NAME_PART})", value("${value}"));`,
    // Only letters, digits, dot, dash, underscore: no "/", no NUL, nothing a shell or a browser minds.
    `  subst("[^A-Za-z0-9._-]", "_", value("${value}") flags(global));`,
    // A leading dot becomes "_": no ".", "..", or hidden files.
    `  subst("^[.]", "_", value("${value}"));`,
    `  set("unknown", value("${value}") condition("\${${value}}" eq ""));`,
  ].join('\n');
}

export function renderSyslogConf(options: SyslogConfOptions): string {
  const logDir = confPath('log directory', options.logDir);
  const probeDir = confPath('probe directory', options.probeDir);
  const ip = confAddress(options.bind);
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) {
    throw catalogError('RV_PREPARE_FAILED', 'syslogPort', { port: options.port });
  }
  return `@version: 3.38
# Rendered by rolevisor at every start; edits here are overwritten.

options {
  # 3.38 syntax (stats(freq(0)) is newer): no periodic statistics lines in our log.
  stats-freq(0);
  # Keep the sender's own host name; never look names up (slow, and a DNS answer is not proof).
  keep-hostname(yes);
  chain-hostnames(no);
  use-dns(no);
  dns-cache(no);
  use-fqdn(no);
  keep-timestamp(yes);
  log-msg-size(65536);
  create-dirs(yes);
  # The log directory itself is 0750 with the viewer's group: it is the gate. Below it,
  # world-readable modes let the viewer (another user) read what syslog-ng creates.
  dir-perm(0755);
  perm(0644);
  # Close files of hosts and programs that went quiet.
  time-reap(60);
};

source s_net {
  # Every host forwards over one long-lived connection: allow many (the default is 10).
  network(transport("tcp") ip("${ip}") port(${options.port}) flags(syslog-protocol)
          max-connections(1000) log-iw-size(100000) keep-alive(yes));
  network(transport("udp") ip("${ip}") port(${options.port}) flags(syslog-protocol));
};

# rolevisor's readiness probe: a token from loopback lands in its own file, not in the logs.
filter f_probe {
  program("^${PROBE_PROGRAM}$") and netmask("127.0.0.0/8") and message("^[0-9a-f]{32}$");
};
destination d_probe {
  file("${probeDir}/\${MESSAGE}" template("\${MESSAGE}\\n") time-reap(2));
};
log { source(s_net); filter(f_probe); destination(d_probe); flags(final); };

rewrite r_file_names {
${safeNameRewrite('.rv.host', 'HOST')}
${safeNameRewrite('.rv.program', 'PROGRAM')}
};
destination d_hosts {
  file("${logDir}/\${.rv.host}/\${.rv.program}.log"
       template("\${ISODATE} \${HOST} \${LEVEL} \${MSGHDR}\${MESSAGE}\\n"));
};
# flow-control: when the disk is slower than the senders, syslog-ng stops reading TCP instead
# of silently dropping from its queue; senders' bounded queues then drop and count (UDP cannot
# be slowed down and may still lose messages).
log { source(s_net); rewrite(r_file_names); destination(d_hosts); flags(flow-control); };
`;
}

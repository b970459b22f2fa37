// PostgreSQL's configuration as rolevisor renders it at every boot: its own file (passed as
// config_file) that first includes the postgresql.conf initdb tuned, then overrides where
// to listen and log; and a pg_hba.conf where every login needs a SCRAM password.

export interface PostgresConfInput {
  dataDir: string;
  runDir: string;
  hbaFile: string;
  listen: string;
  port: number;
  /** Continuous archiving into the store (DBBACKUP=true). */
  archive?: { command: string; timeoutSec: number };
  /** CLUSTERTLS: the server certificate and key (the hba then refuses plain text beyond loopback). */
  tls?: { certFile: string; keyFile: string };
}

/** One word for /bin/sh (archive_command runs through it): single-quoted, % doubled for PostgreSQL. */
const shellWord = (value: string): string => `'${value.replace(/'/g, "'\\''").replace(/%/g, '%%')}'`;

/** archive_command: the rolevisor client that hands %f to the running rolevisor (src/backup/wal/archiver.ts). */
export const archiveCommand = (node: string, script: string, socket: string): string =>
  `${[node, script, socket].map(shellWord).join(' ')} %f`;

function archiveLines(archive: PostgresConfInput['archive']): string[] {
  if (!archive) return [];
  return [
    "wal_level = 'replica'",
    'archive_mode = on',
    `archive_command = ${confString(archive.command)}`,
    // A segment with commits in it is switched at least this often, so an upload fits in ARCHIVESECONDS.
    `archive_timeout = ${archive.timeoutSec}`,
  ];
}

/** A postgresql.conf string literal: single-quoted, ' doubled and \ escaped. */
export const confString = (value: string): string => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

export function renderPostgresConf(input: PostgresConfInput): string {
  return [
    '# Rendered by rolevisor at every boot; edits are overwritten (use ALTER SYSTEM instead).',
    `include ${confString(`${input.dataDir}/postgresql.conf`)}`,
    `listen_addresses = ${confString(input.listen)}`,
    `port = ${input.port}`,
    `unix_socket_directories = ${confString(input.runDir)}`,
    `hba_file = ${confString(input.hbaFile)}`,
    "password_encryption = 'scram-sha-256'",
    // stderr goes to rolevisor, which logs each line under the service's name.
    "log_destination = 'stderr'",
    'logging_collector = off',
    "log_line_prefix = '[%p] %q%u@%d '",
    ...archiveLines(input.archive),
    ...(input.tls
      ? [
          'ssl = on',
          `ssl_cert_file = ${confString(input.tls.certFile)}`,
          `ssl_key_file = ${confString(input.tls.keyFile)}`,
          "ssl_min_protocol_version = 'TLSv1.2'",
        ]
      : []),
    '',
  ].join('\n');
}

/**
 * Every connection, local socket or network, needs a SCRAM-SHA-256 password. The superuser
 * may only log in over the local socket (rolevisor's own admin tasks and backups). With
 * `tls` (CLUSTERTLS), a connection from another host must use TLS: plain text is rejected.
 */
export function renderPgHba(tls = false): string {
  return [
    '# Rendered by rolevisor at every boot; edits are overwritten.',
    '# TYPE  DATABASE  USER      ADDRESS  METHOD',
    'local   all       all                scram-sha-256',
    // pg_basebackup streams base backups over the local socket, as the superuser only.
    'local   replication postgres         scram-sha-256',
    'host    all       postgres  all      reject',
    ...(tls
      ? [
          'host    all       all       127.0.0.1/32  scram-sha-256',
          'host    all       all       ::1/128       scram-sha-256',
          'hostnossl all     all       all      reject',
          'hostssl all       all       all      scram-sha-256',
        ]
      : ['host    all       all       all      scram-sha-256']),
    '',
  ].join('\n');
}

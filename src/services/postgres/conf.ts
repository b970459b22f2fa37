// PostgreSQL's configuration as rolevisor renders it at every boot: its own file (passed as
// config_file) that first includes the postgresql.conf initdb tuned, then overrides where
// to listen and log; and a pg_hba.conf where every login needs a SCRAM password.

export interface PostgresConfInput {
  dataDir: string;
  runDir: string;
  hbaFile: string;
  listen: string;
  port: number;
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
    '',
  ].join('\n');
}

/**
 * Every connection, local socket or network, needs a SCRAM-SHA-256 password. The superuser
 * may only log in over the local socket (rolevisor's own admin tasks and backups).
 */
export function renderPgHba(): string {
  return [
    '# Rendered by rolevisor at every boot; edits are overwritten.',
    '# TYPE  DATABASE  USER      ADDRESS  METHOD',
    'local   all       all                scram-sha-256',
    'host    all       postgres  all      reject',
    'host    all       all       all      scram-sha-256',
    '',
  ].join('\n');
}

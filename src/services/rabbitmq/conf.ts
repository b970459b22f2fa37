// rabbitmq.conf and the definitions file it loads at every boot. The account comes from
// definitions, not default_user/default_pass: those apply only to a node's very first boot
// (a changed password would never reach the broker, and the probe would be refused
// forever) and would keep the password in plain text; definitions are re-imported at every
// boot (an existing user's password is updated) and hold only a salted hash.
import type { RabbitmqCredentials } from './credentials.js';
import { RABBITMQ_HASHING, rabbitmqPasswordHash } from './password-hash.js';

export interface RabbitmqConfInput {
  definitionsFile: string;
  /** guest may log in from other hosts (it is the URL's user and the listener is not loopback). */
  allowRemoteGuest: boolean;
  /**
   * CLUSTERTLS: the AMQP port takes TLS only (no plain listener at all: rolevisor's probe
   * and rotation use TLS on loopback too; the CLI talks Erlang distribution, not AMQP).
   */
  tls?: { port: number; bind: string; caFile: string; certFile: string; keyFile: string };
}

export function renderRabbitmqConf(input: RabbitmqConfInput): string {
  if (/[\n#]/.test(input.definitionsFile))
    throw new Error(`rabbitmq.conf cannot hold the path ${JSON.stringify(input.definitionsFile)}`);
  const tls = input.tls;
  for (const path of tls ? [tls.caFile, tls.certFile, tls.keyFile] : [])
    if (/[\n#]/.test(path)) throw new Error(`rabbitmq.conf cannot hold the path ${JSON.stringify(path)}`);
  return [
    '# Rendered by rolevisor at every boot; edits are overwritten.',
    `load_definitions = ${input.definitionsFile}`,
    input.allowRemoteGuest ? 'loopback_users = none' : 'loopback_users.guest = true',
    ...(tls
      ? [
          'listeners.tcp = none',
          `listeners.ssl.1 = ${tls.bind}:${tls.port}`,
          `ssl_options.cacertfile = ${tls.caFile}`,
          `ssl_options.certfile = ${tls.certFile}`,
          `ssl_options.keyfile = ${tls.keyFile}`,
          // The account's password authenticates clients; TLS protects it on the way.
          'ssl_options.verify = verify_none',
          'ssl_options.fail_if_no_peer_cert = false',
          'ssl_options.versions.1 = tlsv1.3',
          'ssl_options.versions.2 = tlsv1.2',
        ]
      : []),
    '',
  ].join('\n');
}

export function renderDefinitions(credentials: RabbitmqCredentials, salt?: Buffer): string {
  const definitions = {
    users: [
      {
        name: credentials.username,
        password_hash: rabbitmqPasswordHash(credentials.password, salt),
        hashing_algorithm: RABBITMQ_HASHING,
        tags: ['administrator'],
      },
    ],
    vhosts: [{ name: credentials.vhost }],
    permissions: [{ user: credentials.username, vhost: credentials.vhost, configure: '.*', write: '.*', read: '.*' }],
  };
  return `${JSON.stringify(definitions, null, 2)}\n`;
}

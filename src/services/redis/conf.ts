// redis.conf as rolevisor renders it at every boot. The password (from the REDIS URL) lives
// here, in a 0600 file of the redis user, never on the command line.

export interface RedisCredentials {
  /** An ACL user other than "default", when the URL names one. */
  username: string | undefined;
  password: string | undefined;
}

export interface RedisConfInput {
  port: number;
  bind: string;
  dataDir: string;
  credentials: RedisCredentials;
  /** CLUSTERTLS: TLS only, on the same port (the plain port is closed: port 0). */
  tls?: { caFile: string; certFile: string; keyFile: string };
}

/** The user and password of a redis:// URL (both percent-decoded); none when unset. */
export function redisCredentials(url: string | undefined): RedisCredentials {
  if (!url) return { username: undefined, password: undefined };
  const parsed = new URL(url);
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  // redis://:secret@host (no user) and redis://default:secret@host both mean requirepass.
  return { username: username && username !== 'default' ? username : undefined, password: password || undefined };
}

/**
 * A redis.conf argument in double quotes. Redis's parser (sdssplitargs) reads \xHH, so every
 * byte that is not plain printable ASCII is written that way: any password survives.
 */
export function redisConfString(value: string): string {
  let out = '"';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out +=
      byte >= 0x20 && byte < 0x7f && char !== '"' && char !== '\\' ? char : `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

export function renderRedisConf(input: RedisConfInput): string {
  const { password, username } = input.credentials;
  const lines = [
    '# Rendered by rolevisor at every boot; edits are overwritten.',
    ...(input.tls
      ? [
          'port 0',
          `tls-port ${input.port}`,
          `tls-cert-file ${redisConfString(input.tls.certFile)}`,
          `tls-key-file ${redisConfString(input.tls.keyFile)}`,
          `tls-ca-cert-file ${redisConfString(input.tls.caFile)}`,
          // The password authenticates clients; TLS protects it and the data on the way.
          'tls-auth-clients no',
        ]
      : [`port ${input.port}`]),
    `bind ${input.bind}`,
    // Without a password, Redis on the network must accept the app hosts: protected mode
    // (loopback only) is kept on loopback and whenever a password guards it.
    `protected-mode ${input.bind.startsWith('127.') || password ? 'yes' : 'no'}`,
    'daemonize no',
    'supervised no',
    'logfile ""',
    `dir ${redisConfString(input.dataDir)}`,
    'dbfilename dump.rdb',
    // rolevisor's backups take the snapshot; Redis itself never saves on a timer or at exit.
    'save ""',
    'appendonly no',
  ];
  if (password) {
    lines.push(`requirepass ${redisConfString(password)}`);
    if (username) lines.push(`user ${redisConfString(username)} on ${redisConfString(`>${password}`)} ~* &* +@all`);
  }
  return `${lines.join('\n')}\n`;
}

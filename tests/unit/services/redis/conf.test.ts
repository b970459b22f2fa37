import { redisConfString, redisCredentials, renderRedisConf } from '../../../../src/services/redis/conf.js';

describe('redisCredentials', () => {
  test('reads user and password from the URL, percent-decoded', () => {
    expect(redisCredentials('redis://:p%40ss%20w@host:6379/0')).toEqual({ username: undefined, password: 'p@ss w' });
    expect(redisCredentials('redis://default:pw@host')).toEqual({ username: undefined, password: 'pw' });
    expect(redisCredentials('rediss://app:pw@host')).toEqual({ username: 'app', password: 'pw' });
    expect(redisCredentials('redis://host:6379')).toEqual({ username: undefined, password: undefined });
    expect(redisCredentials(undefined)).toEqual({ username: undefined, password: undefined });
  });
});

describe('redisConfString', () => {
  test('keeps plain text and escapes quotes, backslashes and non-ASCII bytes', () => {
    expect(redisConfString('abc 1#')).toBe('"abc 1#"');
    expect(redisConfString('a"b\\c')).toBe('"a\\x22b\\x5cc"');
    expect(redisConfString('ä\n')).toBe('"\\xc3\\xa4\\x0a"');
  });
});

describe('renderRedisConf', () => {
  const base = { port: 6390, dataDir: '/h/data/redis' };
  const lines = (text: string) => text.trim().split('\n');

  test('foreground, no automatic saving, data in the data dir', () => {
    const conf = lines(
      renderRedisConf({ ...base, bind: '127.0.0.1', credentials: { username: undefined, password: undefined } }),
    );
    expect(conf).toEqual(
      expect.arrayContaining([
        'port 6390',
        'bind 127.0.0.1',
        'daemonize no',
        'save ""',
        'appendonly no',
        'dbfilename dump.rdb',
        'dir "/h/data/redis"',
        'protected-mode yes',
      ]),
    );
    expect(conf.some((l) => l.startsWith('requirepass'))).toBe(false);
  });

  test('on the network without a password, protected mode is off (else app hosts are refused)', () => {
    expect(
      lines(renderRedisConf({ ...base, bind: '0.0.0.0', credentials: { username: undefined, password: undefined } })),
    ).toContain('protected-mode no');
    expect(
      lines(renderRedisConf({ ...base, bind: '0.0.0.0', credentials: { username: undefined, password: 'pw' } })),
    ).toContain('protected-mode yes');
  });

  test('a password becomes requirepass; a named user gets an ACL line with the same password', () => {
    expect(
      lines(renderRedisConf({ ...base, bind: '127.0.0.1', credentials: { username: undefined, password: 's e"c' } })),
    ).toContain('requirepass "s e\\x22c"');
    const named = lines(
      renderRedisConf({ ...base, bind: '127.0.0.1', credentials: { username: 'app', password: 'pw' } }),
    );
    expect(named).toEqual(expect.arrayContaining(['requirepass "pw"', 'user "app" on ">pw" ~* &* +@all']));
  });
});

describe('renderRedisConf with CLUSTERTLS', () => {
  test('the plain port is closed (port 0); TLS on the port, clients authenticated by the password', () => {
    const conf = renderRedisConf({
      port: 6390,
      dataDir: '/h/data/redis',
      bind: '0.0.0.0',
      credentials: { username: undefined, password: 'pw' },
      tls: {
        caFile: '/h/conf/redis/cluster-ca.crt',
        certFile: '/h/conf/redis/server.crt',
        keyFile: '/h/conf/redis/server.key',
      },
    })
      .trim()
      .split('\n');
    expect(conf).toEqual(
      expect.arrayContaining([
        'port 0',
        'tls-port 6390',
        'tls-cert-file "/h/conf/redis/server.crt"',
        'tls-key-file "/h/conf/redis/server.key"',
        'tls-ca-cert-file "/h/conf/redis/cluster-ca.crt"',
        'tls-auth-clients no',
      ]),
    );
    expect(conf).not.toContain('port 6390');
  });
});

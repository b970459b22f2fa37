import { confString, renderPgHba, renderPostgresConf } from '../../../../src/services/postgres/conf.js';

describe('renderPostgresConf', () => {
  const conf = renderPostgresConf({
    dataDir: '/h/data/postgres',
    runDir: '/h/run/postgres',
    hbaFile: '/h/conf/postgres/pg_hba.conf',
    listen: '0.0.0.0',
    port: 5433,
  });

  test("includes initdb's file first, then overrides listening, sockets, hba and logging", () => {
    const lines = conf.split('\n');
    expect(lines.findIndex((l) => l.startsWith('include '))).toBeLessThan(
      lines.findIndex((l) => l.startsWith('listen_addresses')),
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        "include '/h/data/postgres/postgresql.conf'",
        "listen_addresses = '0.0.0.0'",
        'port = 5433',
        "unix_socket_directories = '/h/run/postgres'",
        "hba_file = '/h/conf/postgres/pg_hba.conf'",
        "password_encryption = 'scram-sha-256'",
        "log_destination = 'stderr'",
        'logging_collector = off',
      ]),
    );
  });

  test('quotes values as postgresql.conf reads them', () => {
    expect(confString("it's")).toBe("'it''s'");
    expect(confString('a\\b')).toBe("'a\\\\b'");
  });
});

describe('renderPgHba', () => {
  const rules = renderPgHba()
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(/\s+/));

  test('no rule trusts anyone, and every accepting rule is scram-sha-256', () => {
    expect(rules.every((r) => r.at(-1) === 'scram-sha-256' || r.at(-1) === 'reject')).toBe(true);
    expect(rules.some((r) => r.includes('trust') || r.includes('peer') || r.includes('md5'))).toBe(false);
  });

  test('the superuser is refused over the network before the general rule', () => {
    const reject = rules.findIndex((r) => r[0] === 'host' && r[2] === 'postgres' && r.at(-1) === 'reject');
    const general = rules.findIndex((r) => r[0] === 'host' && r[2] === 'all');
    expect(reject).toBeGreaterThanOrEqual(0);
    expect(reject).toBeLessThan(general);
  });

  test('replication only for the superuser over the local socket (pg_basebackup), never over the network', () => {
    expect(rules.filter((r) => r[1] === 'replication')).toEqual([
      ['local', 'replication', 'postgres', 'scram-sha-256'],
    ]);
  });
});

describe('CLUSTERTLS: postgresql.conf and pg_hba.conf', () => {
  test('ssl on with the server certificate and key', () => {
    const conf = renderPostgresConf({
      dataDir: '/h/data/postgres',
      runDir: '/h/run/postgres',
      hbaFile: '/h/conf/postgres/pg_hba.conf',
      listen: '0.0.0.0',
      port: 5433,
      tls: { certFile: '/h/conf/postgres/server.crt', keyFile: '/h/conf/postgres/server.key' },
    }).split('\n');
    expect(conf).toEqual(
      expect.arrayContaining([
        'ssl = on',
        "ssl_cert_file = '/h/conf/postgres/server.crt'",
        "ssl_key_file = '/h/conf/postgres/server.key'",
        "ssl_min_protocol_version = 'TLSv1.2'",
      ]),
    );
  });

  test('plain text only on the socket and loopback; from the network hostssl, hostnossl rejected first', () => {
    const rules = renderPgHba(true)
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(/\s+/));
    const plain = rules.filter((r) => r[0] === 'host' && r.at(-1) !== 'reject');
    expect(plain.map((r) => r[3])).toEqual(['127.0.0.1/32', '::1/128']);
    const nossl = rules.findIndex((r) => r[0] === 'hostnossl' && r[3] === 'all' && r.at(-1) === 'reject');
    const ssl = rules.findIndex((r) => r[0] === 'hostssl' && r[3] === 'all' && r.at(-1) === 'scram-sha-256');
    expect(nossl).toBeGreaterThanOrEqual(0);
    expect(nossl).toBeLessThan(ssl);
    expect(renderPgHba(false)).not.toMatch(/hostssl|hostnossl/);
  });
});

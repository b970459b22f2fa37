import { renderSyslogConf } from '../../../../src/services/syslog/conf.js';

const base = {
  bind: '0.0.0.0',
  port: 1514,
  logDir: '/var/lib/rolevisor/log',
  probeDir: '/var/lib/rolevisor/run/syslog/probe',
};

describe('renderSyslogConf', () => {
  test('one port for TCP and UDP, 3.38 stats syntax, file per host and program', () => {
    const conf = renderSyslogConf(base);
    expect(conf).toMatch(/^@version: 3\.38/);
    expect(conf).toContain('stats-freq(0);');
    expect(conf).toContain('network(transport("tcp") ip("0.0.0.0") port(1514) flags(syslog-protocol)');
    expect(conf).toContain('network(transport("udp") ip("0.0.0.0") port(1514) flags(syslog-protocol)');
    expect(conf).toContain('file("/var/lib/rolevisor/log/${.rv.host}/${.rv.program}.log"');
  });

  test.each(['/tmp/a"b', '/tmp/$HOME', '/tmp/a`b`', '/tmp/a\\b', 'relative', '/tmp/a\nb'])(
    'refuses the log dir %j',
    (logDir) => {
      expect(() => renderSyslogConf({ ...base, logDir })).toThrow(/cannot be used in the syslog-ng config/);
    },
  );

  test('refuses a bind that is not an address and a port out of range', () => {
    expect(() => renderSyslogConf({ ...base, bind: 'x"); };' })).toThrow(/must be an IP address/);
    expect(() => renderSyslogConf({ ...base, port: 70000 })).toThrow(/1-65535/);
  });
});

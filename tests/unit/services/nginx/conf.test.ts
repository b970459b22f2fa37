import { renderNginxConf, type NginxConfOptions } from '../../../../src/services/nginx/conf.js';

const options: NginxConfOptions = {
  pidFile: '/h/run/nginx/nginx.pid',
  tempDir: '/h/run/nginx/tmp',
  workerUser: 'www-data',
  port: 80,
  https: undefined,
  ipv6: false,
  behindLoadBalancer: false,
  serverName: undefined,
  urlRoot: '/',
  uwsgiSocket: '/h/run/uwsgi/uwsgi.sock',
};
const lines = (o: Partial<NginxConfOptions> = {}) =>
  renderNginxConf({ ...options, ...o })
    .split('\n')
    .map((l) => l.trim());

test('runs in the foreground with its pid, logs and temp files where we say', () => {
  const conf = lines();
  expect(conf).toEqual(
    expect.arrayContaining([
      'daemon off;',
      'user www-data;',
      'pid "/h/run/nginx/nginx.pid";',
      'error_log stderr warn;',
      'access_log "" rolevisor;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path "/h/run/nginx/tmp/${t}";`),
      'listen 80 default_server;',
      'server_name _;',
      'location = /rolevisor-nginx-health { access_log off; return 204; }',
      'location "/" {',
      'uwsgi_pass "unix:/h/run/uwsgi/uwsgi.sock";',
      'uwsgi_param HTTP_X_FORWARDED_FOR $remote_addr;',
    ]),
  );
  expect(conf.some((l) => l.startsWith('set_real_ip_from'))).toBe(false);
});

test('has no user directive when the master does not run as root', () => {
  expect(lines({ workerUser: undefined }).some((l) => l.startsWith('user '))).toBe(false);
});

test('with HTTPS, plain HTTP keeps the health check and redirects the rest', () => {
  const conf = lines({
    https: { port: 8443, certificate: '/h/certs/nginx.crt', key: '/h/certs/nginx.key' },
    serverName: 'example.org',
    ipv6: true,
  });
  expect(conf).toEqual(
    expect.arrayContaining([
      'location / { return 301 https://$host:8443$request_uri; }',
      'listen 8443 ssl http2 default_server;',
      'listen [::]:8443 ssl http2 default_server ipv6only=on;',
      'ssl_certificate "/h/certs/nginx.crt";',
      'ssl_certificate_key "/h/certs/nginx.key";',
      'server_name "example.org";',
    ]),
  );
  expect(conf.filter((l) => l.startsWith('location = /rolevisor-nginx-health'))).toHaveLength(2);
});

test('behind a load balancer, trusts X-Forwarded-* from private networks only', () => {
  const conf = lines({ behindLoadBalancer: true });
  expect(conf).toEqual(
    expect.arrayContaining([
      'set_real_ip_from 10.0.0.0/8;',
      'real_ip_header X-Forwarded-For;',
      'uwsgi_param HTTP_X_FORWARDED_FOR $http_x_forwarded_for;',
      'map $http_x_forwarded_proto $rolevisor_scheme { default $scheme; https https; http http; }',
    ]),
  );
  expect(conf).not.toContain('set_real_ip_from 0.0.0.0/0;');
});

test('serves the app under the URL root, and the bare root redirects to it', () => {
  expect(lines({ urlRoot: '/demo/' })).toEqual(
    expect.arrayContaining(['location = "/demo" { return 301 "/demo/"; }', 'location "/demo/" {']),
  );
});

test('refuses a path that nginx would read as syntax', () => {
  expect(() => renderNginxConf({ ...options, tempDir: '/h/x;y' })).toThrow(
    expect.objectContaining({ code: 'RV_PREPARE_FAILED' }),
  );
});

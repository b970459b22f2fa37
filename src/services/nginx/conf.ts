// nginx.conf as text: nginx in front of uwsgi, on PORT (and HTTPSPORT with USEHTTPS), the
// app under POSTURLROOT, everything nginx writes (pid, temp files) under its run dir.
import { catalogError } from '../../errors.js';

export const HEALTH_PATH = '/rolevisor-nginx-health';

/** Where load balancers live: private networks (VPCs), carrier-grade NAT and loopback. */
const LOAD_BALANCER_NETWORKS = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '127.0.0.0/8',
  'fc00::/7',
  '::1',
];

export interface NginxConfOptions {
  pidFile: string;
  /** Parent of the five *_temp_path directories. */
  tempDir: string;
  /** Worker user when the master runs as root; undefined otherwise. */
  workerUser: string | undefined;
  port: number;
  https: { port: number; certificate: string; key: string } | undefined;
  ipv6: boolean;
  behindLoadBalancer: boolean;
  /** DAHOSTNAME, or undefined for any host. */
  serverName: string | undefined;
  urlRoot: string;
  uwsgiSocket: string;
}

/** A double-quoted nginx string; characters nginx would interpret are refused. */
export function quote(name: string, text: string): string {
  if (/["\\$;{}\r\n]/.test(text)) {
    throw catalogError('RV_PREPARE_FAILED', 'nginxSetting', { name, text });
  }
  return `"${text}"`;
}

function listen(port: number, ipv6: boolean, extra = ''): string[] {
  return [
    `listen ${port}${extra} default_server;`,
    ...(ipv6 ? [`listen [::]:${port}${extra} default_server ipv6only=on;`] : []),
  ];
}

function appLocations(o: NginxConfOptions): string[] {
  const socket = quote('uwsgi socket', `unix:${o.uwsgiSocket}`);
  const bare = o.urlRoot.replace(/\/+$/, '');
  return [
    ...(bare ? [`location = ${quote('POSTURLROOT', bare)} { return 301 ${quote('POSTURLROOT', o.urlRoot)}; }`] : []),
    `location ${quote('POSTURLROOT', o.urlRoot)} {`,
    `    uwsgi_pass ${socket};`,
    '    uwsgi_param QUERY_STRING $query_string;',
    '    uwsgi_param REQUEST_METHOD $request_method;',
    '    uwsgi_param CONTENT_TYPE $content_type;',
    '    uwsgi_param CONTENT_LENGTH $content_length;',
    '    uwsgi_param REQUEST_URI $request_uri;',
    '    uwsgi_param PATH_INFO $document_uri;',
    '    uwsgi_param SERVER_PROTOCOL $server_protocol;',
    '    uwsgi_param REMOTE_ADDR $remote_addr;',
    '    uwsgi_param REMOTE_PORT $remote_port;',
    '    uwsgi_param SERVER_PORT $server_port;',
    '    uwsgi_param SERVER_NAME $server_name;',
    // The scheme the client used: wsgi.url_scheme, and X-Forwarded-Proto set by us (a
    // client's own X-Forwarded-* headers are replaced, never passed through unchecked).
    '    uwsgi_param UWSGI_SCHEME $rolevisor_scheme;',
    '    uwsgi_param REQUEST_SCHEME $rolevisor_scheme;',
    '    uwsgi_param HTTP_X_FORWARDED_PROTO $rolevisor_scheme;',
    `    uwsgi_param HTTP_X_FORWARDED_FOR ${o.behindLoadBalancer ? '$http_x_forwarded_for' : '$remote_addr'};`,
    '}',
  ];
}

function server(o: NginxConfOptions, head: string[], body: string[]): string[] {
  const inner = [
    ...head,
    `server_name ${o.serverName ? quote('DAHOSTNAME', o.serverName) : '_'};`,
    `location = ${HEALTH_PATH} { access_log off; return 204; }`,
    ...body,
  ];
  return ['server {', ...inner.map((l) => `    ${l}`), '}'];
}

export function renderNginxConf(o: NginxConfOptions): string {
  const temp = (name: string) => `${name}_temp_path ${quote('temp path', `${o.tempDir}/${name}`)};`;
  const scheme = o.behindLoadBalancer
    ? [
        '# The load balancer terminated TLS: believe its X-Forwarded-Proto (http or https only).',
        'map $http_x_forwarded_proto $rolevisor_scheme { default $scheme; https https; http http; }',
        ...LOAD_BALANCER_NETWORKS.map((n) => `set_real_ip_from ${n};`),
        'real_ip_header X-Forwarded-For;',
        'real_ip_recursive on;',
      ]
    : ['map $scheme $rolevisor_scheme { default $scheme; }'];
  const httpsRedirect = o.https
    ? [`location / { return 301 https://$host${o.https.port === 443 ? '' : `:${o.https.port}`}$request_uri; }`]
    : appLocations(o);
  const http = [
    'default_type application/octet-stream;',
    'server_tokens off;',
    'sendfile on;',
    'keepalive_timeout 65s;',
    // Uploads to the app; nginx's own default (1 MiB) is too small for documents.
    'client_max_body_size 100m;',
    // Relative Location headers stay right behind a load balancer that changes scheme or port.
    'absolute_redirect off;',
    'log_format rolevisor \'$remote_addr "$request" $status $body_bytes_sent $request_time "$http_user_agent"\';',
    // To stderr, which the supervisor reads: "/dev/stdout" cannot be opened when stdout is a
    // socket (Node's stdio pipes are socketpairs: ENXIO). An empty path is nginx's own
    // stderr file, the one "error_log stderr" uses.
    'access_log "" rolevisor;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp),
    ...scheme,
    ...server(o, listen(o.port, o.ipv6), httpsRedirect),
    ...(o.https
      ? server(
          o,
          [
            ...listen(o.https.port, o.ipv6, ' ssl http2'),
            `ssl_certificate ${quote('certificate', o.https.certificate)};`,
            `ssl_certificate_key ${quote('certificate key', o.https.key)};`,
            'ssl_protocols TLSv1.2 TLSv1.3;',
            'ssl_prefer_server_ciphers off;',
            'ssl_session_cache shared:rolevisor_tls:10m;',
            'ssl_session_timeout 1d;',
          ],
          appLocations(o),
        )
      : []),
  ];
  return [
    '# Rendered by rolevisor at every start; edits are lost.',
    'daemon off;',
    'master_process on;',
    ...(o.workerUser ? [`user ${o.workerUser};`] : []),
    'worker_processes auto;',
    `pid ${quote('pid file', o.pidFile)};`,
    'error_log stderr warn;',
    'events { worker_connections 1024; }',
    'http {',
    ...http.map((l) => `    ${l}`),
    '}',
    '',
  ].join('\n');
}

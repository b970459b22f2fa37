// Own-address detection against fake ECS and EC2 metadata servers on loopback (real HTTP):
// the order of the sources, IMDSv2's token exchange, bounded waits on a hanging endpoint,
// and the log line naming what each source gave.
import type { NetworkInterfaceInfo } from 'node:os';
import { hostname, networkInterfaces } from 'node:os';
import { detectOwnAddress } from '../../../src/discovery/own-address.js';
import { memoryLogger, testSettings } from '../../helpers/env.js';
import {
  awsvpcNetworks,
  ecsHandler,
  hanging,
  imdsV2Handler,
  serve,
  type FakeServer,
} from '../../helpers/metadata-servers.js';

const servers: FakeServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function started(handler: Parameters<typeof serve>[0]): Promise<FakeServer> {
  const s = await serve(handler);
  servers.push(s);
  return s;
}

const nic = (address: string, internal = false): NetworkInterfaceInfo => ({
  address,
  netmask: '255.255.255.0',
  family: 'IPv4',
  mac: '00:00:00:00:00:00',
  internal,
  cidr: `${address}/24`,
});
const LOOPBACK_ONLY = { lo: [nic('127.0.0.1', true)] };
const WITH_ETH = { lo: [nic('127.0.0.1', true)], eth0: [nic('10.9.8.7')] };
const FAST = { timeoutMs: 300, retries: 1, retryDelayMs: 50 };

test('ADVERTISEADDRESS wins, and no metadata endpoint is even asked', async () => {
  const ecs = await started(ecsHandler({ container: { Networks: awsvpcNetworks('10.0.0.5') }, task: {} }));
  const { log } = memoryLogger();
  const settings = testSettings({
    ADVERTISEADDRESS: '192.0.2.10',
    ECS_CONTAINER_METADATA_URI_V4: `${ecs.base}/v4/abc`,
    EC2: 'true',
  });
  expect(await detectOwnAddress(settings, log, { ...FAST, interfaces: WITH_ETH })).toEqual({
    address: '192.0.2.10',
    source: 'ADVERTISEADDRESS',
  });
  expect(ecs.seen).toHaveLength(0);
});

test('ECS: the awsvpc IPv4 of this container, with GET only', async () => {
  const ecs = await started(ecsHandler({ container: { Networks: awsvpcNetworks('10.0.3.44') }, task: {} }));
  const { log, lines } = memoryLogger();
  const settings = testSettings({ ECS_CONTAINER_METADATA_URI_V4: `${ecs.base}/v4/abc` });
  expect(await detectOwnAddress(settings, log, { ...FAST, interfaces: WITH_ETH })).toEqual({
    address: '10.0.3.44',
    source: 'ecs-metadata',
  });
  expect(ecs.seen.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /v4/abc']);
  const chosen = lines().find((l) => l.source === 'ecs-metadata' && l.level === 'info');
  expect(chosen?.msg).toBe('own address 10.0.3.44 (from ecs-metadata)');
  expect(chosen?.tried).toMatchObject({ ADVERTISEADDRESS: 'skipped: unset', 'ecs-metadata': '10.0.3.44' });
});

test('ECS: falls back to the task view when the container lists no awsvpc network', async () => {
  const ecs = await started(
    ecsHandler({
      container: { Name: 'app', Networks: [] },
      task: {
        TaskARN: 'arn:x',
        Containers: [{ Name: 'sidecar', Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['10.0.4.4'] }] }],
      },
    }),
  );
  const settings = testSettings({ ECS_CONTAINER_METADATA_URI_V4: `${ecs.base}/v4/abc/` });
  expect(await detectOwnAddress(settings, memoryLogger().log, { ...FAST, interfaces: WITH_ETH })).toEqual({
    address: '10.0.4.4',
    source: 'ecs-metadata',
  });
  expect(ecs.seen.map((r) => r.url)).toEqual(['/v4/abc', '/v4/abc/task']);
});

test('ECS bridge mode: the container address is refused with the reason, and the next source is used', async () => {
  const bridge = [{ NetworkMode: 'bridge', IPv4Addresses: ['172.17.0.3'] }];
  const ecs = await started(
    ecsHandler({ container: { Networks: bridge }, task: { Containers: [{ Networks: bridge }] } }),
  );
  const { log, lines } = memoryLogger();
  const settings = testSettings({ ECS_CONTAINER_METADATA_URI_V4: `${ecs.base}/v4/abc` });
  expect(await detectOwnAddress(settings, log, { ...FAST, interfaces: WITH_ETH })).toEqual({
    address: '10.9.8.7',
    source: 'interface',
  });
  const final = lines().find((l) => l.source === 'interface');
  expect(String((final?.tried as Record<string, string>)['ecs-metadata'])).toMatch(
    /skipped: network mode bridge has no awsvpc IPv4/,
  );
});

test('ECS endpoint that hangs: the deadline is honoured and detection goes on', async () => {
  const ecs = await started(hanging);
  const { log, lines } = memoryLogger();
  const settings = testSettings({
    ECS_CONTAINER_METADATA_URI_V4: `${ecs.base}/v4/abc`,
    SERVERHOSTNAME: 'backend.internal',
  });
  const t0 = Date.now();
  expect(await detectOwnAddress(settings, log, { ...FAST, interfaces: WITH_ETH })).toEqual({
    address: 'backend.internal',
    source: 'SERVERHOSTNAME',
  });
  const ms = Date.now() - t0;
  expect(ms).toBeGreaterThanOrEqual(290);
  expect(ms).toBeLessThan(1500);
  expect(lines().find((l) => l.level === 'warn')?.msg).toMatch(
    /ecs-metadata failed \(no answer from http:\/\/127\.0\.0\.1:\d+ within 300 ms\)/,
  );
});

test('EC2 IMDSv2: token PUT with its TTL header, then GET with the token', async () => {
  const imds = await started(imdsV2Handler('172.31.5.6'));
  const settings = testSettings({ EC2: 'true', AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.base });
  expect(await detectOwnAddress(settings, memoryLogger().log, { ...FAST, interfaces: WITH_ETH })).toEqual({
    address: '172.31.5.6',
    source: 'ec2-metadata',
  });
  expect(imds.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
    'PUT /latest/api/token',
    'GET /latest/meta-data/local-ipv4',
  ]);
  expect(Number(imds.seen[0].headers['x-aws-ec2-metadata-token-ttl-seconds'])).toBeGreaterThan(0);
  expect(imds.seen[1].headers['x-aws-ec2-metadata-token']).toBe('tok-123');
});

test('EC2: a metadata service that answers 401 (token refused) fails after the retries, then the next source', async () => {
  // An IMDS that hands out a token it then refuses: every GET gets 401.
  const imds = await started(imdsV2Handler('172.31.5.6', 'expected-token'));
  const refusing = await started((req, res) => {
    if (req.method === 'PUT') {
      res.writeHead(200);
      res.end('wrong-token');
      return;
    }
    res.writeHead(401);
    res.end();
  });
  const { log, lines } = memoryLogger();
  const settings = testSettings({ EC2: 'true', AWS_EC2_METADATA_SERVICE_ENDPOINT: refusing.base });
  expect(await detectOwnAddress(settings, log, { ...FAST, interfaces: WITH_ETH })).toEqual({
    address: '10.9.8.7',
    source: 'interface',
  });
  expect(refusing.seen.map((r) => r.method)).toEqual(['PUT', 'GET', 'PUT', 'GET']);
  expect(lines().find((l) => l.level === 'warn')?.msg).toMatch(
    /ec2-metadata failed \(GET \/latest\/meta-data\/local-ipv4 answered HTTP 401 \(after 2 attempts/,
  );
  // And the fake really enforces the token: a plain GET (IMDSv1 style) is refused.
  const plain = await fetch(`${imds.base}/latest/meta-data/local-ipv4`);
  expect(plain.status).toBe(401);
});

test('EC2 metadata that hangs costs (retries + 1) × timeout, not more', async () => {
  const imds = await started(hanging);
  const settings = testSettings({ EC2: 'true', AWS_EC2_METADATA_SERVICE_ENDPOINT: `${imds.base}/` });
  const t0 = Date.now();
  expect((await detectOwnAddress(settings, memoryLogger().log, { ...FAST, interfaces: WITH_ETH })).source).toBe(
    'interface',
  );
  const ms = Date.now() - t0;
  expect(ms).toBeGreaterThanOrEqual(600);
  expect(ms).toBeLessThan(2000);
  expect(imds.seen.map((r) => r.method)).toEqual(['PUT', 'PUT']);
});

test('Kubernetes: POD_IP from the downward API, else the pod interface', async () => {
  expect(
    await detectOwnAddress(testSettings({ KUBERNETES: 'true', POD_IP: '10.244.1.17' }), memoryLogger().log, {
      interfaces: WITH_ETH,
    }),
  ).toEqual({ address: '10.244.1.17', source: 'POD_IP' });
  expect(
    await detectOwnAddress(testSettings({ KUBERNETES: 'true' }), memoryLogger().log, { interfaces: WITH_ETH }),
  ).toEqual({ address: '10.9.8.7', source: 'pod-interface' });
  // POD_IP alone (without KUBERNETES=true) is not trusted as the address.
  expect(
    (await detectOwnAddress(testSettings({ POD_IP: '10.244.1.17' }), memoryLogger().log, { interfaces: WITH_ETH }))
      .source,
  ).toBe('interface');
});

test('without any source: SERVERHOSTNAME, then the first interface, then the host name with a warning', async () => {
  expect(
    await detectOwnAddress(testSettings({ SERVERHOSTNAME: 'db.local' }), memoryLogger().log, { interfaces: WITH_ETH }),
  ).toEqual({ address: 'db.local', source: 'SERVERHOSTNAME' });
  expect(await detectOwnAddress(testSettings({}), memoryLogger().log, { interfaces: WITH_ETH })).toEqual({
    address: '10.9.8.7',
    source: 'interface',
  });
  const { log, lines } = memoryLogger();
  expect(await detectOwnAddress(testSettings({}), log, { interfaces: LOOPBACK_ONLY })).toEqual({
    address: hostname(),
    source: 'hostname',
  });
  expect(lines().at(-1)).toMatchObject({ level: 'warn', msg: expect.stringMatching(/set ADVERTISEADDRESS/) });
  // Each skipped step was logged with its reason.
  expect(
    lines()
      .filter((l) => l.level === 'debug')
      .map((l) => l.msg),
  ).toEqual(
    expect.arrayContaining([
      'own address: ADVERTISEADDRESS skipped (unset)',
      'own address: ecs-metadata skipped (ECS_CONTAINER_METADATA_URI_V4 unset (not on ECS))',
      'own address: ec2-metadata skipped (EC2 is false)',
    ]),
  );
});

test('the real interface table of this machine gives an IPv4 address', async () => {
  const found = await detectOwnAddress(testSettings({}), memoryLogger().log);
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4');
  expect(found).toEqual(
    external ? { address: external.address, source: 'interface' } : { address: hostname(), source: 'hostname' },
  );
});

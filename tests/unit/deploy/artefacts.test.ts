// The deployment examples in docs/deploy/ must work with this rolevisor: every variable they
// set is a known setting and validates, the ports they open are the ports the services of
// those roles listen on (from the services' own listener lists), the health checks ask the
// status port, and every grace period exceeds the STOPTIMEOUT it gives rolevisor.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { createLogger } from '../../../src/log.js';
import { loadRoleCatalog } from '../../../src/roles/catalog.js';
import { planServices } from '../../../src/roles/plan.js';
import { loadSettings } from '../../../src/settings/load.js';
import type { Settings } from '../../../src/settings/types.js';
import { VARIABLES } from '../../../src/settings/variables.js';
import { isLoopback } from '../../../src/services/shared/backend-bind.js';
import { buildServices } from '../../../src/supervisor/build.js';

const DEPLOY = fileURLToPath(new URL('../../../docs/deploy/', import.meta.url));
const KNOWN = new Set(VARIABLES.map((v) => v.name));
const catalog = loadRoleCatalog();
/** A value for variables whose value is not in the file (secrets, the downward API). */
const PLACEHOLDER: Record<string, string> = { POD_IP: '10.244.0.10' };
const placeholder = (name: string) => PLACEHOLDER[name] ?? 'placeholder-secret-value';

interface Container {
  where: string;
  env: Record<string, string>;
  /** Container ports as "port/protocol". */
  ports: string[];
  graceSec: number;
  /** Ports the health checks ask, with their paths. */
  probes: { port: number; path: string }[];
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const read = (rel: string) => readFileSync(join(DEPLOY, rel), 'utf8');
const yamlDocs = (rel: string) => yaml.loadAll(read(rel)).filter((d): d is Obj => d !== null && typeof d === 'object');

/** The URL port a `node -e fetch(...)` or curl health check command asks. */
function commandProbe(command: string[]): { port: number; path: string } {
  const match = /http:\/\/127\.0\.0\.1:(\d+)(\/[a-z]+)/.exec(command.join(' '));
  if (!match) throw new Error(`health check without a loopback URL: ${command.join(' ')}`);
  return { port: Number(match[1]), path: match[2] };
}

function ecsContainers(rel: string): Container[] {
  const task = JSON.parse(read(rel)) as Obj;
  return (task.containerDefinitions as Obj[]).map((c) => ({
    where: `${rel} ${c.name}`,
    env: {
      ...Object.fromEntries((c.environment as Obj[]).map((e) => [e.name, e.value])),
      ...Object.fromEntries(((c.secrets ?? []) as Obj[]).map((s) => [s.name, placeholder(s.name)])),
    },
    ports: (c.portMappings as Obj[]).map((p) => `${p.containerPort}/${p.protocol}`),
    graceSec: c.stopTimeout ?? 30,
    probes: c.healthCheck ? [commandProbe(c.healthCheck.command)] : [],
  }));
}

/** Compose interpolation: ${X:-default} gives the default, ${X:?msg} (required) a placeholder. */
function interpolate(name: string, value: string): string {
  return value.replace(
    /\$\{(\w+)(?::-([^}]*)|:\?[^}]*)?\}/g,
    (_m, v: string, dflt?: string) => dflt ?? placeholder(name === v ? v : name),
  );
}

function durationSec(value: string): number {
  const m = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(value);
  if (!m || (!m[1] && !m[2])) throw new Error(`unreadable duration ${value}`);
  return Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0);
}

function composeContainers(rel: string): Container[] {
  const doc = yamlDocs(rel)[0];
  return Object.entries(doc.services as Obj).map(([name, s]: [string, Obj]) => ({
    where: `${rel} ${name}`,
    env: Object.fromEntries(Object.entries(s.environment as Obj).map(([k, v]) => [k, interpolate(k, String(v))])),
    // Only published ports appear in a compose file: their container side.
    ports: ((s.ports ?? []) as string[]).map(
      (p) => `${p.split(':').at(-1)!.split('/')[0]}/${p.includes('/udp') ? 'udp' : 'tcp'}`,
    ),
    graceSec: s.stop_grace_period ? durationSec(s.stop_grace_period) : 10,
    probes: s.healthcheck ? [commandProbe(s.healthcheck.test)] : [],
  }));
}

function kubernetesContainers(rel: string): Container[] {
  const docs = yamlDocs(rel);
  const secretKeys = yamlDocs('kubernetes/secret.yaml')
    .filter((d) => d.kind === 'Secret')
    .flatMap((d) => Object.keys(d.stringData ?? {}));
  return docs
    .filter((d) => d.kind === 'Deployment' || d.kind === 'StatefulSet')
    .flatMap((d) => {
      const pod = d.spec.template.spec as Obj;
      return (pod.containers as Obj[]).map((c) => {
        const named = new Map<string, number>((c.ports as Obj[]).map((p) => [p.name, p.containerPort]));
        const probePort = (probe: Obj): { port: number; path: string } => {
          const port = probe.httpGet.port;
          return { port: typeof port === 'number' ? port : named.get(port)!, path: probe.httpGet.path };
        };
        const env: Record<string, string> = {};
        for (const e of c.env as Obj[]) {
          if (e.valueFrom)
            expect(e).toEqual({ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
          env[e.name] = e.valueFrom ? placeholder(e.name) : String(e.value);
        }
        if ((c.envFrom ?? []).length > 0) for (const key of secretKeys) env[key] = placeholder(key);
        return {
          where: `${rel} ${d.kind} ${c.name}`,
          env,
          ports: (c.ports as Obj[]).map((p) => `${p.containerPort}/${String(p.protocol ?? 'TCP').toLowerCase()}`),
          graceSec: pod.terminationGracePeriodSeconds ?? 30,
          probes: ['startupProbe', 'livenessProbe', 'readinessProbe'].filter((k) => c[k]).map((k) => probePort(c[k])),
        };
      });
    });
}

const ECS = readdirSync(join(DEPLOY, 'ecs'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => `ecs/${f}`);
const CONTAINERS: Container[] = [
  ...ECS.flatMap(ecsContainers),
  ...composeContainers('compose/docker-compose.yml'),
  ...kubernetesContainers('kubernetes/backend.yaml'),
  ...kubernetesContainers('kubernetes/app.yaml'),
];

/** The ports the roles' services listen on for other hosts, from their own listener lists, and the status port. */
async function expectedPorts(settings: Settings): Promise<string[]> {
  const built = await buildServices(
    settings,
    planServices(settings.roles, catalog),
    catalog.dir,
    createLogger({ level: 'silent' }),
  );
  const ports = built
    .flatMap((b) => b.service.listeners())
    .filter((l) => !isLoopback(l.bind))
    .flatMap((l) => (l.protocol === 'tcp+udp' ? ['tcp', 'udp'] : [l.protocol ?? 'tcp']).map((p) => `${l.port}/${p}`));
  return [...new Set([...ports, `${settings.status.port}/tcp`])].sort();
}

test('the examples are all found: 3 ECS task definitions, 3 compose services, 2 Kubernetes workloads', () => {
  expect(ECS.sort()).toEqual(['ecs/app-task.json', 'ecs/backend-task-ec2-host.json', 'ecs/backend-task.json']);
  expect(CONTAINERS.map((c) => c.where)).toHaveLength(8);
});

describe.each(CONTAINERS.map((c) => [c.where, c] as const))('%s', (_where, container) => {
  test('sets only variables the settings schema knows, with values that validate', () => {
    expect(Object.keys(container.env).filter((name) => !KNOWN.has(name))).toEqual([]);
    expect(() => loadSettings(container.env, catalog)).not.toThrow();
  });

  test('the grace period exceeds STOPTIMEOUT', () => {
    const settings = loadSettings(container.env, catalog);
    expect(container.graceSec).toBeGreaterThan(settings.stopTimeoutSec);
  });

  test('its ports are the ports its roles listen on; health checks ask the status server', async () => {
    const settings = loadSettings(container.env, catalog);
    const expected = await expectedPorts(settings);
    if (container.where.startsWith('compose/')) {
      for (const port of container.ports) expect(expected).toContain(port);
    } else {
      expect([...new Set(container.ports)].sort()).toEqual(expected);
    }
    expect(container.probes.length).toBeGreaterThan(0);
    for (const probe of container.probes) {
      expect(probe.port).toBe(settings.status.port);
      expect(['/healthz', '/readyz']).toContain(probe.path);
    }
  });
});

test("ECS: stopTimeout is within Fargate's 120 s, and the backend backs up inside it", () => {
  for (const rel of ECS) {
    const task = JSON.parse(read(rel)) as Obj;
    for (const c of task.containerDefinitions as Obj[]) {
      expect(c.stopTimeout).toBeLessThanOrEqual(120);
      if (rel.includes('backend')) expect(loadSettings(ecsContainers(rel)[0].env, catalog).stopTimeoutSec).toBe(110);
    }
  }
  const app = ecsContainers('ecs/app-task.json')[0];
  // The seeds' layout: an app task is told only its roles and the bucket (and the DB password).
  expect(Object.keys(app.env).sort()).toEqual(['CONTAINERROLE', 'DBPASSWORD', 'S3BUCKET']);
});

test('Kubernetes: the backend is a one-replica StatefulSet with a volume at ROLEVISOR_HOME; apps are probed on /readyz and /healthz', () => {
  const [service, set] = yamlDocs('kubernetes/backend.yaml');
  expect(set.kind).toBe('StatefulSet');
  expect(set.spec.replicas).toBe(1);
  expect(set.spec.serviceName).toBe(service.metadata.name);
  const claim = set.spec.volumeClaimTemplates[0].metadata.name;
  const container = set.spec.template.spec.containers[0];
  const home = (container.env as Obj[]).find((e) => e.name === 'ROLEVISOR_HOME')?.value;
  expect(container.volumeMounts).toEqual([{ name: claim, mountPath: home }]);
  const deployment = yamlDocs('kubernetes/app.yaml').find((d) => d.kind === 'Deployment')!;
  const app = deployment.spec.template.spec.containers[0];
  expect(app.readinessProbe.httpGet.path).toBe('/readyz');
  expect(app.livenessProbe.httpGet.path).toBe('/healthz');
  for (const c of [container, app]) expect((c.env as Obj[]).find((e) => e.name === 'KUBERNETES')?.value).toBe('true');
});

test('Kubernetes: every Service targets a named port of the pods it selects', () => {
  for (const rel of ['kubernetes/backend.yaml', 'kubernetes/app.yaml']) {
    const docs = yamlDocs(rel);
    for (const svc of docs.filter((d) => d.kind === 'Service')) {
      const workload = docs.find(
        (d) =>
          d.kind !== 'Service' &&
          Object.entries(svc.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
      );
      expect(workload).toBeDefined();
      const ports = (workload!.spec.template.spec.containers as Obj[]).flatMap((c) => c.ports as Obj[]);
      for (const p of svc.spec.ports as Obj[]) {
        const target = ports.find((cp) => cp.name === p.targetPort);
        expect(target && `${target.containerPort}/${target.protocol}`).toBe(`${p.port}/${p.protocol}`);
      }
    }
  }
});

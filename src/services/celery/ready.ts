// Celery's readiness from the broker's side, in milliseconds instead of a `celery inspect
// ping` (a second Python process, 1.5-3 s each): RabbitMQ reports a consumer on the queue
// the worker serves and on this worker's own control queue (<node>.celery.pidbox), so a job
// sent now is taken. The broker is the one config.yml names, as the worker reads it.
import { readFile } from 'node:fs/promises';
import amqp from 'amqplib';
import yaml from 'js-yaml';
import { CLUSTER_CA_CONFIG_KEY } from '../../config/cluster-tls-config.js';
import { redact } from '../../log.js';

/** The broker URL of config.yml (`rabbitmq:`), or undefined when it names no AMQP broker. */
export async function brokerUrlFrom(configPath: string): Promise<string | undefined> {
  const config = yaml.load(await readFile(configPath, 'utf8')) as { rabbitmq?: unknown } | undefined;
  const url = config?.rabbitmq;
  return typeof url === 'string' && /^amqps?:\/\//.test(url) ? url : undefined;
}

/** TLS options for an amqps:// broker: the cluster CA config.yml names (CLUSTERTLS), or none. */
export async function brokerTlsFrom(configPath: string): Promise<{ ca: Buffer } | undefined> {
  const config = yaml.load(await readFile(configPath, 'utf8')) as Record<string, unknown> | undefined;
  const ca = config?.[CLUSTER_CA_CONFIG_KEY];
  return typeof ca === 'string' ? { ca: await readFile(ca) } : undefined;
}

/**
 * Resolves when `queue` has a consumer and so has `nodeName`'s control queue (or, when the
 * app turned remote control off, the worker logged its ready line); rejects with why not.
 */
export async function workerConsumes(
  brokerUrl: string,
  nodeName: string,
  queue: string,
  loggedReady: boolean,
  signal: AbortSignal,
  tls?: { ca: Buffer },
): Promise<void> {
  signal.throwIfAborted();
  const connection = await amqp.connect(brokerUrl, { timeout: 5000, ...tls }).catch((error: unknown) => {
    throw new Error(`the broker does not answer yet: ${redact((error as Error).message)}`);
  });
  connection.on('error', () => undefined);
  const onAbort = () => void connection.close().catch(() => undefined);
  signal.addEventListener('abort', onAbort, { once: true });
  const consumers = async (name: string): Promise<number | undefined> => {
    // A passive declare of a missing queue closes its channel (404): one channel per check.
    const channel = await connection.createChannel();
    channel.on('error', () => undefined);
    try {
      return (await channel.checkQueue(name)).consumerCount;
    } catch {
      return undefined;
    } finally {
      await channel.close().catch(() => undefined);
    }
  };
  try {
    const onQueue = await consumers(queue);
    if (!onQueue) throw new Error(`no worker consumes the queue "${queue}" yet`);
    const onControl = await consumers(`${nodeName}.celery.pidbox`);
    if (!onControl && !loggedReady) throw new Error(`${nodeName} is not connected to the broker yet`);
  } finally {
    signal.removeEventListener('abort', onAbort);
    await connection.close().catch(() => undefined);
  }
}

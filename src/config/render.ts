// config.yml as data (js-yaml), with docassemble's keys, so an existing app reads it as is.
// No text templating: a value with quotes, colons or newlines cannot break the file.
import yaml from 'js-yaml';
import { clusterTlsActive, clusterTlsFiles } from '../certs/cluster-tls-files.js';
import type { Settings } from '../settings/types.js';
import { applyClusterTls } from './cluster-tls-config.js';
import type { Endpoints } from './endpoints.js';

export interface ConfigInputs {
  settings: Settings;
  endpoints: Endpoints;
  /** A stable random key for the app's sessions (kept across restarts). */
  secretKey: string;
}

export function buildConfig({ settings, endpoints, secretKey }: ConfigInputs): Record<string, unknown> {
  const { db, web, s3 } = settings;
  const scheme = web.useHttps || web.behindLoadBalancer ? 'https' : 'http';
  const config: Record<string, unknown> = {
    db: {
      prefix: db.prefix,
      name: db.name,
      user: db.user,
      password: db.password,
      host: endpoints.dbHost,
      port: endpoints.dbPort,
      'table prefix': db.tablePrefix ?? null,
      ...(db.ssl.mode ? { 'ssl mode': db.ssl.mode } : {}),
      ...(db.ssl.cert ? { 'ssl cert': db.ssl.cert } : {}),
      ...(db.ssl.key ? { 'ssl key': db.ssl.key } : {}),
      ...(db.ssl.rootCert ? { 'ssl root cert': db.ssl.rootCert } : {}),
    },
    redis: endpoints.redisUrl,
    rabbitmq: endpoints.rabbitmqUrl,
    'log server': endpoints.logServer ?? null,
    'external hostname': web.hostname ?? null,
    'url root': web.hostname ? `${scheme}://${web.hostname}` : null,
    root: web.urlRoot,
    'use https': web.useHttps,
    'behind https load balancer': web.behindLoadBalancer,
    timezone: settings.timezone,
    'os locale': settings.locale,
    secretkey: secretKey,
    s3: s3
      ? {
          enable: true,
          bucket: s3.bucket,
          region: s3.region,
          ...(s3.endpointUrl ? { 'endpoint url': s3.endpointUrl } : {}),
          ...(s3.accessKeyId ? { 'access key id': s3.accessKeyId, 'secret access key': s3.secretAccessKey } : {}),
          ...(s3.sseAlgorithm
            ? {
                'server side encryption': {
                  algorithm: s3.sseAlgorithm,
                  ...(s3.sseKmsKeyId ? { 'KMS key ID': s3.sseKmsKeyId } : {}),
                },
              }
            : {}),
        }
      : { enable: false },
    // The app keeps uploads in the same container, as docassemble's does.
    azure: settings.azure
      ? {
          enable: true,
          container: settings.azure.container,
          ...(settings.azure.accountName ? { 'account name': settings.azure.accountName } : {}),
          ...(settings.azure.accountKey ? { 'account key': settings.azure.accountKey } : {}),
          ...(settings.azure.connectionString ? { 'connection string': settings.azure.connectionString } : {}),
        }
      : { enable: false },
    // The keys docassemble's app reads (config.py), not rolevisor's own names.
    ...(settings.celery.workers ? { 'celery processes': settings.celery.workers } : {}),
    ...(settings.celery.maxWorkers ? { 'max celery processes': settings.celery.maxWorkers } : {}),
    'http port': web.port,
    ec2: settings.network.ec2,
    kubernetes: settings.network.kubernetes,
    'backup days': settings.backupDays,
    // docassemble's key for where uploaded files live; rolevisor keeps that directory in the store.
    uploads: web.filesDir,
  };
  // docassemble variables rolevisor does not interpret, for the app (docassemble-variables.ts).
  for (const { key, value } of settings.appConfig) setKey(config, key, value);
  if (clusterTlsActive(settings)) applyClusterTls(config, clusterTlsFiles(settings).caCert);
  return config;
}

function setKey(tree: Record<string, unknown>, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path.at(-1)!] = value;
}

export function renderConfig(inputs: ConfigInputs): string {
  return yaml.dump(buildConfig(inputs), { lineWidth: -1, noRefs: true, sortKeys: false });
}

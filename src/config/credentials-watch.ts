// An app host follows the credentials in the cluster's config.yml: when the backend rotates
// them (rolevisor rotate-credentials), the store's copy changes, and this host re-writes its
// config.yml and restarts the services that use them (uwsgi, celery), as when the backend
// moves. Only the credentials count: other edits of the store's copy wait for the next boot.
import { usesClusterTls } from './cluster-tls-config.js';
import yaml from 'js-yaml';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { CONFIG_KEY } from './store-config.js';

export interface CredentialsWatchOptions {
  store: Store;
  log: Logger;
  /** The config.yml content the running services were started with. */
  initial: string;
  onChange: (content: string) => Promise<void>;
  /** Default 3 s. */
  intervalMs?: number;
}

const userinfo = (url: unknown): string => {
  if (typeof url !== 'string') return '';
  try {
    const parsed = new URL(url);
    return `${parsed.username}:${parsed.password}${parsed.pathname}`;
  } catch {
    return '';
  }
};

/** What of a config.yml is a credential (compared, never logged). */
export function credentialFingerprint(content: string): string {
  let config: Record<string, unknown>;
  try {
    config = (yaml.load(content) ?? {}) as Record<string, unknown>;
  } catch {
    return '';
  }
  const db = config.db && typeof config.db === 'object' ? (config.db as Record<string, unknown>) : {};
  // CLUSTERTLS turned on or off on the backend counts too: the app must follow onto (or off) TLS.
  return JSON.stringify([
    db.name,
    db.user,
    db.password,
    userinfo(config.redis),
    userinfo(config.rabbitmq),
    usesClusterTls(config),
  ]);
}

export function watchClusterCredentials(options: CredentialsWatchOptions): { stop: () => Promise<void> } {
  const intervalMs = options.intervalMs ?? 3000;
  let current = credentialFingerprint(options.initial);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let failing = false;

  const poll = async (): Promise<void> => {
    let content: string | undefined;
    try {
      content = await options.store.getText(CONFIG_KEY);
      failing = false;
    } catch (error) {
      if (!failing)
        options.log.warn(
          `cannot read the cluster's ${CONFIG_KEY} (${(error as Error).message}); keeping the current credentials`,
        );
      failing = true;
      return;
    }
    if (content === undefined || stopped) return;
    const next = credentialFingerprint(content);
    if (next === '' || next === current) return;
    options.log.info(
      `the credentials in the cluster's ${CONFIG_KEY} changed (rotated on the backend): re-writing config.yml`,
    );
    try {
      await options.onChange(content);
      current = next;
    } catch (error) {
      options.log.error(`applying the new credentials failed (${(error as Error).message}); retrying`);
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = poll().finally(schedule);
    }, intervalMs);
    timer.unref();
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

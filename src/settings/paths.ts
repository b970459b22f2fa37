// The directory layout under ROLEVISOR_HOME.
import { join } from 'node:path';
import type { Settings } from './types.js';

export interface ServicePaths {
  home: string;
  /** Persistent data of this service (e.g. the PostgreSQL cluster). */
  data: string;
  /** Rendered config files of this service. */
  conf: string;
  /** Sockets, pid files: recreated at every boot. */
  run: string;
  /** Secrets rolevisor generated (0700 dir, 0600 files). */
  secrets: string;
  /** The package's roles/ folder (templates, demo app). */
  rolesDir: string;
}

export function servicePaths(settings: Settings, service: string, rolesDir: string): ServicePaths {
  return {
    home: settings.home,
    data: join(settings.home, 'data', service),
    conf: join(settings.home, 'conf', service),
    run: join(settings.home, 'run', service),
    secrets: join(settings.home, 'secrets'),
    rolesDir,
  };
}

export const configFilePath = (settings: Settings): string => join(settings.home, 'config', 'config.yml');
export const logDir = (settings: Settings): string => join(settings.home, 'log');
export const certsDir = (settings: Settings): string => join(settings.home, 'certs');
export const controlSocketPath = (settings: Settings): string => join(settings.home, 'run', 'rolevisor.sock');
/** The log viewer's password when rolevisor generated it (0600, root). */
export const logViewerPasswordFile = (settings: Pick<Settings, 'home'>): string =>
  join(settings.home, 'secrets', 'logviewer.password');
/** The cluster CA and this host's server certificate (CLUSTERTLS): a 0755 dir, keys 0600 root. */
export const clusterTlsDir = (settings: Pick<Settings, 'home'>): string => join(settings.home, 'tls');

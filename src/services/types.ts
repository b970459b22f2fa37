// What a service kind provides to the supervisor. A kind is code that knows one program
// (PostgreSQL, Redis, ...); a role (roles/*.yml) is data that lists which services run.
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';

/** A system user to run a child as (resolved when rolevisor runs as root). */
export interface Identity {
  user: string;
  uid: number;
  gid: number;
  home: string;
}

export interface Launch {
  /** Absolute path of the program. */
  file: string;
  /** Arguments as an array: never a shell string. No secrets here (they show in ps). */
  args: string[];
  /** The child's whole environment: nothing is inherited implicitly. */
  env: Record<string, string>;
  cwd?: string;
}

export interface Listener {
  name: string;
  port: number;
  bind: string;
  protocol?: 'tcp' | 'udp' | 'tcp+udp';
}

export interface ServiceContext {
  settings: Settings;
  /** Logger with { service: name } bound. */
  log: Logger;
  /** The user this service runs as, or undefined when rolevisor is not root. */
  identity: Identity | undefined;
  /** Directory layout under ROLEVISOR_HOME. */
  paths: ServicePaths;
}

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

export interface Service {
  readonly name: string;
  readonly kind: string;
  /** The system user the service runs as when rolevisor is root (e.g. "postgres"). */
  readonly user: string | undefined;
  /** The signal that stops the program quickly and cleanly (PostgreSQL: SIGINT). */
  readonly stopSignal: NodeJS.Signals;
  /** Ports and addresses it listens on (for `rolevisor check` and port-conflict checks). */
  listeners(): Listener[];
  /** Directories that hold state (shown by `rolevisor check`). */
  dataDirs(): string[];
  /** Create directories, render config files, initialise data (idempotent). */
  prepare(): Promise<void>;
  /** How to start the program in the foreground. */
  launch(): Launch;
  /** Resolves when the service answers its protocol; rejects with the reason it is not ready yet. */
  probe(signal: AbortSignal): Promise<void>;
  /** Each output line of the program (redacted), e.g. to notice its own "ready" line. */
  onLine?(line: string): void;
  /** Runs once after the first successful probe (e.g. create the database user). */
  afterReady?(): Promise<void>;
  /** Called when the supervisor is about to stop it (e.g. close rolevisor's own clients). */
  beforeStop?(): Promise<void>;
}

export type ServiceFactory = (ctx: ServiceContext) => Service;

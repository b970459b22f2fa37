// What a service kind provides to the supervisor. A kind is code that knows one program
// (PostgreSQL, Redis, ...); a role (roles/*.yml) is data that lists which services run.
import type { Logger } from '../log.js';
import type { ServicePaths } from '../settings/paths.js';
import type { Settings } from '../settings/types.js';
import type { Identity } from '../util/identity.js';
import type { Launch } from '../util/launch.js';
import type { LineLevel } from '../supervisor/lines.js';

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
  /** Its kind's system user (registry.ts), e.g. "postgres". */
  user: string;
  /** The user the supervisor starts it as, or undefined (not root, or the kind switches itself). */
  identity: Identity | undefined;
  /** Directory layout under ROLEVISOR_HOME. */
  paths: ServicePaths;
}

export interface Service {
  readonly name: string;
  readonly kind: string;
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
  /** The level an output event deserves when the program's words mislead the guess (lines.ts). */
  levelOf?(text: string, guessed: LineLevel): LineLevel;
  /** Runs once after the first successful probe (e.g. create the database user). */
  afterReady?(): Promise<void>;
  /** Called when the supervisor is about to stop it (e.g. close rolevisor's own clients). */
  beforeStop?(): Promise<void>;
}

export type ServiceFactory = (ctx: ServiceContext) => Service;

// The state engines rolevisor has, in restore order (a host restores Redis, which needs no
// running program, before PostgreSQL's restore waits for its service), and which of them a
// host holds: those whose service kind runs here.
import type { BuiltService } from '../../supervisor/build.js';
import type { StateEngine } from './engine.js';
import { postgresBaseEngine } from './postgres/base-engine.js';
import { postgresDumpEngine } from './postgres/engine.js';
import { redisRdbEngine } from './redis/engine.js';

// PostgreSQL's base backup before its dumps: a physical restore (before the start) wins;
// the dumps restore only when the store holds no base backup (format-1 generations).
const ENGINES: StateEngine[] = [redisRdbEngine, postgresBaseEngine, postgresDumpEngine];

export function stateEngines(): readonly StateEngine[] {
  return ENGINES;
}

/** Adds an engine (after the built-in ones); returns the function that removes it again. */
export function registerEngine(engine: StateEngine): () => void {
  if (ENGINES.some((e) => e.kind === engine.kind))
    throw new Error(`a state engine of kind "${engine.kind}" is already registered`);
  ENGINES.push(engine);
  return () => {
    const at = ENGINES.indexOf(engine);
    if (at >= 0) ENGINES.splice(at, 1);
  };
}

/** One kind of state on this host: the engine and the service whose data it is. */
export interface HeldState {
  engine: StateEngine;
  built: BuiltService;
}

export function heldStates(built: BuiltService[]): HeldState[] {
  const held: HeldState[] = [];
  for (const engine of ENGINES) {
    const service = built.find((b) => b.service.kind === engine.service);
    if (service) held.push({ engine, built: service });
  }
  return held;
}

/** The service kinds that hold state (for `rolevisor restore`'s choice of roles). */
export function stateServiceKinds(): string[] {
  return [...new Set(ENGINES.map((e) => e.service))];
}

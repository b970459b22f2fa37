// A chain of short-lived programs (pg_dump | zstd, zstd -d | pg_restore) connected through
// pipes, whose result is trusted only if EVERY program exits 0: zstd happily compresses the
// truncated output of a pg_dump that failed, so the output stream is held open at its end
// until each exit code is known, and fails if any is not 0. Nothing goes through a shell.
import { execa, type ResultPromise } from 'execa';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { redact } from '../log.js';
import type { Identity } from '../util/identity.js';

export interface Step {
  /** Names the program in errors, e.g. `pg_dump of "shop"`. */
  name: string;
  file: string;
  args: string[];
  /** The whole environment (nothing is inherited). */
  env: Record<string, string>;
  /** Run as this user (when rolevisor is root). */
  identity?: Identity;
  cwd?: string;
  /** A pass-through (e.g. a progress meter) between this step's stdout and the next. */
  meter?: Transform;
  /** Receives the step's whole stderr once it exited 0 (e.g. pg_basebackup's WAL positions). */
  onStderr?: (text: string) => void;
}

export interface PipelineOptions {
  /** Bytes for the first step's stdin; an error on it fails the pipeline. */
  input?: Readable;
  /** Kills every step and fails the pipeline with the signal's reason. */
  signal?: AbortSignal;
  /** false: the last step's stdout is discarded (a restore); default true. */
  output?: boolean;
}

export interface Pipeline {
  /** The last step's stdout; it errors unless every step exits 0. Undefined with output: false. */
  output: Readable | undefined;
  /** Resolves once every step exited 0 and the input ended cleanly; rejects with the cause otherwise. */
  done: Promise<void>;
}

const STDERR_TAIL_LINES = 5;

export const stderrTail = (text: string): string =>
  redact(text.trim().split('\n').filter(Boolean).slice(-STDERR_TAIL_LINES).join(' | '));

function describeExit(step: Step, exitCode: number | undefined, signal: string | undefined, stderr: string): string {
  const how = signal ? `was killed by ${signal}` : `exited with code ${exitCode}`;
  const tail = stderrTail(stderr);
  return `${step.name} ${how}${tail ? `: ${tail}` : ''}`;
}

/** Holds the end of the stream until `settled` resolves; errors with its rejection. */
class ExitGate extends Transform {
  constructor(private readonly settled: Promise<void>) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.settled.then(
      () => callback(),
      (error: unknown) => callback(error as Error),
    );
  }
}

export function startPipeline(steps: Step[], options: PipelineOptions = {}): Pipeline {
  if (steps.length === 0) throw new Error('startPipeline needs at least one step');
  const wantOutput = options.output !== false;
  const children: ResultPromise[] = steps.map((step, index) =>
    execa(step.file, step.args, {
      env: step.env,
      extendEnv: false,
      cwd: step.cwd,
      uid: step.identity?.uid,
      gid: step.identity?.gid,
      stdin: index === 0 && !options.input ? 'ignore' : 'pipe',
      stdout: index === steps.length - 1 && !wantOutput ? 'ignore' : 'pipe',
      stderr: 'pipe',
      buffer: { stdout: false, stderr: true },
      maxBuffer: { stderr: 1024 * 1024 },
      reject: false,
    }),
  );
  const killedByUs = new Set<number>();
  let inputError: Error | undefined;
  let pipeError: Error | undefined;
  let abortError: Error | undefined;
  const killAll = () => {
    children.forEach((child, index) => {
      if (child.exitCode === null && child.signalCode === null) {
        killedByUs.add(index);
        child.kill('SIGKILL');
      }
    });
  };

  if (options.input) {
    pipeline(options.input, children[0].stdin!, (error) => {
      if (!error) return;
      // After we killed the steps (an abort, a consumer gone), an EPIPE here is our doing, not a cause.
      if (killedByUs.size === 0) inputError ??= error;
      killAll();
    });
  }
  for (let index = 0; index < steps.length - 1; index += 1) {
    const from = children[index].stdout!;
    const to = children[index + 1].stdin!;
    const meter = steps[index].meter;
    const onError = (error: NodeJS.ErrnoException | null) => {
      if (!error) return;
      if (killedByUs.size === 0) pipeError ??= error;
      killAll();
    };
    if (meter) pipeline(from, meter, to, onError);
    else pipeline(from, to, onError);
  }

  const onAbort = () => {
    const reason: unknown = options.signal?.reason;
    abortError ??= reason instanceof Error ? reason : new Error(typeof reason === 'string' ? reason : 'aborted');
    killAll();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  // Every step exits (the first failure kills the rest), then the cause is chosen: an abort,
  // the first program that failed on its own, a failed input (e.g. a checksum mismatch).
  const done = Promise.all(children).then((results) => {
    options.signal?.removeEventListener('abort', onAbort);
    if (abortError) throw abortError;
    results.forEach((result, index) => {
      if (result.exitCode === 0) steps[index].onStderr?.(String(result.stderr ?? ''));
      if (killedByUs.has(index) || result.exitCode === 0) return;
      throw new Error(describeExit(steps[index], result.exitCode, result.signal, String(result.stderr ?? '')));
    });
    if (inputError) throw inputError;
    if (pipeError)
      throw new Error(`a pipe between ${steps.map((s) => s.name).join(' | ')} failed: ${pipeError.message}`);
    if (killedByUs.size > 0) throw new Error(`${steps.map((s) => s.name).join(' | ')} was stopped`);
  });
  // A step that fails early stops the others at once (no waiting for a full pipe).
  children.forEach((child) => {
    void child.then((result) => {
      if (result.exitCode !== 0 && !result.isTerminated) killAll();
    });
  });
  done.catch(() => undefined);

  if (!wantOutput) return { output: undefined, done };
  const last = children[steps.length - 1].stdout!;
  const gate = new ExitGate(done);
  pipeline(last, gate, (error) => {
    // The consumer went away (a failed upload): stop the programs rather than leave them blocked.
    if (error) killAll();
  });
  return { output: gate, done };
}

// Runs one Service the way the supervisor does (prepare, spawn as its user, probe until
// ready), for tests of a single service kind.
import { execa, type ResultPromise } from 'execa';
import type { Service, ServiceContext } from '../../src/services/types.js';

export interface Running {
  child: ResultPromise;
  output: () => string;
  stop: () => Promise<void>;
}

export async function startService(service: Service, ctx: ServiceContext, readyTimeoutMs = 60_000): Promise<Running> {
  await service.prepare();
  const launch = service.launch();
  let output = '';
  const child = execa(launch.file, launch.args, {
    env: launch.env,
    extendEnv: false,
    cwd: launch.cwd,
    uid: ctx.identity?.uid,
    gid: ctx.identity?.gid,
    reject: false,
    stdin: 'ignore',
    buffer: false,
  });
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const deadline = Date.now() + readyTimeoutMs;
  let lastError: unknown;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`${service.name} exited with ${child.exitCode} before ready:\n${output}`);
    try {
      await service.probe(AbortSignal.timeout(5000));
      break;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${service.name} not ready in ${readyTimeoutMs} ms: ${String(lastError)}\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await service.afterReady?.();
  return {
    child,
    output: () => output,
    stop: async () => {
      await service.beforeStop?.();
      child.kill(service.stopSignal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await child;
      clearTimeout(timer);
    },
  };
}

// For `rolevisor check`: whether the first boot would adopt a docassemble deployment, and
// what, read from the store (or ADOPTFROM) without creating, writing or starting anything.
import type { Logger } from '../log.js';
import type { Settings } from '../settings/types.js';
import { closeStore } from '../backup/store-check.js';
import { scanGenerations } from '../generations/scan.js';
import { createStore } from '../store/create.js';
import { describeLayout, findDocassembleLayout } from './layout.js';
import { adoptionSource } from './source.js';

const message = (error: unknown) => (error instanceof Error ? error.message.split('\n')[0] : String(error));

export async function adoptionLines(settings: Settings, log: Logger): Promise<string[]> {
  const store = await createStore(settings, log, { checkRetry: { retries: 0, minTimeoutMs: 100, maxTimeoutMs: 100 } });
  try {
    const scan = await scanGenerations(store);
    if (scan.complete.length > 0)
      return [
        `adoption:  none (the store holds ${scan.complete.length} rolevisor generation(s); they win over any docassemble backup)`,
      ];
    const layout = await findDocassembleLayout(adoptionSource(settings, store, log));
    if (!layout)
      return [
        `adoption:  nothing to adopt (${settings.adoptFrom ? `ADOPTFROM=${settings.adoptFrom}` : 'the store'} holds no docassemble postgres/<database> or redis.rdb)`,
      ];
    return [
      `adoption:  the ${layout.where} holds a docassemble deployment; the first boot adopts (reading only):`,
      ...describeLayout(layout).map((line) => `  ${line}`),
      ...(layout.files.length > 0 && !(settings.adoptFrom || !(settings.s3 || settings.azure))
        ? ['  (files/ stay in the bucket, where the app reads them)']
        : []),
    ];
  } catch (error) {
    return [
      `adoption:  could not read the ${store.describe()} to look for a docassemble deployment: ${message(error)}`,
    ];
  } finally {
    closeStore(store);
  }
}

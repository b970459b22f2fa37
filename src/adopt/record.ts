// A note in the store of what was adopted from docassemble (keys, sizes, dates, and the
// config.yml's sha256): the plain record the log line also gives, and how later boots know
// the store's config.yml is still docassemble's own object, which they must not rewrite.
import { createHash } from 'node:crypto';
import type { Store } from '../store/store.js';
import { DA_CONFIG_KEY, type DocassembleLayout } from './layout.js';

export const ADOPTION_RECORD_KEY = 'adopted/docassemble.json';

interface AdoptionRecord {
  adoptedAt: string;
  from: string;
  objects: { key: string; size: number; modified: string }[];
  /** sha256 of config.yml as docassemble left it, when it is the store's own config.yml. */
  configSha256?: string;
}

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

export async function writeAdoptionRecord(store: Store, layout: DocassembleLayout, sameStore: boolean): Promise<void> {
  const config = sameStore ? await store.getText(DA_CONFIG_KEY) : undefined;
  const record: AdoptionRecord = {
    adoptedAt: new Date().toISOString(),
    from: layout.where,
    objects: [...layout.dumps.map((d) => d.object), ...(layout.redis ? [layout.redis] : []), ...layout.files].map(
      (o) => ({ key: o.key, size: o.size, modified: o.modified.toISOString() }),
    ),
    ...(config !== undefined ? { configSha256: sha256(config) } : {}),
  };
  await store.putText(ADOPTION_RECORD_KEY, `${JSON.stringify(record, null, 2)}\n`);
}

/** True while the store's config.yml is byte for byte the one docassemble left there. */
export async function configIsDocassembles(store: Store): Promise<boolean> {
  const text = await store.getText(ADOPTION_RECORD_KEY);
  if (text === undefined) return false;
  let record: Partial<AdoptionRecord>;
  try {
    record = JSON.parse(text) as Partial<AdoptionRecord>;
  } catch {
    return false;
  }
  if (!record.configSha256) return false;
  const config = await store.getText(DA_CONFIG_KEY);
  return config !== undefined && sha256(config) === record.configSha256;
}

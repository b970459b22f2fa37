// The hook between the boot's restore step and a docassemble deployment: found only when the
// store holds no rolevisor generation at all (from the first rolevisor backup on, rolevisor's
// generations win), it says what would be adopted and brings each part in when the boot's
// restore would otherwise have started that service empty. docassemble's objects are read,
// never written or deleted.
import { readdir } from 'node:fs/promises';
import { POSTGRES_KIND } from '../backup/engines/postgres/part-names.js';
import { REDIS_KIND } from '../backup/engines/redis/engine.js';
import { catalogError } from '../errors.js';
import type { Logger } from '../log.js';
import type { ServiceContext } from '../services/types.js';
import type { Settings } from '../settings/types.js';
import { KINDS } from '../services/registry.js';
import { FsStore } from '../store/fs-store.js';
import type { Store } from '../store/store.js';
import { identityFor } from '../util/identity.js';
import { DA_CONFIG_KEY, describeLayout, findDocassembleLayout, type DocassembleLayout } from './layout.js';
import { adoptFiles, adoptPostgres, adoptRedis } from './restore.js';
import { writeAdoptionRecord } from './record.js';
import { adoptionSource } from './source.js';

/** The lineage noted for adopted data: not a generation of the store. */
export const ADOPTED_LINEAGE = 'docassemble';

/** Where uploaded files from a docassemble backup folder go: the app's `uploads` directory (FILESDIR). */
export const filesDir = (settings: Pick<Settings, 'web'>): string => settings.web.filesDir;

export class Adoption {
  private constructor(
    readonly source: Store,
    readonly layout: DocassembleLayout,
    readonly log: Logger,
  ) {}

  /** The docassemble deployment in the adoption source, logged plainly; undefined when there is none. */
  static async find(settings: Settings, store: Store, log: Logger): Promise<Adoption | undefined> {
    const source = adoptionSource(settings, store, log);
    const layout = await findDocassembleLayout(source);
    const alog = log.child({ component: 'adopt' });
    if (!layout) {
      if (settings.adoptFrom)
        alog.warn(
          `ADOPTFROM=${settings.adoptFrom} holds no docassemble backup (no postgres/<database>, no redis.rdb): nothing to adopt`,
        );
      return undefined;
    }
    alog.info(
      { where: layout.where, keys: [...layout.dumps.map((d) => d.object.key), layout.redis?.key].filter(Boolean) },
      `the store holds no rolevisor generation but a docassemble deployment in the ${layout.where}: adopting it (its objects are only read, never changed or deleted)`,
    );
    for (const line of describeLayout(layout)) alog.info(`  would adopt: ${line}`);
    return new Adoption(source, layout, alog);
  }

  /** Whether docassemble left state of this engine kind. */
  covers(kind: string): boolean {
    if (kind === POSTGRES_KIND) return this.layout.dumps.length > 0;
    if (kind === REDIS_KIND) return this.layout.redis !== undefined;
    return false;
  }

  /** Brings docassemble's copy of this kind of state in (PostgreSQL: into the running, empty cluster). */
  async restore(kind: string, ctx: ServiceContext): Promise<void> {
    try {
      if (kind === POSTGRES_KIND) await adoptPostgres(this.source, this.layout, ctx, this.log);
      else if (kind === REDIS_KIND) await adoptRedis(this.source, this.layout.redis!, ctx, this.log);
      else throw new Error(`docassemble left no state of kind ${kind}`);
    } catch (error) {
      const what = kind === POSTGRES_KIND ? 'PostgreSQL dumps' : 'Redis snapshot';
      throw catalogError(
        'RV_RESTORE_FAILED',
        'adoption',
        {
          what,
          where: this.layout.where,
          reason: error instanceof Error ? error.message.split('\n')[0] : String(error),
        },
        { cause: error },
      );
    }
  }

  /** Uploaded files are copied only from a folder: with S3 or Azure the app reads them in the bucket. */
  get copiesFiles(): boolean {
    return this.source instanceof FsStore && this.layout.files.length > 0;
  }

  /** Notes in the store what is adopted (and config.yml's digest, when it is docassemble's object in the store). */
  record(store: Store): Promise<void> {
    return writeAdoptionRecord(store, this.layout, this.source === store);
  }

  /** From a folder: its config.yml becomes the store's, when the store has none (the folder is not written). */
  async seedConfig(store: Store): Promise<void> {
    if (this.source === store || !this.layout.config) return;
    if (await store.head(DA_CONFIG_KEY)) return;
    const text = await this.source.getText(DA_CONFIG_KEY);
    if (text === undefined) return;
    await store.putText(DA_CONFIG_KEY, text);
    this.log.info(`copied docassemble's config.yml from ${this.layout.where} into the ${store.describe()}`);
  }

  /** Copies files/ unless the destination already holds files (they are never overwritten). */
  async copyFiles(settings: Settings): Promise<void> {
    if (!this.copiesFiles) return;
    const dest = filesDir(settings);
    const present = await readdir(dest).catch(() => [] as string[]);
    if (present.length > 0) {
      this.log.info(`${dest} already holds files: docassemble's files/ are not copied over them`);
      return;
    }
    // Owned by the app's user, as the files engine's restore leaves them: uwsgi reads and replaces them.
    await adoptFiles(this.source, this.layout.files, dest, await identityFor(KINDS.uwsgi?.user), this.log);
  }
}

// The Azure Blob Storage store: the container AZURECONTAINER of an account given by name and
// key or by a connection string (which may name a BlobEndpoint, as Azurite's does). A put
// stages blocks as the body streams in (each block checked by the service against its MD5)
// and commits the block list last, with the whole object's MD5: the object appears whole or
// not at all. A get checks the bytes against that MD5 as they stream out. The SDK is loaded
// on first use only, so hosts with another store never pay for it in memory.
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import pRetry, { AbortError } from 'p-retry';
import { createHash } from 'node:crypto';
import { pipeline as pipelineCallback, Transform, type Readable, type TransformCallback } from 'node:stream';
import { catalogError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AzureSettings } from '../settings/types.js';
import { progressMeter } from '../util/progress.js';
import { validateKey, validatePrefix } from './keys.js';
import { choosePartSize } from './part-size.js';
import { DEFAULT_CHECK_RETRY, type CheckRetryOptions } from './s3-store.js';
import { sizeGuard } from './size-guard.js';
import { BaseStore, StoreNotFoundError, type ListedObject, type ObjectInfo, type PutOptions } from './store.js';

export interface AzureStoreOptions {
  settings: AzureSettings;
  log: Logger;
  progressIntervalMs?: number;
  checkRetry?: CheckRetryOptions;
  /** Blocks staged in parallel (each held in memory). */
  queueSize?: number;
  /** Block size override (tests); otherwise sized like the S3 store's parts. */
  blockSize?: number;
}

interface RestErrorLike {
  statusCode?: number;
  code?: string;
  message?: string;
  errors?: unknown[];
}

const statusOf = (error: unknown): number | undefined => (error as RestErrorLike | undefined)?.statusCode;

function reasonOf(error: unknown): string {
  const e = (error ?? {}) as RestErrorLike;
  const first = e.message?.split('\n')[0];
  if (first) return first;
  const inner = e.errors?.[0] as RestErrorLike | undefined;
  return inner?.message ?? e.code ?? String(error);
}

function isMissing(error: unknown): boolean {
  const code = (error as RestErrorLike | undefined)?.code;
  return statusOf(error) === 404 || code === 'BlobNotFound' || code === 'ContainerNotFound';
}

/** Retrying cannot help: the request itself is refused (bad key, bad container name). */
function isPermanent(error: unknown): boolean {
  const status = statusOf(error);
  return status !== undefined && status >= 400 && status < 500 && status !== 404 && status !== 408 && status !== 429;
}

function adviceFor(error: unknown): string {
  const status = statusOf(error);
  if (status === 403 || status === 401)
    return 'check AZUREACCOUNTNAME/AZUREACCOUNTKEY or AZURECONNECTIONSTRING (the key may have been rotated)';
  if (isPermanent(error)) return 'check AZURECONTAINER (3-63 lowercase letters, digits and dashes)';
  return 'check the account, the BlobEndpoint of AZURECONNECTIONSTRING and the network';
}

/** The part of a connection string that may be shown: its endpoint or account, never its key. */
function connectionTarget(connectionString: string): string {
  const fields = new Map(
    connectionString
      .split(';')
      .map((part) => part.split('=') as [string, ...string[]])
      .filter((pair) => pair.length >= 2)
      .map(([name, ...rest]) => [name.trim().toLowerCase(), rest.join('=').trim()]),
  );
  const endpoint = fields.get('blobendpoint');
  if (endpoint) return `endpoint ${endpoint.replace(/\/$/, '')}`;
  const account = fields.get('accountname');
  return account ? `account ${account}` : 'the connection string';
}

/** Fixed-length block ids (the service requires one length per blob), base64 as it expects. */
const blockId = (index: number): string => Buffer.from(`rv-${String(index).padStart(8, '0')}`).toString('base64');

/** Fails the stream at its end when the bytes' MD5 differs from the one stored at commit. */
function md5Verifier(key: string, expected: Uint8Array, where: string): Transform {
  const hash = createHash('md5');
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      const actual = hash.digest();
      if (actual.equals(Buffer.from(expected))) callback();
      else callback(new Error(`object "${key}" read from ${where} does not match its stored MD5: the read is refused`));
    },
  });
}

export class AzureStore extends BaseStore {
  readonly container: string;
  readonly #settings: AzureSettings;
  readonly #log: Logger;
  readonly #options: AzureStoreOptions;
  #client: Promise<{ service: BlobServiceClient; container: ContainerClient }> | undefined;

  constructor(options: AzureStoreOptions) {
    super();
    this.#settings = options.settings;
    this.#options = options;
    this.container = options.settings.container;
    this.#log = options.log.child({ store: 'azure' });
  }

  describe(): string {
    const target = this.#settings.connectionString
      ? connectionTarget(this.#settings.connectionString)
      : `account ${this.#settings.accountName ?? '?'}`;
    return `Azure Blob Storage container "${this.container}" (${target})`;
  }

  /** Keeps the account key and the connection string out of any text we build from an SDK error. */
  #scrub(text: string): string {
    let out = text;
    for (const secret of [this.#settings.connectionString, this.#settings.accountKey]) {
      if (secret) out = out.split(secret).join('***');
    }
    return out;
  }

  async #clients(): Promise<{ service: BlobServiceClient; container: ContainerClient }> {
    this.#client ??= (async () => {
      const sdk = await import('@azure/storage-blob');
      const s = this.#settings;
      const retryOptions = { maxTries: 3, tryTimeoutInMs: 120_000 };
      const service = s.connectionString
        ? sdk.BlobServiceClient.fromConnectionString(s.connectionString, { retryOptions })
        : new sdk.BlobServiceClient(
            `https://${s.accountName ?? ''}.blob.core.windows.net`,
            new sdk.StorageSharedKeyCredential(s.accountName ?? '', s.accountKey ?? ''),
            { retryOptions },
          );
      return { service, container: service.getContainerClient(this.container) };
    })();
    return this.#client;
  }

  async check(): Promise<void> {
    const retry = this.#options.checkRetry ?? DEFAULT_CHECK_RETRY;
    let attempts = 0;
    try {
      await pRetry(
        async () => {
          attempts += 1;
          try {
            await this.#ensureContainerReadable();
          } catch (error) {
            if (isPermanent(error)) throw new AbortError(error as Error);
            throw error;
          }
        },
        {
          retries: retry.retries,
          minTimeout: retry.minTimeoutMs,
          maxTimeout: retry.maxTimeoutMs,
          signal: retry.signal,
          onFailedAttempt: (error) => {
            if (error.retriesLeft > 0) {
              this.#log.warn(
                { attempt: error.attemptNumber, retriesLeft: error.retriesLeft, reason: this.#scrub(reasonOf(error)) },
                `store not reachable yet: ${this.describe()}`,
              );
            }
          },
        },
      );
    } catch (error) {
      if (retry.signal?.aborted) throw retry.signal.reason;
      throw catalogError('RV_STORE_UNREACHABLE', 'afterRetries', {
        store: this.describe(),
        attempts,
        reason: this.#scrub(reasonOf(error)),
        advice: this.#scrub(adviceFor(error)),
      });
    }
  }

  async #ensureContainerReadable(): Promise<void> {
    const { container } = await this.#clients();
    const created = await container.createIfNotExists();
    if (created.succeeded)
      this.#log.info({ container: this.container }, `created missing container: ${this.describe()}`);
    await container.listBlobsFlat().byPage({ maxPageSize: 1 }).next();
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<{ bytes: number }> {
    validateKey(key);
    const { container } = await this.#clients();
    const blob = container.getBlockBlobClient(key);
    const meter = progressMeter(this.#log, {
      op: 'put',
      key,
      total: options.size ?? options.expectedSize,
      intervalMs: this.#options.progressIntervalMs,
      summaryOnEnd: false,
    });
    const source = pipelineCallback(body, sizeGuard(key, options.size), meter, () => undefined);
    const blockSize = this.#options.blockSize ?? choosePartSize(options.size, options.expectedSize);
    const queueSize = this.#options.queueSize ?? 4;
    const whole = createHash('md5');
    const ids: string[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: Error | undefined;
    // A staged block that failed ends the upload at the next chunk (a function: TS cannot see the callback's write).
    const checkFailure = () => {
      if (failure) throw failure;
    };
    const stage = (block: Buffer): void => {
      const id = blockId(ids.length);
      ids.push(id);
      const md5 = createHash('md5').update(block).digest();
      const staged: Promise<void> = blob
        .stageBlock(id, block, block.length, { transactionalContentMD5: md5 })
        .then(
          () => undefined,
          (error: unknown) => {
            failure ??= error instanceof Error ? error : new Error(String(error));
          },
        )
        .finally(() => inFlight.delete(staged));
      inFlight.add(staged);
    };
    try {
      let pending: Buffer[] = [];
      let pendingBytes = 0;
      for await (const chunk of source) {
        checkFailure();
        const buffer = chunk as Buffer;
        whole.update(buffer);
        pending.push(buffer);
        pendingBytes += buffer.length;
        while (pendingBytes >= blockSize) {
          const joined = Buffer.concat(pending);
          stage(joined.subarray(0, blockSize));
          pending = [joined.subarray(blockSize)];
          pendingBytes = joined.length - blockSize;
          // Bounded memory: wait for a slot before reading more of the body.
          while (inFlight.size >= queueSize) await Promise.race(inFlight);
          checkFailure();
        }
      }
      if (pendingBytes > 0) stage(Buffer.concat(pending));
      await Promise.all(inFlight);
      checkFailure();
      await blob.commitBlockList(ids, { blobHTTPHeaders: { blobContentMD5: whole.digest() } });
    } catch (error) {
      source.destroy();
      body.destroy();
      await Promise.allSettled(inFlight);
      // Staged blocks that are never committed are discarded by the service; nothing is visible.
      if (error instanceof Error && statusOf(error) !== undefined) error.message = this.#scrub(error.message);
      throw error;
    }
    meter.finish();
    return { bytes: meter.bytes };
  }

  async get(key: string): Promise<Readable> {
    validateKey(key);
    const { container } = await this.#clients();
    let response;
    try {
      response = await container.getBlobClient(key).download();
    } catch (error) {
      if (isMissing(error)) throw new StoreNotFoundError(key, this.describe());
      throw error;
    }
    const body = response.readableStreamBody as Readable | undefined;
    if (!body) throw new Error(`no body in the answer for "${key}" from ${this.describe()}`);
    const meter = progressMeter(this.#log, {
      op: 'get',
      key,
      total: response.contentLength,
      intervalMs: this.#options.progressIntervalMs,
    });
    const size = sizeGuard(key, response.contentLength);
    if (response.contentMD5 && response.contentMD5.length > 0) {
      return pipelineCallback(
        body,
        size,
        md5Verifier(key, response.contentMD5, this.describe()),
        meter,
        () => undefined,
      );
    }
    // Objects written by others (docassemble's az CLI sets an MD5; some tools do not): size only.
    return pipelineCallback(body, size, meter, () => undefined);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    validateKey(key);
    const { container } = await this.#clients();
    try {
      const properties = await container.getBlobClient(key).getProperties();
      return { size: properties.contentLength ?? 0, modified: properties.lastModified ?? new Date(0) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<ListedObject[]> {
    validatePrefix(prefix);
    const { container } = await this.#clients();
    const found: ListedObject[] = [];
    for await (const item of container.listBlobsFlat(prefix ? { prefix } : {})) {
      found.push({
        key: item.name,
        size: item.properties.contentLength ?? 0,
        modified: item.properties.lastModified ?? new Date(0),
      });
    }
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    const { container } = await this.#clients();
    await container.getBlobClient(key).deleteIfExists();
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    const { container } = await this.#clients();
    // A handful at a time: batch deletes are not available with every credential (SAS, Azurite).
    for (let start = 0; start < objects.length; start += 16) {
      await Promise.all(objects.slice(start, start + 16).map((o) => container.getBlobClient(o.key).deleteIfExists()));
    }
    return objects.length;
  }
}

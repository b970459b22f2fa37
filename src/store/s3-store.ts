// The S3 store (or an S3-compatible server at S3ENDPOINTURL). Puts stream through
// lib-storage's multipart Upload, so an object appears whole or not at all; gets stream the
// response body. check() creates the bucket when it is missing and retries, bounded, so a
// boot racing the network (or the task role's credentials) does not fail at once.
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type S3ClientConfig,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import pRetry, { AbortError } from 'p-retry';
import { pipeline as pipelineCallback, type Readable } from 'node:stream';
import { catalogError } from '../errors.js';
import type { Logger } from '../log.js';
import type { S3Settings } from '../settings/types.js';
import { progressMeter } from '../util/progress.js';
import { validateKey, validatePrefix } from './keys.js';
import { choosePartSize } from './part-size.js';
import { publicEndpoint } from './s3-endpoint.js';
import { sizeGuard } from './size-guard.js';
import { BaseStore, StoreNotFoundError, type ListedObject, type ObjectInfo, type PutOptions } from './store.js';

export interface CheckRetryOptions {
  /** Retries after the first attempt. */
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
  /** Ends the retries at once (a SIGTERM during boot); check() then rejects with its reason. */
  signal?: AbortSignal;
  /**
   * The whole bound, attempts and waits together (STORECHECKTIMEOUT): each attempt is cut at
   * the time left (and at PER_ATTEMPT_MS), and no wait starts that would end past it.
   */
  totalMs?: number;
}

/** One attempt's most: a server that never answers leaves time for later attempts. */
const PER_ATTEMPT_MS = 20_000;

export interface S3StoreOptions {
  settings: S3Settings;
  log: Logger;
  progressIntervalMs?: number;
  checkRetry?: CheckRetryOptions;
  /** Parts uploaded in parallel (each held in memory). */
  queueSize?: number;
  /** Milliseconds to establish a connection before the SDK counts the attempt failed. */
  connectionTimeoutMs?: number;
}

export { publicEndpoint };

export const DEFAULT_CHECK_RETRY: CheckRetryOptions = { retries: 5, minTimeoutMs: 1000, maxTimeoutMs: 15000 };

interface SdkError {
  name?: string;
  code?: string;
  message?: string;
  errors?: unknown[];
  $metadata?: { httpStatusCode?: number };
}

const statusOf = (error: unknown): number | undefined => (error as SdkError | undefined)?.$metadata?.httpStatusCode;

/** A short reason; Node reports a refused dual-stack connect as an AggregateError with no message. */
function reasonOf(error: unknown): string {
  const e = (error ?? {}) as SdkError;
  if (e.message) return e.message;
  const inner = e.errors?.[0] as SdkError | undefined;
  if (inner?.message) return inner.message;
  return e.code ?? e.name ?? String(error);
}

const CREDENTIAL_ERRORS = new Set([
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'AllAccessDisabled',
  'InvalidToken',
  'ExpiredToken',
]);

/** Retrying cannot help: the request itself is refused (bad keys, bad bucket name). */
function isPermanent(error: unknown): boolean {
  const status = statusOf(error);
  const name = (error as SdkError | undefined)?.name ?? '';
  return (
    CREDENTIAL_ERRORS.has(name) ||
    (status !== undefined && status >= 400 && status < 500 && status !== 404 && status !== 408 && status !== 429)
  );
}

function adviceFor(error: unknown): string {
  const name = (error as SdkError | undefined)?.name ?? '';
  if (CREDENTIAL_ERRORS.has(name) || statusOf(error) === 403) {
    return "check S3ACCESSKEY/S3SECRETACCESSKEY or the task role's permissions on the bucket";
  }
  if (isPermanent(error)) return 'check S3BUCKET and S3REGION';
  return 'check S3ENDPOINTURL, S3REGION, the network and the credentials';
}

function isMissing(error: unknown): boolean {
  const name = (error as SdkError | undefined)?.name;
  return statusOf(error) === 404 || name === 'NotFound' || name === 'NoSuchKey' || name === 'NoSuchBucket';
}

export class S3Store extends BaseStore {
  readonly bucket: string;
  readonly client: S3Client;
  readonly #settings: S3Settings;
  readonly #log: Logger;
  readonly #options: S3StoreOptions;

  constructor(options: S3StoreOptions) {
    super();
    const { settings } = options;
    this.#settings = settings;
    this.#options = options;
    this.bucket = settings.bucket;
    this.#log = options.log.child({ store: 's3' });
    const config: S3ClientConfig = {
      region: settings.region,
      // Without explicit keys the SDK's default chain applies (env, ECS task role, IMDS).
      ...(settings.accessKeyId && settings.secretAccessKey
        ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
        : {}),
      requestHandler: { connectionTimeout: options.connectionTimeoutMs ?? 5000, requestTimeout: 120_000 },
    };
    if (settings.endpointUrl) {
      config.endpoint = settings.endpointUrl;
      config.forcePathStyle = true;
      // S3-compatible servers (s3rver, older MinIO) do not understand the aws-chunked
      // trailing checksums the SDK sends by default and store the framing inside the
      // object: silent corruption. Send checksums only where the API requires them.
      config.requestChecksumCalculation = 'WHEN_REQUIRED';
      config.responseChecksumValidation = 'WHEN_REQUIRED';
    }
    this.client = new S3Client(config);
  }

  describe(): string {
    const endpoint = publicEndpoint(this.#settings.endpointUrl);
    return `S3 bucket "${this.bucket}" (region ${this.#settings.region}${endpoint ? `, endpoint ${endpoint}` : ''})`;
  }

  /** Keeps the key id and secret out of any text we build from an SDK error. */
  #scrub(text: string): string {
    let out = text;
    for (const secret of [this.#settings.secretAccessKey, this.#settings.accessKeyId]) {
      if (secret) out = out.split(secret).join('***');
    }
    return out;
  }

  async check(): Promise<void> {
    const retry = this.#options.checkRetry ?? DEFAULT_CHECK_RETRY;
    const deadline = retry.totalMs === undefined ? Infinity : Date.now() + retry.totalMs;
    let attempts = 0;
    let lastAttempt = false;
    try {
      await pRetry(
        async () => {
          attempts += 1;
          const left = deadline - Date.now();
          const attemptMs = Math.max(1, Math.min(left, PER_ATTEMPT_MS));
          const timeout = AbortSignal.timeout(attemptMs);
          const signal = retry.signal ? AbortSignal.any([retry.signal, timeout]) : timeout;
          try {
            await this.#ensureBucketReadable(signal);
          } catch (error) {
            if (isPermanent(error)) throw new AbortError(error as Error);
            if (timeout.aborted && !retry.signal?.aborted)
              throw new Error(`no answer within ${(attemptMs / 1000).toFixed(0)} s`, { cause: error });
            throw error;
          }
        },
        {
          retries: retry.retries,
          minTimeout: retry.minTimeoutMs,
          maxTimeout: retry.maxTimeoutMs,
          signal: retry.signal,
          // No wait that would end past the bound (the retry library's delays: doubling, capped).
          shouldRetry: (error) => {
            const wait = Math.min(retry.minTimeoutMs * 2 ** (error.attemptNumber - 1), retry.maxTimeoutMs);
            lastAttempt = Date.now() + wait >= deadline;
            return !lastAttempt;
          },
          onFailedAttempt: (error) => {
            if (error.retriesLeft > 0 && !lastAttempt) {
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
      const advice = adviceFor(error);
      throw catalogError(
        'RV_STORE_UNREACHABLE',
        'afterRetries',
        { store: this.describe(), attempts, reason: this.#scrub(reasonOf(error)), advice: this.#scrub(advice) },
        { cause: error },
      );
    }
  }

  async #ensureBucketReadable(abortSignal: AbortSignal): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }), { abortSignal });
    } catch (error) {
      if (!isMissing(error)) throw error;
      this.#log.info({ bucket: this.bucket }, `creating missing bucket: ${this.describe()}`);
      try {
        const region = this.#settings.region;
        await this.client.send(
          new CreateBucketCommand({
            Bucket: this.bucket,
            ...(region && region !== 'us-east-1'
              ? { CreateBucketConfiguration: { LocationConstraint: region as never } }
              : {}),
          }),
          { abortSignal },
        );
      } catch (createError) {
        const name = (createError as SdkError).name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw createError;
      }
    }
    // No MaxKeys: a truncated listing makes s3rver build its continuation token with DES,
    // which Node's OpenSSL 3 lacks ("internal error") — a bucket with two objects failed here.
    await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket }), { abortSignal });
  }

  async put(key: string, body: Readable, options: PutOptions = {}): Promise<{ bytes: number }> {
    validateKey(key);
    const meter = progressMeter(this.#log, {
      op: 'put',
      key,
      total: options.size ?? options.expectedSize,
      intervalMs: this.#options.progressIntervalMs,
      summaryOnEnd: false,
    });
    let sourceError: Error | undefined;
    const source = pipelineCallback(body, sizeGuard(key, options.size), meter, (error) => {
      if (error) sourceError = error;
    });
    const upload = new Upload({
      client: this.client,
      queueSize: this.#options.queueSize ?? 4,
      partSize: choosePartSize(options.size, options.expectedSize),
      leavePartsOnError: false,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: source,
        ...(this.#settings.sseAlgorithm
          ? { ServerSideEncryption: this.#settings.sseAlgorithm as ServerSideEncryption }
          : {}),
        ...(this.#settings.sseKmsKeyId ? { SSEKMSKeyId: this.#settings.sseKmsKeyId } : {}),
      },
    });
    try {
      await upload.done();
    } catch (error) {
      // Stop the producer (a dump piping into us) rather than leave it blocked on a full pipe.
      source.destroy();
      body.destroy();
      if (sourceError && error !== sourceError) {
        // lib-storage replaces the producer's error with a failed AbortMultipartUpload
        // (s3rver has none): report the cause, and warn that parts may linger.
        this.#log.warn(
          { key, reason: this.#scrub(reasonOf(error)) },
          'could not abort the multipart upload; an AbortIncompleteMultipartUpload lifecycle rule removes leftover parts',
        );
        throw sourceError;
      }
      throw error;
    }
    meter.finish();
    return { bytes: meter.bytes };
  }

  async get(key: string): Promise<Readable> {
    validateKey(key);
    let response;
    try {
      response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (isMissing(error)) throw new StoreNotFoundError(key, this.describe());
      throw error;
    }
    const meter = progressMeter(this.#log, {
      op: 'get',
      key,
      total: response.ContentLength,
      intervalMs: this.#options.progressIntervalMs,
    });
    return pipelineCallback(response.Body as Readable, meter, () => undefined);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    validateKey(key);
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { size: response.ContentLength ?? 0, modified: response.LastModified ?? new Date(0) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<ListedObject[]> {
    validatePrefix(prefix);
    const found: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          ...(prefix ? { Prefix: prefix } : {}),
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined) continue;
        found.push({ key: object.Key, size: object.Size ?? 0, modified: object.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    // DeleteObjects takes at most 1000 keys per request.
    for (let start = 0; start < objects.length; start += 1000) {
      const batch = objects.slice(start, start + 1000);
      const response = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((o) => ({ Key: o.key })), Quiet: true },
        }),
      );
      const failed = response.Errors ?? [];
      if (failed.length > 0) {
        throw new Error(
          `could not delete ${failed.length} object(s) under "${prefix}" in ${this.describe()}: ${failed[0]?.Key}: ${failed[0]?.Message ?? failed[0]?.Code}`,
        );
      }
    }
    return objects.length;
  }

  /** Closes the client's sockets (tests, and the end of a CLI command). */
  close(): void {
    this.client.destroy();
  }
}

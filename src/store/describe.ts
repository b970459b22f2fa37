// One line naming the store, without secrets (for `check` and logs).
import type { Settings } from '../settings/types.js';
import { publicEndpoint } from './s3-endpoint.js';

export function describeStore(settings: Settings): string {
  if (settings.azure) {
    const az = settings.azure;
    const target = az.connectionString ? 'connection string from settings' : `account ${az.accountName ?? '?'}`;
    return `Azure Blob Storage container ${az.container} (${target})`;
  }
  if (!settings.s3) return `local directory ${settings.backupDir}`;
  const s3 = settings.s3;
  const where = s3.endpointUrl ? ` at ${publicEndpoint(s3.endpointUrl)}` : ` in ${s3.region}`;
  const credentials = s3.accessKeyId ? 'access key from settings' : 'default AWS credential chain';
  return `S3 bucket ${s3.bucket}${where} (${credentials}${s3.sseAlgorithm ? `, ${s3.sseAlgorithm} encryption` : ''})`;
}

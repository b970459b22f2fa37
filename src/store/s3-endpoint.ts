// The S3 endpoint as it may be shown, apart from the S3 store so that describing a store
// (check, status, logs) does not load the AWS SDK.

/** The endpoint as it may be shown: without user:password, should a URL carry them. */
export function publicEndpoint(endpointUrl: string | undefined): string | undefined {
  if (!endpointUrl) return undefined;
  try {
    const url = new URL(endpointUrl);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return '(unparsable endpoint)';
  }
}

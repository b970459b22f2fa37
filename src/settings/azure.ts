// AZURE* → the Azure store's settings, as docassemble reads them: AZUREENABLE turns it on,
// and (like S3BUCKET for S3) name, key and container together turn it on when AZUREENABLE
// is unset. Enabled with something missing is an error naming what is missing, never a
// silent fall back to the local directory; S3 and Azure together are an error too.
import { problemLine } from './problems.js';
import type { AzureSettings } from './types.js';

type Raw = Record<string, unknown>;
const str = (raw: Raw, k: string) => raw[k] as string | undefined;

export function deriveAzure(
  raw: Raw,
  given: Record<string, string | undefined>,
  s3Enabled: boolean,
  problems: string[],
): AzureSettings | undefined {
  const container = str(raw, 'AZURECONTAINER');
  const accountName = str(raw, 'AZUREACCOUNTNAME');
  const accountKey = str(raw, 'AZUREACCOUNTKEY');
  const connectionString = str(raw, 'AZURECONNECTIONSTRING');
  const enabled =
    given.AZUREENABLE === undefined
      ? container !== undefined && accountName !== undefined && accountKey !== undefined
      : raw.AZUREENABLE === true;
  if (!enabled) return undefined;
  const before = problems.length;
  if (s3Enabled) {
    problems.push(
      problemLine(
        'AZUREENABLE',
        'false while S3 is the store (S3ENABLE or S3BUCKET)',
        given.AZUREENABLE ?? '(enabled by AZUREACCOUNTNAME, AZUREACCOUNTKEY and AZURECONTAINER)',
        'choose one store: unset S3ENABLE/S3BUCKET, or set AZUREENABLE=false',
      ),
    );
  }
  if (!container) {
    problems.push(
      problemLine(
        'AZURECONTAINER',
        'a container name because AZUREENABLE is true',
        given.AZURECONTAINER,
        'set AZURECONTAINER, or set AZUREENABLE=false',
      ),
    );
  }
  if (!connectionString) {
    for (const [name, value] of [
      ['AZUREACCOUNTNAME', accountName],
      ['AZUREACCOUNTKEY', accountKey],
    ] as const) {
      if (!value) {
        problems.push(
          problemLine(
            name,
            'a value because AZUREENABLE is true and AZURECONNECTIONSTRING is not set',
            given[name],
            'set AZUREACCOUNTNAME and AZUREACCOUNTKEY, or AZURECONNECTIONSTRING',
          ),
        );
      }
    }
  }
  if (problems.length > before || !container) return undefined;
  return { container, accountName, accountKey, connectionString };
}

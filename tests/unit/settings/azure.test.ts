// AZURE* settings: docassemble's way of turning the Azure store on, what is missing named
// one line each, never a silent fall back to the local directory, and the key a secret.
import { RolevisorError } from '../../../src/errors.js';
import { loadRoleCatalog } from '../../../src/roles/catalog.js';
import { loadSettings } from '../../../src/settings/load.js';
import { describeStore } from '../../../src/store/describe.js';
import { AzureStore } from '../../../src/store/azure-store.js';
import { createStore } from '../../../src/store/create.js';
import { memoryLogger } from '../../helpers/env.js';

const catalog = loadRoleCatalog();
const load = (env: Record<string, string>) => loadSettings(env, catalog);
const KEY = 'c2VjcmV0LWF6dXJlLWFjY291bnQta2V5LWZvci10ZXN0cw==';

function problemsOf(env: Record<string, string>): string[] {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(RolevisorError);
    expect((error as RolevisorError).exitCode).toBe(78);
    return (error as RolevisorError).details;
  }
  throw new Error('expected invalid settings');
}

describe('Azure settings', () => {
  test('name, key and container turn the Azure store on, as in docassemble; the key is a secret', async () => {
    const s = load({ AZUREACCOUNTNAME: 'acct', AZUREACCOUNTKEY: KEY, AZURECONTAINER: 'docassemble' });
    expect(s.azure).toEqual({
      container: 'docassemble',
      accountName: 'acct',
      accountKey: KEY,
      connectionString: undefined,
    });
    expect(s.secrets).toContain(KEY);
    expect(describeStore(s)).toBe('Azure Blob Storage container docassemble (account acct)');
    expect(await createStore(s, memoryLogger().log)).toBeInstanceOf(AzureStore);
  });

  test('a connection string alone is enough and is a secret', () => {
    const cs = `DefaultEndpointsProtocol=http;AccountName=a;AccountKey=${KEY};BlobEndpoint=http://127.0.0.1:10000/a;`;
    const s = load({ AZUREENABLE: 'true', AZURECONTAINER: 'c', AZURECONNECTIONSTRING: cs });
    expect(s.azure?.connectionString).toBe(cs);
    expect(s.secrets).toContain(cs);
    expect(describeStore(s)).not.toContain(KEY);
  });

  test('AZUREENABLE=true with nothing else names each missing variable', () => {
    const problems = problemsOf({ AZUREENABLE: 'true' });
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/^AZURECONTAINER: expected a container name because AZUREENABLE is true/);
    expect(problems[1]).toMatch(/^AZUREACCOUNTNAME: /);
    expect(problems[2]).toMatch(/^AZUREACCOUNTKEY: .*or AZURECONNECTIONSTRING/);
  });

  test('AZUREENABLE=true with a key but no container: one line, the key hidden', () => {
    const problems = problemsOf({ AZUREENABLE: 'true', AZUREACCOUNTNAME: 'acct', AZUREACCOUNTKEY: KEY });
    expect(problems).toEqual([expect.stringMatching(/^AZURECONTAINER: /)]);
    expect(problems.join('\n')).not.toContain(KEY);
  });

  test('S3 and Azure both enabled is an error', () => {
    const problems = problemsOf({
      S3BUCKET: 'b',
      AZUREACCOUNTNAME: 'acct',
      AZUREACCOUNTKEY: KEY,
      AZURECONTAINER: 'c',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^AZUREENABLE: expected false while S3 is the store.*choose one store/),
    ]);
    expect(problems.join('\n')).not.toContain(KEY);
  });

  test('AZUREENABLE=false keeps it off even with everything set', () => {
    const s = load({ AZUREENABLE: 'false', AZUREACCOUNTNAME: 'acct', AZUREACCOUNTKEY: KEY, AZURECONTAINER: 'c' });
    expect(s.azure).toBeUndefined();
  });
});

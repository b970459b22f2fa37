// CLUSTERTLS only changes a backend of a cluster; in role all it would do nothing, so it says so.
import { loadRoleCatalog } from '../../../src/roles/catalog.js';
import { loadSettings } from '../../../src/settings/load.js';

const catalog = loadRoleCatalog();
const tlsWarnings = (env: Record<string, string>) =>
  loadSettings(env, catalog).warnings.filter((w) => w.startsWith('CLUSTERTLS'));

test('role all with CLUSTERTLS=true: one warning that it has no effect', () => {
  expect(tlsWarnings({ CONTAINERROLE: 'all', CLUSTERTLS: 'true' })).toEqual([
    expect.stringMatching(/^CLUSTERTLS=true has no effect in a single-host role \(all\)/),
  ]);
});

test('a backend with CLUSTERTLS=true, or role all without it: no warning', () => {
  expect(tlsWarnings({ CONTAINERROLE: 'sql:redis:rabbitmq', CLUSTERTLS: 'true' })).toEqual([]);
  expect(tlsWarnings({ CONTAINERROLE: 'all' })).toEqual([]);
});

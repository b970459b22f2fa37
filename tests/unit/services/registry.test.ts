// registry.ts is the one place that says which user each service kind runs as.
import { describe, expect, it } from '@jest/globals';
import { KINDS, kindNames } from '../../../src/services/registry.js';
import { LOG_READER_USER } from '../../../src/services/syslog/service.js';

describe('the service kinds', () => {
  it('each has its code and a system user', async () => {
    for (const name of kindNames()) {
      const kind = KINDS[name];
      expect(kind.user).toMatch(/^[a-z][a-z-]*$/);
      expect(typeof (await kind.load())).toBe('function');
    }
  });

  it('the kinds that bind privileged ports switch users themselves; the log viewer is the log directory group', () => {
    expect(kindNames().filter((k) => KINDS[k].switchesUser === 'itself')).toEqual(['logviewer', 'nginx', 'syslog']);
    expect(KINDS.logviewer.user).toBe(LOG_READER_USER);
  });
});

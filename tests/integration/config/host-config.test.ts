// HostConfig on a backend host (a real local store): the credentials of the services it
// runs go to the store's config.yml, which the app hosts read, even when this host itself
// uses its environment's rendering (ENVIRONMENT_TAKES_PRECEDENCE).
import yaml from 'js-yaml';
import { localEndpoints } from '../../../src/config/endpoints.js';
import { fillCredentials } from '../../../src/config/cluster-credentials.js';
import { HostConfig } from '../../../src/config/host-config.js';
import { FsStore } from '../../../src/store/fs-store.js';
import { memoryLogger, tempHome, testSettings } from '../../helpers/env.js';

test.each([['false'], ['true']])(
  'ENVIRONMENT_TAKES_PRECEDENCE=%s: generated credentials reach the store; the rest of its copy stays',
  async (precedence) => {
    const home = await tempHome();
    try {
      const { log } = memoryLogger();
      const store = new FsStore({ root: `${home.dir}/store`, log });
      await store.putText(
        'config.yml',
        yaml.dump({ db: { user: 'docassemble', password: 'abc123' }, secretkey: 'kept' }),
      );
      const settings = testSettings({
        CONTAINERROLE: 'sql:redis:rabbitmq',
        ROLEVISOR_HOME: home.dir,
        ENVIRONMENT_TAKES_PRECEDENCE: precedence,
      });
      fillCredentials(settings, ['sql', 'redis', 'rabbitmq'], {});
      await HostConfig.choose(settings, localEndpoints(settings), store, undefined, log, ['sql', 'redis', 'rabbitmq']);
      const stored = yaml.load((await store.getText('config.yml')) ?? '') as Record<string, unknown>;
      expect((stored.db as { password: string }).password).toBe(settings.db.password);
      expect(settings.db.password).not.toBe('abc123');
      expect(stored.redis).toBe(settings.redis.url);
      expect(stored.rabbitmq).toBe(settings.rabbitmq.url);
      expect(stored.secretkey).toBe('kept');
    } finally {
      await home.cleanup();
    }
  },
);

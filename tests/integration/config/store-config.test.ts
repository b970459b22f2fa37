// config.yml through the store (a real local store): the first boot uploads the rendered
// one; afterwards the store's copy wins, unless ENVIRONMENT_TAKES_PRECEDENCE; a broken copy
// stops the boot with a clear message.
import { configThroughStore } from '../../../src/config/store-config.js';
import { FsStore } from '../../../src/store/fs-store.js';
import { memoryLogger, tempHome } from '../../helpers/env.js';

describe('config.yml through the store', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let store: FsStore;
  const { log } = memoryLogger();
  beforeAll(async () => {
    home = await tempHome();
    store = new FsStore({ root: home.dir, log });
  });
  afterAll(() => home.cleanup());

  test('first boot: the rendered config is uploaded and used', async () => {
    const chosen = await configThroughStore(store, 'secretkey: first\n', { environmentTakesPrecedence: false }, log);
    expect(chosen).toEqual({ content: 'secretkey: first\n', source: 'environment' });
    expect(await store.getText('config.yml')).toBe('secretkey: first\n');
  });

  test('later boots: the store wins over the environment', async () => {
    const chosen = await configThroughStore(store, 'secretkey: second\n', { environmentTakesPrecedence: false }, log);
    expect(chosen).toEqual({ content: 'secretkey: first\n', source: 'store' });
  });

  test('ENVIRONMENT_TAKES_PRECEDENCE: the environment wins and the store is left as it is', async () => {
    const chosen = await configThroughStore(store, 'secretkey: third\n', { environmentTakesPrecedence: true }, log);
    expect(chosen).toEqual({ content: 'secretkey: third\n', source: 'environment' });
    expect(await store.getText('config.yml')).toBe('secretkey: first\n');
  });

  test('a config.yml in the store that is not YAML stops the boot', async () => {
    await store.putText('config.yml', 'db: [unclosed\n');
    await expect(configThroughStore(store, 'x: 1\n', { environmentTakesPrecedence: false }, log)).rejects.toMatchObject(
      {
        code: 'RV_CONFIG_INVALID',
        message: expect.stringMatching(
          /config\.yml in the store is not valid YAML .*ENVIRONMENT_TAKES_PRECEDENCE=true/,
        ),
      },
    );
  });
});

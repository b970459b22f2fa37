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

  test('ENVIRONMENT_TAKES_PRECEDENCE: the set variables win key by key; the store is left as it is', async () => {
    await store.putText('config.yml', 'secretkey: first\ndebug: true\ndb:\n  name: shop\n  password: old\n');
    const rendered = 'secretkey: third\ndebug: false\ndb:\n  name: docassemble\n  password: new\n';
    const none = await configThroughStore(store, rendered, { environmentTakesPrecedence: true, explicit: [] }, log);
    expect(none).toEqual({ content: await store.getText('config.yml'), source: 'store' });
    const chosen = await configThroughStore(
      store,
      rendered,
      { environmentTakesPrecedence: true, explicit: ['DASECRETKEY', 'DBPASSWORD'] },
      log,
    );
    // debug (an edit on the app's Configuration page) and db: name stay; the two set variables win.
    expect(chosen.source).toBe('store');
    expect(chosen.content).toBe('secretkey: third\ndebug: true\ndb:\n  name: shop\n  password: new\n');
    expect(await store.getText('config.yml')).toBe(
      'secretkey: first\ndebug: true\ndb:\n  name: shop\n  password: old\n',
    );
    await store.putText('config.yml', 'secretkey: first\n');
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

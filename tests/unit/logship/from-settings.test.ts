import { logForwarderFor } from '../../../src/logship/from-settings.js';
import { testSettings } from '../../helpers/env.js';

describe('logForwarderFor', () => {
  test('none when LOGSERVER is null or unknown', () => {
    expect(logForwarderFor(testSettings({ CONTAINERROLE: 'web', LOGSERVER: 'null' }), 'log.internal')).toBeUndefined();
    expect(logForwarderFor(testSettings({ CONTAINERROLE: 'web' }))).toBeUndefined();
  });

  test('LOGSERVER with LOGPORT as the default port', async () => {
    const fwd = logForwarderFor(
      testSettings({ CONTAINERROLE: 'web', LOGSERVER: '127.0.0.1', LOGPORT: '1', SERVERHOSTNAME: 'web-1.internal' }),
    );
    expect(fwd?.address).toEqual({ host: '127.0.0.1', port: 1 });
    await fwd?.close(10);
    const other = logForwarderFor(testSettings({ CONTAINERROLE: 'web', LOGPORT: '1' }), '127.0.0.1:2');
    expect(other?.address).toEqual({ host: '127.0.0.1', port: 2 });
    await other?.close(10);
  });
});

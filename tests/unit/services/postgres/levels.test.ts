// PostgreSQL's answer to our probe while it starts is not an error event; other FATALs are.
import { createPostgres } from '../../../../src/services/postgres/service.js';
import { memoryLogger, serviceContext, testSettings } from '../../../helpers/env.js';

test("'the database system is starting up' (our probe, at every boot) is debug; a failed login stays an error", async () => {
  const settings = testSettings({ ROLEVISOR_HOME: '/var/tmp/rv-levels-test', DBPASSWORD: 'pw' });
  const postgres = createPostgres(await serviceContext(settings, 'postgres', undefined, memoryLogger().log));
  expect(postgres.levelOf?.('[27842] postgres@postgres FATAL:  the database system is starting up', 'fatal')).toBe(
    'debug',
  );
  expect(
    postgres.levelOf?.(
      '[27842] postgres@postgres FATAL:  the database system is not yet accepting connections',
      'fatal',
    ),
  ).toBe('debug');
  expect(
    postgres.levelOf?.('[27850] app@docassemble FATAL:  password authentication failed for user "app"', 'fatal'),
  ).toBe('fatal');
});

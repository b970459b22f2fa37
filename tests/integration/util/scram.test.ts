// Our SCRAM verifiers against a real PostgreSQL: the server's own verifier for a password
// (set in plain text here, in a test only) equals ours computed with the same salt, and a
// role whose verifier we made logs in with the password.
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { createPostgres } from '../../../src/services/postgres/service.js';
import { superuserPasswordFile } from '../../../src/services/postgres/superuser.js';
import { parseScramVerifier, scramSha256Verifier, scramVerifierMatches } from '../../../src/util/scram.js';
import { freePort, memoryLogger, serviceContext, tempHome, testSettings } from '../../helpers/env.js';
import { startService, type Running } from '../../helpers/start-service.js';

const PASSWORDS = [
  'pencil',
  'it\'s a "quoted" pass\\word',
  'p\u00E4ssw\u00F6rd',
  'a\u00A0b',
  '\uFB01x\u00AD',
  '\uFB01\u0007',
  '\uFB01\uE000',
  'x'.repeat(200),
];

describe('SCRAM verifiers against PostgreSQL', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let running: Running | undefined;
  let admin: pg.Client;
  let port: number;

  beforeAll(async () => {
    home = await tempHome();
    port = await freePort();
    const settings = testSettings({ ROLEVISOR_HOME: home.dir, DBPORT: String(port) });
    const ctx = await serviceContext(settings, 'postgres', 'postgres', memoryLogger().log);
    running = await startService(createPostgres(ctx), ctx);
    admin = new pg.Client({
      host: ctx.paths.run,
      port,
      user: 'postgres',
      database: 'postgres',
      password: (await readFile(superuserPasswordFile(ctx.paths), 'utf8')).trim(),
    });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await running?.stop();
    await home.cleanup();
  });

  test.each(PASSWORDS.map((p) => [JSON.stringify(p), p]))('the server hashes %s as we do', async (_label, password) => {
    await admin.query('DROP ROLE IF EXISTS scram_probe');
    await admin.query(`CREATE ROLE scram_probe LOGIN PASSWORD ${admin.escapeLiteral(password)}`);
    const stored = (
      await admin.query<{ rolpassword: string }>("SELECT rolpassword FROM pg_authid WHERE rolname = 'scram_probe'")
    ).rows[0]?.rolpassword;
    const parsed = parseScramVerifier(stored);
    expect(parsed).toBeDefined();
    expect(scramSha256Verifier(password, { salt: parsed?.salt, iterations: parsed?.iterations })).toBe(stored);
    expect(scramVerifierMatches(stored, password)).toBe(true);
  });

  test('a role whose verifier we computed logs in over TCP with the password, not with another', async () => {
    const password = 'correct horse battery staple';
    await admin.query('DROP ROLE IF EXISTS scram_login');
    await admin.query(`CREATE ROLE scram_login LOGIN PASSWORD ${admin.escapeLiteral(scramSha256Verifier(password))}`);
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'scram_login', password, database: 'postgres' });
    await client.connect();
    expect((await client.query('SELECT current_user AS u')).rows[0]).toEqual({ u: 'scram_login' });
    await client.end();
    const wrong = new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'scram_login',
      password: 'correct horse battery stapler',
      database: 'postgres',
    });
    await expect(wrong.connect()).rejects.toThrow(/password authentication failed/);
  });
});

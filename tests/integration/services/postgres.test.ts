// The postgres kind with a real PostgreSQL: first boot (initdb), DBUSER/DBNAME over TCP with
// SCRAM, a wrong password refused, data kept across restarts, password changes applied
// without the plain text reaching PostgreSQL's log, and a fast stop that leaves nothing.
import { readFile, readdir, stat, unlink } from 'node:fs/promises';
import pg from 'pg';
import { createPostgres } from '../../../src/services/postgres/service.js';
import { superuserPasswordFile } from '../../../src/services/postgres/superuser.js';
import { lookupUser } from '../../../src/util/identity.js';
import { freePort, memoryLogger, serviceContext, tempHome, testSettings } from '../../helpers/env.js';
import { startService, type Running } from '../../helpers/start-service.js';
import { leftovers } from '../../helpers/processes.js';

const DBUSER = 'shop user';
const DBNAME = 'shop-db';

describe('postgres service', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  let port: number;
  let running: Running | undefined;
  const memory = memoryLogger();

  const start = async (password: string) => {
    const settings = testSettings({
      ROLEVISOR_HOME: home.dir,
      CONTAINERROLE: 'all',
      DBPORT: String(port),
      DBUSER,
      DBNAME,
      DBPASSWORD: password,
    });
    const ctx = await serviceContext(settings, 'postgres', 'postgres', memory.log);
    const service = createPostgres(ctx);
    const started = Date.now();
    running = await startService(service, ctx);
    return { service, ctx, readyMs: Date.now() - started };
  };
  const stop = async () => {
    const began = Date.now();
    await running?.stop();
    running = undefined;
    return Date.now() - began;
  };
  const connect = async (password: string, user = DBUSER, database = DBNAME) => {
    const client = new pg.Client({ host: '127.0.0.1', port, user, password, database });
    await client.connect();
    return client;
  };

  beforeAll(async () => {
    home = await tempHome();
    port = await freePort();
  });
  afterAll(async () => {
    if (running) await running.stop();
    await home.cleanup();
  });

  test('first boot: initdb, DBUSER and DBNAME answer over TCP with the password, a wrong one is refused', async () => {
    const { ctx, readyMs } = await start('first-pass-123');
    console.log(`postgres first boot (initdb + start) ready in ${readyMs} ms`);
    const client = await connect('first-pass-123');
    const { rows } = await client.query('SELECT current_user AS who, current_database() AS db');
    expect(rows[0]).toEqual({ who: DBUSER, db: DBNAME });
    await client.query('CREATE TABLE kept (v text)');
    await client.query("INSERT INTO kept VALUES ('survives restarts')");
    await client.end();

    await expect(connect('wrong-password')).rejects.toThrow(/password authentication failed/);
    // The superuser never logs in over the network, whatever the password.
    const superuser = (await readFile(superuserPasswordFile(ctx.paths), 'utf8')).trim();
    await expect(connect(superuser, 'postgres', 'postgres')).rejects.toThrow(/rejects connection/);

    // Modes and owners: secret root 0600, data 0700 postgres, no initdb password copy left.
    const pgUser = await lookupUser('postgres');
    const secret = await stat(superuserPasswordFile(ctx.paths));
    expect([secret.mode & 0o777, secret.uid]).toEqual([0o600, 0]);
    const data = await stat(ctx.paths.data);
    expect([data.mode & 0o777, data.uid]).toEqual([0o700, pgUser.uid]);
    expect(await readdir(ctx.paths.run)).not.toContain('initdb.pwfile');
    // No secret on the postmaster's command line.
    const cmdline = await readFile(`/proc/${running?.child.pid}/cmdline`, 'utf8');
    expect(cmdline).not.toContain(superuser);
    expect(cmdline).not.toContain('first-pass-123');
  });

  test('SIGINT stops it with a client still connected (fast shutdown, not smart) and leaves no process', async () => {
    // A smart shutdown would wait for this idle client forever; the bound is only there to fail instead of hang.
    const client = await connect('first-pass-123');
    client.on('error', () => undefined);
    const ms = await stop();
    console.log(`postgres stopped in ${ms} ms`);
    expect(ms).toBeLessThan(30_000);
    await expect(client.query('SELECT 1')).rejects.toThrow();
    expect(await leftovers(home.dir)).toEqual([]);
  });

  test('restart on the same home keeps the data; prepare is idempotent', async () => {
    const { service, readyMs } = await start('first-pass-123');
    console.log(`postgres restart ready in ${readyMs} ms`);
    await service.prepare(); // again, while running: rewrites the same config, no initdb
    const client = await connect('first-pass-123');
    expect((await client.query('SELECT v FROM kept')).rows).toEqual([{ v: 'survives restarts' }]);
    await client.end();
    await stop();
  });

  test('a changed DBPASSWORD is applied; the plain password never reaches the server log', async () => {
    // Make PostgreSQL log every statement, so a password sent in SQL would show.
    await start('first-pass-123');
    const client = await connect('first-pass-123');
    await client.end();
    const settings = testSettings({
      ROLEVISOR_HOME: home.dir,
      CONTAINERROLE: 'all',
      DBPORT: String(port),
      DBUSER,
      DBNAME,
      DBPASSWORD: 'x',
    });
    const ctx = await serviceContext(settings, 'postgres', 'postgres', memory.log);
    const admin = new pg.Client({
      host: ctx.paths.run,
      port,
      user: 'postgres',
      database: 'postgres',
      password: (await readFile(superuserPasswordFile(ctx.paths), 'utf8')).trim(),
    });
    await admin.connect();
    await admin.query("ALTER SYSTEM SET log_statement = 'all'");
    await admin.end();
    await stop();

    await start('second-pass-456');
    await expect(connect('first-pass-123')).rejects.toThrow(/password authentication failed/);
    const again = await connect('second-pass-456');
    expect((await again.query('SELECT count(*)::int AS n FROM kept')).rows[0]).toEqual({ n: 1 });
    await again.end();
    const output = running?.output() ?? '';
    expect(output).toMatch(/ALTER ROLE/); // the statement was logged...
    expect(output).not.toContain('second-pass-456'); // ...without the password
    expect(JSON.stringify(memory.lines())).not.toContain('second-pass-456');
    await stop();
  });

  test('a lost superuser password file is replaced and set on the existing cluster', async () => {
    const settings = testSettings({ ROLEVISOR_HOME: home.dir, CONTAINERROLE: 'all', DBPORT: String(port) });
    const ctx = await serviceContext(settings, 'postgres', 'postgres', memory.log);
    const before = (await readFile(superuserPasswordFile(ctx.paths), 'utf8')).trim();
    await unlink(superuserPasswordFile(ctx.paths));
    await start('second-pass-456');
    const after = (await readFile(superuserPasswordFile(ctx.paths), 'utf8')).trim();
    expect(after).not.toBe(before);
    const client = await connect('second-pass-456');
    expect((await client.query('SELECT v FROM kept')).rows).toHaveLength(1);
    await client.end();
    await stop();
    expect(await leftovers(home.dir)).toEqual([]);
  });
});

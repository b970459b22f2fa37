// The application's login role (DBUSER) and database (DBNAME): created when missing, the
// role's password updated when DBPASSWORD changed. Only a SCRAM verifier is sent, never the
// password itself, so no server log or statement statistics can hold it.
import pg from 'pg';
import type { Logger } from '../../log.js';
import { scramSha256Verifier, scramVerifierMatches } from '../../util/scram.js';

export interface AppDatabase {
  user: string;
  password: string;
  database: string;
}

export type AppDatabaseChange = 'created role' | 'updated role' | 'created database';

export async function ensureAppDatabase(
  client: pg.Client,
  app: AppDatabase,
  log: Logger,
): Promise<AppDatabaseChange[]> {
  const changes: AppDatabaseChange[] = [];
  const role = pg.escapeIdentifier(app.user);
  const verifier = () => pg.escapeLiteral(scramSha256Verifier(app.password));
  const found = await client.query<{ rolpassword: string | null; rolcanlogin: boolean }>(
    'SELECT rolpassword, rolcanlogin FROM pg_authid WHERE rolname = $1',
    [app.user],
  );
  const existing = found.rows[0];
  if (!existing) {
    await client.query(`CREATE ROLE ${role} LOGIN PASSWORD ${verifier()}`);
    changes.push('created role');
    log.info({ role: app.user }, 'created the database role DBUSER');
  } else if (!existing.rolcanlogin || !scramVerifierMatches(existing.rolpassword, app.password)) {
    await client.query(`ALTER ROLE ${role} WITH LOGIN PASSWORD ${verifier()}`);
    changes.push('updated role');
    log.info({ role: app.user }, 'updated the password (DBPASSWORD) of the database role DBUSER');
  }
  const db = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [app.database]);
  if (db.rowCount === 0) {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(app.database)} OWNER ${role}`);
    changes.push('created database');
    log.info({ database: app.database, owner: app.user }, 'created the database DBNAME');
  }
  return changes;
}

// docassemble's roles that rolevisor does not run as docassemble does, each refused with its
// reason in one line rather than an "unknown role": `mail` (exim4) is not supported, use an
// SMTP service; `cron` is accepted where rolevisor's own schedule covers it (with sql/redis:
// BACKUPSCHEDULE backs them up) and refused where docassemble's cron would dump a database
// and Redis running elsewhere, which rolevisor does not back up (it backs up what it runs).
import { problemLine } from '../settings/problems.js';

export const MAIL_ROLE = 'mail';

export function rolesNamed(rolesRaw: string): string[] {
  return rolesRaw
    .split(':')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
}

export interface RoleFacts {
  rolesRaw: string;
  roles: string[];
  dbBackup: boolean;
  dbHost: string | undefined;
}

export function docassembleRoleProblems(facts: RoleFacts, given: string | undefined): string[] {
  const problems: string[] = [];
  if (rolesNamed(facts.rolesRaw).includes(MAIL_ROLE)) {
    problems.push(
      problemLine(
        'CONTAINERROLE',
        'no mail role',
        given,
        "the mail role (exim4) is not supported: use an SMTP service (the app's `mail:` settings in config.yml) and remove mail from CONTAINERROLE",
      ),
    );
  }
  const remoteDb = !facts.roles.includes('sql') && facts.dbHost !== undefined && facts.dbHost !== 'localhost';
  if (facts.roles.includes('cron') && remoteDb && facts.dbBackup) {
    problems.push(
      problemLine(
        'CONTAINERROLE',
        'no cron role where the database is elsewhere and DBBACKUP=true',
        given,
        `docassemble's cron role would dump the PostgreSQL at DBHOST=${facts.dbHost} and the remote Redis; rolevisor backs up only the services it runs: back those up with their own tools (e.g. RDS snapshots), or set DBBACKUP=false`,
      ),
    );
  }
  return problems;
}

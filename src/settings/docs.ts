// docs/configuration.md and env.example.list are generated from VARIABLES, so the docs
// cannot drift from the schema (a test compares them; `npm run docs` rewrites them).
import { docassembleTableMarkdown } from './docassemble-variables.js';
import { VARIABLES, type Group } from './variables.js';

const GROUP_TITLES: Record<Group, string> = {
  roles: 'Roles',
  state: 'State, backups and stopping',
  database: 'Database (sql role; the app connects with these)',
  redis: 'Redis (redis role)',
  rabbitmq: 'RabbitMQ (rabbitmq role)',
  log: 'Logs (log role; forwarding from every host)',
  web: 'Web (web role: nginx + uwsgi)',
  celery: 'Celery (celery role)',
  s3: 'S3 store (instead of the local BACKUPDIR)',
  azure: 'Azure Blob Storage store (instead of the local BACKUPDIR)',
  network: 'Own address and discovery',
  status: 'Status server',
  locale: 'Time zone and locale',
};

const groups = (): [Group, typeof VARIABLES][] =>
  (Object.keys(GROUP_TITLES) as Group[]).map((g) => [g, VARIABLES.filter((v) => v.group === g)]);

export function configurationMarkdown(): string {
  const out: string[] = [
    '# Configuration',
    '',
    'rolevisor reads only environment variables (as `docker run --env-file=env.list` passes them;',
    '`rolevisor run --env-file FILE` reads the same format). The docassemble names work unchanged.',
    'Booleans accept true/false, yes/no, 1/0, on/off in any case. An empty value means unset.',
    'Invalid settings stop the container before anything starts, with one line per problem and',
    'exit code 78 (see [errors.md](errors.md)). Values marked secret are never logged or shown.',
    '',
    'This page is generated from `src/settings/variables.ts` by `npm run docs`.',
    '',
  ];
  for (const [group, vars] of groups()) {
    out.push(`## ${GROUP_TITLES[group]}`, '', '| Variable | Default | Meaning |', '|---|---|---|');
    for (const v of vars) {
      out.push(
        `| \`${v.name}\`${v.secret ? ' (secret)' : ''} | ${v.shownDefault.replace(/\|/g, '\\|')} | ${v.doc.replace(/\|/g, '\\|')} |`,
      );
    }
    out.push('');
  }
  out.push(...docassembleTableMarkdown());
  return out.join('\n');
}

export function envExampleList(): string {
  const out: string[] = [
    '# rolevisor settings, in docker --env-file format (KEY=VALUE; no quotes; # starts a comment',
    '# line only: the rest of a KEY=VALUE line is its value). Every variable rolevisor knows is',
    '# listed with its default, commented out: uncomment what you change. A variable whose',
    '# default is computed is listed empty (empty means unset). Generated from',
    '# src/settings/variables.ts by `npm run docs`.',
    '',
  ];
  for (const [group, vars] of groups()) {
    out.push(`## ${GROUP_TITLES[group]}`);
    for (const v of vars) {
      const literal = /^[^ ($]+$/.test(v.shownDefault) && !v.shownDefault.startsWith('(');
      // Docker keeps everything after "=" as the value, so the default of a computed value
      // goes in the comment, never after the "=".
      out.push(
        `# ${v.doc}${v.secret ? ' (secret)' : ''}${literal ? '' : ` Default: ${v.shownDefault.replace(/^\((.*)\)$/, '$1')}.`}`,
      );
      out.push(`#${v.name}=${literal ? v.shownDefault : ''}`);
    }
    out.push('');
  }
  return out.join('\n');
}

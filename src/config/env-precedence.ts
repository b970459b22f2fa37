// ENVIRONMENT_TAKES_PRECEDENCE as docassemble's config.py does it: each variable that is SET
// in the environment overrides its own key of the store's config.yml; every other key (the
// edits made on the app's Configuration page among them) stays as the store has it.
import yaml from 'js-yaml';
import { DOCASSEMBLE_VARIABLES } from '../settings/docassemble-variables.js';

/** config.py's overrides: variable → key path (the app-only ones come from the variable table). */
const OVERRIDES: readonly [string, string[]][] = [
  ['DBPREFIX', ['db', 'prefix']],
  ['DBNAME', ['db', 'name']],
  ['DBUSER', ['db', 'user']],
  ['DBPASSWORD', ['db', 'password']],
  ['DBHOST', ['db', 'host']],
  ['DBPORT', ['db', 'port']],
  ['DBTABLEPREFIX', ['db', 'table prefix']],
  ['DBSSLMODE', ['db', 'ssl mode']],
  ['DBSSLCERT', ['db', 'ssl cert']],
  ['DBSSLKEY', ['db', 'ssl key']],
  ['DBSSLROOTCERT', ['db', 'ssl root cert']],
  ['DASECRETKEY', ['secretkey']],
  ['DABACKUPDAYS', ['backup days']],
  ['LOCALE', ['os locale']],
  ['TIMEZONE', ['timezone']],
  ['REDIS', ['redis']],
  ['RABBITMQ', ['rabbitmq']],
  ['DACELERYWORKERS', ['celery processes']],
  ['DAMAXCELERYWORKERS', ['max celery processes']],
  ['S3ENABLE', ['s3', 'enable']],
  ['S3ACCESSKEY', ['s3', 'access key id']],
  ['S3SECRETACCESSKEY', ['s3', 'secret access key']],
  ['S3BUCKET', ['s3', 'bucket']],
  ['S3REGION', ['s3', 'region']],
  ['S3ENDPOINTURL', ['s3', 'endpoint url']],
  ['S3_SSE_ALGORITHM', ['s3', 'server side encryption', 'algorithm']],
  ['S3_SSE_KMS_KEY_ID', ['s3', 'server side encryption', 'KMS key ID']],
  ['AZUREENABLE', ['azure', 'enable']],
  ['AZUREACCOUNTKEY', ['azure', 'account key']],
  ['AZUREACCOUNTNAME', ['azure', 'account name']],
  ['AZURECONTAINER', ['azure', 'container']],
  ['AZURECONNECTIONSTRING', ['azure', 'connection string']],
  ['EC2', ['ec2']],
  ['KUBERNETES', ['kubernetes']],
  ['LOGSERVER', ['log server']],
  ['USEHTTPS', ['use https']],
  ['BEHINDHTTPSLOADBALANCER', ['behind https load balancer']],
  ['DAHOSTNAME', ['external hostname']],
  ['POSTURLROOT', ['root']],
  ['PORT', ['http port']],
  ...DOCASSEMBLE_VARIABLES.filter((v) => v.treatment === 'config').map((v) => [v.name, v.key!] as [string, string[]]),
];

type Tree = Record<string, unknown>;
const isTree = (x: unknown): x is Tree => typeof x === 'object' && x !== null && !Array.isArray(x);

function getPath(tree: Tree, path: string[]): { found: boolean; value: unknown } {
  let node: unknown = tree;
  for (const key of path) {
    if (!isTree(node) || !(key in node)) return { found: false, value: undefined };
    node = node[key];
  }
  return { found: true, value: node };
}

function setPath(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    if (!isTree(node[key])) node[key] = {};
    node = node[key] as Tree;
  }
  node[path.at(-1)!] = value;
}

/** The store's config.yml with the keys of the set variables taken from the rendered one; and which keys. */
export function overlayEnvironment(
  stored: string,
  rendered: string,
  setVariables: readonly string[],
): { content: string; overlaid: string[] } {
  const base = (yaml.load(stored) ?? {}) as Tree;
  const own = (yaml.load(rendered) ?? {}) as Tree;
  const set = new Set(setVariables);
  const overlaid: string[] = [];
  for (const [name, path] of OVERRIDES) {
    if (!set.has(name)) continue;
    const { found, value } = getPath(own, path);
    if (!found) continue;
    setPath(base, path, value);
    overlaid.push(path.join(': '));
  }
  if (overlaid.length === 0) return { content: stored, overlaid };
  return { content: yaml.dump(base, { lineWidth: -1, noRefs: true, sortKeys: false }), overlaid };
}

// Loads roles/*.yml and expands a CONTAINERROLE value into concrete roles.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { catalogError } from '../errors.js';
import { CREDENTIALS, roleSchema, type Credential, type Role } from './schema.js';

/** The package's roles/ folder, from src/roles or dist/roles alike. */
export const DEFAULT_ROLES_DIR = fileURLToPath(new URL('../../roles/', import.meta.url));

export interface Expansion {
  roles: string[];
  unknown: string[];
  /** Every role with services runs here. */
  singleHost: boolean;
}

// Names are [a-z0-9-]: code-point order is the alphabetical one, and unlike localeCompare it
// does not page in ICU's collation data (~2 MB of the process's RSS).
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class RoleCatalog {
  readonly dir: string;
  private readonly roles: Map<string, Role>;

  constructor(dir: string, roles: Role[]) {
    this.dir = dir;
    this.roles = new Map(roles.map((r) => [r.name, r]));
  }

  names(): string[] {
    return [...this.roles.keys()].sort();
  }

  get(name: string): Role | undefined {
    return this.roles.get(name);
  }

  /** Concrete roles (no includes), in the order "all" lists them, then by name. */
  concrete(): Role[] {
    const canonical = this.roles.get('all')?.includes ?? [];
    const rank = (name: string) => (canonical.includes(name) ? canonical.indexOf(name) : canonical.length);
    return [...this.roles.values()]
      .filter((r) => r.includes.length === 0)
      .sort((a, b) => rank(a.name) - rank(b.name) || byCodePoint(a.name, b.name));
  }

  /** Whether any of these roles runs the app (which reads config.yml as its user). */
  runsApp(roles: string[]): boolean {
    return roles.some((r) => this.roles.get(r)?.runs_app === true);
  }

  /** The config.yml credentials these roles' services own, in catalogue order. */
  ownedCredentials(roles: string[]): Credential[] {
    const owned = new Set(roles.flatMap((r) => this.roles.get(r)?.owns_credentials ?? []));
    return CREDENTIALS.filter((c) => owned.has(c));
  }

  expand(value: string): Expansion {
    const seen = new Set<string>();
    const unknown: string[] = [];
    const visit = (name: string, stack: string[]): void => {
      const role = this.roles.get(name);
      if (!role) {
        unknown.push(name);
        return;
      }
      if (stack.includes(name)) return;
      if (role.includes.length > 0) role.includes.forEach((r) => visit(r, [...stack, name]));
      else seen.add(name);
    };
    for (const part of value.split(':').map((p) => p.trim().toLowerCase()).filter(Boolean)) visit(part, []);
    const order = this.concrete().map((r) => r.name);
    const roles = order.filter((r) => seen.has(r));
    const withServices = this.concrete().filter((r) => r.services.length > 0).map((r) => r.name);
    return { roles, unknown, singleHost: withServices.every((r) => seen.has(r)) };
  }
}

export function loadRoleCatalog(dir: string = DEFAULT_ROLES_DIR): RoleCatalog {
  const problems: string[] = [];
  const roles: Role[] = [];
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.yml')).sort();
  } catch {
    throw catalogError('RV_ROLE_FILE_INVALID', 'folderUnreadable', { dir });
  }
  for (const file of files) {
    try {
      const parsed = roleSchema.safeParse(yaml.load(readFileSync(join(dir, file), 'utf8')));
      if (!parsed.success) {
        for (const issue of parsed.error.issues) problems.push(`${file}: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
      } else if (`${parsed.data.name}.yml` !== file) {
        problems.push(`${file}: name "${parsed.data.name}" must match the file name`);
      } else {
        roles.push(parsed.data);
      }
    } catch (error) {
      problems.push(`${file}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
    }
  }
  const catalog = new RoleCatalog(dir, roles);
  for (const role of roles) {
    for (const inc of role.includes) if (!catalog.get(inc)) problems.push(`${role.name}.yml: includes unknown role "${inc}"`);
  }
  const serviceNames = new Map<string, string>();
  for (const role of catalog.concrete()) {
    for (const svc of role.services) {
      const other = serviceNames.get(svc.name);
      if (other) problems.push(`${role.name}.yml: service "${svc.name}" is also defined by role ${other}`);
      serviceNames.set(svc.name, role.name);
    }
  }
  if (problems.length > 0) {
    throw catalogError('RV_ROLE_FILE_INVALID', 'problems', { count: problems.length, dir }, { details: problems });
  }
  return catalog;
}

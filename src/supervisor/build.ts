// Plan → children: each planned service gets its kind's code, its user and its paths.
import { catalogError } from '../errors.js';
import type { Logger } from '../log.js';
import type { PlannedService } from '../roles/plan.js';
import { KINDS } from '../services/registry.js';
import type { Service, ServiceContext } from '../services/types.js';
import { servicePaths } from '../settings/paths.js';
import type { Settings } from '../settings/types.js';
import { identityFor } from '../util/identity.js';

export interface BuiltService {
  plan: PlannedService;
  service: Service;
  ctx: ServiceContext;
}

export async function buildServices(
  settings: Settings,
  plan: PlannedService[],
  rolesDir: string,
  log: Logger,
): Promise<BuiltService[]> {
  const built: BuiltService[] = [];
  for (const entry of plan) {
    const kind = KINDS[entry.kind];
    if (!kind) {
      throw catalogError('RV_ROLE_FILE_INVALID', 'unknownKind', {
        role: entry.role,
        kind: entry.kind,
        known: Object.keys(KINDS).sort(),
      });
    }
    const factory = await kind.load();
    const ctx: ServiceContext = {
      settings,
      log: log.child({ service: entry.name }),
      user: kind.user,
      identity: kind.switchesUser === 'supervisor' ? await identityFor(kind.user) : undefined,
      paths: servicePaths(settings, entry.name, rolesDir),
    };
    built.push({ plan: entry, service: factory(ctx), ctx });
  }
  return built;
}

// A ROLEVISOR_HOME under a 0700 directory (what `mktemp -d` makes): the service users cannot
// enter it. rolevisor says so in one line at prepare, with exit 77, before any service
// starts — not five Redis crash loops and a generic failure.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortSettings } from '../helpers/env.js';
import { leftovers } from '../helpers/processes.js';
import { RolevisorProcess } from '../helpers/rolevisor-process.js';

test('a home under a 0700 parent: RV_HOME_UNREACHABLE (exit 77) naming the directory, the user and the fix; nothing starts', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'rolevisor-private-'));
  try {
    const home = join(parent, 'home');
    const rv = new RolevisorProcess(['run'], {
      CONTAINERROLE: 'redis',
      ROLEVISOR_HOME: home,
      ...(await freePortSettings(['REDISPORT', 'STATUSPORT'])),
    });
    expect(await rv.exit()).toBe(77);
    const errors = rv.lines.filter((l) => String(l.level) === 'error' || Number(l.level) === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.msg).toBe(
      `rolevisor: RV_HOME_UNREACHABLE: ROLEVISOR_HOME ${home} cannot be entered by user redis, which runs redis: ${parent} is mode 0700 (owner uid 0); run chmod o+x ${parent} (or chmod 0755), or set ROLEVISOR_HOME to a directory every user can enter`,
    );
    expect(rv.lines.some((l) => /^started /.test(l.msg))).toBe(false);
    expect(await leftovers(home)).toEqual([]);
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
}, 60_000);

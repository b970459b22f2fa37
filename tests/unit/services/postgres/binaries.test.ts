import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clusterMajor, installedMajors, postgresBinaries } from '../../../../src/services/postgres/binaries.js';
import { tempHome } from '../../../helpers/env.js';

describe('postgresBinaries', () => {
  let home: Awaited<ReturnType<typeof tempHome>>;
  beforeAll(async () => {
    home = await tempHome();
    for (const major of ['13', '15', '9']) {
      await mkdir(join(home.dir, 'lib', major, 'bin'), { recursive: true });
      await writeFile(join(home.dir, 'lib', major, 'bin', 'postgres'), '');
    }
    await mkdir(join(home.dir, 'lib', '16', 'bin'), { recursive: true }); // no postgres binary: not installed
    await mkdir(join(home.dir, 'data'));
    await writeFile(join(home.dir, 'data', 'PG_VERSION'), '13\n');
  });
  afterAll(() => home.cleanup());

  test('lists installed majors newest first, numerically', () => {
    expect(installedMajors(join(home.dir, 'lib'))).toEqual([15, 13, 9]);
  });

  test("takes the newest for a new cluster and the cluster's own major for an existing one", () => {
    const lib = join(home.dir, 'lib');
    expect(postgresBinaries(undefined, lib)).toEqual({ major: 15, bin: join(lib, '15', 'bin') });
    expect(clusterMajor(join(home.dir, 'data'))).toBe(13);
    expect(postgresBinaries(13, lib).bin).toBe(join(lib, '13', 'bin'));
  });

  test("says what to install when the cluster's major is missing, or nothing is installed", () => {
    expect(() => postgresBinaries(14, join(home.dir, 'lib'))).toThrow(
      /created by PostgreSQL 14 .*install postgresql-14/,
    );
    expect(() => postgresBinaries(undefined, join(home.dir, 'nowhere'))).toThrow(
      /install the Debian package "postgresql"/,
    );
    expect(clusterMajor(join(home.dir, 'nowhere'))).toBeUndefined();
  });
});

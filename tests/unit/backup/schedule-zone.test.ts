// The backup schedule is read in TIMEZONE (croner in local time, the process's zone set to
// TIMEZONE, so that Intl's locale data never loads): 03:00 means 03:00 on that zone's clock.
// In a child Node process: jest's sandbox gives process.env.TZ no effect on the clock.
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const SCHEDULE = fileURLToPath(new URL('../../../src/backup/schedule.ts', import.meta.url));
const ZONES = ['America/New_York', 'Europe/Paris', 'Asia/Kolkata', 'UTC'];

const SCRIPT = `
import { BackupSchedule } from ${JSON.stringify(SCHEDULE)};
const log = { info() {}, warn() {} };
const out = {};
for (const zone of ${JSON.stringify(ZONES)}) {
  const state = {};
  const schedule = new BackupSchedule('0 3 * * *', zone, {}, state, log);
  schedule.start();
  // start() publishes the next run; stop() clears it.
  out[zone] = state.nextBackupAt ?? null;
  schedule.stop();
}
console.log(JSON.stringify(out));
`;

test('"0 3 * * *" is 03:00 on the clock of TIMEZONE, in every zone in turn', async () => {
  const { stdout } = await execa(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', SCRIPT]);
  const next = JSON.parse(stdout) as Record<string, number | null>;
  const now = Date.now();
  for (const zone of ZONES) {
    const at = next[zone];
    expect(at).not.toBeNull();
    expect(at! - now).toBeGreaterThan(0);
    expect(at! - now).toBeLessThanOrEqual(25 * 3600 * 1000);
    const clock = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    expect(`${zone} ${clock.format(at!)}`).toBe(`${zone} 03:00`);
  }
}, 60_000);

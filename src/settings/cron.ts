// Validates a cron expression with croner, the same library that runs the schedule.
import { Cron } from 'croner';

export default function isValidCron(expression: string): boolean {
  try {
    new Cron(expression, { paused: true }).stop();
    return true;
  } catch {
    return false;
  }
}

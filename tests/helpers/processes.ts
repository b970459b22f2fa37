// Which processes still run whose command line mentions `marker` (a temp home, usually).
import { execa } from 'execa';

export async function leftovers(marker: string): Promise<string[]> {
  const result = await execa('pgrep', ['-a', '-f', marker], { reject: false });
  return result.stdout.split('\n').filter((l) => l.trim() && !l.includes('pgrep'));
}

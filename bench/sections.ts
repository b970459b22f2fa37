// The bench sections, in page order. A new benchmark is one file exporting a BenchSection
// plus one line here.
import { backupSection } from './backup-section.js';
import { bootSection } from './boot-section.js';
import { webSection } from './web-section.js';
import { imageSection } from './image-section.js';
import { redisFilesSection } from './redis-files-section.js';
import { continuousSection } from './continuous-section.js';

export interface BenchContext {
  /** Prints a progress line with the elapsed time. */
  say: (line: string) => void;
  /** True when the run is at the documented full size (results go into docs/benchmarks.md). */
  full: boolean;
}

export interface BenchSection {
  /** The name used on the command line and in the page's markers. */
  name: string;
  /** Runs the benchmark and returns its markdown section (starting with a "## " heading). */
  run: (context: BenchContext) => Promise<string>;
}

export const SECTIONS: readonly BenchSection[] = [
  backupSection,
  redisFilesSection,
  continuousSection,
  bootSection,
  webSection,
  imageSection,
];

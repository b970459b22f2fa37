// How to start one program in the foreground: what a service kind hands the supervisor.
export interface Launch {
  /** Absolute path of the program. */
  file: string;
  /** Arguments as an array: never a shell string. No secrets here (they show in ps). */
  args: string[];
  /** The child's whole environment: nothing is inherited implicitly. */
  env: Record<string, string>;
  cwd?: string;
}

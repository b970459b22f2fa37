// A small Dockerfile reader for the container tests: instructions with their flags and
// arguments, grouped by stage. It follows the parts of the Dockerfile syntax the image
// uses: parser directives and comments, "\" continuations (comment lines inside them are
// dropped, as Docker does), JSON (exec) form, --flags, and KEY=VALUE lists.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface Instruction {
  keyword: string;
  /** --name=value flags before the arguments (COPY --from, HEALTHCHECK --interval, ...). */
  flags: Record<string, string>;
  /** The text after the flags, continuations joined with a space. */
  rest: string;
  line: number;
}

export interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i].trim();
    if (first === '' || first.startsWith('#')) continue;
    const start = i + 1;
    let joined = first;
    while (joined.endsWith('\\') && i + 1 < lines.length) {
      joined = joined.slice(0, -1).trimEnd();
      let next = lines[++i].trim();
      while (next.startsWith('#') && i + 1 < lines.length) next = lines[++i].trim();
      joined = `${joined} ${next}`;
    }
    const match = /^(\S+)\s*(.*)$/.exec(joined)!;
    let rest = match[2];
    const flags: Record<string, string> = {};
    for (let flag = /^--([a-z-]+)=(\S+)\s*/.exec(rest); flag; flag = /^--([a-z-]+)=(\S+)\s*/.exec(rest)) {
      flags[flag[1]] = flag[2]!;
      rest = rest.slice(flag[0].length);
    }
    instructions.push({ keyword: match[1].toUpperCase(), flags, rest: rest.trim(), line: start });
  }
  return instructions;
}

export function stagesOf(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [from, as, name] = instruction.rest.split(/\s+/);
      stages.push({ from: from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push(instruction);
    }
  }
  return stages;
}

/** Exec form (a JSON array of strings), or throws: the image must not depend on a shell form. */
export function execForm(text: string): string[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    throw new Error(`not a JSON array of strings: ${text}`);
  return value;
}

/** KEY=VALUE pairs as LABEL and ENV take them (double-quoted values may hold spaces). */
export function keyValues(text: string): Record<string, string> {
  const pairs: Record<string, string> = {};
  const pattern = /([A-Za-z0-9_.-]+)=("((?:[^"\\]|\\.)*)"|\S*)\s*/y;
  let at = 0;
  while (at < text.length) {
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match) throw new Error(`cannot read KEY=VALUE pairs at "${text.slice(at, at + 30)}"`);
    pairs[match[1]] = match[3] !== undefined ? match[3].replace(/\\(.)/g, '$1') : match[2];
    at = pattern.lastIndex;
  }
  return pairs;
}

export interface Image {
  stages: Stage[];
  /** The last stage: what `docker build` produces. */
  runtime: Stage;
  all(keyword: string): Instruction[];
  /** The last instruction of a kind in the runtime stage (Docker uses the last one). */
  last(keyword: string): Instruction;
  /** The runtime stage's WORKDIR (absolute). */
  workdir: string;
  env: Record<string, string>;
  entrypoint: string[];
  cmd: string[];
}

export function readImage(path = `${REPO}Dockerfile`): Image {
  const stages = stagesOf(parseDockerfile(readFileSync(path, 'utf8')));
  const runtime = stages.at(-1)!;
  const all = (keyword: string) => runtime.instructions.filter((x) => x.keyword === keyword);
  const last = (keyword: string) => {
    const found = all(keyword).at(-1);
    if (!found) throw new Error(`the runtime stage has no ${keyword}`);
    return found;
  };
  const env = Object.assign({}, ...all('ENV').map((x) => keyValues(x.rest))) as Record<string, string>;
  return {
    stages,
    runtime,
    all,
    last,
    env,
    workdir: last('WORKDIR').rest,
    entrypoint: execForm(last('ENTRYPOINT').rest),
    cmd: execForm(last('CMD').rest),
  };
}

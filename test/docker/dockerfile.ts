import { readFileSync } from 'node:fs';

/** One Dockerfile instruction: keyword, flags (`--from=build`) and the rest of the line. */
export interface Instruction {
  readonly keyword: string;
  readonly flags: Readonly<Record<string, string>>;
  readonly args: string;
}

export interface Stage {
  readonly name: string;
  readonly image: string;
  readonly instructions: readonly Instruction[];
}

/** Just enough of the Dockerfile grammar for ours: comments, continuations, stages, flags. */
export function parseDockerfile(file: string): Stage[] {
  const text = readFileSync(file, 'utf8').replace(/\\\r?\n/g, ' ');
  const stages: { name: string; image: string; instructions: Instruction[] }[] = [];
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const [keyword = '', ...rest] = trimmed.split(/\s+/);
    const flags: Record<string, string> = {};
    while (rest[0]?.startsWith('--')) {
      const [flag, value = ''] = rest.shift()!.slice(2).split('=');
      flags[flag!] = value;
    }
    const instruction = { keyword: keyword.toUpperCase(), flags, args: rest.join(' ') };
    if (instruction.keyword === 'FROM') {
      const [image = '', , name = String(stages.length)] = rest;
      stages.push({ name, image, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** `KEY=value KEY2="v 2"` (the form our ENV lines use). */
export function parseEnv(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const match of args.matchAll(/(\w+)=("([^"]*)"|\S+)/g))
    env[match[1]!] = match[3] ?? match[2]!;
  return env;
}

/** The exec (JSON array) form of RUN/CMD/ENTRYPOINT/HEALTHCHECK CMD. */
export function execForm(args: string): string[] {
  return JSON.parse(args) as string[];
}

/**
 * A small Dockerfile reader for static checks: instructions with their arguments, grouped
 * into stages, and what a stage inherits from the stage it is built FROM.
 */
export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  index: number;
  name: string | undefined;
  /** The FROM reference as written, and with build ARGs substituted. */
  from: string;
  image: string;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trimEnd();
    // Comments are whole lines; inside a continued instruction they are skipped too.
    if (/^\s*#/.test(line) || (!pending && line.trim() === '')) return;
    const continued = line.endsWith('\\');
    const body = continued ? line.slice(0, -1) : line;
    pending = pending
      ? { ...pending, text: `${pending.text} ${body.trim()}` }
      : { text: body.trim(), line: i + 1 };
    if (continued) return;
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(pending.text) ?? [];
    if (keyword) instructions.push({ keyword: keyword.toUpperCase(), args, line: pending.line });
    pending = undefined;
  });

  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const tokens = instruction.args.split(/\s+/).filter((t) => !t.startsWith('--'));
      const from = tokens[0] ?? '';
      const name = tokens[1]?.toUpperCase() === 'AS' ? tokens[2] : undefined;
      const image = from.replace(
        /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
        (_, arg) => globalArgs[arg] ?? '',
      );
      stages.push({ index: stages.length, name, from, image, instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === 'ARG') {
        const [name, value = ''] = instruction.args.split('=', 2);
        if (name) globalArgs[name.trim()] = value.trim();
      }
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

export function stageNamed(dockerfile: Dockerfile, name: string): Stage | undefined {
  return dockerfile.stages.find((s) => s.name === name);
}

/** The stage a FROM points at, when it names an earlier stage rather than an image. */
export function parentStage(dockerfile: Dockerfile, stage: Stage): Stage | undefined {
  return dockerfile.stages.find((s) => s.index < stage.index && s.name === stage.from);
}

/** The stage and the stages it is built on, nearest first. */
export function lineage(dockerfile: Dockerfile, stage: Stage): Stage[] {
  const chain = [stage];
  for (
    let parent = parentStage(dockerfile, stage);
    parent;
    parent = parentStage(dockerfile, parent)
  ) {
    chain.push(parent);
  }
  return chain;
}

/** The instructions that shape a stage's image, its ancestors' first. */
export function effectiveInstructions(dockerfile: Dockerfile, stage: Stage): Instruction[] {
  return lineage(dockerfile, stage)
    .reverse()
    .flatMap((s) => s.instructions);
}

/** The USER the image runs as; base images such as node:* run as root unless told. */
export function effectiveUser(dockerfile: Dockerfile, stage: Stage): string {
  const users = effectiveInstructions(dockerfile, stage).filter((i) => i.keyword === 'USER');
  return users.at(-1)?.args.trim() ?? 'root';
}

export function effectiveEnv(dockerfile: Dockerfile, stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { keyword, args } of effectiveInstructions(dockerfile, stage)) {
    if (keyword !== 'ENV') continue;
    if (!args.includes('=')) {
      const [name, ...value] = args.split(/\s+/);
      if (name) env[name] = value.join(' ');
      continue;
    }
    for (const pair of args.match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|'[^']*'|\S*)/g) ?? []) {
      const at = pair.indexOf('=');
      env[pair.slice(0, at)] = pair.slice(at + 1).replace(/^["']|["']$/g, '');
    }
  }
  return env;
}

export function exposedPorts(dockerfile: Dockerfile, stage: Stage): number[] {
  return effectiveInstructions(dockerfile, stage)
    .filter((i) => i.keyword === 'EXPOSE')
    .flatMap((i) => i.args.split(/\s+/))
    .map((port) => Number.parseInt(port, 10));
}

/** The last CMD or ENTRYPOINT in exec (JSON) form; shell form is refused. */
export function execForm(
  dockerfile: Dockerfile,
  stage: Stage,
  keyword: 'CMD' | 'ENTRYPOINT',
): string[] | undefined {
  const last = effectiveInstructions(dockerfile, stage)
    .filter((i) => i.keyword === keyword)
    .at(-1);
  if (!last) return undefined;
  const parsed: unknown = JSON.parse(last.args);
  if (!Array.isArray(parsed))
    throw new Error(`${keyword} on line ${last.line} is not in exec form`);
  return parsed.map(String);
}

export function workdir(dockerfile: Dockerfile, stage: Stage): string | undefined {
  return effectiveInstructions(dockerfile, stage)
    .filter((i) => i.keyword === 'WORKDIR')
    .at(-1)
    ?.args.trim();
}

/** The stage names given to COPY --from=... in a stage. */
export function copySources(stage: Stage): string[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .flatMap((i) => /--from=(\S+)/.exec(i.args)?.[1] ?? []);
}

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const dockerDir = join(repoRoot, 'docker');
export const k8sDir = join(dockerDir, 'k8s');

export function readRepoFile(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is untyped; the tests assert its shape.
export type Yaml = any;

export interface Manifest {
  /** Path from the repository root, for messages. */
  file: string;
  object: Yaml;
}

/** Every document of every .yaml file under docker/k8s/, strictly parsed. */
export function loadManifests(): Manifest[] {
  const files = readdirSync(k8sDir, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.yaml') || name.endsWith('.yml'))
    .sort();
  return files.flatMap((name) => {
    const path = join(k8sDir, name);
    const file = relative(repoRoot, path);
    return parseAllDocuments(readFileSync(path, 'utf8'), { prettyErrors: true }).flatMap((doc) => {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0]?.message}`);
      const object = doc.toJS();
      return object == null ? [] : [{ file, object }];
    });
  });
}

export function findManifest(manifests: Manifest[], kind: string, name: string): Yaml {
  const found = manifests.filter((m) => m.object.kind === kind && m.object.metadata?.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0]?.object;
}

/** compose.yaml as `docker compose` sees it with an empty environment and no docker/.env. */
export function loadCompose(): Yaml {
  const text = readFileSync(join(dockerDir, 'compose.yaml'), 'utf8');
  // Compose resolves `<<` merge keys (YAML 1.1); so does this parse.
  return interpolate(parse(text, { merge: true, prettyErrors: true }));
}

/** Compose's ${VAR}, ${VAR:-default}, ${VAR-default} and $$, with no variable set. */
function interpolate(value: Yaml): Yaml {
  if (typeof value === 'string') {
    return value.replace(
      /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (match, name, operator, operand) => {
        if (match === '$$') return '$';
        if (operator?.endsWith('?')) throw new Error(`compose requires ${name}: ${operand}`);
        return operator ? operand : '';
      },
    );
  }
  if (Array.isArray(value)) return value.map(interpolate);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v)]));
  }
  return value;
}

/** A compose `environment`, as a mapping or a list of NAME=value, as strings. */
export function composeEnvironment(service: Yaml): Record<string, string> {
  const environment = service.environment ?? {};
  const entries: Array<[string, unknown]> = Array.isArray(environment)
    ? environment.map((line: string) => {
        const at = line.indexOf('=');
        return at < 0 ? [line, ''] : [line.slice(0, at), line.slice(at + 1)];
      })
    : Object.entries(environment);
  return Object.fromEntries(entries.map(([k, v]) => [k, v == null ? '' : String(v)]));
}

/** Compose durations such as 150s, 2m30s, 1h. */
export function composeDurationMs(duration: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  const rest = duration.replace(/(\d+(?:\.\d+)?)(ms|h|m|s)/g, (_, amount, unit) => {
    total += Number(amount) * (units[unit] ?? Number.NaN);
    return '';
  });
  if (rest !== '' || duration === '') throw new Error(`not a compose duration: ${duration}`);
  return total;
}

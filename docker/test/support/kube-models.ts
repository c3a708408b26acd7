import * as keda from '@kubernetes-models/keda';
import * as kubernetes from 'kubernetes-models';

interface Validatable {
  validate(): void;
}
type ModelClass = (new (data: unknown) => Validatable) & { apiVersion: string; kind: string };

/** Every typed model of Kubernetes and KEDA, by `apiVersion/kind`. */
const models = new Map<string, ModelClass>();
const visited = new Set<object>();
function collect(namespace: object): void {
  if (visited.has(namespace)) return;
  visited.add(namespace);
  for (const value of Object.values(namespace)) {
    if (
      typeof value === 'function' &&
      typeof value.apiVersion === 'string' &&
      typeof value.kind === 'string'
    ) {
      models.set(`${value.apiVersion}/${value.kind}`, value as ModelClass);
    } else if (value && typeof value === 'object') {
      collect(value);
    }
  }
}
collect(kubernetes);
collect(keda);

export class ManifestError extends Error {}

/**
 * Validates one object against the typed model of its apiVersion and kind, then refuses any
 * field the schema does not know. The models check types, enums and required fields but let
 * unknown fields through, and a misspelt field (`terminationGracePeriodSecond`) is exactly the
 * mistake that kubectl's server-side field validation would reject, or worse, drop silently.
 */
export function validateManifest(object: unknown): void {
  if (!object || typeof object !== 'object') throw new ManifestError('not an object');
  const { apiVersion, kind } = object as { apiVersion?: unknown; kind?: unknown };
  const Model = models.get(`${apiVersion}/${kind}`);
  if (!Model) throw new ManifestError(`no Kubernetes or KEDA model for ${apiVersion} ${kind}`);
  const model = new Model(object);
  model.validate();
  const unknown = unknownFields(model);
  if (unknown.length > 0) {
    throw new ManifestError(`${kind}: unknown field(s) ${unknown.join(', ')}`);
  }
}

/**
 * The compiled validators read every property their schema knows (and every key of a free-form
 * map). Running one over a proxy that records reads leaves the unknown fields unread.
 */
function unknownFields(model: Validatable): string[] {
  const read = new Set<string>();
  model.validate.call(recordReads(model, '', read));
  const unknown: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (!value || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      const childPath = `${path}/${key}`;
      if (!read.has(childPath)) unknown.push(childPath.slice(1).replaceAll('/', '.'));
      else walk(child, childPath);
    }
  };
  walk(model, '');
  return unknown;
}

function recordReads<T>(value: T, path: string, read: Set<string>): T {
  if (!value || typeof value !== 'object') return value;
  return new Proxy(value, {
    get(target, key, receiver) {
      const child = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || !Object.hasOwn(target, key)) return child;
      const childPath = `${path}/${key}`;
      read.add(childPath);
      return recordReads(child, childPath, read);
    },
  });
}

/**
 * Builds a key under the fleet prefix. Every key of the fleet goes through here, so all of
 * them carry the prefix's hash tag and share one cluster slot.
 */
export function fleetKey(prefix: string, ...parts: string[]): string {
  return [prefix, ...parts].join(':');
}

/** Fails early on an empty prefix, which would put keys in the bare keyspace. */
export function checkPrefix(prefix: string): string {
  if (prefix.length === 0) throw new TypeError('The Redis key prefix must not be empty.');
  return prefix;
}

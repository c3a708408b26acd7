import { createHash } from 'node:crypto';
import { Prisma } from '../generated/prisma/client';

/**
 * Named (prepared) statements for the hot paths: PostgreSQL parses and plans such a
 * statement once per connection, where an unnamed one is parsed again on every call (the
 * enqueue statement is long). A statement opts in with `prepared('name')` at its start; the
 * client (client.ts) gives adapter-pg the name for it, which pg then reuses per connection.
 * Only statements whose text never changes may opt in (values are parameters, no fragment
 * varies): the name carries a hash of the text, so a second text can never take a name.
 */
export const prepared = (name: string) => {
  if (!/^[a-z_]+$/.test(name)) throw new TypeError(`Not a statement name: ${name}`);
  return Prisma.raw(`/* prepared:${name} */`);
};

const MARKER = /^\s*\/\* prepared:([a-z_]+) \*\//;
const names = new Map<string, string>();

/** The name for a statement that opted in, else undefined (an unnamed statement). */
export function statementName(sql: string): string | undefined {
  const known = names.get(sql);
  if (known) return known;
  const tag = MARKER.exec(sql)?.[1];
  if (!tag) return undefined;
  const name = `${tag}_${createHash('sha1').update(sql).digest('hex').slice(0, 12)}`;
  names.set(sql, name);
  return name;
}

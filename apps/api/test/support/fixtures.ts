import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root, where `fixtures/` lives. */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** A checked-in fixture video by its name under `fixtures/videos`. */
export const fixture = (name: string) => join(root, 'fixtures', 'videos', name);

import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is scripts/lib/). */
export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

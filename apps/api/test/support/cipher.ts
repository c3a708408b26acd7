import { parseTokenKeyring, TokenCipher } from '@tiktok-fleet/db';
import type { TestApi } from './harness';

/** The API's token cipher, to read tokens back in plain text the way the workers do. */
export const cipherOf = (api: TestApi) => new TokenCipher(parseTokenKeyring(api.config));

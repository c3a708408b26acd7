import { randomBytes } from 'node:crypto';

// Crockford's base32, lower case: no i, l, o, u, so an id read aloud or retyped stays right.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** `acc_`, `post_`, `key_` + 26 random characters (130 bits): safe in URLs, logs and SQL. */
export function newId(prefix: 'acc' | 'post' | 'key'): string {
  const bytes = randomBytes(17);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return `${prefix}_${out}`;
}

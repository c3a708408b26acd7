import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption of OAuth tokens at rest: AES-256-GCM under a named key.
 *
 *   v1:<key id>:<iv, base64>:<auth tag, base64>:<ciphertext, base64>
 *
 *   v2:<key id>:<iv, base64>:<auth tag, base64>:<ciphertext, base64>
 *
 * The key id travels with each ciphertext, so keys can rotate: new writes use the current
 * key, rows written under a previous one stay readable while that key is listed. The header
 * (`v1:<key id>`) is GCM's additional data, so a ciphertext moved under another key id
 * fails to authenticate instead of decrypting to garbage. A v2 value also binds where it is
 * stored (the account row and the column, `context`) into the additional data, so a
 * ciphertext copied to another account or field fails the same way. v1 values (written
 * before) stay readable; the next write of the row makes them v2.
 */

const VERSION = 'v1';
const BOUND_VERSION = 'v2';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export type TokenCipherErrorCode =
  | 'token_decrypt_failed'
  | 'token_key_unknown'
  | 'token_key_invalid';

export class TokenCipherError extends Error {
  constructor(
    readonly code: TokenCipherErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TokenCipherError';
  }
}

export interface TokenKey {
  id: string;
  key: Buffer;
}

export interface TokenKeyring {
  /** Encrypts every new value. */
  current: TokenKey;
  /** Still decrypt values written before a rotation. */
  previous: TokenKey[];
}

function parseKey(entry: string, variable: string): TokenKey {
  const colon = entry.indexOf(':');
  const id = entry.slice(0, colon);
  const key = Buffer.from(entry.slice(colon + 1), 'base64');
  if (colon < 0 || !KEY_ID.test(id) || key.length !== KEY_BYTES) {
    throw new TokenCipherError(
      'token_key_invalid',
      `${variable} must be <key id>:<base64 of 32 random bytes> (e.g. k1:$(openssl rand -base64 32))`,
    );
  }
  return { id, key };
}

/**
 * The keyring from `TOKEN_ENCRYPTION_KEY="<id>:<base64>"` and the optional
 * `TOKEN_DECRYPTION_KEYS="<id>:<base64>,<id>:<base64>"` (keys that are only read).
 */
export function parseTokenKeyring(env: {
  TOKEN_ENCRYPTION_KEY: string;
  TOKEN_DECRYPTION_KEYS?: string;
}): TokenKeyring {
  const current = parseKey(env.TOKEN_ENCRYPTION_KEY.trim(), 'TOKEN_ENCRYPTION_KEY');
  const previous = (env.TOKEN_DECRYPTION_KEYS ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry) => parseKey(entry, 'TOKEN_DECRYPTION_KEYS'));
  return { current, previous };
}

/** Strict base64: one spelling per byte string, so an edited character never passes. */
function fromBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

const unreadable = () =>
  new TokenCipherError(
    'token_decrypt_failed',
    'A stored token could not be decrypted: it was altered or written with another key. ' +
      'Reconnect the account.',
  );

export class TokenCipher {
  private readonly keys: Map<string, Buffer>;
  private readonly current: TokenKey;

  constructor(keyring: TokenKeyring) {
    this.current = keyring.current;
    this.keys = new Map([...keyring.previous, keyring.current].map((k) => [k.id, k.key]));
  }

  /** The id of the key new values are written with. */
  get currentKeyId(): string {
    return this.current.id;
  }

  /** With `context` (where the value is stored), the value only decrypts there. */
  encrypt(plaintext: string, context?: string): string {
    const header = `${context === undefined ? VERSION : BOUND_VERSION}:${this.current.id}`;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(Buffer.from(context === undefined ? header : `${header}:${context}`));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [header, iv.toString('base64'), tag.toString('base64'), body.toString('base64')].join(
      ':',
    );
  }

  /** A v2 value decrypts only with the `context` it was written with. */
  decrypt(value: string, context?: string): string {
    const parts = value.split(':');
    const [version, keyId, ivText, tagText, bodyText] = parts;
    const bound = version === BOUND_VERSION;
    if (parts.length !== 5 || (version !== VERSION && !bound) || keyId === undefined) {
      throw unreadable();
    }
    if (bound && context === undefined) throw unreadable();
    const key = this.keys.get(keyId);
    if (!key) {
      throw new TokenCipherError(
        'token_key_unknown',
        `A stored token was encrypted with key "${keyId}", which is not configured. Add it to ` +
          'TOKEN_DECRYPTION_KEYS, or reconnect the account.',
      );
    }
    const iv = fromBase64(ivText ?? '');
    const tag = fromBase64(tagText ?? '');
    const body = fromBase64(bodyText ?? '');
    if (iv?.length !== IV_BYTES || tag?.length !== TAG_BYTES || !body) throw unreadable();
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(
        Buffer.from(bound ? `${version}:${keyId}:${context}` : `${version}:${keyId}`),
      );
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw unreadable();
    }
  }

  /** The key id a stored value was written with (without decrypting it). */
  keyIdOf(value: string): string | undefined {
    const [version, keyId] = value.split(':');
    return version === VERSION || version === BOUND_VERSION ? keyId : undefined;
  }
}

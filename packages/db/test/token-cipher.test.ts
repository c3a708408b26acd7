import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseTokenKeyring, TokenCipher, TokenCipherError } from '../src/token-cipher';

const keyEntry = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const k1 = keyEntry('k1');
const k2 = keyEntry('k2');
const cipherWith = (current: string, previous = '') =>
  new TokenCipher(
    parseTokenKeyring({ TOKEN_ENCRYPTION_KEY: current, TOKEN_DECRYPTION_KEYS: previous }),
  );

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenCipherError);
    return (error as TokenCipherError).code;
  }
  return undefined;
}

/** The value with one byte of part `index` (0 version .. 4 ciphertext) flipped. */
function flipByte(value: string, index: number): string {
  const parts = value.split(':');
  const part = parts[index] ?? '';
  if (index < 2) {
    parts[index] = String.fromCharCode(part.charCodeAt(0) ^ 1) + part.slice(1);
  } else {
    const bytes = Buffer.from(part, 'base64');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 0x01;
    parts[index] = bytes.toString('base64');
  }
  return parts.join(':');
}

describe('TokenCipher', () => {
  it('round-trips a token, with a fresh IV each time', () => {
    const cipher = cipherWith(k1);
    const token = 'act.example-access-token!ü✓';
    const a = cipher.encrypt(token);
    const b = cipher.encrypt(token);
    expect(a).toMatch(/^v1:k1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(a).not.toContain(token);
    expect(a).not.toBe(b);
    expect(cipher.decrypt(a)).toBe(token);
    expect(cipher.decrypt(b)).toBe(token);
    expect(cipher.decrypt(cipher.encrypt(''))).toBe('');
  });

  it.each([
    [0, 'version'],
    [1, 'key id'],
    [2, 'iv'],
    [3, 'auth tag'],
    [4, 'ciphertext'],
  ])('refuses a value with a byte of its %s flipped (%s)', (index) => {
    const cipher = cipherWith(k1, k2);
    const value = cipher.encrypt('refresh-token-value');
    const tampered = flipByte(value, index);
    expect(tampered).not.toBe(value);
    expect(['token_decrypt_failed', 'token_key_unknown']).toContain(
      codeOf(() => cipher.decrypt(tampered)),
    );
  });

  it('refuses a ciphertext moved under another key id, even one with the same key bytes', () => {
    // Only the key id as additional data tells these two apart.
    const alias = `alias:${k1.slice(k1.indexOf(':') + 1)}`;
    const cipher = cipherWith(k1, `${alias},${k2}`);
    const value = cipher.encrypt('token');
    for (const id of ['alias', 'k2']) {
      const moved = value.replace(/^v1:k1:/, `v1:${id}:`);
      expect(codeOf(() => cipher.decrypt(moved))).toBe('token_decrypt_failed');
    }
  });

  it('refuses a truncated auth tag and malformed values', () => {
    const cipher = cipherWith(k1);
    const [version, id, iv, tag, body] = cipher.encrypt('token').split(':');
    const shortTag = Buffer.from(tag ?? '', 'base64')
      .subarray(0, 8)
      .toString('base64');
    for (const bad of [
      [version, id, iv, shortTag, body].join(':'),
      [version, id, iv, tag].join(':'),
      'plain-text-token',
      '',
    ]) {
      expect(codeOf(() => cipher.decrypt(bad))).toBe('token_decrypt_failed');
    }
  });

  it('reads values written under an older key after rotation, and writes with the new one', () => {
    const before = cipherWith(k1);
    const old = before.encrypt('old-token');
    const after = cipherWith(k2, k1);
    expect(after.decrypt(old)).toBe('old-token');
    const fresh = after.encrypt('new-token');
    expect(after.keyIdOf(fresh)).toBe('k2');
    expect(after.currentKeyId).toBe('k2');
    // A process still on the old keyring cannot read the new value: it says why.
    expect(codeOf(() => before.decrypt(fresh))).toBe('token_key_unknown');
  });

  it('names the unknown key id, and never the key or the token', () => {
    const value = cipherWith(keyEntry('retired')).encrypt('secret-token');
    let message = '';
    try {
      cipherWith(k1).decrypt(value);
    } catch (error) {
      expect((error as TokenCipherError).code).toBe('token_key_unknown');
      message = (error as Error).message;
    }
    expect(message).toContain('"retired"');
    expect(message).toContain('TOKEN_DECRYPTION_KEYS');
    expect(message).not.toContain('secret-token');
  });

  it('refuses a malformed key in either variable, naming the variable', () => {
    const attempts: Array<[Record<string, string>, string]> = [
      [
        { TOKEN_ENCRYPTION_KEY: `k1:${randomBytes(16).toString('base64')}` },
        'TOKEN_ENCRYPTION_KEY',
      ],
      [{ TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64') }, 'TOKEN_ENCRYPTION_KEY'],
      [
        { TOKEN_ENCRYPTION_KEY: k1, TOKEN_DECRYPTION_KEYS: `${k2},bad:key` },
        'TOKEN_DECRYPTION_KEYS',
      ],
    ];
    for (const [env, variable] of attempts) {
      expect(() =>
        parseTokenKeyring(env as { TOKEN_ENCRYPTION_KEY: string; TOKEN_DECRYPTION_KEYS?: string }),
      ).toThrow(
        expect.objectContaining({
          code: 'token_key_invalid',
          message: expect.stringContaining(variable),
        }),
      );
    }
  });
});

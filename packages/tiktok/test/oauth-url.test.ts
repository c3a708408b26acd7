import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTikTokClient } from '../src/client';
import { userInfoFieldsForScopes } from '../src/display';
import { parseScopes } from '../src/oauth';
import {
  createCodeChallenge,
  createCodeVerifier,
  createPkcePair,
  isValidCodeVerifier,
} from '../src/pkce';

const client = createTikTokClient({ clientKey: 'ck_test', clientSecret: 'cs_test_secret' });

describe('authorize URL', () => {
  it('carries client_key, comma-separated scopes, state and response_type=code', () => {
    const url = new URL(
      client.buildAuthorizeUrl({
        redirectUri: 'https://app.example/api/integrations/tiktok/callback',
        scopes: ['user.info.basic', 'video.publish', 'video.upload'],
        state: 'st4te',
      }),
    );
    expect(url.origin + url.pathname).toBe('https://www.tiktok.com/v2/auth/authorize/');
    expect(url.searchParams.get('client_key')).toBe('ck_test');
    expect(url.searchParams.get('scope')).toBe('user.info.basic,video.publish,video.upload');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('redirect_uri')).toBe(
      'https://app.example/api/integrations/tiktok/callback',
    );
    expect(url.searchParams.get('state')).toBe('st4te');
    expect(url.searchParams.has('code_challenge')).toBe(false);
    expect(url.searchParams.has('client_id')).toBe(false);
    expect(url.toString()).not.toContain('cs_test_secret');
  });

  it('adds the S256 challenge when given', () => {
    const url = new URL(
      client.buildAuthorizeUrl({
        redirectUri: 'https://a.example/cb',
        scopes: ['user.info.basic'],
        state: 's',
        codeChallenge: 'abc',
      }),
    );
    expect(url.searchParams.get('code_challenge')).toBe('abc');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('refuses a missing state or empty scopes', () => {
    expect(() =>
      client.buildAuthorizeUrl({ redirectUri: 'https://a/cb', scopes: [], state: 's' }),
    ).toThrow();
    expect(() =>
      client.buildAuthorizeUrl({ redirectUri: 'https://a/cb', scopes: ['x'], state: '' }),
    ).toThrow();
  });
});

describe('PKCE', () => {
  it('makes verifiers of 43-128 allowed characters', () => {
    for (const len of [43, 64, 128]) {
      const v = createCodeVerifier(len);
      expect(v).toHaveLength(len);
      expect(isValidCodeVerifier(v)).toBe(true);
    }
    expect(() => createCodeVerifier(42)).toThrow(RangeError);
    expect(() => createCodeVerifier(129)).toThrow(RangeError);
    expect(createCodeVerifier()).not.toBe(createCodeVerifier());
  });

  it('encodes the challenge as hex (TikTok desktop docs) or base64url (RFC 7636)', () => {
    // RFC 7636 appendix B's example.
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    expect(createCodeChallenge(verifier, 'base64url')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
    expect(createCodeChallenge(verifier, 'hex')).toBe(
      createHash('sha256').update(verifier).digest('hex'),
    );
    expect(createCodeChallenge(verifier)).toMatch(/^[0-9a-f]{64}$/);
    expect(() => createCodeChallenge('short')).toThrow(RangeError);
  });

  it('pairs a verifier with its challenge', () => {
    const pair = createPkcePair('base64url');
    expect(pair.codeChallenge).toBe(createCodeChallenge(pair.codeVerifier, 'base64url'));
    expect(pair.codeChallengeMethod).toBe('S256');
  });
});

describe('scopes and fields', () => {
  it('reads comma-separated scopes', () => {
    expect(parseScopes('user.info.basic,video.list, video.upload')).toEqual([
      'user.info.basic',
      'video.list',
      'video.upload',
    ]);
    expect(parseScopes(undefined)).toEqual([]);
  });

  it('picks user fields by granted scope', () => {
    const basic = userInfoFieldsForScopes(['user.info.basic']);
    expect(basic).toContain('display_name');
    expect(basic).not.toContain('follower_count');
    const all = userInfoFieldsForScopes([
      'user.info.basic',
      'user.info.profile',
      'user.info.stats',
    ]);
    expect(all).toEqual(
      expect.arrayContaining(['username', 'is_verified', 'follower_count', 'video_count']),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { createLogger, memoryDestination } from '../src/index';

function capture() {
  const destination = memoryDestination();
  const logger = createLogger({ name: 'test', level: 'debug', destination });
  return { logger, output: () => destination.lines().join('\n') };
}

const accessToken = 'act.1a2b3c4d5e6f7g8h9i0jAccessTokenValue';
const refreshToken = 'rft.9z8y7x6w5v4u3t2s1rRefreshTokenValue';
const clientSecret = 'sandbox-client-secret-value-123';

describe('the logger redacts secrets', () => {
  it('hides access tokens, refresh tokens and client secrets in logged objects at any depth', () => {
    const { logger, output } = capture();
    logger.info(
      {
        tokens: { access_token: accessToken, refresh_token: refreshToken, expires_in: 7200 },
        request: { form: { client_key: 'ck', client_secret: clientSecret } },
        nested: [{ deeper: { accessToken } }],
      },
      'token refreshed',
    );
    const text = output();
    expect(text).toContain('token refreshed');
    expect(text).toContain('"expires_in":7200');
    expect(text).toContain('"client_key":"ck"');
    for (const secret of [accessToken, refreshToken, clientSecret])
      expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
  });

  it('hides Authorization headers and tokens inside messages and errors', () => {
    const { logger, output } = capture();
    const error = Object.assign(new Error(`refresh failed for ${refreshToken}`), {
      config: { headers: { Authorization: `Bearer ${accessToken}` } },
    });
    logger.error({ err: error }, `calling TikTok with Bearer ${accessToken}`);
    logger.warn(`retrying https://open.tiktokapis.com/x?access_token=${accessToken}&a=1`);
    const text = output();
    expect(text).toContain('refresh failed for rft.[redacted]');
    expect(text).toContain('calling TikTok with Bearer act.[redacted]');
    expect(text).toContain('"Authorization":"[redacted]"');
    expect(text).toContain('a=1');
    expect(text).not.toContain(accessToken);
    expect(text).not.toContain(refreshToken);
  });

  it('writes one JSON object per line for machines', () => {
    const { logger, output } = capture();
    logger.info({ postId: 'post_1' }, 'published');
    const record = JSON.parse(output());
    expect(record).toMatchObject({ name: 'test', postId: 'post_1', msg: 'published', level: 30 });
  });
});

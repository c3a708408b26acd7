import { createHmac } from 'node:crypto';
import type { SandboxContext } from './context';
import { toJson } from './json';

const maxAttempts = 6;
const firstRetryMs = 250;
const deliveryTimeoutMs = 5000;

/**
 * `TikTok-Signature: t=<seconds>,s=<hex hmac_sha256(client_secret, t + "." + body)>`
 * (docs/tiktok-api.md, Webhooks).
 */
export function signature(secret: string, timestamp: number, rawBody: string): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex');
  return `t=${timestamp},s=${digest}`;
}

/**
 * Sends one event in TikTok's envelope; `content` is a JSON-encoded string (docs/tiktok-api.md,
 * Webhooks), with post ids as raw int64 numbers inside it. TikTok retries for 72 h; the sandbox
 * retries a few times with doubling delays (about 8 s in all), enough for a test to see a retry.
 */
export function sendWebhook(
  ctx: SandboxContext,
  event: string,
  openId: string,
  content: Record<string, unknown>,
): void {
  const url = ctx.state.config.webhookUrl;
  if (!url) return;
  const body = toJson({
    client_key: ctx.state.clientKey,
    event,
    create_time: Math.floor(ctx.state.clock.now() / 1000),
    user_openid: openId,
    content: toJson(content),
  });
  void deliver(ctx, url, body, 1);
}

async function deliver(ctx: SandboxContext, url: string, body: string, attempt: number) {
  const { state } = ctx;
  const epoch = state.scheduler.epoch;
  const controller = state.scheduler.abortController();
  const timer = setTimeout(() => controller.abort(), deliveryTimeoutMs);
  let ok = false;
  try {
    // The signature's timestamp is checked against the receiver's own clock (replay
    // window), which the sandbox clock does not move: it stays the wall clock.
    const t = Math.floor(Date.now() / 1000);
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'tiktok-signature': signature(state.clientSecret, t, body),
      },
      body,
      signal: controller.signal,
    });
    await response.arrayBuffer().catch(() => undefined);
    // Anything but a 200 counts as a failure (docs/tiktok-api.md, Webhooks).
    ok = response.status === 200;
  } catch {
    ok = false;
  } finally {
    clearTimeout(timer);
    state.scheduler.forget(controller);
  }
  if (ok || attempt >= maxAttempts || epoch !== state.scheduler.epoch) return;
  state.scheduler.after(firstRetryMs * 2 ** (attempt - 1), () =>
    deliver(ctx, url, body, attempt + 1),
  );
}

/**
 * Secret scrubbing for log records. pino's own `redact` needs every path spelled out, and a
 * token can turn up anywhere (an axios error's config, a TikTok response, a job's data), so
 * records are walked and any key that names a secret is replaced, at any depth; strings that
 * look like TikTok tokens or bearer credentials are masked wherever they appear.
 */
export const REDACTED = '[redacted]';

const SECRET_KEY =
  /^(access_?token|refresh_?token|client_?secret|authorization|api_?key|apikey|x-api-key|password|token|secret|cookie|set-cookie|code_?verifier|upload_?token|ciphertext|.*_(token|secret))$/i;

// TikTok token prefixes (act., rft., clt.), bearer credentials, and secrets in query strings.
const SECRET_IN_TEXT: Array<[RegExp, string]> = [
  [/\b(act|rft|clt)\.[A-Za-z0-9._~+/=-]{6,}/g, `$1.${REDACTED}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  [
    /([?&](?:access_token|refresh_token|client_secret|upload_token|code|token)=)[^&\s"']+/gi,
    `$1${REDACTED}`,
  ],
  [/\b(tf_live_)[A-Za-z0-9_-]{6,}/g, `$1${REDACTED}`],
];

// One cheap test that every pattern above needs to match somewhere: a string without any of
// these is returned as it is, without four replace passes.
const SECRET_HINT = /act\.|rft\.|clt\.|bearer|basic|=|tf_live_/i;

export function redactText(text: string): string {
  if (!SECRET_HINT.test(text)) return text;
  let out = text;
  for (const [pattern, replacement] of SECRET_IN_TEXT) out = out.replace(pattern, replacement);
  return out;
}

/**
 * The value with secrets replaced. Copy on write: a value with nothing to redact (the hot
 * path's `{ postId, jobId, attempt }`) is returned as it is, without a copy of each object.
 */
export function redactValue(value: unknown, seen = new WeakSet<object>(), depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value) || depth > 8) return '[…]';
  seen.add(value);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    value.forEach((v, i) => {
      const r = redactValue(v, seen, depth + 1);
      if (r !== v) {
        out ??= value.slice();
        out[i] = r;
      }
    });
    return out ?? value;
  }
  if (value instanceof Error) {
    const plain: Record<string, unknown> = { type: value.name, message: value.message };
    if (value.stack) plain.stack = value.stack;
    for (const [k, v] of Object.entries(value)) plain[k] = v;
    return redactValue(plain, seen, depth);
  }
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    const r =
      SECRET_KEY.test(key) && v != null && v !== '' ? REDACTED : redactValue(v, seen, depth + 1);
    if (r !== v) {
      out ??= { ...(value as Record<string, unknown>) };
      out[key] = r;
    }
  }
  return out ?? value;
}

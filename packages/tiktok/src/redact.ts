// TikTok's tokens carry these prefixes (act. access, rft. refresh, clt. client); anything
// shaped like one is scrubbed even when the client never saw that particular token.
const TOKEN_PATTERN = /\b(act|rft|clt)\.[A-Za-z0-9._~!*+/=-]+/g;
// Upload URLs carry their credential in the query string.
const UPLOAD_TOKEN_PATTERN = /(upload_token=)[^&\s"']+/gi;

/** Removes tokens, upload tokens and the given secrets from text bound for an error or log. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text
    .replace(TOKEN_PATTERN, '$1.[redacted]')
    .replace(UPLOAD_TOKEN_PATTERN, '$1[redacted]');
  for (const secret of secrets) {
    // Very short values would redact ordinary words; real secrets are long.
    if (secret.length >= 6) out = out.split(secret).join('[redacted]');
  }
  return out;
}

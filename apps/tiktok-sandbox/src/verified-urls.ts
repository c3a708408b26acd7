import type { SandboxConfig } from './config';

/**
 * Whether TikTok would pull from `url`: it must be on a domain or URL prefix verified for the
 * app (docs/tiktok-api.md, Pull from URL and cancel). Without a configured list the sandbox
 * verifies every https URL; with one, only URLs under a listed prefix.
 */
export function isVerifiedUrl(config: Pick<SandboxConfig, 'verifiedUrlPrefixes'>, url: string) {
  if (!URL.canParse(url)) return false;
  const prefixes = config.verifiedUrlPrefixes;
  if (prefixes === null) return new URL(url).protocol === 'https:';
  return prefixes.some((prefix) => url.startsWith(prefix));
}

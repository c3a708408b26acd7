const BASE = 'http://same-origin.invalid';

/**
 * `value` as a path of this site (path, query, fragment), or null when it is anything else:
 * an absolute URL, a scheme-relative `//host`, a backslash trick, control characters. Used
 * for `next` after signing in and for a session caller's `redirectTo`, so neither can send
 * the browser to another site.
 */
export function sameOriginPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return null;
  if (!value.startsWith('/') || value.startsWith('//')) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are refused
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return null;
  const url = new URL(value, BASE);
  if (url.origin !== BASE) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

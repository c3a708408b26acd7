/** Where the fleet's Redis is: one server, or the seed nodes of a Redis Cluster. */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | {
      kind: 'cluster';
      /** Seed nodes: any one that answers tells the client where every slot lives. */
      nodes: Array<{ host: string; port: number }>;
      username?: string;
      password?: string;
      tls: boolean;
    };

/** What REDIS_URL accepts, for error messages. */
export const REDIS_URL_FORMS =
  'redis://[user:password@]host:port[/db] (rediss:// for TLS), or for a Redis Cluster ' +
  'redis+cluster://[user:password@]host:port[,host:port...] (rediss+cluster:// for TLS)';

const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#@]+)\/?$/i;

/**
 * Reads REDIS_URL. A single server is a plain `redis:`/`rediss:` URL; a cluster is
 * `redis+cluster://` followed by one or more seed `host:port`s, comma-separated (a cluster has
 * only database 0, so there is no path). Throws a TypeError saying what is accepted.
 */
export function parseRedisUrl(value: string): RedisTarget {
  const cluster = CLUSTER_URL.exec(value.trim());
  if (cluster) {
    const [, scheme = 'redis', auth, hosts = ''] = cluster;
    const nodes = hosts.split(',').map((hostPort) => {
      const parsed = tryUrl(`redis://${hostPort.trim()}`);
      if (!parsed?.hostname || !parsed.port) {
        throw new TypeError(
          `"${hostPort}" is not a host:port of a cluster node (${REDIS_URL_FORMS})`,
        );
      }
      return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(parsed.port) };
    });
    const [username, password] = auth === undefined ? [] : splitAuth(auth);
    return {
      kind: 'cluster',
      nodes,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      tls: scheme.toLowerCase() === 'rediss',
    };
  }
  const single = tryUrl(value.trim());
  if (!single || !['redis:', 'rediss:'].includes(single.protocol)) {
    throw new TypeError(`expected ${REDIS_URL_FORMS}`);
  }
  return { kind: 'single', url: value.trim() };
}

function tryUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** `user:password`, `:password` or `password`-less `user`, percent-decoded like a URL's. */
function splitAuth(auth: string): [string | undefined, string | undefined] {
  const colon = auth.indexOf(':');
  const decode = (s: string) => (s === '' ? undefined : decodeURIComponent(s));
  return colon === -1
    ? [decode(auth), undefined]
    : [decode(auth.slice(0, colon)), decode(auth.slice(colon + 1))];
}

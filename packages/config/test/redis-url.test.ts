import { describe, expect, test } from 'vitest';
import { parseConfig } from '../src/load-config';
import { parseRedisUrl } from '../src/redis-url';

describe('REDIS_URL', () => {
  test('a single server stays the URL it is', () => {
    expect(parseRedisUrl('redis://:secret@10.0.0.5:6380/2')).toEqual({
      kind: 'single',
      url: 'redis://:secret@10.0.0.5:6380/2',
    });
  });

  test('redis+cluster:// names the seed nodes, with credentials and TLS', () => {
    expect(parseRedisUrl('rediss+cluster://fleet:p%40ss@a.example:7000,b.example:7001')).toEqual({
      kind: 'cluster',
      nodes: [
        { host: 'a.example', port: 7000 },
        { host: 'b.example', port: 7001 },
      ],
      username: 'fleet',
      password: 'p@ss',
      tls: true,
    });
    expect(parseRedisUrl('redis+cluster://127.0.0.1:7000')).toEqual({
      kind: 'cluster',
      nodes: [{ host: '127.0.0.1', port: 7000 }],
      tls: false,
    });
  });

  test('a cluster node without a port, or another scheme, is refused with the accepted forms', () => {
    expect(() => parseRedisUrl('redis+cluster://a.example,b.example:7001')).toThrow(
      /"a.example" is not a host:port of a cluster node/,
    );
    expect(() => parseConfig(['REDIS_URL'], { REDIS_URL: 'http://redis:6379' })).toThrow(
      /REDIS_URL is invalid: expected a redis: or rediss: URL: .*redis\+cluster:\/\//,
    );
    expect(parseConfig(['REDIS_URL'], { REDIS_URL: 'redis+cluster://r1:6379,r2:6379' })).toEqual({
      REDIS_URL: 'redis+cluster://r1:6379,r2:6379',
    });
  });
});

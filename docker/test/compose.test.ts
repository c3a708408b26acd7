import { parseConfig } from '@tiktok-fleet/config';
import { describe, expect, it } from 'vitest';
import { allKeys, isSet, requiredKeys } from './support/config-keys';
import { exposedPorts, parseDockerfile, stageNamed } from './support/dockerfile';
import {
  composeDurationMs,
  composeEnvironment,
  loadCompose,
  readRepoFile,
  type Yaml,
} from './support/files';

const compose = loadCompose();
const services: Record<string, Yaml> = compose.services;
const dockerfile = parseDockerfile(readRepoFile('docker/Dockerfile'));
const fleet = ['api', 'worker'] as const;
const env = (name: string) => composeEnvironment(services[name]);

/** "3001:3001" or { target, published } → the container side. */
const containerPorts = (service: Yaml): number[] =>
  (service.ports ?? []).map((p: Yaml) =>
    typeof p === 'object' ? Number(p.target) : Number(String(p).split(':').at(-1)?.split('/')[0]),
  );
const publishedPorts = (service: Yaml): number[] =>
  (service.ports ?? []).map((p: Yaml) =>
    typeof p === 'object' ? Number(p.published) : Number(String(p).split(':').at(-2)),
  );
const imagePorts = (target: string) => {
  const stage = stageNamed(dockerfile, target);
  if (!stage) throw new Error(`no Dockerfile stage ${target}`);
  return exposedPorts(dockerfile, stage);
};

describe('docker/compose.yaml', () => {
  it('runs redis, postgres, the migration, the sandbox, the api and the workers', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['api', 'migrate', 'postgres', 'redis', 'sandbox', 'worker'].sort(),
    );
  });

  it('builds every image from a stage of docker/Dockerfile, from the repository root', () => {
    const built = Object.entries(services).filter(([, s]) => s.build);
    expect(built.map(([name]) => name).sort()).toEqual(['api', 'migrate', 'sandbox', 'worker']);
    for (const [name, service] of built) {
      expect(service.build.context, name).toBe('..');
      expect(service.build.dockerfile, name).toBe('docker/Dockerfile');
      expect(
        stageNamed(dockerfile, service.build.target),
        `${name}: target ${service.build.target}`,
      ).toBeDefined();
    }
  });

  it('runs Redis the way BullMQ needs in production: noeviction, AOF fsynced every second', () => {
    const { image, command, volumes } = services.redis;
    expect(image).toMatch(/^redis:7(\b|$)/);
    const args = (Array.isArray(command) ? command : String(command).split(/\s+/)).join(' ');
    expect(args).toContain('--maxmemory-policy noeviction');
    expect(args).toContain('--appendonly yes');
    expect(args).toContain('--appendfsync everysec');
    expect(volumes.some((v: string) => v.endsWith(':/data'))).toBe(true);
  });

  it('keeps PostgreSQL 16 on a volume, with a healthcheck the others wait for', () => {
    const { image, volumes, healthcheck } = services.postgres;
    expect(image).toMatch(/^postgres:16(\b|$)/);
    expect(volumes.some((v: string) => v.endsWith(':/var/lib/postgresql/data'))).toBe(true);
    expect(healthcheck.test).toContain('pg_isready');
  });

  describe.each(fleet)('%s environment', (name) => {
    it('sets every variable the config schema requires', () => {
      const missing = requiredKeys.filter((key) => !isSet(env(name), key));
      expect(missing).toEqual([]);
    });

    it('sets no variable the config schema does not know (a typo would be ignored)', () => {
      const unknown = Object.keys(env(name)).filter((key) => !(allKeys as string[]).includes(key));
      expect(unknown).toEqual([]);
    });

    it('passes the config schema as it is, so `docker compose up` starts', () => {
      expect(() => parseConfig(allKeys, env(name))).not.toThrow();
    });

    it('reaches redis and postgres by their service names', () => {
      expect(new URL(env(name).REDIS_URL ?? '').hostname).toBe('redis');
      const database = new URL(env(name).DATABASE_URL ?? '');
      const postgres = env('postgres');
      expect(database.hostname).toBe('postgres');
      expect(database.username).toBe(postgres.POSTGRES_USER);
      expect(decodeURIComponent(database.password)).toBe(postgres.POSTGRES_PASSWORD);
      expect(database.pathname).toBe(`/${postgres.POSTGRES_DB}`);
    });

    it('talks to the sandbox instead of TikTok by default', () => {
      const sandbox = env('sandbox');
      const [sandboxPort] = imagePorts('sandbox');
      // Called by the containers, inside the compose network.
      const api = new URL(env(name).TIKTOK_API_BASE_URL ?? '');
      expect([api.hostname, Number(api.port)]).toEqual(['sandbox', sandboxPort]);
      // Opened by a person's browser on the host: the sandbox's published port.
      const authorize = new URL(env(name).TIKTOK_AUTH_URL ?? '');
      expect(authorize.hostname).toBe('localhost');
      expect(publishedPorts(services.sandbox)).toContain(Number(authorize.port));
      expect(authorize.pathname).toBe('/v2/auth/authorize/');
      expect(env(name).TIKTOK_CLIENT_KEY).toBe(sandbox.SANDBOX_CLIENT_KEY);
      expect(env(name).TIKTOK_CLIENT_SECRET).toBe(sandbox.SANDBOX_CLIENT_SECRET);
    });

    it('starts after the migration succeeded and the services are healthy', () => {
      const dependsOn = services[name].depends_on;
      expect(dependsOn.migrate).toEqual({ condition: 'service_completed_successfully' });
      for (const service of ['redis', 'postgres', 'sandbox']) {
        expect(dependsOn[service], service).toEqual({ condition: 'service_healthy' });
      }
    });

    it('mounts the shared media volume at MEDIA_ROOT', () => {
      const mediaRoot = env(name).MEDIA_ROOT;
      const mount = (services[name].volumes as string[]).find((v) => v.split(':')[1] === mediaRoot);
      expect(mount?.split(':')[0]).toBe('media');
      expect(Object.keys(compose.volumes)).toContain('media');
    });
  });

  it('runs the migration once against the same database', () => {
    const migrate = services.migrate;
    expect(migrate.restart).toBe('no');
    expect(migrate.depends_on.postgres).toEqual({ condition: 'service_healthy' });
    expect(env('migrate').DATABASE_URL).toBe(env('api').DATABASE_URL);
    expect(() => parseConfig(['DATABASE_URL'], env('migrate'))).not.toThrow();
  });

  it('runs two workers that get longer than SHUTDOWN_GRACE_MS to stop', () => {
    const worker = services.worker;
    expect(worker.deploy.replicas).toBe(2);
    // Two replicas cannot publish one host port.
    expect(worker.ports).toBeUndefined();
    const grace = composeDurationMs(worker.stop_grace_period);
    expect(grace).toBeGreaterThan(Number(env('worker').SHUTDOWN_GRACE_MS));
  });

  it('uses the ports the images expose and the apps listen on', () => {
    expect(containerPorts(services.api)).toEqual(imagePorts('api'));
    expect(imagePorts('api')).toEqual([Number(env('api').PORT)]);
    expect(services.worker.expose.map(Number)).toEqual(imagePorts('worker'));
    expect(imagePorts('worker')).toEqual([Number(env('worker').WORKER_METRICS_PORT)]);
    expect(containerPorts(services.sandbox)).toEqual(imagePorts('sandbox'));
    expect(imagePorts('sandbox')).toEqual([Number(env('sandbox').SANDBOX_PORT)]);
    expect(env('sandbox').SANDBOX_HOST).toBe('0.0.0.0');
  });

  it('checks health on the paths and ports the apps serve', () => {
    const expected: Record<string, { port: number; paths: string[] }> = {
      api: { port: Number(env('api').PORT), paths: ['/readyz', '/healthz'] },
      worker: { port: Number(env('worker').WORKER_METRICS_PORT), paths: ['/readyz', '/healthz'] },
      // The sandbox's control API stands in for a health endpoint.
      sandbox: { port: Number(env('sandbox').SANDBOX_PORT), paths: ['/_sandbox/stats'] },
    };
    for (const [name, { port, paths }] of Object.entries(expected)) {
      const test: unknown[] = services[name].healthcheck.test;
      // A YAML plain scalar with ": " in it silently becomes a mapping: every part a string.
      expect(
        test.every((part) => typeof part === 'string'),
        name,
      ).toBe(true);
      expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
      const script = String(test[3]);
      expect(() => new Function(script), name).not.toThrow();
      const url = new URL(/fetch\('([^']+)'\)/.exec(script)?.[1] ?? '');
      expect([url.hostname, Number(url.port)], name).toEqual(['127.0.0.1', port]);
      expect(paths, name).toContain(url.pathname);
    }
  });
});

import { type ConfigKey, parseConfig } from '@tiktok-fleet/config';
import { describe, expect, it } from 'vitest';
import { allKeys, isSet, requiredKeys, secretKeys } from './support/config-keys';
import { exposedPorts, parseDockerfile, stageNamed } from './support/dockerfile';
import { findManifest, loadManifests, readRepoFile, type Yaml } from './support/files';
import { validateManifest } from './support/kube-models';

const namespace = 'tiktok-fleet';
const manifests = loadManifests();
const find = (kind: string, name: string) => findManifest(manifests, kind, name);
const dockerfile = parseDockerfile(readRepoFile('docker/Dockerfile'));

const configMap = find('ConfigMap', 'tiktok-fleet-config');
const secret = find('Secret', 'tiktok-fleet-secrets');
const config: Record<string, string> = configMap.data;
const secrets: Record<string, string> = secret.stringData;
const api = find('Deployment', 'api');
const worker = find('Deployment', 'worker');
const apiService = find('Service', 'api');
const scaledObject = find('ScaledObject', 'worker');
const hpa = find('HorizontalPodAutoscaler', 'worker');
const migrateJob = find('Job', 'migrate');
const mediaClaim = find('PersistentVolumeClaim', 'tiktok-fleet-media');

const podSpec = (workload: Yaml) => workload.spec.template.spec;
const container = (workload: Yaml) => podSpec(workload).containers[0];
/** A probe's or a Service's port, by number or by the container port's name. */
const resolvePort = (c: Yaml, port: number | string): number | undefined =>
  typeof port === 'number'
    ? c.ports?.find((p: Yaml) => p.containerPort === port)?.containerPort
    : c.ports?.find((p: Yaml) => p.name === port)?.containerPort;
/** The Dockerfile target an image reference was built from: .../tiktok-fleet/<target>:<tag>. */
const imageTarget = (image: string) => /\/tiktok-fleet\/([a-z-]+):[\w.-]+$/.exec(image)?.[1];
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** 128 MiB, the largest chunk TikTok accepts (the last one), at 10 Mbit/s. */
const longestChunkMs = ((128 * 1024 * 1024 * 8) / 10_000_000) * 1000;

describe('docker/k8s manifests', () => {
  it('parse, and each one validates against its Kubernetes or KEDA model with no unknown field', () => {
    expect(manifests.length).toBeGreaterThan(0);
    for (const { file, object } of manifests) {
      expect(
        () => validateManifest(object),
        `${file}: ${object.kind} ${object.metadata?.name}`,
      ).not.toThrow();
    }
  });

  it('define what the fleet needs to run', () => {
    const present = manifests.map(({ object }) => `${object.kind}/${object.metadata.name}`).sort();
    expect(present).toEqual(
      [
        'ConfigMap/tiktok-fleet-config',
        'Deployment/api',
        'Deployment/worker',
        'HorizontalPodAutoscaler/worker',
        'Job/migrate',
        'Namespace/tiktok-fleet',
        'PersistentVolumeClaim/tiktok-fleet-media',
        'PodDisruptionBudget/worker',
        'ScaledObject/worker',
        'Secret/tiktok-fleet-secrets',
        'Service/api',
      ].sort(),
    );
  });

  it('put everything in the tiktok-fleet namespace', () => {
    for (const { file, object } of manifests) {
      if (object.kind === 'Namespace') expect(object.metadata.name).toBe(namespace);
      else expect(object.metadata.namespace, file).toBe(namespace);
    }
  });

  describe('fail validation when a field is wrong', () => {
    const broken = (mutate: (copy: Yaml) => void, original: Yaml = worker) => {
      const copy = structuredClone(original);
      mutate(copy);
      return () => validateManifest(copy);
    };

    it('a value of the wrong type', () => {
      expect(
        broken((d) => {
          d.spec.replicas = 'two';
        }),
      ).toThrow(/replicas must be integer/);
      expect(
        broken((d) => {
          podSpec(d).terminationGracePeriodSeconds = '150s';
        }),
      ).toThrow(/integer/);
    });

    it('a misspelt or unknown field', () => {
      expect(
        broken((d) => {
          container(d).imagePullPolice = 'Always';
        }),
      ).toThrow(/unknown field\(s\) spec\.template\.spec\.containers\.0\.imagePullPolice/);
      expect(
        broken((d) => {
          podSpec(d).terminationGracePeriodSecond = 150;
        }),
      ).toThrow(/terminationGracePeriodSecond/);
      expect(
        broken((d) => {
          d.spec.minReplicas = 2;
        }, scaledObject),
      ).toThrow(/spec\.minReplicas/);
    });

    it('a missing required field', () => {
      expect(
        broken((d) => {
          delete container(d).readinessProbe.httpGet.port;
        }),
      ).toThrow(/port/);
      expect(
        broken((d) => {
          delete d.spec.scaleTargetRef;
        }, scaledObject),
      ).toThrow(/scaleTargetRef/);
    });

    it('a kind no model knows', () => {
      expect(
        broken((d) => {
          d.kind = 'Deploymnet';
        }),
      ).toThrow(/no Kubernetes or KEDA model/);
    });
  });

  describe.each([
    ['api', api],
    ['worker', worker],
    ['migrate', migrateJob],
  ] as const)('%s pods', (target, workload) => {
    const c = container(workload);

    it('run the image of their Dockerfile target, at the release every image shares', () => {
      expect(imageTarget(c.image)).toBe(target);
      expect(stageNamed(dockerfile, target)).toBeDefined();
      const tags = [api, worker, migrateJob].map((w) => container(w).image.split(':').at(-1));
      expect(new Set(tags).size).toBe(1);
    });

    it('run as a non-root user, without privileges, on a read-only root filesystem', () => {
      const pod = podSpec(workload).securityContext;
      expect(pod.runAsNonRoot).toBe(true);
      // The image's USER is a name (node); the kubelet can only check a numeric uid.
      expect(pod.runAsUser).toBeGreaterThan(0);
      expect(pod.seccompProfile.type).toBe('RuntimeDefault');
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(podSpec(workload).automountServiceAccountToken).toBe(false);
    });

    it('get a writable /tmp (tsx compile cache) despite the read-only root', () => {
      const mount = c.volumeMounts.find((m: Yaml) => m.mountPath === '/tmp');
      const volume = podSpec(workload).volumes.find((v: Yaml) => v.name === mount?.name);
      expect(volume?.emptyDir).toBeDefined();
    });

    it('request CPU and memory and cap memory', () => {
      expect(c.resources.requests.cpu).toBeDefined();
      expect(c.resources.requests.memory).toBeDefined();
      expect(c.resources.limits.memory).toBeDefined();
    });

    it('listen on the ports their image exposes', () => {
      const ports = (c.ports ?? []).map((p: Yaml) => p.containerPort);
      const stage = stageNamed(dockerfile, target);
      expect(stage && ports).toEqual(stage && exposedPorts(dockerfile, stage));
    });
  });

  describe.each([
    ['api', api, 'PORT'],
    ['worker', worker, 'WORKER_METRICS_PORT'],
  ] as const)('%s Deployment', (_, deployment, portKey) => {
    const c = container(deployment);

    it('selects its own pods', () => {
      expect(
        matches(deployment.spec.selector.matchLabels, deployment.spec.template.metadata.labels),
      ).toBe(true);
    });

    it('listens where the ConfigMap tells the app to', () => {
      expect(c.ports.map((p: Yaml) => p.containerPort)).toEqual([Number(config[portKey])]);
    });

    it('probes readiness on /readyz and liveness on /healthz, on its own port', () => {
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
      expect(c.livenessProbe.httpGet.path).toBe('/healthz');
      expect(c.startupProbe.httpGet.path).toBe('/healthz');
      for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
        expect(resolvePort(c, probe.httpGet.port)).toBe(Number(config[portKey]));
      }
    });

    it('takes its settings from the ConfigMap and the Secret', () => {
      expect(c.envFrom).toEqual([
        { configMapRef: { name: configMap.metadata.name } },
        { secretRef: { name: secret.metadata.name } },
      ]);
    });

    it('mounts the shared ReadWriteMany media volume at MEDIA_ROOT', () => {
      const mount = c.volumeMounts.find((m: Yaml) => m.mountPath === config.MEDIA_ROOT);
      const volume = podSpec(deployment).volumes.find((v: Yaml) => v.name === mount?.name);
      expect(volume?.persistentVolumeClaim?.claimName).toBe(mediaClaim.metadata.name);
      expect(mediaClaim.spec.accessModes).toEqual(['ReadWriteMany']);
      // Group-owned by the app's gid so the non-root process can write to it.
      expect(podSpec(deployment).securityContext.fsGroup).toBe(
        podSpec(deployment).securityContext.runAsGroup,
      );
    });
  });

  it('expose the api through a Service that reaches its container port', () => {
    const c = container(api);
    expect(matches(apiService.spec.selector, api.spec.template.metadata.labels)).toBe(true);
    expect(matches(apiService.spec.selector, worker.spec.template.metadata.labels)).toBe(false);
    for (const port of apiService.spec.ports) {
      expect(resolvePort(c, port.targetPort)).toBe(Number(config.PORT));
      expect(port.port).toBe(Number(config.PORT));
    }
  });

  describe('worker', () => {
    it('leaves its replica count to the autoscaler', () => {
      expect(worker.spec.replicas).toBeUndefined();
      expect(api.spec.replicas).toBeGreaterThanOrEqual(2);
    });

    it('gets a grace period longer than SHUTDOWN_GRACE_MS, which covers the longest chunk', () => {
      const graceMs = podSpec(worker).terminationGracePeriodSeconds * 1000;
      const shutdownMs = Number(config.SHUTDOWN_GRACE_MS);
      expect(graceMs).toBeGreaterThan(shutdownMs);
      expect(shutdownMs).toBeGreaterThanOrEqual(longestChunkMs);
      // A preStop hook's time would count against the same grace period.
      expect(container(worker).lifecycle?.preStop).toBeUndefined();
    });

    it('has a PodDisruptionBudget that lets one worker go at a time', () => {
      const pdb = find('PodDisruptionBudget', 'worker');
      expect(pdb.spec.maxUnavailable).toBe(1);
      expect(matches(pdb.spec.selector.matchLabels, worker.spec.template.metadata.labels)).toBe(
        true,
      );
    });
  });

  describe('worker autoscaling', () => {
    const file = (kind: string) => manifests.find((m) => m.object.kind === kind)?.file;

    it('has KEDA and a fallback HPA in separate files, both on the worker Deployment', () => {
      expect(file('ScaledObject')).not.toBe(file('HorizontalPodAutoscaler'));
      for (const target of [scaledObject.spec.scaleTargetRef, hpa.spec.scaleTargetRef]) {
        expect(target).toMatchObject({ kind: 'Deployment', name: worker.metadata.name });
      }
      expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([
        scaledObject.spec.minReplicaCount,
        scaledObject.spec.maxReplicaCount,
      ]);
    });

    it('scales KEDA on the publish backlog the API serves in-cluster', () => {
      const [trigger, ...others] = scaledObject.spec.triggers;
      expect(others).toEqual([]);
      expect(trigger.type).toBe('metrics-api');
      const url = new URL(trigger.metadata.url);
      expect(url.hostname).toBe(`${apiService.metadata.name}.${namespace}.svc`);
      expect(Number(url.port)).toBe(apiService.spec.ports[0].port);
      expect(url.pathname).toBe('/internal/queue-backlog');
      expect(trigger.metadata.valueLocation).toBe('publish.backlog');
      // One pod's worth of backlog is what one pod runs at once.
      expect(trigger.metadata.targetValue).toBe(config.WORKER_CONCURRENCY);
    });

    it('never scales to zero and waits longer than a shutdown before scaling to it', () => {
      expect(scaledObject.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
      expect(scaledObject.spec.cooldownPeriod).toBeGreaterThanOrEqual(
        podSpec(worker).terminationGracePeriodSeconds,
      );
    });

    it('stays within PostgreSQL max_connections at full scale', () => {
      const pods = api.spec.replicas + scaledObject.spec.maxReplicaCount + 1;
      expect(pods * Number(config.DATABASE_POOL_SIZE)).toBeLessThanOrEqual(100);
    });
  });

  it('runs migrations in a one-shot Job with the database URL from the Secret', () => {
    expect(podSpec(migrateJob).restartPolicy).toBe('Never');
    const databaseUrl = container(migrateJob).env.find((e: Yaml) => e.name === 'DATABASE_URL');
    expect(databaseUrl.valueFrom.secretKeyRef).toEqual({
      name: secret.metadata.name,
      key: 'DATABASE_URL',
    });
    expect(secrets.DATABASE_URL).toBeDefined();
  });

  describe('ConfigMap and Secret', () => {
    const all: Record<string, string> = { ...config, ...secrets };

    it('set every variable the config schema requires', () => {
      expect(requiredKeys.filter((key) => !isSet(all, key))).toEqual([]);
    });

    it('set no variable the config schema does not know, and none twice', () => {
      expect(Object.keys(all).filter((key) => !(allKeys as string[]).includes(key))).toEqual([]);
      expect(Object.keys(config).filter((key) => key in secrets)).toEqual([]);
    });

    it('keep credentials out of the ConfigMap', () => {
      expect(secretKeys.filter((key) => key in config)).toEqual([]);
    });

    it('hold settings that the apps accept as they are', () => {
      expect(() => parseConfig(Object.keys(config) as ConfigKey[], config)).not.toThrow();
    });

    it('hold placeholders that a process refuses rather than runs with', () => {
      for (const key of ['TOKEN_ENCRYPTION_KEY', 'CALLBACK_SIGNING_SECRET'] as const) {
        expect(secrets[key]).toMatch(/REPLACE_ME/);
        expect(() => parseConfig([key], secrets), key).toThrow();
      }
    });
  });
});

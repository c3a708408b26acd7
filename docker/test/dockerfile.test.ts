import { configSchema } from '@tiktok-fleet/config';
import { describe, expect, it } from 'vitest';
import {
  copySources,
  effectiveEnv,
  effectiveInstructions,
  effectiveUser,
  execForm,
  exposedPorts,
  parentStage,
  parseDockerfile,
  stageNamed,
  workdir,
} from './support/dockerfile';
import { readRepoFile } from './support/files';
import { runtimeTargets } from './support/targets';

const dockerfile = parseDockerfile(readRepoFile('docker/Dockerfile'));
const stage = (name: string) => {
  const found = stageNamed(dockerfile, name);
  if (!found) throw new Error(`docker/Dockerfile has no stage named ${name}`);
  return found;
};

const schemaDefault = (key: 'PORT' | 'WORKER_METRICS_PORT') =>
  configSchema.shape[key].parse(undefined);

describe('docker/Dockerfile', () => {
  it('has a target for each image of the fleet', () => {
    for (const target of Object.keys(runtimeTargets))
      expect(stageNamed(dockerfile, target)).toBeDefined();
  });

  it('names each stage once', () => {
    const names = dockerfile.stages.flatMap((s) => s.name ?? []);
    expect(new Set(names).size).toBe(names.length);
  });

  it('builds every stage FROM an earlier stage or a current LTS Node image', () => {
    for (const s of dockerfile.stages) {
      if (parentStage(dockerfile, s)) continue;
      // An external image: the Node base, through the NODE_IMAGE build argument.
      expect(s.from, `stage ${s.name}`).toMatch(/^\$\{NODE_IMAGE\}$/);
      expect(s.image, `stage ${s.name}`).toMatch(
        /^node:(22|24)(\.\d+){0,2}-bookworm-slim(@sha256:[0-9a-f]{64})?$/,
      );
    }
  });

  it('copies only from stages defined before', () => {
    for (const s of dockerfile.stages) {
      for (const source of copySources(s)) {
        const from = stageNamed(dockerfile, source);
        expect(from, `COPY --from=${source} in stage ${s.name}`).toBeDefined();
        expect(from?.index).toBeLessThan(s.index);
      }
    }
  });

  it('installs the pnpm the repository pins, without corepack', () => {
    const pinned = JSON.parse(readRepoFile('package.json')).packageManager as string;
    const text = effectiveInstructions(dockerfile, stage('build'))
      .map((i) => i.args)
      .join('\n');
    expect(text).toContain(`npm install -g ${pinned}`);
    expect(text).not.toContain('corepack');
    expect(text).toMatch(/pnpm install --frozen-lockfile/);
    expect(text).toContain('pnpm --filter @tiktok-fleet/db generate');
  });

  it('deploys each runtime image from its package with production dependencies only', () => {
    const build = stage('build')
      .instructions.map((i) => i.args)
      .join('\n');
    expect(build).toMatch(/pnpm deploy --filter "@tiktok-fleet\/\$pkg" --prod/);
    expect(build).toMatch(/for pkg in api worker tiktok-sandbox;/);
    expect(build).toMatch(/pnpm deploy --filter @tiktok-fleet\/db --prod/);
    for (const [target, { dir }] of Object.entries(runtimeTargets)) {
      const outDir = dir.split('/')[1];
      const copy = stage(target).instructions.find(
        (i) => i.keyword === 'COPY' && i.args.startsWith('--from=build '),
      );
      expect(copy?.args, `stage ${target}`).toContain(`/out/${outDir} `);
      // The repository's layout is kept, so paths relative to a package still resolve.
      expect(workdir(dockerfile, stage(target))).toBe(`/app/${dir}`);
    }
  });

  describe.each(Object.entries(runtimeTargets))('target %s', (target, { entry }) => {
    const s = stage(target);

    it('runs as a non-root user', () => {
      expect(['', 'root', '0'].includes(effectiveUser(dockerfile, s).split(':')[0] ?? '')).toBe(
        false,
      );
    });

    it('runs Node in production mode under tini, so SIGTERM reaches it', () => {
      expect(effectiveEnv(dockerfile, s).NODE_ENV).toBe('production');
      expect(execForm(dockerfile, s, 'ENTRYPOINT')).toEqual(['/usr/bin/tini', '--']);
      expect(execForm(dockerfile, s, 'CMD')).toEqual(['node', '--import', 'tsx', entry]);
    });

    it('builds on a runtime stage that carries no toolchain', () => {
      const stages = [s, ...[parentStage(dockerfile, s)].flatMap((p) => p ?? [])];
      const text = stages.flatMap((x) => x.instructions.map((i) => i.args)).join('\n');
      expect(text).not.toMatch(/\bpnpm\b|npm install/);
    });
  });

  it('has no HEALTHCHECK (Kubernetes probes and compose healthchecks do that)', () => {
    const all = dockerfile.stages.flatMap((s) => s.instructions);
    expect(all.filter((i) => i.keyword === 'HEALTHCHECK')).toEqual([]);
  });

  it('exposes the ports the apps listen on by default', () => {
    expect(exposedPorts(dockerfile, stage('api'))).toEqual([schemaDefault('PORT')]);
    expect(exposedPorts(dockerfile, stage('worker'))).toEqual([
      schemaDefault('WORKER_METRICS_PORT'),
    ]);
    const sandboxEnv = effectiveEnv(dockerfile, stage('sandbox'));
    expect(exposedPorts(dockerfile, stage('sandbox'))).toEqual([Number(sandboxEnv.SANDBOX_PORT)]);
    // Inside a container the sandbox must listen on every interface, not 127.0.0.1.
    expect(sandboxEnv.SANDBOX_HOST).toBe('0.0.0.0');
    expect(exposedPorts(dockerfile, stage('migrate'))).toEqual([]);
  });

  it("ships Debian's ffprobe in the worker image (every platform has it) and names it", () => {
    const worker = stage('worker')
      .instructions.map((i) => i.args)
      .join('\n');
    expect(worker).toMatch(/apt-get install -y --no-install-recommends ffmpeg/);
    expect(worker).toMatch(/ffprobe -version/);
    expect(effectiveEnv(dockerfile, stage('worker')).FFPROBE_PATH).toBe('/usr/bin/ffprobe');
    // ffprobe-static's binaries (none for linux/arm64) stay out of every image.
    const build = stage('build')
      .instructions.map((i) => i.args)
      .join('\n');
    expect(build).toContain(
      'rm -rf /out/*/node_modules/.pnpm/ffprobe-static@*/node_modules/ffprobe-static/bin',
    );
  });

  it('puts the built page where the api serves it from (apps/web/dist beside apps/api)', () => {
    const copies = stage('api').instructions.filter((i) => i.keyword === 'COPY');
    expect(copies.map((c) => c.args)).toContain('--from=build /out/web-dist /app/apps/web/dist');
  });

  it('gives the migration image the prisma/ directory beside the db package', () => {
    const copies = stage('migrate').instructions.filter((i) => i.keyword === 'COPY');
    expect(copies.map((c) => c.args)).toContain('--from=build /repo/prisma /app/prisma');
  });
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRepoFile, repoRoot } from './support/files';
import { type RuntimeTarget, runtimeTargets } from './support/targets';

/**
 * Packages that do not yet declare what their image needs, each with the change it awaits.
 * Shown as todo until then; delete an entry when its change lands, and the check is back on.
 */
const pending: Partial<Record<RuntimeTarget, string>> = {
  sandbox: 'tsx in apps/tiktok-sandbox dependencies',
  migrate: 'tsx in packages/db dependencies',
};

const manifestOf = (dir: string) => JSON.parse(readRepoFile(join(dir, 'package.json')));

/**
 * What each image needs from the package it deploys: the images run `node --import tsx
 * <entry>` over `pnpm deploy --prod`, so tsx must be a production dependency and the entry
 * must exist. Each check starts once the package has its entry point.
 */
describe.each(Object.entries(runtimeTargets))('the %s image', (target, spec) => {
  const title = `runs ${spec.dir}/${spec.entry} through tsx, a production dependency of ${spec.package}`;
  const awaiting = pending[target as RuntimeTarget];
  if (awaiting) {
    it.todo(`${title} (awaiting: ${awaiting})`);
    return;
  }
  it.skipIf(!existsSync(join(repoRoot, spec.dir, spec.entry)))(title, () => {
    const manifest = manifestOf(spec.dir);
    expect(manifest.name).toBe(spec.package);
    expect(manifest.dependencies?.tsx, `${spec.dir}/package.json dependencies`).toBeDefined();
  });
});

const worker = runtimeTargets.worker;
it.skipIf(!existsSync(join(repoRoot, worker.dir, 'package.json')))(
  'the worker image carries ffprobe (ffprobe-static, through @tiktok-fleet/media)',
  () => {
    expect(manifestOf(worker.dir).dependencies?.['@tiktok-fleet/media']).toBeDefined();
    expect(manifestOf('packages/media').dependencies?.['ffprobe-static']).toBeDefined();
  },
);

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRepoFile } from './support/files';
import { runtimeTargets } from './support/targets';

const manifestOf = (dir: string) => JSON.parse(readRepoFile(join(dir, 'package.json')));

/**
 * What each image needs from the package it deploys: the images run `node --import tsx
 * <entry>` over `pnpm deploy --prod`, so tsx must be a production dependency and the entry
 * must exist.
 */
describe.each(Object.values(runtimeTargets))('the image of $package', (spec) => {
  it(`runs ${spec.dir}/${spec.entry} through tsx, a production dependency`, () => {
    expect(readRepoFile(join(spec.dir, spec.entry)).length).toBeGreaterThan(0);
    const manifest = manifestOf(spec.dir);
    expect(manifest.name).toBe(spec.package);
    expect(manifest.dependencies?.tsx, `${spec.dir}/package.json dependencies`).toBeDefined();
  });
});

it("the worker finds ffprobe through FFPROBE_PATH (the images set Debian's), else ffprobe-static", () => {
  expect(manifestOf(runtimeTargets.worker.dir).dependencies?.['@tiktok-fleet/media']).toBeDefined();
  expect(readRepoFile('packages/media/src/run-ffprobe.ts')).toContain('process.env.FFPROBE_PATH');
});

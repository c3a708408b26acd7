import { describe, expect, it } from 'vitest';
import { probeVideo } from '../src/index';
import { spawnHelperPid } from '../src/spawn-helper';
import { fixture } from './fixtures';

// ffprobe runs from a small long-lived helper process (spawn-helper.ts), not from the worker
// whose memory makes every spawn block its event loop (issue 12). Its speed is measured by
// `pnpm bench:probe`; here: that the probes go through it and survive losing it.

describe('the spawn helper', () => {
  it('runs the probes from one long-lived process, and a new one after it dies', async () => {
    await probeVideo(fixture('valid-vertical.mp4'));
    const first = spawnHelperPid();
    expect(first).toBeDefined();
    expect(first).not.toBe(process.pid);
    await probeVideo(fixture('valid-horizontal.mov'));
    expect(spawnHelperPid()).toBe(first);

    process.kill(first as number, 'SIGKILL');
    // The next probes work as before, from a new helper.
    const probes = await Promise.all([
      probeVideo(fixture('valid-vertical.mp4')),
      probeVideo(fixture('valid-vertical.mp4')),
    ]);
    expect(probes.map((p) => p.video?.codec)).toEqual(['h264', 'h264']);
    expect(spawnHelperPid()).not.toBe(first);
  });
});

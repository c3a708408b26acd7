import { fileURLToPath } from 'node:url';
import type { VideoProbe } from '../src/index';

/** Absolute path of a file in fixtures/videos (made by scripts/make-fixtures.sh). */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`../../../fixtures/videos/${name}`, import.meta.url));
}

/** A probe result of a postable video, for limits no fixture can reach (600 s, 4 GiB). */
export function syntheticProbe(overrides: Partial<VideoProbe> = {}): VideoProbe {
  return {
    container: 'mp4',
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    formatLongName: 'QuickTime / MOV',
    sizeBytes: 50_000_000,
    durationSec: 30,
    bitRate: 13_333_333,
    video: {
      codec: 'h264',
      codecLongName: 'H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10',
      width: 1080,
      height: 1920,
      codedWidth: 1080,
      codedHeight: 1920,
      rotation: 0,
      fps: 30,
      bitRate: 13_000_000,
    },
    audio: { codec: 'aac', bitRate: 128_000 },
    ...overrides,
  };
}

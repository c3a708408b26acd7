/** The images the fleet runs, by Dockerfile target: the workspace package each one deploys. */
export const runtimeTargets = {
  api: { package: '@tiktok-fleet/api', dir: 'apps/api', entry: 'src/main.ts' },
  worker: { package: '@tiktok-fleet/worker', dir: 'apps/worker', entry: 'src/main.ts' },
  sandbox: {
    package: '@tiktok-fleet/tiktok-sandbox',
    dir: 'apps/tiktok-sandbox',
    entry: 'src/main.ts',
  },
  migrate: { package: '@tiktok-fleet/db', dir: 'packages/db', entry: 'scripts/migrate.ts' },
} as const;

export type RuntimeTarget = keyof typeof runtimeTargets;

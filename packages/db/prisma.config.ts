// Prisma 7 reads its settings from here, not from schema.prisma. The schema and migrations
// live in prisma/ at the repository root (Prisma's own layout), shared by every package.
// The Prisma CLI is only used for `generate` on these machines (scripts/generate.sh); its
// migrate commands need an engine binary that cannot be downloaded here, so
// `pnpm db:migrate` / `pnpm db:diff` drive the WASM engine instead. Where the binary can be
// had, `prisma migrate deploy` with this file agrees with them.
import { defineConfig } from 'prisma/config';

export default defineConfig({
  schema: '../../prisma/schema.prisma',
  migrations: { path: '../../prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL },
});

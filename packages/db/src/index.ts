export { applyMigrations } from './migrations';

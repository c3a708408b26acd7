export type { SandboxConfig } from './config';
export { type Sandbox, type SandboxOptions, startSandbox } from './server';

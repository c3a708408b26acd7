#!/usr/bin/env node
// The `tiktok-fleet` command. The project has no build step, so the TypeScript entry point
// runs through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');

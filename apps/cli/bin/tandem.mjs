#!/usr/bin/env node
// The admin CLI's entry point (see apps/server/bin/tandemd.mjs for why tsx is registered here).
import { register } from 'tsx/esm/api';
register();
await import('../src/main.ts');

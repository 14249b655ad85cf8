#!/usr/bin/env node
// The daemon's entry point. Sources are TypeScript run through tsx's loader, so a fresh
// `npm install` needs no build step before `tandemd` or `npm start` works.
import { register } from 'tsx/esm/api';
register();
await import('../src/main.ts');

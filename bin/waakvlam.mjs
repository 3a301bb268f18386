#!/usr/bin/env node
// The `waakvlam` command (npx waakvlam …): runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../entrypoints/cli.ts');

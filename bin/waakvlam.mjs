#!/usr/bin/env node
// The `waakvlam` command (npx waakvlam …). In a source checkout it runs the TypeScript CLI through tsx (a development
// dependency); where only the production build and dependencies are installed (the image), the compiled one.
const tsx = await import('tsx/esm/api').catch(() => undefined);
if (tsx) {
  tsx.register();
  await import('../entrypoints/cli.ts');
} else {
  await import('../dist/entrypoints/cli.js');
}

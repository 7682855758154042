import { defineConfig } from 'vite';

/** The example dashboard's build: static files in dist/ (served by `npm start`, or any static server with a config.json). */
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  logLevel: 'warn',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022' },
});

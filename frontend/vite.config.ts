import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

// Two HTML entries: the app shell every page route serves, and the page the service answers for an
// unknown campaign. Assets get content hashes, so the service can let browsers keep them for a year.
export default defineConfig({
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    target: 'es2020',
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        'not-found': resolve(import.meta.dirname, 'not-found.html'),
      },
    },
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/ws': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
});

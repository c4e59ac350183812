/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The API server (`flowdesk serve`) refuses foreign Host and Origin headers, so the proxy
// rewrites the Host (changeOrigin) and the Origin.
export default defineConfig({
  plugins: [react()],
  base: './',
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    proxy: {
      '/api': {
        target: 'http://127.0.0.1:8787',
        changeOrigin: true,
        // the browser's Origin is the dev server's; present the API's own origin instead
        headers: { origin: 'http://127.0.0.1:8787' },
      },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
});

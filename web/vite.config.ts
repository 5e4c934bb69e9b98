// The dashboard's build: static files into ../build/web, which medfwd serves (web_dir).
// Nothing is fetched at run time: every script, style and font is in the bundle.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: '../build/web',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // no inline <script> or data: module: the CSP is script-src 'self'
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: {
    // development only: `npx vite` with medfwd at MEDFWD_URL
    proxy: {
      '/api': process.env.MEDFWD_URL ?? 'http://127.0.0.1:8443',
    },
  },
});

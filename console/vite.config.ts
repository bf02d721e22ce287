/**
 * The console's build. Mode `devstack` (the dev stack and the browser tests) compiles the dev sign-in in;
 * any other mode (production, for Firebase Hosting) leaves it out: __DEV_SIGN_IN__ is false there and
 * the bundler drops the code behind it.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

export default defineConfig(({ mode }) => ({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [preact()],
  define: { __DEV_SIGN_IN__: JSON.stringify(mode === 'devstack') },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: false },
  logLevel: 'warn',
}));

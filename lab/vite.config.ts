/**
 * Vite config of the browser lab (`npm run lab` serves it, `npm run build:lab` writes the static site
 * to dist-lab/). Relative asset URLs (`base: "./"`) let the built site be hosted under any path.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = fileURLToPath(new URL("..", import.meta.url));

/** Root lab/, output dist-lab/, module workers, and access to ../src and ../experiments for the dev server. */
export default defineConfig({
  root: here,
  base: "./",
  // No public/ folder: everything the page needs is imported, so it is hashed and bundled.
  publicDir: false,
  build: {
    outDir: fileURLToPath(new URL("../dist-lab", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    sourcemap: true,
    // The engine, zod and yaml make one ~300 kB chunk; that is expected, not a warning.
    chunkSizeWarningLimit: 1024,
    // Two pages: single runs (index.html) and sweeps (sweep.html).
    rollupOptions: { input: { index: fileURLToPath(new URL("index.html", import.meta.url)), sweep: fileURLToPath(new URL("sweep.html", import.meta.url)) } },
  },
  // The worker imports the engine as ES modules (module workers: every current browser).
  worker: { format: "es" },
  server: {
    host: "127.0.0.1",
    // The lab imports the engine from ../src and experiment configs from ../experiments.
    fs: { allow: [repo] },
  },
  preview: { host: "127.0.0.1" },
});

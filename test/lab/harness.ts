/**
 * @file What the browser tests stand on: a static file server over the built lab (dist-lab/, made by
 * `npm run build:lab`) on 127.0.0.1 and a free port, and Debian's Chromium driven by playwright-core
 * with the flags that work on a closed network. Never a downloaded browser.
 */
import { createServer, type Server } from "node:http";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { describe, it } from "vitest";

/** Repository root. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The built lab. */
export const DIST_LAB = join(ROOT, "dist-lab");
/** Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it when missing). */
export const CHROMIUM = process.env.DLNLAB_CHROMIUM ?? "/usr/bin/chromium";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".wasm": "application/wasm",
};

/** A static server over `dir`; resolves with its origin (http://127.0.0.1:PORT). */
export async function serveStatic(dir: string): Promise<{ origin: string; close: () => Promise<void> }> {
  if (!existsSync(join(dir, "index.html"))) {
    throw new Error(`${dir}/index.html is missing: build the lab first (npm run build:lab)`);
  }
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    const file = normalize(join(dir, path.endsWith("/") ? `${path}index.html` : path));
    if (!file.startsWith(dir + sep) && file !== dir) {
      res.writeHead(403).end();
      return;
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // Port 0: the system picks a free port.
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Why the browser tests cannot run here (no Chromium, or no built lab), or null when they can. */
function browserMissing(): string | null {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install -y chromium; .ci/run does this)`;
  if (!existsSync(join(DIST_LAB, "index.html"))) return "dist-lab/ is not built (npm run build:lab; npm test does this)";
  return null;
}

/**
 * `describe` for tests that drive the built lab in Chromium: on a laptop without Chromium they are one
 * skipped test naming the reason (so `npm test` still runs); with DLNLAB_REQUIRE_CHROMIUM=1 (set by
 * .ci/run) a missing browser fails the suite instead.
 */
export function describeWithChromium(name: string, body: () => void): void {
  const missing = browserMissing();
  if (missing === null) {
    describe(name, body);
    return;
  }
  if (process.env.DLNLAB_REQUIRE_CHROMIUM === "1") {
    describe(name, () => {
      it("has Chromium and the built lab (DLNLAB_REQUIRE_CHROMIUM=1)", () => {
        throw new Error(missing);
      });
    });
    return;
  }
  process.stderr.write(`[chromium] skipping "${name}": ${missing}\n`);
  describe(name, () => {
    it.skip(`skipped: ${missing}`, () => {});
  });
}

/**
 * Debian's Chromium, headless, with no background networking (its connections are refused here). Playwright
 * gives every launch a fresh temporary profile (its own --user-data-dir) and removes it on close.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does this)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** The page's `document` as far as the wait below uses it (it runs in the browser; this file has Node typings). */
declare const document: { getElementById(id: string): { textContent: string | null } | null };

/**
 * A page that collects console errors and uncaught exceptions (the tests assert there are none). On the
 * run page (`waitReady`, the default) it returns once the worker has reported its kernels.
 */
export async function openPage(context: BrowserContext, url: string, waitReady = true): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console.error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => errors.push(`uncaught: ${err.message}`));
  page.on("requestfailed", (req) => errors.push(`request failed: ${req.url()} ${req.failure()?.errorText ?? ""}`));
  await page.goto(url);
  // The worker reports its kernels once it is up: then the page is ready to run.
  if (waitReady) await page.waitForFunction(() => /kernels/.test(document.getElementById("rate")?.textContent ?? ""));
  return { page, errors };
}

let shared: Promise<Browser> | null = null;

/**
 * One Chromium per test process: the browser test files of a vitest worker share it (the config's
 * `isolate: false`), which saves a launch per file; playwright closes it when the process exits.
 */
export function sharedChromium(): Promise<Browser> {
  if (!shared) {
    shared = launchChromium();
    shared.then((b) => b.on("disconnected", () => (shared = null)), () => (shared = null));
  }
  return shared;
}

/** A viewport in CSS px. */
export interface Viewport {
  width: number;
  height: number;
}

/** One server for a test file, the shared browser, and a fresh page per `open`. */
export interface LabSession {
  /**
   * Open `path` (e.g. "?preset=large-step", "sweep.html?spec=…") in a new page, closing the previous
   * one. Pages of one viewport share a context (the lab keeps no storage, so nothing carries over; a
   * new page instead of a new context saves ~0.15 s of one core per open); another viewport gets its own.
   * `waitReady: false` for pages without the run worker (sweep.html).
   */
  open(path: string, viewport?: Viewport, options?: { waitReady?: boolean }): Promise<{ page: Page; errors: string[] }>;
  browser(): Browser;
  /** The static server's origin (http://127.0.0.1:PORT). */
  origin(): string;
}

/** Start the static server for this file and get the shared Chromium (vitest hooks); the server closes after its tests. */
export function useLab(hooks: { beforeAll: (fn: () => Promise<void>) => void; afterAll: (fn: () => Promise<void>) => void }, defaultViewport: Viewport = { width: 1440, height: 900 }): LabSession {
  let server: Awaited<ReturnType<typeof serveStatic>> | undefined;
  let browser: Browser | undefined;
  let context: { viewport: Viewport; context: BrowserContext } | undefined;
  hooks.beforeAll(async () => {
    server = await serveStatic(DIST_LAB);
    browser = await sharedChromium();
  });
  hooks.afterAll(async () => {
    await context?.context.close();
    context = undefined;
    await server?.close();
  });
  return {
    async open(path, viewport = defaultViewport, options = {}) {
      // Every page of the previous test (popups too) goes.
      for (const p of context?.context.pages() ?? []) await p.close();
      if (!context || context.viewport.width !== viewport.width || context.viewport.height !== viewport.height) {
        await context?.context.close();
        context = { viewport, context: await browser!.newContext({ viewport, acceptDownloads: true }) };
      }
      return openPage(context.context, `${server!.origin}/${path}`, options.waitReady ?? true);
    },
    browser: () => browser!,
    origin: () => server!.origin,
  };
}

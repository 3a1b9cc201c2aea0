// e2e helpers: launch Debian's Chromium headless through playwright-core (never a downloaded browser).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const ARTIFACTS = join(ROOT, 'build', 'test-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

// Flags that give WebGL through SwiftShader and keep Chromium off the (closed) network.
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--use-angle=swiftshader', '--enable-unsafe-swiftshader',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
  '--autoplay-policy=no-user-gesture-required', '--disable-quic',
];

// Returns { context, close }. A fresh --user-data-dir each launch.
export async function launchBrowser(extraArgs = []) {
  const dir = mkdtempSync(join(tmpdir(), 'livescope-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: [...CHROMIUM_ARGS, ...extraArgs],
    viewport: { width: 800, height: 600 },
  });
  return {
    context,
    async close() { await context.close().catch(() => {}); rmSync(dir, { recursive: true, force: true }); },
  };
}

// Collects console messages and page errors so a test can print them when it fails.
export function collectLogs(page, tag = 'page') {
  const logs = [];
  page.on('console', (m) => logs.push(`[${tag}:${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`[${tag}:pageerror] ${e.message}`));
  return logs;
}

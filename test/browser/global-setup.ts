/**
 * Global setup of the `browser` project (after the emulators' global setup): one stack with the
 * console (test/browser/stack-process.ts, a child process) and one headless Chromium, shared by every
 * browser test file through provide()/inject(); each test uses a tenant of its own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { launchServer } from './chromium.js';

declare module 'vitest' {
  interface ProvidedContext {
    consoleUrl: string;
    apiUrl: string;
    browserWsEndpoint: string;
    providerUrls: Record<string, string>;
  }
}

interface Ready {
  apiUrl: string;
  consoleUrl: string;
  providerUrls: Record<string, string>;
}

function startStackProcess(): Promise<{ child: ChildProcess; ready: Ready }> {
  const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
  const child = spawn(tsx, [fileURLToPath(new URL('./stack-process.ts', import.meta.url))], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (process.env.STACK_LOGS) process.stderr.write(d);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the browser stack did not start in 120 s:\n${stderr.slice(-3000)}`)), 120_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('READY '));
      if (line) {
        clearTimeout(timer);
        resolve({ child, ready: JSON.parse(line.slice(6)) as Ready });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the browser stack exited (${code}):\n${stderr.slice(-3000)}`));
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [stackStarted, browserStarted] = await Promise.allSettled([startStackProcess(), launchServer()]);
  if (stackStarted.status === 'rejected' || browserStarted.status === 'rejected') {
    if (browserStarted.status === 'fulfilled') await browserStarted.value.close();
    if (stackStarted.status === 'fulfilled') stackStarted.value.child.kill('SIGTERM');
    throw stackStarted.status === 'rejected' ? stackStarted.reason : (browserStarted as PromiseRejectedResult).reason;
  }
  const { child, ready } = stackStarted.value;
  const browser = browserStarted.value;
  project.provide('consoleUrl', ready.consoleUrl);
  project.provide('apiUrl', ready.apiUrl);
  project.provide('browserWsEndpoint', browser.wsEndpoint());
  project.provide('providerUrls', ready.providerUrls);
  return async () => {
    await browser.close().catch(() => {});
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 15_000)))]);
      clearTimeout(timer);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
  };
}

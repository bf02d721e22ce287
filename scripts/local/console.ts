/**
 * The web console in the dev stack: its build (Vite, mode `devstack` with the dev sign-in, or production
 * for Firebase Hosting), the size of its initial JavaScript, and a small static server that serves the
 * build like Firebase Hosting does (SPA fallback to index.html) plus what only the dev stack has:
 * /config.json naming the local gateway, and POST /__dev/token, the dev sign-in (tenant + role → a token
 * signed with the stack's dev key).
 */
import { createServer, type Server } from 'node:http';
import { readFile, readdir, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Role } from '../../shared/auth/verify-token.js';

export const CONSOLE_ROOT = fileURLToPath(new URL('../../console/', import.meta.url));
/** The budget of the console's initial JavaScript (entry and its static imports), gzipped. */
export const INITIAL_JS_BUDGET_BYTES = 200 * 1024;

export interface ConsoleBuild {
  outDir: string;
  /** Gzipped bytes of the JavaScript index.html loads before the first screen (entry + modulepreloads). */
  initialJsGzipBytes: number;
  initialJsFiles: string[];
}

export async function buildConsole(options: { mode: 'devstack' | 'production'; outDir: string }): Promise<ConsoleBuild> {
  const { build } = await import('vite');
  await build({
    configFile: path.join(CONSOLE_ROOT, 'vite.config.ts'),
    mode: options.mode,
    build: { outDir: path.resolve(options.outDir), emptyOutDir: true },
    logLevel: 'warn',
  });
  return { outDir: path.resolve(options.outDir), ...(await initialJs(options.outDir)) };
}

/** The scripts index.html loads up front: its module entry and every modulepreload. */
export async function initialJs(outDir: string): Promise<{ initialJsGzipBytes: number; initialJsFiles: string[] }> {
  const html = await readFile(path.join(outDir, 'index.html'), 'utf8');
  const refs = [...html.matchAll(/<script[^>]+type="module"[^>]+src="([^"]+)"|<link[^>]+rel="modulepreload"[^>]+href="([^"]+)"/g)].map((m) => m[1] ?? m[2]!);
  let bytes = 0;
  for (const ref of refs) bytes += gzipSync(await readFile(path.join(outDir, ref.replace(/^\//, '')))).length;
  return { initialJsGzipBytes: bytes, initialJsFiles: refs };
}

/** Every file of a build, for checks over all of its JavaScript. */
export async function buildFiles(outDir: string): Promise<string[]> {
  const entries = await readdir(outDir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

export interface ConsoleServer {
  url: string;
  /** Both spellings of the origin, for CORS_ORIGINS. */
  origins: string[];
  setApiBaseUrl(url: string): void;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

export async function startConsoleServer(options: {
  dir: string;
  port: number;
  host?: string;
  mintToken(tenantId: string, role: Role): Promise<string>;
}): Promise<ConsoleServer> {
  const host = options.host ?? '127.0.0.1';
  let apiBaseUrl = '';
  const send = (res: import('node:http').ServerResponse, status: number, type: string, body: string | Buffer, cache = 'no-store') => {
    res.writeHead(status, { 'content-type': type, 'cache-control': cache, 'x-content-type-options': 'nosniff' });
    res.end(body);
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://console');
      if (url.pathname === '/config.json') {
        return send(res, 200, TYPES['.json']!, JSON.stringify({ apiBaseUrl, devSignIn: { tokenUrl: '/__dev/token' } }));
      }
      if (url.pathname === '/__dev/token') {
        if (req.method !== 'POST') return send(res, 405, TYPES['.json']!, JSON.stringify({ error: { message: 'POST only' } }));
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { tenantId?: unknown; role?: unknown };
        const tenantOk = typeof body.tenantId === 'string' && /^[a-z0-9][a-z0-9_-]{0,62}$/.test(body.tenantId);
        if (!tenantOk || (body.role !== 'admin' && body.role !== 'member')) {
          return send(res, 400, TYPES['.json']!, JSON.stringify({ error: { message: 'tenantId (lower-case letters, digits, _ or -) and role (admin or member) are required' } }));
        }
        return send(res, 200, TYPES['.json']!, JSON.stringify({ token: await options.mintToken(body.tenantId as string, body.role) }));
      }
      // Static files; any other path is a route of the app (Firebase Hosting's SPA rewrite).
      const file = path.join(options.dir, path.normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, ''));
      const isFile = file.startsWith(options.dir) && (await stat(file).then((s) => s.isFile(), () => false));
      if (isFile) {
        const hashed = url.pathname.startsWith('/assets/');
        return send(res, 200, TYPES[path.extname(file)] ?? 'application/octet-stream', await readFile(file), hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
      }
      if (path.extname(url.pathname)) return send(res, 404, 'text/plain', 'not found');
      return send(res, 200, TYPES['.html']!, await readFile(path.join(options.dir, 'index.html')), 'no-cache');
    })().catch((err: unknown) => send(res, 500, 'text/plain', String(err)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    origins: [`http://127.0.0.1:${port}`, `http://localhost:${port}`],
    setApiBaseUrl: (url) => {
      apiBaseUrl = url;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

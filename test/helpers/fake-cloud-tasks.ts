/**
 * A local fake of the Cloud Tasks v2 REST surface used by CloudTasksQueue:
 * `POST /v2/projects/{p}/locations/{l}/queues/{q}/tasks` with `{task:{...}}`,
 * 409 ALREADY_EXISTS on a duplicate task name. Errors in Google's JSON shape.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

export interface FakeTasksRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: { task?: Record<string, unknown>; responseView?: unknown } | undefined;
}

export interface FakeCloudTasks {
  port: number;
  requests: FakeTasksRequest[];
  /** Created tasks by full name. */
  tasks: Map<string, Record<string, unknown>>;
  /** Test switch: answer the next create with this error. */
  faults: { nextError?: { httpStatus: number; status: string } };
  close(): Promise<void>;
}

const CREATE = /^\/v2\/(projects\/[^/:]+\/locations\/[^/:]+\/queues\/[^/:]+)\/tasks$/;

function sendError(res: ServerResponse, httpStatus: number, status: string, message: string): void {
  res.writeHead(httpStatus, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ error: { code: httpStatus, message, status } }));
}

export async function startFakeCloudTasks(): Promise<FakeCloudTasks> {
  const requests: FakeTasksRequest[] = [];
  const tasks = new Map<string, Record<string, unknown>>();
  const faults: FakeCloudTasks['faults'] = {};

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const path = decodeURIComponent(url.pathname);
      let body: FakeTasksRequest['body'];
      try {
        const raw = Buffer.concat(chunks).toString('utf8');
        body = raw ? (JSON.parse(raw) as FakeTasksRequest['body']) : undefined;
      } catch {
        return sendError(res, 400, 'INVALID_ARGUMENT', 'body is not JSON');
      }
      requests.push({ method: req.method ?? '', path, query: url.searchParams, headers: req.headers, body });

      const m = req.method === 'POST' ? CREATE.exec(path) : null;
      if (!m) return sendError(res, 501, 'UNIMPLEMENTED', `fake does not implement ${req.method} ${path}`);
      if (faults.nextError) {
        const { httpStatus, status } = faults.nextError;
        faults.nextError = undefined;
        return sendError(res, httpStatus, status, `injected ${status}`);
      }
      const parent = m[1]!;
      const task = body?.task;
      if (!task || typeof task !== 'object') return sendError(res, 400, 'INVALID_ARGUMENT', 'task is required');
      const httpRequest = task.httpRequest as { url?: string } | undefined;
      if (!httpRequest?.url) return sendError(res, 400, 'INVALID_ARGUMENT', 'httpRequest.url is required');
      let name = task.name as string | undefined;
      if (name !== undefined) {
        if (!name.startsWith(`${parent}/tasks/`)) {
          return sendError(res, 400, 'INVALID_ARGUMENT', `task name ${name} does not belong to ${parent}`);
        }
        if (tasks.has(name)) return sendError(res, 409, 'ALREADY_EXISTS', 'Requested entity already exists');
      } else {
        name = `${parent}/tasks/${randomUUID().replace(/-/g, '')}`;
      }
      const now = new Date().toISOString();
      // Response view BASIC: the body is omitted, as Cloud Tasks does.
      const { body: _omitted, ...basicHttpRequest } = task.httpRequest as Record<string, unknown>;
      const stored = {
        ...task,
        name,
        scheduleTime: (task.scheduleTime as string | undefined) ?? now,
        createTime: now,
        dispatchDeadline: '600s',
        dispatchCount: 0,
        responseCount: 0,
        view: 1,
        httpRequest: basicHttpRequest,
      };
      tasks.set(name, stored);
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(stored));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    tasks,
    faults,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

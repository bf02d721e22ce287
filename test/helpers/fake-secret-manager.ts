/**
 * A local fake of the Secret Manager v1 REST surface: exactly the calls
 * SecretManagerStore makes through the real client in REST fallback mode.
 * Errors use Google's JSON shape {error:{code,message,status}}.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { crc32c } from '../../shared/secrets/secret-store.js';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

interface FakeVersion {
  version: number;
  data: Buffer;
  createTime: string;
  state?: 'ENABLED' | 'DISABLED' | 'DESTROYED';
}
interface FakeSecret {
  labels: Record<string, string>;
  replication: unknown;
  createTime: string;
  versions: FakeVersion[];
}

export interface FakeSecretManager {
  port: number;
  /** Every request received, in order. */
  requests: RecordedRequest[];
  /** projectId/secretId → secret. */
  secrets: Map<string, FakeSecret>;
  /** Test switches: answer access with a wrong dataCrc32c. */
  faults: { badAccessChecksum: boolean };
  close(): Promise<void>;
}

const SEGMENT = '([^/:?]+)';
const routes = {
  create: new RegExp(`^/v1/projects/${SEGMENT}/secrets$`),
  addVersion: new RegExp(`^/v1/projects/${SEGMENT}/secrets/${SEGMENT}:addVersion$`),
  access: new RegExp(`^/v1/projects/${SEGMENT}/secrets/${SEGMENT}/versions/${SEGMENT}:access$`),
  versions: new RegExp(`^/v1/projects/${SEGMENT}/secrets/${SEGMENT}/versions$`),
  destroy: new RegExp(`^/v1/projects/${SEGMENT}/secrets/${SEGMENT}/versions/${SEGMENT}:destroy$`),
  disable: new RegExp(`^/v1/projects/${SEGMENT}/secrets/${SEGMENT}/versions/${SEGMENT}:disable$`),
  secret: new RegExp(`^/v1/projects/${SEGMENT}/secrets/${SEGMENT}$`),
};

function sendError(res: ServerResponse, httpStatus: number, status: string, message: string): void {
  res.writeHead(httpStatus, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ error: { code: httpStatus, message, status } }));
}
function sendJson(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

export async function startFakeSecretManager(): Promise<FakeSecretManager> {
  const secrets = new Map<string, FakeSecret>();
  const requests: RecordedRequest[] = [];
  const faults = { badAccessChecksum: false };

  const handle = (req: IncomingMessage, res: ServerResponse, rawBody: string) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    // The client percent-encodes nothing in our ids, but decode to be safe.
    const path = decodeURIComponent(url.pathname);
    let body: unknown = undefined;
    if (rawBody) {
      try {
        body = JSON.parse(rawBody);
      } catch {
        return sendError(res, 400, 'INVALID_ARGUMENT', 'body is not JSON');
      }
    }
    requests.push({ method: req.method ?? '', path, query: url.searchParams, headers: req.headers, body });
    const now = new Date().toISOString();
    let m: RegExpExecArray | null;

    if (req.method === 'POST' && (m = routes.create.exec(path))) {
      const [, project, ] = m;
      const secretId = url.searchParams.get('secretId');
      if (!secretId || !/^[A-Za-z0-9_-]{1,255}$/.test(secretId)) {
        return sendError(res, 400, 'INVALID_ARGUMENT', 'invalid secretId');
      }
      const key = `${project}/${secretId}`;
      if (secrets.has(key)) return sendError(res, 409, 'ALREADY_EXISTS', `Secret [projects/${project}/secrets/${secretId}] already exists.`);
      const secret = body as { labels?: Record<string, string>; replication?: unknown } | undefined;
      if (!secret?.replication) return sendError(res, 400, 'INVALID_ARGUMENT', 'replication is required');
      secrets.set(key, { labels: secret.labels ?? {}, replication: secret.replication, createTime: now, versions: [] });
      return sendJson(res, {
        name: `projects/${project}/secrets/${secretId}`,
        replication: secret.replication,
        createTime: now,
        labels: secret.labels ?? {},
        etag: '"1"',
      });
    }

    if (req.method === 'POST' && (m = routes.addVersion.exec(path))) {
      const [, project, secretId] = m;
      const secret = secrets.get(`${project}/${secretId}`);
      if (!secret) return sendError(res, 404, 'NOT_FOUND', `Secret [projects/${project}/secrets/${secretId}] not found or has no versions.`);
      const payload = (body as { payload?: { data?: string; dataCrc32c?: string | number } } | undefined)?.payload;
      if (typeof payload?.data !== 'string') return sendError(res, 400, 'INVALID_ARGUMENT', 'payload.data is required');
      const data = Buffer.from(payload.data, 'base64');
      if (payload.dataCrc32c !== undefined && String(payload.dataCrc32c) !== String(crc32c(data))) {
        return sendError(res, 400, 'INVALID_ARGUMENT', 'Checksum mismatch.');
      }
      const version = (secret.versions.at(-1)?.version ?? 0) + 1;
      secret.versions.push({ version, data, createTime: now });
      return sendJson(res, {
        name: `projects/${project}/secrets/${secretId}/versions/${version}`,
        createTime: now,
        state: 1, // ENABLED (the client asks for enum-encoding=int)
        replicationStatus: { automatic: {} },
        clientSpecifiedPayloadChecksum: payload.dataCrc32c !== undefined,
      });
    }

    if (req.method === 'GET' && (m = routes.access.exec(path))) {
      const [, project, secretId, versionId] = m;
      const secret = secrets.get(`${project}/${secretId}`);
      const version =
        versionId === 'latest'
          ? secret?.versions.filter((v) => (v.state ?? 'ENABLED') === 'ENABLED').at(-1)
          : secret?.versions.find((v) => String(v.version) === versionId);
      if (!secret || !version) {
        return sendError(res, 404, 'NOT_FOUND', `Secret Version [projects/${project}/secrets/${secretId}/versions/${versionId}] not found.`);
      }
      return sendJson(res, {
        name: `projects/${project}/secrets/${secretId}/versions/${version.version}`,
        payload: { data: version.data.toString('base64'), dataCrc32c: String((crc32c(version.data) ^ (faults.badAccessChecksum ? 1 : 0)) >>> 0) },
      });
    }

    if (req.method === 'GET' && (m = routes.versions.exec(path))) {
      const [, project, secretId] = m;
      const secret = secrets.get(`${project}/${secretId}`);
      if (!secret) return sendError(res, 404, 'NOT_FOUND', `Secret [projects/${project}/secrets/${secretId}] not found.`);
      const enabledOnly = (url.searchParams.get('filter') ?? '').includes('state:ENABLED');
      return sendJson(res, {
        versions: secret.versions
          .filter((v) => !enabledOnly || (v.state ?? 'ENABLED') === 'ENABLED')
          .map((v) => ({ name: `projects/${project}/secrets/${secretId}/versions/${v.version}`, state: v.state ?? 'ENABLED', createTime: v.createTime })),
        totalSize: secret.versions.length,
      });
    }

    if (req.method === 'POST' && (m = routes.destroy.exec(path))) {
      const [, project, secretId, versionId] = m;
      const version = secrets.get(`${project}/${secretId}`)?.versions.find((v) => String(v.version) === versionId);
      if (!version) return sendError(res, 404, 'NOT_FOUND', `Secret Version [${versionId}] not found.`);
      version.state = 'DESTROYED';
      version.data = Buffer.alloc(0);
      return sendJson(res, { name: `projects/${project}/secrets/${secretId}/versions/${versionId}`, state: 'DESTROYED' });
    }

    if (req.method === 'POST' && (m = routes.disable.exec(path))) {
      const [, project, secretId, versionId] = m;
      const version = secrets.get(`${project}/${secretId}`)?.versions.find((v) => String(v.version) === versionId);
      if (!version) return sendError(res, 404, 'NOT_FOUND', `Secret Version [${versionId}] not found.`);
      if (version.state === 'DESTROYED') return sendError(res, 400, 'FAILED_PRECONDITION', `Secret Version [${versionId}] is destroyed.`);
      version.state = 'DISABLED';
      return sendJson(res, { name: `projects/${project}/secrets/${secretId}/versions/${versionId}`, state: 'DISABLED' });
    }

    if (req.method === 'DELETE' && (m = routes.secret.exec(path))) {
      const [, project, secretId] = m;
      if (!secrets.delete(`${project}/${secretId}`)) {
        return sendError(res, 404, 'NOT_FOUND', `Secret [projects/${project}/secrets/${secretId}] not found.`);
      }
      return sendJson(res, {});
    }

    return sendError(res, 501, 'UNIMPLEMENTED', `fake does not implement ${req.method} ${path}`);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        handle(req, res, Buffer.concat(chunks).toString('utf8'));
      } catch (err) {
        sendError(res, 500, 'INTERNAL', String(err));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    requests,
    secrets,
    faults,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, envelope, type ErrorCode } from './errors.js';
import { logger } from '../log.js';

const require = createRequire(import.meta.url);

/**
 * The Functions Framework parses request bodies before our handler runs, and a
 * malformed JSON body ends in Express's default HTML error page. This swaps in a
 * final handler that answers in our envelope instead. It patches the framework's
 * own copy of Express before the framework creates its app (express() copies the
 * prototype at creation), so call it at module load of the functions entry point.
 */
export function installFrameworkErrorEnvelope(): void {
  const frameworkDir = path.dirname(require.resolve('@google-cloud/functions-framework'));
  const express = require(require.resolve('express', { paths: [frameworkDir] })) as {
    application: Record<string, unknown> & {
      handle: (this: unknown, req: IncomingMessage, res: ServerResponse, callback?: (err?: unknown) => void) => unknown;
      __envelopeFinalHandler?: boolean;
    };
  };
  const proto = express.application;
  if (proto.__envelopeFinalHandler) return;
  const original = proto.handle;
  proto.handle = function handle(this: unknown, req: IncomingMessage, res: ServerResponse, callback?: (err?: unknown) => void) {
    return original.call(this, req, res, callback ?? ((err?: unknown) => renderFrameworkError(err, req, res)));
  };
  proto.__envelopeFinalHandler = true;
}

function renderFrameworkError(err: unknown, req: IncomingMessage, res: ServerResponse): void {
  const header = req.headers['x-request-id'];
  const requestId = typeof header === 'string' && /^[\w.-]{8,128}$/.test(header) ? header : randomUUID();
  const status = (err as { status?: number; statusCode?: number } | undefined)?.status ?? (err as { statusCode?: number })?.statusCode;
  const type = (err as { type?: string } | undefined)?.type;
  let appError: AppError;
  if (!err) appError = new AppError('NOT_FOUND', 'No such endpoint');
  else if (type === 'entity.parse.failed') appError = new AppError('VALIDATION_ERROR', 'Request body is not valid JSON');
  else if (status === 413) appError = new AppError('PAYLOAD_TOO_LARGE', 'Request body is too large (limit 1 MB)');
  else if (status === 415) appError = new AppError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported request body encoding or charset');
  else if (status && status >= 400 && status < 500) appError = new AppError(codeFor(status), 'The request could not be read');
  else {
    logger.error('unhandled framework error', { requestId, err });
    appError = new AppError('INTERNAL', 'Internal error');
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = appError.status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('x-request-id', requestId);
  res.end(JSON.stringify(envelope(appError, requestId)));
}

function codeFor(status: number): ErrorCode {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  return 'VALIDATION_ERROR';
}

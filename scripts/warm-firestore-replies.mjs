// The deploy's build step (warm-compile-cache.mjs) runs the Firestore client's first calls, so that the
// V8 code cache it takes of the bundled clients also holds what those calls compile: the REST
// transport's descriptors and codecs, the HTTP client, the client's snapshot and transaction code. The
// build has no database, so this is a loopback HTTP server on 127.0.0.1 that answers each call the
// client makes with the smallest well-formed reply of Firestore's REST API (v1): nothing found, no
// rows, a transaction id, one write result per write. It runs only in that build step, for the length
// of the calls, and no function ever talks to it.
//
// Plain JavaScript on purpose (copied as it is into the deployable source).
import http from 'node:http';

const READ_TIME = '2026-01-01T00:00:00.000000Z';
const TRANSACTION = Buffer.from('warm-compile-cache').toString('base64');

/** The reply to one call: `method` is the REST method (batchGet, runQuery, commit, …), `body` its request. */
export function replyTo(method, body) {
  const opened = body.newTransaction ? { transaction: TRANSACTION } : {};
  switch (method) {
    case 'batchGet':
      return (body.documents ?? []).map((name, i) => ({ missing: name, readTime: READ_TIME, ...(i === 0 ? opened : {}) }));
    case 'runQuery':
      return [{ readTime: READ_TIME, ...opened }];
    case 'runAggregationQuery': {
      const aggregations = body.structuredAggregationQuery?.aggregations ?? [];
      const aggregateFields = Object.fromEntries(aggregations.map((a) => [a.alias, { integerValue: '0' }]));
      return [{ result: { aggregateFields }, readTime: READ_TIME, ...opened }];
    }
    case 'beginTransaction':
      return { transaction: TRANSACTION };
    case 'commit':
      return { writeResults: (body.writes ?? []).map(() => ({ updateTime: READ_TIME })), commitTime: READ_TIME };
    case 'rollback':
      return {};
    default:
      return undefined;
  }
}

/** Starts the server; resolves to its port and a close(). */
export async function startFirestoreReplies() {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const method = /:([A-Za-z]+)(\?|$)/.exec(req.url ?? '')?.[1];
      let body = {};
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
      } catch {
        body = {};
      }
      const reply = method ? replyTo(method, body) : undefined;
      res.writeHead(reply === undefined ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply ?? { error: { code: 404, message: 'not a call the warm-up makes', status: 'NOT_FOUND' } }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: server.address().port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

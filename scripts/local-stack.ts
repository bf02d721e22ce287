/**
 * `npm start`: the whole platform on one machine — Firestore and Pub/Sub emulators,
 * provider sandboxes, and every function behind one gateway. `-- --fresh` starts empty.
 */
import { parseArgs } from 'node:util';
import { startStack } from './local/stack.js';
import { MissingToolError } from './local/emulators.js';

const { values } = parseArgs({
  options: { fresh: { type: 'boolean', default: false }, port: { type: 'string' }, 'data-dir': { type: 'string' } },
});
const port = Number(values.port ?? process.env.PORT ?? 8080);
const say = (line: string) => process.stderr.write(`[stack] ${line}\n`);

try {
  const stack = await startStack({
    port,
    dataDir: values['data-dir'] ?? '.local',
    fresh: values.fresh ?? false,
    log: (line) => {
      if (process.env.STACK_VERBOSE) say(line);
    },
  });
  for (const [provider, url] of Object.entries(stack.providerUrls)) say(`${provider} → ${url}`);
  console.log(
    [
      `ready: API on ${stack.url} (project ${stack.projectId})`,
      `  token:  TOKEN=$(npm run -s token -- --tenant demo --role admin)`,
      `  search: curl -s -H "Authorization: Bearer $TOKEN" "${stack.url}/v1/numbers/available?provider=twilio&country=US&type=local&areaCode=415&limit=5"`,
      `  buy:    curl -s -X POST -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -H "Idempotency-Key: $(uuidgen || date +%s)" -d '{"provider":"twilio","phoneNumber":"<one of the numbers above>"}' ${stack.url}/v1/numbers`,
      `  docs:   curl -s ${stack.url}/v1/openapi.json`,
    ].join('\n'),
  );
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping (saving emulator data)…`);
    await stack.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
} catch (err) {
  if (err instanceof MissingToolError) {
    say(err.message);
    process.exit(2);
  }
  say(`failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  process.exit(1);
}

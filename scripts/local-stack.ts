/**
 * `npm start`: the whole platform on one machine — Firestore and Pub/Sub emulators,
 * provider sandboxes, every function behind one gateway, and the web console (built with its dev
 * sign-in, served on CONSOLE_PORT, default 5173). `-- --fresh` starts empty; `-- --no-console` skips the console.
 */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { startStack } from './local/stack.js';
import { MissingToolError } from './local/emulators.js';
import { buildConsole } from './local/console.js';

const { values } = parseArgs({
  options: {
    fresh: { type: 'boolean', default: false },
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    console: { type: 'boolean', default: true },
  },
  allowNegative: true,
});
const port = Number(values.port ?? process.env.PORT ?? 8080);
const say = (line: string) => process.stderr.write(`[stack] ${line}\n`);

try {
  const dataDir = values['data-dir'] ?? '.local';
  let consoleOption: { dir: string; port: number } | undefined;
  if (values.console) {
    const built = await buildConsole({ mode: 'devstack', outDir: path.join(dataDir, 'console') });
    say(`console built: initial JavaScript ${(built.initialJsGzipBytes / 1024).toFixed(1)} KB gzipped`);
    consoleOption = { dir: built.outDir, port: Number(process.env.CONSOLE_PORT ?? 5173) };
  }
  const stack = await startStack({
    port,
    dataDir,
    ...(consoleOption ? { console: consoleOption } : {}),
    fresh: values.fresh ?? false,
    log: (line) => {
      if (process.env.STACK_VERBOSE) say(line);
    },
  });
  for (const [provider, url] of Object.entries(stack.providerUrls)) say(`${provider} → ${url}`);
  say(`API → ${stack.url}`);
  if (stack.consoleUrl) say(`console → ${stack.consoleUrl}  (dev sign-in: any tenant, admin or member)`);
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

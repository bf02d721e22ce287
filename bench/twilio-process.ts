/**
 * The bulk bench's Twilio sandbox in a process of its own, as a provider is: its rate-limit window
 * admits requests on its own clock and event loop, not on the stack's (whose pauses would bunch
 * arrivals a remote provider sees spaced). Options as JSON in argv[2]; prints `url <url>` once
 * listening; closes on SIGTERM. The bench reads purchases and requests through /__sandbox/.
 */
import { SANDBOX_ACCOUNTS } from '../scripts/local/stack.js';
import { startTwilioSandbox, type TwilioSandboxOptions } from '../scripts/sandboxes/twilio.js';

const options = JSON.parse(process.argv[2] ?? '{}') as Partial<TwilioSandboxOptions>;
const sandbox = await startTwilioSandbox({ ...options, accounts: [SANDBOX_ACCOUNTS.twilio], stateFile: undefined });
process.stdout.write(`url ${sandbox.url}\n`);
const stop = () => void sandbox.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

/**
 * Port for publishing events. Messages are JSON; attributes are string pairs
 * (Pub/Sub's model). Implementations: PubSubPublisher (Pub/Sub's REST API: production, and the
 * local stack against the Pub/Sub emulator).
 */
export interface Publisher {
  /** Publish `data` (serialised as JSON) to `topic` (a short id or `projects/P/topics/T`); resolves to the message id. */
  publish(topic: string, data: unknown, attributes?: Record<string, string>): Promise<string>;
  /**
   * Prepares to publish without publishing (credentials). A function that will publish calls it
   * first, so that on a cold start this happens while the function waits on other I/O.
   */
  warm?(): void;
}

/** Pub/Sub's limits on attributes: at most 100, keys <= 256 bytes (not starting with "goog"), values <= 1024 bytes. */
export function assertValidAttributes(attributes: Record<string, string> | undefined): void {
  if (!attributes) return;
  const entries = Object.entries(attributes);
  if (entries.length > 100) throw new TypeError('publish: at most 100 attributes');
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw new TypeError(`publish: attribute ${JSON.stringify(key)} must be a string`);
    if (!key || Buffer.byteLength(key) > 256) throw new TypeError(`publish: attribute key ${JSON.stringify(key)} must be 1-256 bytes`);
    if (key.startsWith('goog')) throw new TypeError(`publish: attribute key ${JSON.stringify(key)} must not start with "goog"`);
    if (Buffer.byteLength(value) > 1024) throw new TypeError(`publish: attribute ${JSON.stringify(key)} value exceeds 1024 bytes`);
  }
}

/** The message body: JSON text, UTF-8. Throws for values JSON cannot represent (undefined, functions, cycles, BigInt). */
export function encodeJson(data: unknown): Buffer {
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (err) {
    throw new TypeError(`publish: data is not JSON-serialisable (${(err as Error).message})`);
  }
  if (text === undefined) throw new TypeError('publish: data is not JSON-serialisable (undefined)');
  return Buffer.from(text, 'utf8');
}

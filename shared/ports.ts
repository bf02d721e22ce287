import type { Firestore } from '@google-cloud/firestore';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import type { ProviderResolver } from './providers/registry.js';
import type { SecretStore } from './secrets/secret-store.js';

/**
 * The narrow dependencies a service names (`Pick<Ports, 'db' | 'config'>`), which shared/deps.ts's
 * Deps provides. Services that deps.ts itself loads (the provider accounts, the Somos platform, the
 * tenant settings) take these rather than Deps, so no import runs back into the wiring.
 */
export interface Ports {
  config: Config;
  now(): Date;
  log: Logger;
  /** A function property, not a method: services are handed it on its own (`addresses(deps.db)`). */
  db: () => Promise<Firestore>;
  secrets: SecretStore;
  providers: ProviderResolver;
}

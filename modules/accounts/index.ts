/** The accounts module's public surface: its stored provider accounts, for the numbers module and reconciliation. */
export { parseProviderAccount, providerAccountsCollection, type ProviderAccountRecord } from './services/provider-accounts.js';
export { everyProviderAccount } from './repository.js';

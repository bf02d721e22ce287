/** The accounts module's public surface: its stored provider accounts, for the numbers module and reconciliation; removed accounts' keys, for the inbound relay. */
export { isRemovedAccount, parseProviderAccount, providerAccountsCollection, type ProviderAccountRecord } from './services/provider-accounts.js';
export { everyProviderAccount } from './repository.js';

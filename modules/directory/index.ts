/** The directory module's public surface (locations and agents), for the numbers module. */
export { detachNumberFromAgent } from './services/agents.js';
export { locationsCollection } from './services/locations.js';

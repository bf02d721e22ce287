/** A stored toll-free number's schema lives with its repository (repository/numbers.ts). */
export { parseTollFreeRecord } from '../repository/numbers.js';

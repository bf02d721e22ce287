/** The meta module's public surface: the OpenAPI document (the build precomputes it). */
export { openApiDocument } from './operations/openapi-document.js';

/** Every workflow type the Waakvlam worker registers. Bundled by the worker; import nothing non-deterministic here. */
export { trajectoryWorkflow } from './trajectory.js';
export { definitionCatalogWorkflow } from './definition-catalog.js';

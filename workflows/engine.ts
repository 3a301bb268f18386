/** The trajectory engine, as one import path: the facade and its types live in ./engine/ (see ./engine/index.ts). */
export * from './engine/index.js';

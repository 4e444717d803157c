export * from './access.js';
export * from './admission.js';
export * from './bearer.js';
export * from './initial-access.js';
export * from './key-set.js';
export * from './principal.js';
export * from './registration-token.js';

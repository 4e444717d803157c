export * from './bearer.js';
export * from './initial-access.js';
export * from './registration-token.js';

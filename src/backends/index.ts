export * from './admin-auth.js';
export * from './breaker.js';
export * from './client.js';
export * from './metadata.js';
export * from './retry.js';

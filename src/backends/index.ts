export * from './admin-auth.js';
export * from './client.js';
export * from './metadata.js';

export * from './cache.js';
export * from './claims.js';
export * from './memory.js';
export * from './redis.js';
export * from './redis-claims.js';
export * from './sealed.js';
export * from './redis-url.js';

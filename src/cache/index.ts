export * from './cache.js';
export * from './memory.js';
export * from './redis.js';
export * from './sealed.js';
export * from './redis-url.js';

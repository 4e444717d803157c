export * from './cache.js';
export * from './memory.js';
export * from './redis.js';
export * from './sealed.js';

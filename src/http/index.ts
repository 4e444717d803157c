export * from './access-log.js';
export * from './errors.js';
export * from './health.js';
export * from './json-body.js';
export * from './logger.js';
export * from './metrics.js';
export * from './registration-routes.js';
export * from './request-guards.js';

export * from './gateway-error.js';
export * from './wire.js';

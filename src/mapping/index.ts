export * from './adapter.js';
export * from './compile.js';
export * from './load.js';
export * from './port.js';
export * from './schema.js';
export * from './template.js';

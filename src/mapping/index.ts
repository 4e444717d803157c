export * from './compile.js';
export * from './load.js';
export * from './schema.js';
export * from './template.js';

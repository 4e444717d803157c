export * from './fetched-urls.js';
export * from './metadata.js';
export * from './normalize.js';
export * from './policy.js';
export * from './software-statement.js';
export * from './update-rules.js';
export * from './validate.js';
export * from './openapi.js';

export * from './context.js';
export * from './dry-run.js';
export * from './idempotency.js';
export * from './manage.js';
export * from './register.js';
export * from './respond.js';
export * from './steps.js';
export * from './discovery.js';

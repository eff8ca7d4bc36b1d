export * from './container.js';
export * from './exec.js';
export * from './image.js';
export * from './system.js';
export * from './stream.js';
export * from './registry.js';
export * from './stats.js';
export * from './archive.js';

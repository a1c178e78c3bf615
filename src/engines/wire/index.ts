export * from './events.js';
export * from './extensions.js';
export * from './options.js';
export * from './wire.js';

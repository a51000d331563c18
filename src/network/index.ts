export * from './types.js';
export * from './flat.js';
export * from './forward.js';
export * from './json.js';
export * from './json-text.js';
export * from './json-v2.js';
export * from './random.js';

export type { BlockStateName } from './block-book.js';
export { Deadlines } from './deadlines.js';
export { PieceGeometry } from './geometry.js';
export { PiecePicker, type PiecePickerOptions } from './piece-picker.js';
export { piecePrioritiesFromFiles } from './priorities.js';
export * from './types.js';

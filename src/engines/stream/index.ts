export { type NodeReadableFactory, readerToWebStream, type StreamRange, TorrentFile } from './file.js';
export { type FileSpan, StreamHub } from './hub.js';
export { ReadHeads, type Window } from './read-heads.js';
export { DEFAULT_READAHEAD, type ReaderOptions, TorrentReader } from './reader.js';
export type { PieceSource } from './types.js';

export { createStreamHandler, filePath, type HttpRequest, type HttpResponse, type ServedFile, type ServedTorrent } from './handler.js';
export { contentTypeOf, isMedia, isVideo } from './mime.js';
export { parseRange, type RangeResult } from './ranges.js';

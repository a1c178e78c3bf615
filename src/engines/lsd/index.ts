export { LSD_ANNOUNCE_INTERVAL_MS, LSD_MIN_SEND_INTERVAL_MS, LsdService, type LsdEvents, type LsdOptions } from './lsd-service.js';

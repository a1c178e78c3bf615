export { type ChokePeer, Choker, type ChokerOptions, OPTIMISTIC_INTERVAL_MS, RECHOKE_INTERVAL_MS, type RechokeResult } from './choker.js';

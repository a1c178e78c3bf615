import { SeededRng } from '../../adapters/testing/seeded-rng.js';
import { swarmStoreCompliance } from '../../adapters/testing/swarm-store-compliance.js';
import { MemorySwarmStore } from './memory-store.js';

swarmStoreCompliance('memory', { create: async () => new MemorySwarmStore({ rng: new SeededRng(1) }) });

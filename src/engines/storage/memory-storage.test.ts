import { storageCompliance } from '../../adapters/testing/storage-compliance.js';
import { MemoryStorage } from './memory-storage.js';

storageCompliance('memory storage', (files) => new MemoryStorage(files));

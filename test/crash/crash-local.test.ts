import { LocalEvidenceStore } from '../../src/store/local.js';
import { defineCrashSuite } from './suite.js';

// kill -9 of collect and package against the local directory store, 10 trials each (part of `npm test`).
defineCrashSuite({
  name: 'local',
  storeConfig: (dir) => ({ kind: 'local', path: dir }),
  openStore: (dir) => new LocalEvidenceStore(dir),
});

// Starts the collection worker from the TypeScript sources (tests run the collector unbuilt); the build runs worker.js.
import { register } from 'node:module';
import { workerData } from 'node:worker_threads';

register(new URL('./typescript-sources-hooks.mjs', import.meta.url));
await import(workerData.sourceEntry);

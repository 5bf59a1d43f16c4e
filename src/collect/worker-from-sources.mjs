// Starts the collection worker from the TypeScript sources (tests run the collector unbuilt); the build runs worker.js.
// The worker's source entry is this process's first argument (src/collect/workers.ts passes it).
import { register } from 'node:module';

register(new URL('./typescript-sources-hooks.mjs', import.meta.url));
await import(process.argv[2]);

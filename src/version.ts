import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The package root (works from src/ under tsx/vitest and from dist/src/ after a build). */
export const PACKAGE_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'controls'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
})();

export const TOOL_NAME = 'evidence-locker';
export const TOOL_VERSION: string = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).version;
/** Version of the AWS SDK for JavaScript v3 clients that made the calls (recorded in every evidence body). */
export const SDK_VERSION: string = `aws-sdk-js-v3/${(require('@aws-sdk/client-sts/package.json') as { version: string }).version}`;

import { createRequire } from 'node:module';
import type * as TypeOrm from 'typeorm';

let loaded: typeof TypeOrm | undefined;

/**
 * The `typeorm` package, loaded on first use. `typeorm` is an optional peer dependency, used only by
 * the `nest-gatekeeper/typeorm` entry: loading it here turns its absence into a message that says what
 * to install. (TypeORM's ESM entry re-exports its CommonJS build, so the classes loaded here are the
 * very ones the app's DataSource uses.)
 */
export function typeorm(): typeof TypeOrm {
  if (!loaded) {
    try {
      loaded = createRequire(import.meta.url)('typeorm') as typeof TypeOrm;
    } catch (error) {
      throw new Error('The TypeORM adapters of nest-gatekeeper need the package "typeorm" (npm install typeorm).', {
        cause: error,
      });
    }
  }
  return loaded;
}

/**
 * Jest runs in ESM mode (Nest 12 is ESM-only) with @swc/jest compiling TypeScript,
 * keeping legacy decorators and their metadata (Nest's DI depends on it).
 * @type {import('jest').Config}
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'es6' },
    sourceMaps: 'inline',
  },
];

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^nest-gatekeeper$': '<rootDir>/lib/index.ts',
    '^nest-gatekeeper/testing$': '<rootDir>/lib/testing/index.ts',
    '^nest-gatekeeper/redis$': '<rootDir>/lib/stores/redis/index.ts',
    '^nest-gatekeeper/resource-server$': '<rootDir>/lib/resource-server/index.ts',
    '^nest-gatekeeper/typeorm$': '<rootDir>/lib/stores/typeorm/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  testTimeout: 30000,
};

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

const base = {
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
  testTimeout: 30000,
};

/**
 * Two projects: every test on Express (the default platform), and the e2e specs of the module again
 * on Fastify (TEST_HTTP_ADAPTER=fastify, set by test/fixtures/fastify-platform.ts). Left out of the
 * Fastify run: the specs that start their own Express apps or processes (the resource server, the
 * sample app's processes, the README's quick start).
 */
export default {
  projects: [
    { ...base, displayName: 'express', testMatch: ['<rootDir>/test/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'] },
    {
      ...base,
      displayName: 'fastify',
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      testPathIgnorePatterns: ['/resource-server', '/multi-instance', '/sigkill-durability', '/docs-quick-start'],
      setupFiles: ['<rootDir>/test/fixtures/fastify-platform.ts'],
    },
  ],
};

/**
 * `nest-gatekeeper/typeorm`: the TypeORM adapters of the stores (PostgreSQL, SQLite via
 * better-sqlite3, MySQL/MariaDB), their entity schemas and the portable migrations. Requires the
 * optional peer dependency `typeorm`; the package root never imports it. Set-up: docs/stores.md and
 * docs/examples/typeorm.ts.
 *
 * ```ts
 * import { TypeOrmMfaStore, TypeOrmUserStore } from 'nest-gatekeeper/typeorm';
 * ```
 */
export {
  authEntities,
  createAuthEntities,
  type AuthAccountTokenRow,
  type AuthAuditLogRow,
  type AuthEntities,
  type AuthEntitiesOptions,
  type AuthIdentityRow,
  type AuthMfaCodeRow,
  type AuthMfaFinishedPendingRow,
  type AuthMfaRecoveryCodeRow,
  type AuthMfaRow,
  type AuthPasskeyRow,
  type AuthRefreshHistoryRow,
  type AuthSessionRow,
  type AuthTrustedDeviceRow,
  type AuthUserRow,
} from './auth-entities.js';
export { createAuthMigrations, type AuthMigrationClass, type AuthMigrationsOptions } from './auth-migrations.js';
export { runAuthMigrations, type RunAuthMigrationsOptions } from './auth-migrations.runner.js';
export { createRateLimitEntity, rateLimitEntity, type AuthRateLimitRow, type RateLimitEntityOptions } from './rate-limit.entity.js';
export { TypeOrmAccountTokenStore } from './typeorm-account-token.store.js';
export { TypeOrmActivityStore, type TypeOrmActivityStoreOptions } from './typeorm-activity.store.js';
export { TypeOrmIdentityStore } from './typeorm-identity.store.js';
export { TypeOrmMfaStore } from './typeorm-mfa.store.js';
export { TypeOrmPasskeyStore } from './typeorm-passkey.store.js';
export { TypeOrmRateLimitStore } from './typeorm-rate-limit.store.js';
export { TypeOrmSessionStore } from './typeorm-session.store.js';
export { TypeOrmUserStore } from './typeorm-user.store.js';
/**
 * Runs `work`, rethrowing a TypeORM/driver connection failure as `StoreUnavailableError`
 * (answered 503 `STORE_UNAVAILABLE`); other errors pass through. For your own TypeORM-based stores.
 */
export { withStoreErrors as withTypeOrmStoreErrors } from './typeorm-error.mapper.js';

/**
 * The TypeORM adapters (PostgreSQL, MySQL/MariaDB, SQLite): a DataSource with the package's entities
 * and migrations, migrated under a lock at start-up, handed to the stores. The example of
 * docs/stores.md ("TypeORM") and of the migrations' JSDoc.
 */
import { Global, Module } from '@nestjs/common';
import { AuthModule } from 'nest-gatekeeper';
import {
  authEntities, rateLimitEntity, createAuthMigrations, runAuthMigrations,
  TypeOrmUserStore, TypeOrmSessionStore, TypeOrmRateLimitStore,
} from 'nest-gatekeeper/typeorm';
import { DataSource, type EntitySchema, type MigrationInterface } from 'typeorm';

/** Your app's own entities and migrations, next to the package's. */
const yourEntities: EntitySchema[] = [];
const yourMigrations: (new () => MigrationInterface)[] = [];

export const dataSource = new DataSource({
  type: 'postgres', // or 'mariadb' / 'mysql' (mysql2), 'better-sqlite3'
  url: process.env.DATABASE_URL,
  entities: [...Object.values(authEntities), rateLimitEntity(), ...yourEntities],
  migrations: [...createAuthMigrations(), ...yourMigrations], // portable across the three databases
  migrationsRun: false, // not TypeORM's runner: it takes no lock (see "Migrations" below)
  // Fail fast (see "Outages" below):
  connectTimeoutMS: 3000,
  extra: { query_timeout: 4000 },
});

/** Provides the initialised, migrated DataSource app-wide (TypeOrmModule.forRoot of @nestjs/typeorm does the same). */
@Global()
@Module({
  providers: [
    {
      provide: DataSource,
      useFactory: async (): Promise<DataSource> => {
        await dataSource.initialize();
        await runAuthMigrations(dataSource); // under a database lock: replicas may start together
        return dataSource;
      },
    },
  ],
  exports: [DataSource],
})
export class DatabaseModule {}

@Module({
  imports: [
    DatabaseModule,
    AuthModule.forRootAsync({
      inject: [DataSource], // provided app-wide by DatabaseModule above (or by TypeOrmModule)
      useFactory: (dataSource: DataSource) => ({
        jwt: { secret: process.env.JWT_SECRET! },
        userStore: new TypeOrmUserStore(dataSource),
        sessionStore: new TypeOrmSessionStore(dataSource),
        rateLimitStore: new TypeOrmRateLimitStore(dataSource), // shared across instances
      }),
    }),
  ],
})
export class AppModule {}

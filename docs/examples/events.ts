/**
 * Security events (docs/events.md): a sink of your own, the JSON log, the activity feed's store, and
 * listening through `@nestjs/event-emitter`. The example of the JSDoc of `AuthEventSink`.
 */
import { Injectable } from '@nestjs/common';
import {
  AuthEvents,
  AuthModule,
  HibpBreachedPasswordChecker,
  MemoryActivityStore,
  MemoryUserStore,
  type AuthEvent,
  type AuthEventSink,
} from 'nest-gatekeeper';
import { authEntities, TypeOrmActivityStore } from 'nest-gatekeeper/typeorm';
import { DataSource } from 'typeorm';

const SIEM_URL = 'https://siem.example.com/ingest';

export class SiemSink implements AuthEventSink {
  readonly name = 'siem';
  async handle(events: readonly AuthEvent[]): Promise<void> {
    await fetch(SIEM_URL, { method: 'POST', body: JSON.stringify(events) });
  }
}

export const authWithEvents = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET },
  userStore: MemoryUserStore,
  events: {
    log: true, // one JSON line per event through Nest's Logger
    sinks: [SiemSink], // a class, an instance or { useFactory, inject }
  },
  activityStore: new MemoryActivityStore({ maxPerUser: 50 }), // GET /auth/activity
  activity: { retention: '90d' },
});

export const sqlAuditLog = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET },
  userStore: MemoryUserStore,
  // auth_audit_log: the feed of every account and the operator's audit trail, in SQL.
  activityStore: {
    useFactory: (dataSource: DataSource) => new TypeOrmActivityStore(dataSource, authEntities, { maxPerUser: 200 }),
    inject: [DataSource],
  },
  activity: { retention: '365d' }, // the janitor deletes older rows every hour
});

/** Only the event types a sink asks for reach it. */
export class ReuseAlarm implements AuthEventSink {
  readonly types = ['refresh.reuse_detected', 'login.locked', 'mfa.locked'] as const;
  handle(events: readonly AuthEvent[]): void {
    for (const event of events) console.warn(`security alarm: ${event.type} for ${event.userId ?? 'an unknown account'} from ${event.ip ?? '?'}`);
  }
}

/** What happened to the events so far (e.g. for a health check). */
@Injectable()
export class EventHealth {
  constructor(private readonly events: AuthEvents) {}
  droppedSoFar(): number {
    return this.events.stats().sinks.reduce((sum, sink) => sum + sink.dropped, 0);
  }
}

/** Importing a user table (docs/security.md): bcrypt and PBKDF2 hashes verify, then become argon2id. */
export const importedUsers = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET },
  userStore: MemoryUserStore,
  passwordHashing: { legacy: ['bcrypt', 'pbkdf2'] }, // verified, then replaced by argon2id at the next login
});

/** Breached passwords (docs/security.md): new passwords checked against Have I Been Pwned's range API. */
export const breachedPasswordCheck = AuthModule.forRoot({
  jwt: { secret: process.env.JWT_SECRET },
  userStore: MemoryUserStore,
  password: { minLength: 10, breachedPasswords: new HibpBreachedPasswordChecker({ timeoutMs: 2000 }) },
});

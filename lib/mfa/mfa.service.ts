import { Inject, Injectable, Logger, Optional, type OnModuleInit } from '@nestjs/common';
import { Secret, TOTP } from 'otpauth';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { SecretCipher } from '../crypto/secret-cipher.js';
import { constantTimeEqual, randomBytesFromPool } from '../crypto/secrets.js';
import { AuthException } from '../errors/auth.exception.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { MFA_CHALLENGE_STORE, type DeliveredMfaMethod, type MfaChallengeStore, type StoredTrustedDevice } from '../stores/mfa-challenge.store.js';
import { MFA_ENROLMENT_STORE, type MfaEnrolmentStore } from '../stores/mfa-enrolment.store.js';
import { MemoryMfaStore } from '../stores/memory/memory-mfa.store.js';
import { MemoryRateLimitStore } from '../stores/memory/memory-rate-limit.store.js';
import { RATE_LIMIT_STORE, type RateLimitStore } from '../stores/rate-limit.store.js';
import { USER_STORE, type AuthUser, type MfaMethod, type UserStore } from '../stores/user.store.js';
import { MfaTokenService, type PendingMfaLogin } from '../tokens/mfa-token.service.js';
import { hashTrustToken, newTrustToken, trustTokenDeviceId } from '../tokens/trust-token.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';
import { EMAIL_SENDER, SMS_SENDER, type EmailSender, type MfaCodeMessage, type SmsSender } from './mfa-senders.js';
import { OneTimeCodes, RecoveryCodes } from './verification-codes.js';

/** A method accepted at `/mfa/verify`: an enabled second factor, or a recovery code. */
export type MfaVerifyMethod = MfaMethod | 'recovery';

/** The body of a login that needs a second factor (CONTRACT §4). */
export interface PendingMfaBody {
  isRequiresMfa: true;
  mfaMethods: MfaVerifyMethod[];
  defaultMfaMethod: MfaMethod;
  mfaToken: string;
  message: string;
}

/** What the user must do at login: which methods, and the default one. */
export interface MfaChallenge {
  methods: MfaVerifyMethod[];
  defaultMethod: MfaMethod;
}

/** A second factor that checked out: the user, and what the login asked for. */
export interface VerifiedMfa {
  user: AuthUser;
  accessTtlSeconds?: number;
}

/** A trusted device as clients see it. */
export interface TrustedDeviceView {
  id: string;
  label: string | null;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
}

/** The answer of `POST /mfa/send`. */
export interface MfaSendResult {
  message: string;
  method: DeliveredMfaMethod;
  /** Seconds the code stays valid. */
  expiresIn: number;
}

const TOTP_PERIOD = 30;
const TOTP_DIGITS = 6;
const TOTP_SECRET_BYTES = 20;
const RECOVERY_CODE_COUNT = 10;

/**
 * Multi-factor authentication: the pending login (`mfaToken`), TOTP (RFC 6238, through `otpauth`),
 * e-mail and SMS codes, recovery codes, attempt limits and trusted devices.
 *
 * - Attempts are counted per user (`mfa:fail:<user>`), over every pending login, before the code is
 *   checked (so parallel guesses cannot overshoot): the wrong code that reaches `mfa.maxAttempts`
 *   kills the pending login in use and locks the user's second factor (429) for `mfa.lockout` from
 *   then, doubling with each lock in 24 hours. A success clears the count. Attempts per client
 *   address are capped by `rateLimit.address`.
 * - A TOTP code is accepted for the current step ± 1, and a step only once (the last accepted step
 *   is stored per user and must grow), so a code can never be replayed.
 * - E-mail/SMS codes are single-use, bound to one pending login, hashed at rest, valid `codeTtl`;
 *   a new code replaces the previous one.
 * - A pending login finishes once: after a success (or the attempt cap) its `mfaToken` is dead.
 */
@Injectable()
export class MfaService implements OnModuleInit {
  private readonly logger = new Logger('AuthModule');
  private readonly cipher: SecretCipher;
  private readonly codes: OneTimeCodes;

  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(MFA_ENROLMENT_STORE) private readonly enrolment: MfaEnrolmentStore,
    @Inject(MFA_CHALLENGE_STORE) private readonly challenges: MfaChallengeStore,
    @Inject(USER_STORE) private readonly users: UserStore,
    @Inject(RATE_LIMIT_STORE) private readonly counters: RateLimitStore,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
    private readonly tokens: MfaTokenService,
    @Optional() @Inject(EMAIL_SENDER) private readonly emailSender?: EmailSender,
    @Optional() @Inject(SMS_SENDER) private readonly smsSender?: SmsSender,
  ) {
    this.cipher = new SecretCipher(options.mfa.encryptionKeys);
    this.codes = new OneTimeCodes(options.jwt.signingKey, options.mfa.codeLength);
  }

  /**
   * Warns when MFA state is shared (a non-memory MFA store) but the attempt counters are not: each
   * instance would then count `mfa.maxAttempts` on its own.
   */
  onModuleInit(): void {
    const shared = !(this.enrolment instanceof MemoryMfaStore) || !(this.challenges instanceof MemoryMfaStore);
    if (this.options.mfa.methods.length > 0 && shared && this.counters instanceof MemoryRateLimitStore) {
      this.logger.warn(
        'the MFA store is shared but rateLimitStore is in memory: with several instances each one counts MFA attempts on its own. Set rateLimitStore to a shared store.',
      );
    }
  }

  // ---------------------------------------------------------------- login

  /**
   * The second factor `user` must complete, or `null` when none is needed. A user who has MFA enabled
   * but none of their methods is offered any more, and (with `mfa.required`) a user without a
   * method, get 403 `MFA_ENROLLMENT_REQUIRED`: never a free pass.
   */
  async challengeFor(user: AuthUser): Promise<MfaChallenge | null> {
    const enabled = user.mfaEnabled || user.mfaMethods.length > 0;
    if (!enabled && !this.options.mfa.required) return null;
    const usable = this.usableMethods(user);
    const defaultMethod = usable[0];
    if (defaultMethod === undefined) throw new AuthException('MFA_ENROLLMENT_REQUIRED');
    const state = await this.enrolment.getState(user.id);
    return { methods: state.recoveryCodesLeft > 0 ? [...usable, 'recovery'] : usable, defaultMethod };
  }

  /**
   * Starts a pending login: signs its `mfaToken` and, when the default method is e-mail or SMS,
   * sends the code (a refused or failed send does not fail the login: the client can re-send).
   */
  async beginPending(user: AuthUser, challenge: MfaChallenge, ip: string | undefined, accessTtlSeconds?: number): Promise<PendingMfaBody> {
    const { token, pending } = this.tokens.issue(user.id, accessTtlSeconds);
    let message = 'Multi-factor authentication required.';
    const method = challenge.defaultMethod;
    if ((await this.counters.peek(lockKey(user.id), this.clock.now())).count > 0) {
      // A locked second factor gets no new code (it could not be used before the lock ends).
      message = 'Multi-factor authentication required. Too many wrong codes: try again later.';
    } else if (method === 'email' || method === 'sms') {
      try {
        const sent = await this.sendCode(user, pending, method, ip);
        message = `Multi-factor authentication required. ${sent.message}`;
      } catch (error) {
        if (!(error instanceof AuthException)) throw error;
        message = 'Multi-factor authentication required. The code could not be sent now; request a new one.';
      }
    }
    return { isRequiresMfa: true, mfaMethods: challenge.methods, defaultMfaMethod: method, mfaToken: token, message };
  }

  /** Whether `trustToken` is a live trusted device of `user` (forged, foreign or expired: `false`). */
  async isTrustedDevice(user: AuthUser | null | undefined, trustToken: string | undefined): Promise<boolean> {
    if (trustToken === undefined) return false;
    const id = trustTokenDeviceId(trustToken);
    if (id === undefined) return false;
    // Read even without a user (an unknown account at login): the same work either way.
    const device = await this.challenges.findTrustedDevice(id);
    const now = this.clock.now();
    if (!user || !device || device.userId !== user.id || device.expiresAt <= now) return false;
    if (!constantTimeEqual(device.tokenHash, hashTrustToken(trustToken))) return false;
    await this.challenges.touchTrustedDevice(id, now);
    return true;
  }

  /** `POST /mfa/send`: a new e-mail or SMS code for the pending login (rate-limited). */
  async resend(mfaToken: string, method: MfaVerifyMethod, ip: string | undefined): Promise<MfaSendResult> {
    const { pending, user } = await this.openPending(mfaToken);
    if (method !== 'email' && method !== 'sms') throw unavailable('method', 'only email and sms codes are sent');
    if (!this.usableMethods(user).includes(method)) throw unavailable('method');
    await this.assertNotLocked(user.id);
    return this.sendCode(user, pending, method, ip);
  }

  /**
   * `POST /mfa/verify`: checks the second factor of a pending login. Returns the user to start a
   * session for; throws `MFA_TOKEN_INVALID`, `MFA_CODE_INVALID`, 400 for a malformed code or an
   * unavailable method, 429 while the user is locked out.
   */
  async verify(mfaToken: string, method: MfaVerifyMethod, code: string, ip: string | undefined): Promise<VerifiedMfa> {
    const { pending, user } = await this.openPending(mfaToken);
    const check = this.codeCheck(user, pending, method, code);
    const attempt = await this.reserveAttempt(user.id, ip);
    if (!(await check())) {
      await this.recordFailure(user.id, attempt, pending);
      throw new AuthException('MFA_CODE_INVALID');
    }
    if (!(await this.challenges.finishPending(pending.pendingId, pending.expiresAt * 1000))) {
      throw new AuthException('MFA_TOKEN_INVALID');
    }
    await this.counters.reset(failKey(user.id));
    return { user, accessTtlSeconds: pending.accessTtlSeconds };
  }

  // ---------------------------------------------------------------- enrolment

  /** Starts a TOTP setup: a new 160-bit secret (saved encrypted, pending until a code confirms it). */
  async setupTotp(user: AuthUser): Promise<{ secret: string; otpauthUrl: string }> {
    this.assertOffered('totp');
    const state = await this.enrolment.getState(user.id);
    if (state.totpSecret !== null && user.mfaMethods.includes('totp')) throw new AuthException('MFA_ALREADY_ENABLED');
    const secret = new Secret({ buffer: Uint8Array.from(randomBytesFromPool(TOTP_SECRET_BYTES)).buffer });
    await this.enrolment.setPendingTotp(user.id, this.cipher.encrypt(secret.base32, user.id));
    const otpauthUrl = this.totp(secret, user.username).toString();
    return { secret: secret.base32, otpauthUrl };
  }

  /**
   * Confirms a TOTP setup with a code from the authenticator: TOTP becomes the user's default method
   * and 10 new recovery codes are returned (stored hashed; shown this once).
   */
  async enableTotp(user: AuthUser, code: string, ip: string | undefined): Promise<{ recoveryCodes: string[] }> {
    this.assertOffered('totp');
    if (!isDigits(code, TOTP_DIGITS)) throw malformed(`an authenticator code has ${TOTP_DIGITS} digits`, 'code');
    const state = await this.enrolment.getState(user.id);
    const pendingBox = state.totpPendingSecret;
    const secret = pendingBox === null ? undefined : this.cipher.decrypt(pendingBox, user.id);
    if (pendingBox === null || secret === undefined) {
      throw new AuthException('MFA_METHOD_UNAVAILABLE', { detail: 'Start a TOTP setup first (POST /mfa/totp/setup).' });
    }
    const attempt = await this.reserveAttempt(user.id, ip);
    const step = this.matchingStep(secret, code);
    if (step === undefined || !(await this.enrolment.activateTotp(user.id, pendingBox, step))) {
      await this.recordFailure(user.id, attempt, undefined);
      throw new AuthException('MFA_CODE_INVALID');
    }
    await this.counters.reset(failKey(user.id));
    await this.users.setMfaMethods(user.id, ['totp', ...user.mfaMethods.filter((m) => m !== 'totp')]);
    return { recoveryCodes: await this.newRecoveryCodes(user.id) };
  }

  /**
   * Turns one method off (the caller has checked the password). TOTP also loses its secret; with no
   * method left the recovery codes go too. Every trusted device of the user is revoked. With
   * `mfa.required` the last usable method cannot be turned off (409 `MFA_REQUIRED`).
   */
  async disable(user: AuthUser, method: MfaMethod): Promise<void> {
    if (!user.mfaMethods.includes(method)) throw unavailable('method', 'this method is not enabled');
    const remaining = user.mfaMethods.filter((m) => m !== method);
    if (this.options.mfa.required && this.usableMethods({ ...user, mfaMethods: remaining }).length === 0) {
      throw new AuthException('MFA_REQUIRED');
    }
    await this.users.setMfaMethods(user.id, remaining);
    if (method === 'totp') await this.enrolment.clearTotp(user.id);
    if (remaining.length === 0) await this.enrolment.deleteRecoveryCodes(user.id);
    await this.challenges.deleteCode(user.id);
    await this.challenges.deleteTrustedDevices(user.id);
  }

  /**
   * Enrols a TOTP secret directly (seeding, administration, migration from another system): the
   * secret (base32) is stored encrypted and TOTP becomes the user's default method.
   */
  async enrolTotpSecret(userId: string, base32Secret: string): Promise<void> {
    this.assertOffered('totp');
    const secret = Secret.fromBase32(base32Secret);
    await this.enrolment.setActiveTotp(userId, this.cipher.encrypt(secret.base32, userId));
    const user = await this.users.findById(userId);
    if (user) await this.users.setMfaMethods(userId, ['totp', ...user.mfaMethods.filter((m) => m !== 'totp')]);
  }

  /**
   * Enables e-mail or SMS codes for a user (administration, or after your own verification of the
   * address). The method is added after the user's existing ones.
   */
  async enableDeliveredMethod(userId: string, method: DeliveredMfaMethod): Promise<void> {
    this.assertOffered(method);
    const user = await this.users.findById(userId);
    if (!user) return;
    if (!user.mfaMethods.includes(method)) await this.users.setMfaMethods(userId, [...user.mfaMethods, method]);
  }

  // ---------------------------------------------------------------- trusted devices

  /** Remembers this device for `mfa.trustedDeviceTtl`; returns the trust token (shown once). */
  async trustDevice(userId: string, userAgent: string | undefined): Promise<{ token: string; maxAgeSeconds: number }> {
    const { id, token } = newTrustToken();
    const now = this.clock.now();
    const device: StoredTrustedDevice = {
      id,
      userId,
      tokenHash: hashTrustToken(token),
      label: deviceLabel(userAgent),
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + this.options.mfa.trustedDeviceTtlMs,
    };
    await this.challenges.addTrustedDevice(device);
    return { token, maxAgeSeconds: Math.floor(this.options.mfa.trustedDeviceTtlMs / 1000) };
  }

  /** The user's live trusted devices, newest first. */
  async listTrustedDevices(userId: string): Promise<TrustedDeviceView[]> {
    const devices = await this.challenges.listTrustedDevices(userId, this.clock.now());
    return devices.map((d) => ({
      id: d.id,
      label: d.label,
      createdAt: new Date(d.createdAt).toISOString(),
      lastUsedAt: new Date(d.lastUsedAt).toISOString(),
      expiresAt: new Date(d.expiresAt).toISOString(),
    }));
  }

  /** Revokes one of the user's trusted devices; `NOT_FOUND` when the user has no such device. */
  async revokeTrustedDevice(userId: string, id: string): Promise<void> {
    if (!(await this.challenges.deleteTrustedDevice(userId, id))) throw new AuthException('NOT_FOUND');
  }

  /** Revokes every trusted device of the user (password change, MFA disable, logout everywhere). */
  async revokeTrustedDevices(userId: string): Promise<void> {
    await this.challenges.deleteTrustedDevices(userId);
  }

  // ---------------------------------------------------------------- internals

  /** The user's enabled methods that the module offers (and can deliver), default first. */
  private usableMethods(user: AuthUser): MfaMethod[] {
    return user.mfaMethods.filter((m) => {
      if (!this.options.mfa.methods.includes(m)) return false;
      if (m === 'sms') return typeof user.phone === 'string' && user.phone !== '';
      return true;
    });
  }

  private assertOffered(method: MfaMethod): void {
    if (!this.options.mfa.methods.includes(method)) {
      throw new AuthException('MFA_METHOD_UNAVAILABLE', { detail: `The module does not offer '${method}'.` });
    }
  }

  /** The pending login of a live, unfinished `mfaToken`, and its user. */
  private async openPending(mfaToken: string): Promise<{ pending: PendingMfaLogin; user: AuthUser }> {
    const pending = this.tokens.verify(mfaToken);
    if (await this.challenges.isPendingFinished(pending.pendingId, this.clock.now())) throw new AuthException('MFA_TOKEN_INVALID');
    const user = await this.users.findById(pending.userId);
    if (!user || user.disabled) throw new AuthException('MFA_TOKEN_INVALID');
    return { pending, user };
  }

  /** 429 while the user's second factor is locked (after `mfa.maxAttempts` wrong codes). */
  private async assertNotLocked(userId: string): Promise<void> {
    const now = this.clock.now();
    const lock = await this.counters.peek(lockKey(userId), now);
    if (lock.count > 0) throw tooMany(lock.resetAt - now);
  }

  /**
   * Counts an attempt before its code is checked (atomic increments), so parallel guesses cannot get
   * past the limits: refused with 429 unchecked while the user is locked, when the address has made
   * `rateLimit.address.max` attempts in its window, or when the attempt is numbered above
   * `mfa.maxAttempts` (a race with the attempt that reached the cap). Returns the attempt's number.
   */
  private async reserveAttempt(userId: string, ip: string | undefined): Promise<number> {
    await this.assertNotLocked(userId);
    const now = this.clock.now();
    if (ip !== undefined && this.options.rateLimit.enabled) {
      const { max, windowMs } = this.options.rateLimit.address;
      const byAddress = await this.counters.increment(`mfa:addr:${ip}`, windowMs, now);
      if (byAddress.count > max) throw tooMany(byAddress.resetAt - now);
    }
    const state = await this.counters.increment(failKey(userId), this.options.mfa.lockoutMs, now);
    if (state.count > this.options.mfa.maxAttempts) throw tooMany(state.resetAt - now);
    return state.count;
  }

  /**
   * A wrong code. The one that reaches `mfa.maxAttempts` locks the user's second factor for
   * `mfa.lockout` from now, doubling with each lock in the last 24 hours (at most 24 hours), and
   * kills the pending login in use.
   */
  private async recordFailure(userId: string, attempt: number, pending: PendingMfaLogin | undefined): Promise<void> {
    if (attempt < this.options.mfa.maxAttempts) return;
    const now = this.clock.now();
    const strikes = await this.counters.increment(`mfa:strikes:${userId}`, DAY_MS, now);
    const lockMs = Math.min(this.options.mfa.lockoutMs * 2 ** Math.min(strikes.count - 1, 20), Math.max(DAY_MS, this.options.mfa.lockoutMs));
    await this.counters.increment(lockKey(userId), lockMs, now);
    // The attempt count is NOT reset here: requests already past the lock check must still find it
    // over the cap. It expires with its window (mfa.lockout from the first wrong code), which ends no
    // later than the lock, so counting starts afresh once the lock is over.
    if (pending !== undefined) {
      await this.challenges.finishPending(pending.pendingId, pending.expiresAt * 1000);
      await this.challenges.deleteCode(userId);
    }
  }

  /**
   * Validates the method and the code's shape (400 before anything is counted) and returns the check
   * itself: it consumes the code (or the TOTP step) when it is right.
   */
  private codeCheck(user: AuthUser, pending: PendingMfaLogin, method: MfaVerifyMethod, code: string): () => Promise<boolean> {
    if (method === 'recovery') {
      const normalised = RecoveryCodes.normalise(code);
      if (normalised === undefined) throw malformed('a recovery code looks like xxxx-xxxx-xxxx');
      return () => this.enrolment.consumeRecoveryCode(user.id, RecoveryCodes.hash(user.id, normalised));
    }
    if (!this.usableMethods(user).includes(method)) throw unavailable('method');
    if (method === 'totp') {
      if (!isDigits(code, TOTP_DIGITS)) throw malformed(`an authenticator code has ${TOTP_DIGITS} digits`);
      return () => this.checkTotp(user.id, code);
    }
    if (!this.codes.isWellFormed(code)) throw malformed(`a code has ${this.options.mfa.codeLength} digits`);
    const hash = this.codes.hash(user.id, pending.pendingId, method, code);
    return () => this.challenges.consumeCode(user.id, pending.pendingId, method, hash, this.clock.now());
  }

  private async sendCode(user: AuthUser, pending: PendingMfaLogin, method: DeliveredMfaMethod, ip: string | undefined): Promise<MfaSendResult> {
    const sender = method === 'email' ? this.emailSender : this.smsSender;
    const to = method === 'email' ? user.email : user.phone;
    if (sender === undefined || typeof to !== 'string' || to === '') throw unavailable('method');
    await this.assertSendAllowed(user.id, ip);
    const code = this.codes.generate();
    const ttlMs = this.options.mfa.codeTtlMs;
    const expiresInSeconds = Math.floor(ttlMs / 1000);
    await this.challenges.putCode(user.id, {
      pendingId: pending.pendingId,
      method,
      codeHash: this.codes.hash(user.id, pending.pendingId, method, code),
      expiresAt: this.clock.now() + ttlMs,
    });
    const minutes = Math.max(1, Math.round(expiresInSeconds / 60));
    const message: MfaCodeMessage = {
      to,
      code,
      subject: `Your ${this.options.mfa.issuer} verification code`,
      text: `Your ${this.options.mfa.issuer} verification code is ${code}. It expires in ${minutes} minute${minutes === 1 ? '' : 's'}. If you did not try to sign in, change your password.`,
      expiresInSeconds,
      user: { id: user.id, username: user.username },
    };
    try {
      if (method === 'email') await (sender as EmailSender).sendEmail(message);
      else await (sender as SmsSender).sendSms(message);
    } catch (error) {
      await this.challenges.deleteCode(user.id);
      this.logger.warn(`Sending an ${method} code failed: ${error instanceof Error ? error.name : 'unknown error'}`);
      throw new AuthException('MFA_DELIVERY_FAILED');
    }
    return { message: `A verification code was sent to ${mask(method, to)}.`, method, expiresIn: expiresInSeconds };
  }

  private async assertSendAllowed(userId: string, ip: string | undefined): Promise<void> {
    const { perUser, perAddress } = this.options.mfa.sendLimit;
    const now = this.clock.now();
    // Counted before sending (atomic increments), so parallel sends cannot overshoot the limits.
    const [byUser, byAddress] = await Promise.all([
      this.counters.increment(`mfa:send:user:${userId}`, perUser.windowMs, now),
      ip === undefined ? undefined : this.counters.increment(`mfa:send:addr:${ip}`, perAddress.windowMs, now),
    ]);
    if (byUser.count > perUser.max) throw tooMany(byUser.resetAt - now);
    if (byAddress && byAddress.count > perAddress.max) throw tooMany(byAddress.resetAt - now);
  }

  private async checkTotp(userId: string, code: string): Promise<boolean> {
    const state = await this.enrolment.getState(userId);
    const secret = state.totpSecret === null ? undefined : this.cipher.decrypt(state.totpSecret, userId);
    if (secret === undefined) return false;
    const step = this.matchingStep(secret, code);
    return step !== undefined && this.enrolment.acceptTotpStep(userId, step);
  }

  /** The time step (current ± 1) whose code is `code`, or `undefined`. */
  private matchingStep(base32Secret: string, code: string): number | undefined {
    const timestamp = this.clock.now();
    const delta = TOTP.validate({
      token: code,
      secret: Secret.fromBase32(base32Secret),
      algorithm: 'SHA1',
      digits: TOTP_DIGITS,
      period: TOTP_PERIOD,
      timestamp,
      window: 1,
    });
    return delta === null ? undefined : TOTP.counter({ period: TOTP_PERIOD, timestamp }) + delta;
  }

  private totp(secret: Secret, label: string): TOTP {
    return new TOTP({ issuer: this.options.mfa.issuer, label, secret, algorithm: 'SHA1', digits: TOTP_DIGITS, period: TOTP_PERIOD });
  }

  private async newRecoveryCodes(userId: string): Promise<string[]> {
    const codes = RecoveryCodes.generate(RECOVERY_CODE_COUNT);
    await this.enrolment.replaceRecoveryCodes(
      userId,
      codes.map((c) => RecoveryCodes.hash(userId, RecoveryCodes.normalise(c) as string)),
    );
    return codes;
  }
}

const DAY_MS = 86_400_000;

function failKey(userId: string): string {
  return `mfa:fail:${userId}`;
}

function lockKey(userId: string): string {
  return `mfa:lock:${userId}`;
}

function isDigits(value: string, length: number): boolean {
  return value.length === length && /^[0-9]+$/.test(value);
}

function malformed(message: string, field = 'code'): AuthException {
  return new AuthException('VALIDATION_FAILED', { errors: [{ field, message }] });
}

function unavailable(field: string, message = 'this second factor is not available for this account'): AuthException {
  return new AuthException('MFA_METHOD_UNAVAILABLE', { errors: [{ field, message }] });
}

function tooMany(ms: number): AuthException {
  return new AuthException('TOO_MANY_REQUESTS', { retryAfterSeconds: Math.max(1, Math.ceil(ms / 1000)) });
}

/** `e•••@example.com`, `•••••••4567`: enough for the user to recognise, not enough to harvest. */
function mask(method: DeliveredMfaMethod, to: string): string {
  if (method === 'email') {
    const at = to.lastIndexOf('@');
    return at <= 0 ? '•••' : `${to[0]}•••${to.slice(at)}`;
  }
  return `•••${to.slice(-4)}`;
}

/** A short label from a User-Agent: browser and platform when recognisable, else the start of it. */
function deviceLabel(userAgent: string | undefined): string | null {
  if (userAgent === undefined || userAgent.trim() === '') return null;
  const browser = /(Edg|OPR|Firefox|Chrome|Safari)\/[\d.]+/.exec(userAgent)?.[1];
  const platform = /(Windows|Android|iPhone|iPad|Mac OS X|Linux)/.exec(userAgent)?.[1];
  const names: Record<string, string> = { Edg: 'Edge', OPR: 'Opera', 'Mac OS X': 'macOS' };
  if (browser !== undefined) {
    const b = names[browser] ?? browser;
    return platform === undefined ? b : `${b} on ${names[platform] ?? platform}`;
  }
  return userAgent.slice(0, 64);
}

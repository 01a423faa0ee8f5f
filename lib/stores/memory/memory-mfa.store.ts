import { constantTimeEqual } from '../../crypto/secrets.js';
import type { DeliveredMfaMethod, MfaStore, MfaUserState, StoredOneTimeCode, StoredTrustedDevice } from '../mfa.store.js';

interface UserRecord {
  totpSecret: string | null;
  totpLastStep: number;
  totpPendingSecret: string | null;
  recoveryCodes: Set<string>;
}

/** Finished pending logins are swept after this many new ones, to bound memory under a login flood. */
const SWEEP_EVERY = 1000;

/**
 * The default {@link MfaStore}: this process's memory (tests, development, one instance). Every
 * method completes synchronously inside its call, so the atomicity guarantees hold trivially.
 * Expired codes, finished pending logins and devices are swept as the store is used.
 */
export class MemoryMfaStore implements MfaStore {
  private readonly users = new Map<string, UserRecord>();
  /** The latest time a caller passed in: what "expired" is measured against when sweeping. */
  private latestNow = 0;
  private finishedSinceSweep = 0;
  private readonly codes = new Map<string, StoredOneTimeCode>();
  private readonly finished = new Map<string, number>();
  private readonly devices = new Map<string, StoredTrustedDevice>();

  getState(userId: string): Promise<MfaUserState> {
    const user = this.users.get(userId);
    return Promise.resolve({
      totpSecret: user?.totpSecret ?? null,
      totpLastStep: user?.totpLastStep ?? -1,
      totpPendingSecret: user?.totpPendingSecret ?? null,
      recoveryCodesLeft: user?.recoveryCodes.size ?? 0,
    });
  }

  setPendingTotp(userId: string, encryptedSecret: string): Promise<void> {
    this.user(userId).totpPendingSecret = encryptedSecret;
    return Promise.resolve();
  }

  activateTotp(userId: string, encryptedSecret: string, step: number): Promise<boolean> {
    const user = this.users.get(userId);
    if (!user || user.totpPendingSecret !== encryptedSecret) return Promise.resolve(false);
    user.totpSecret = encryptedSecret;
    user.totpLastStep = step;
    user.totpPendingSecret = null;
    return Promise.resolve(true);
  }

  setActiveTotp(userId: string, encryptedSecret: string): Promise<void> {
    const user = this.user(userId);
    user.totpSecret = encryptedSecret;
    user.totpLastStep = -1;
    return Promise.resolve();
  }

  clearTotp(userId: string): Promise<void> {
    const user = this.users.get(userId);
    if (user) {
      user.totpSecret = null;
      user.totpPendingSecret = null;
      user.totpLastStep = -1;
    }
    return Promise.resolve();
  }

  acceptTotpStep(userId: string, step: number): Promise<boolean> {
    const user = this.users.get(userId);
    if (!user || user.totpSecret === null || step <= user.totpLastStep) return Promise.resolve(false);
    user.totpLastStep = step;
    return Promise.resolve(true);
  }

  replaceRecoveryCodes(userId: string, codeHashes: readonly string[]): Promise<void> {
    this.user(userId).recoveryCodes = new Set(codeHashes);
    return Promise.resolve();
  }

  consumeRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    return Promise.resolve(this.users.get(userId)?.recoveryCodes.delete(codeHash) ?? false);
  }

  deleteRecoveryCodes(userId: string): Promise<void> {
    this.users.get(userId)?.recoveryCodes.clear();
    return Promise.resolve();
  }

  putCode(userId: string, code: StoredOneTimeCode): Promise<void> {
    this.codes.set(userId, { ...code });
    return Promise.resolve();
  }

  consumeCode(userId: string, pendingId: string, method: DeliveredMfaMethod, codeHash: string, now: number): Promise<boolean> {
    this.latestNow = Math.max(this.latestNow, now);
    const code = this.codes.get(userId);
    const matches =
      code !== undefined &&
      code.pendingId === pendingId &&
      code.method === method &&
      code.expiresAt > now &&
      constantTimeEqual(code.codeHash, codeHash);
    if (matches) this.codes.delete(userId);
    return Promise.resolve(matches);
  }

  deleteCode(userId: string): Promise<void> {
    this.codes.delete(userId);
    return Promise.resolve();
  }

  finishPending(pendingId: string, expiresAt: number): Promise<boolean> {
    if (this.finished.has(pendingId)) return Promise.resolve(false);
    this.finished.set(pendingId, expiresAt);
    if (++this.finishedSinceSweep >= SWEEP_EVERY) {
      this.finishedSinceSweep = 0;
      void this.deleteExpired(this.latestNow);
    }
    return Promise.resolve(true);
  }

  isPendingFinished(pendingId: string, now: number): Promise<boolean> {
    this.latestNow = Math.max(this.latestNow, now);
    const until = this.finished.get(pendingId);
    return Promise.resolve(until !== undefined && until > now);
  }

  addTrustedDevice(device: StoredTrustedDevice): Promise<void> {
    this.devices.set(device.id, { ...device });
    return Promise.resolve();
  }

  findTrustedDevice(id: string): Promise<StoredTrustedDevice | null> {
    const device = this.devices.get(id);
    return Promise.resolve(device ? { ...device } : null);
  }

  touchTrustedDevice(id: string, now: number): Promise<void> {
    const device = this.devices.get(id);
    if (device) device.lastUsedAt = now;
    return Promise.resolve();
  }

  listTrustedDevices(userId: string, now: number): Promise<StoredTrustedDevice[]> {
    const list = [...this.devices.values()]
      .filter((d) => d.userId === userId && d.expiresAt > now)
      .sort((a, b) => b.createdAt - a.createdAt)
      .map((d) => ({ ...d }));
    return Promise.resolve(list);
  }

  deleteTrustedDevice(userId: string, id: string): Promise<boolean> {
    const device = this.devices.get(id);
    if (!device || device.userId !== userId) return Promise.resolve(false);
    this.devices.delete(id);
    return Promise.resolve(true);
  }

  deleteTrustedDevices(userId: string): Promise<number> {
    let count = 0;
    for (const [id, device] of this.devices) {
      if (device.userId === userId) {
        this.devices.delete(id);
        count++;
      }
    }
    return Promise.resolve(count);
  }

  deleteExpired(now: number): Promise<void> {
    for (const [userId, code] of this.codes) if (code.expiresAt <= now) this.codes.delete(userId);
    for (const [id, until] of this.finished) if (until <= now) this.finished.delete(id);
    for (const [id, device] of this.devices) if (device.expiresAt <= now) this.devices.delete(id);
    return Promise.resolve();
  }

  private user(userId: string): UserRecord {
    let user = this.users.get(userId);
    if (!user) {
      user = { totpSecret: null, totpLastStep: -1, totpPendingSecret: null, recoveryCodes: new Set() };
      this.users.set(userId, user);
    }
    return user;
  }
}

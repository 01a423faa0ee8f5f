import { Inject, Injectable } from '@nestjs/common';
import { AUTH_OPTIONS } from '../auth.constants.js';
import { constantTimeEqual } from '../crypto/secrets.js';
import { AuthException } from '../errors/auth.exception.js';
import type { ResolvedAuthOptions } from '../options/resolved-auth-options.js';
import { MFA_CHALLENGE_STORE, type MfaChallengeStore, type StoredTrustedDevice } from '../stores/mfa-challenge.store.js';
import type { AuthUser } from '../stores/user.store.js';
import { hashTrustToken, newTrustToken, trustTokenDeviceId } from '../tokens/trust-token.js';
import { AUTH_CLOCK, type Clock } from '../util/clock.js';

/** A trusted device as clients see it. */
export interface TrustedDeviceView {
  id: string;
  label: string | null;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
}

/**
 * Trusted devices ("trust this device"): a trust token (shown once, stored as a SHA-256 hash) that
 * lets the same user skip the second factor at login for `mfa.trustedDeviceTtl`.
 */
@Injectable()
export class TrustedDeviceService {
  constructor(
    @Inject(AUTH_OPTIONS) private readonly options: ResolvedAuthOptions,
    @Inject(MFA_CHALLENGE_STORE) private readonly store: MfaChallengeStore,
    @Inject(AUTH_CLOCK) private readonly clock: Clock,
  ) {}

  /** Whether `trustToken` is a live trusted device of `user` (forged, foreign or expired: `false`). */
  async isTrusted(user: AuthUser | null | undefined, trustToken: string | undefined): Promise<boolean> {
    if (trustToken === undefined) return false;
    const id = trustTokenDeviceId(trustToken);
    if (id === undefined) return false;
    // Read even without a user (an unknown account at login): the same work either way.
    const device = await this.store.findTrustedDevice(id);
    const now = this.clock.now();
    if (!user || !device || device.userId !== user.id || device.expiresAt <= now) return false;
    if (!constantTimeEqual(device.tokenHash, hashTrustToken(trustToken))) return false;
    await this.store.touchTrustedDevice(id, now);
    return true;
  }

  /** Remembers this device for `mfa.trustedDeviceTtl`; returns the trust token (shown once). */
  async trust(userId: string, userAgent: string | undefined): Promise<{ token: string; maxAgeSeconds: number }> {
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
    await this.store.addTrustedDevice(device);
    return { token, maxAgeSeconds: Math.floor(this.options.mfa.trustedDeviceTtlMs / 1000) };
  }

  /** The user's live trusted devices, newest first. */
  async list(userId: string): Promise<TrustedDeviceView[]> {
    const devices = await this.store.listTrustedDevices(userId, this.clock.now());
    return devices.map((d) => ({
      id: d.id,
      label: d.label,
      createdAt: new Date(d.createdAt).toISOString(),
      lastUsedAt: new Date(d.lastUsedAt).toISOString(),
      expiresAt: new Date(d.expiresAt).toISOString(),
    }));
  }

  /** Revokes one of the user's trusted devices; `NOT_FOUND` when the user has no such device. */
  async revoke(userId: string, id: string): Promise<void> {
    if (!(await this.store.deleteTrustedDevice(userId, id))) throw new AuthException('NOT_FOUND');
  }

  /** Revokes every trusted device of the user (password change, MFA disable, logout everywhere). */
  async revokeAll(userId: string): Promise<void> {
    await this.store.deleteTrustedDevices(userId);
  }
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

import type { Clock } from './types.js';

/** How long new attempts stay on the backup host after the primary failed to connect (SDK S17: 3 min). */
const BACKUP_STICKY_MS = 3 * 60 * 1000;

type HostRole = 'primary' | 'backup';

/** Chooses the WeChat Pay host for each attempt; state lives as long as the container. */
interface HostSelector {
  /** The host for the next attempt. */
  pick(): { baseUrl: string; role: HostRole };
  /** A connection-level failure (request never sent) on `role`: move away from it. */
  reportConnectFailure(role: HostRole): void;
  /**
   * True when a connection failure on `role` has just moved new attempts from the primary to the
   * backup: that attempt goes at once, without backoff. A failure on the backup, or with no
   * backup, waits as any other failure does.
   */
  failsOverAtOnce(role: HostRole): boolean;
}

/**
 * Creates the failover policy of spec §9: after a connection-level failure of the primary, new
 * attempts go to the backup for a few minutes, then back to the primary. A connection failure on
 * the backup sends the next attempt to the primary at once. Without a backup it always picks the primary.
 */
const createHostSelector = (options: {
  primary: string;
  backup: string | undefined;
  clock: Clock;
  stickyMs?: number;
}): HostSelector => {
  const { primary, backup, clock } = options;
  const stickyMs = options.stickyMs ?? BACKUP_STICKY_MS;
  let backupUntil = 0;

  const pick = (): { baseUrl: string; role: HostRole } =>
    backup !== undefined && clock.now() < backupUntil
      ? { baseUrl: backup, role: 'backup' }
      : { baseUrl: primary, role: 'primary' };

  // Without a backup, `pick` never leaves the primary, whatever this records.
  const reportConnectFailure = (role: HostRole): void => {
    backupUntil = role === 'primary' ? clock.now() + stickyMs : 0;
  };

  const failsOverAtOnce = (role: HostRole): boolean => role === 'primary' && pick().role === 'backup';

  return { pick, reportConnectFailure, failsOverAtOnce };
};

export { createHostSelector, BACKUP_STICKY_MS };
export type { HostSelector, HostRole };

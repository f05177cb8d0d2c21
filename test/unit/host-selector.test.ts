import { describe, expect, it } from 'vitest';
import { BACKUP_STICKY_MS, createHostSelector } from '../../lib/host-selector.js';
import { createFakeClock } from '../helpers/fake-deps.js';

const PRIMARY = 'https://api.mch.weixin.qq.com';
const BACKUP = 'https://api2.mch.weixin.qq.com';

describe('host-selector', () => {
  it('starts on the primary host', () => {
    // Prepare
    const hosts = createHostSelector({ primary: PRIMARY, backup: BACKUP, clock: createFakeClock() });

    // Act / Assess
    expect(hosts.pick()).toEqual({ baseUrl: PRIMARY, role: 'primary' });
  });

  it('stays on the backup for the sticky window after a primary connect failure, then returns', () => {
    // Prepare
    const clock = createFakeClock();
    const hosts = createHostSelector({ primary: PRIMARY, backup: BACKUP, clock });

    // Act
    hosts.reportConnectFailure('primary');
    const during = hosts.pick();
    clock.advance(BACKUP_STICKY_MS - 1);
    const justBefore = hosts.pick();
    clock.advance(1);
    const after = hosts.pick();

    // Assess
    expect([during.role, justBefore.role, after.role]).toEqual(['backup', 'backup', 'primary']);
  });

  it('goes back to the primary at once when the backup cannot connect', () => {
    // Prepare
    const hosts = createHostSelector({ primary: PRIMARY, backup: BACKUP, clock: createFakeClock() });
    hosts.reportConnectFailure('primary');

    // Act
    hosts.reportConnectFailure('backup');

    // Assess
    expect(hosts.pick().role).toBe('primary');
  });

  it('always picks the primary when no backup is configured', () => {
    // Prepare
    const hosts = createHostSelector({ primary: PRIMARY, backup: undefined, clock: createFakeClock() });

    // Act
    hosts.reportConnectFailure('primary');

    // Assess
    expect(hosts.pick()).toEqual({ baseUrl: PRIMARY, role: 'primary' });
  });

  it('stays on the backup for 3 minutes by default', () => {
    // Prepare
    const clock = createFakeClock();
    const hosts = createHostSelector({ primary: PRIMARY, backup: BACKUP, clock });
    hosts.reportConnectFailure('primary');

    // Act
    clock.advance(180_000 - 1);
    const before = hosts.pick().role;
    clock.advance(1);
    const after = hosts.pick().role;

    // Assess
    expect([before, after]).toEqual(['backup', 'primary']);
  });

  it('stays on the backup for the window it is given', () => {
    // Prepare
    const clock = createFakeClock();
    const hosts = createHostSelector({ primary: PRIMARY, backup: BACKUP, clock, stickyMs: 10 });
    hosts.reportConnectFailure('primary');

    // Act
    clock.advance(9);
    const before = hosts.pick().role;
    clock.advance(1);
    const after = hosts.pick().role;

    // Assess
    expect([before, after]).toEqual(['backup', 'primary']);
  });

  describe('failsOverAtOnce', () => {
    it.each([
      { name: 'a connection failure of the primary, with a backup', backup: BACKUP, failed: 'primary', expected: true },
      { name: 'a connection failure of the primary, without a backup', backup: undefined, failed: 'primary', expected: false },
      { name: 'a connection failure of the backup', backup: BACKUP, failed: 'backup', expected: false },
    ] as const)('says $expected after $name', ({ backup, failed, expected }) => {
      // Prepare
      const hosts = createHostSelector({ primary: PRIMARY, backup, clock: createFakeClock() });
      if (failed === 'backup') hosts.reportConnectFailure('primary');
      hosts.reportConnectFailure(failed);

      // Act / Assess
      expect(hosts.failsOverAtOnce(failed)).toBe(expected);
    });

    it('says false for the primary before any failure', () => {
      // Prepare
      const hosts = createHostSelector({ primary: PRIMARY, backup: BACKUP, clock: createFakeClock() });

      // Act / Assess
      expect(hosts.failsOverAtOnce('primary')).toBe(false);
    });

    it('says false for the backup while new attempts go to the backup', () => {
      // Prepare
      const hosts = createHostSelector({ primary: PRIMARY, backup: BACKUP, clock: createFakeClock() });
      hosts.reportConnectFailure('primary');

      // Act / Assess
      expect(hosts.failsOverAtOnce('backup')).toBe(false);
    });
  });
});

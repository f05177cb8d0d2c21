import { describe, expect, it, vi } from 'vitest';
import { parseBatchFile } from '../../../lib/batch/input-file.js';

/** A defect in the command check, not a rule a row can break: a plain TypeError for one reason. */
vi.mock('../../../lib/command.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../../lib/command.js')>();
  return {
    ...original,
    parseCommand: (...args: Parameters<typeof original.parseCommand>) => {
      if ((args[0] as Record<string, unknown>).reason === 'defect') throw new TypeError('defect in the check');
      return original.parseCommand(...args);
    },
  };
});

describe('batch/input-file, when the command check itself fails', () => {
  it('lets an error that is not a rule of the contract propagate instead of reporting it as a row problem', () => {
    // Prepare
    const file = new TextEncoder().encode('out_order_no,reason\nA1,x\nA2,defect\n');

    // Act
    const act = () => parseBatchFile(file, { name: 'orders.csv', defaults: { serviceId: '1', appid: 'wx1' }, maxRows: 100 });

    // Assess
    expect(act).toThrow(TypeError);
    expect(act).toThrow(new TypeError('defect in the check'));
  });
});

// scripts/batch.ts's parts that need neither AWS nor the sandbox: the progress and summary it
// prints, the run on a stage (against a fake BatchCloud), and the local form of the definition.
import { describe, expect, it } from 'vitest';
import { runInAws } from '../../../scripts/batch/aws-run.js';
import type { BatchCloud, MapRunCounts } from '../../../scripts/batch/aws-run.js';
import { toLocalDefinition } from '../../../scripts/batch/local-definition.js';
import { createProgressPrinter, renderBar, renderOutcomeProgress, renderSummary } from '../../../scripts/batch/progress.js';

const COUNTS = { cancelled: 300, already_cancelled: 40, not_cancellable: 20, not_found: 25, invalid: 0, failed: 15 };

describe('npm run batch', () => {
  describe('progress', () => {
    it.each([
      { done: 0, total: 500, line: `[${'.'.repeat(30)}]    0/500    0.0%` },
      { done: 250, total: 500, line: `[${'#'.repeat(15)}${'.'.repeat(15)}]  250/500   50.0%` },
      { done: 500, total: 500, line: `[${'#'.repeat(30)}]  500/500  100.0%` },
      { done: 0, total: undefined, line: `[${'.'.repeat(30)}]  preparing` },
    ])('draws $done of $total', ({ done, total, line }) => {
      // Assess
      expect(renderBar(done, total)).toBe(line);
    });

    it('follows the bar with the count of every outcome', () => {
      // Act
      const line = renderOutcomeProgress({ total: 400, done: 400, counts: COUNTS });

      // Assess
      expect(line).toMatch(/400\/400  100\.0%  cancelled 300 · already_cancelled 40 · not_cancellable 20 · not_found 25 · invalid 0 · failed 15$/);
    });

    it('prints one line per tenth when the output is not a terminal, and the last line once', () => {
      // Prepare
      const written: string[] = [];
      const printer = createProgressPrinter({ isTTY: false, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream);

      // Act
      for (let done = 0; done <= 100; done += 1) printer.update(`${done}/100`, done / 100);
      printer.done();

      // Assess
      expect(written).toEqual(['0/100', '10/100', '20/100', '30/100', '40/100', '50/100', '60/100', '70/100', '80/100', '90/100', '100/100'].map((line) => `${line}\n`));
    });

    it('prints the summary as a table ending with the total', () => {
      // Act
      const table = renderSummary({ total: 400, counts: COUNTS });

      // Assess
      expect(table.split('\n')).toEqual([
        'outcome            orders',
        '-----------------  ------',
        'cancelled             300',
        'already_cancelled      40',
        'not_cancellable        20',
        'not_found              25',
        'invalid                 0',
        'failed                 15',
        'total                 400',
      ]);
    });
  });

  describe('runInAws', () => {
    /** A stage whose execution runs for `polls` polls, then ends as `end`. */
    const fakeCloud = (end: { status: 'SUCCEEDED' | 'FAILED'; output?: string; error?: string; cause?: string }, polls = 2) => {
      const calls: string[] = [];
      let described = 0;
      const cloud: BatchCloud = {
        upload: async (key, body) => void calls.push(`upload ${key} ${body.length}`),
        start: async (name, input) => (calls.push(`start ${name} ${input}`), 'arn:execution'),
        describe: async () => ((described += 1) <= polls ? { status: 'RUNNING' } : end),
        mapRun: async (): Promise<MapRunCounts> => ({ total: 4, pending: 0, running: 0, succeeded: Math.min(4, described * 2), failed: 0, timedOut: 0, aborted: 0 }),
      };
      return { cloud, calls };
    };

    it('uploads, starts with {"key"}, polls with the map run\'s counts and returns the summary', async () => {
      // Prepare
      const summary = { total: 4, counts: COUNTS, report: 's3://b/results/n/report.csv', retry: null };
      const { cloud, calls } = fakeCloud({ status: 'SUCCEEDED', output: JSON.stringify(summary) });
      const seen: number[] = [];
      const waits: number[] = [];

      // Act
      const result = await runInAws({ cloud, key: 'inputs/n-orders.csv', file: new Uint8Array(10), name: 'n', pollMs: 2000, wait: async (ms) => void waits.push(ms), onMapRun: (_, done) => void seen.push(done) });

      // Assess
      expect(calls).toEqual(['upload inputs/n-orders.csv 10', 'start n {"key":"inputs/n-orders.csv"}']);
      expect(result).toEqual({ status: 'completed', executionArn: 'arn:execution', summary });
      expect(seen).toEqual([2, 4, 4]);
      expect(waits).toEqual([2000, 2000]);
    });

    it.each([
      { error: 'BatchFileError', status: 'refused' },
      { error: 'States.ExceedToleratedFailureThreshold', status: 'stopped' },
      { error: 'States.Runtime', status: 'failed' },
    ])('ends an execution that failed with $error as $status', async ({ error, status }) => {
      // Prepare
      const { cloud } = fakeCloud({ status: 'FAILED', error, cause: 'why' }, 0);

      // Act
      const result = await runInAws({ cloud, key: 'inputs/x', file: new Uint8Array(), name: 'n', wait: async () => undefined });

      // Assess
      expect(result).toEqual({ status, executionArn: 'arn:execution', error, cause: 'why' });
    });
  });

  describe('toLocalDefinition', () => {
    const DEFINITION = {
      StartAt: 'Prepare',
      States: {
        Prepare: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', Next: 'CancelOrders' },
        CancelOrders: {
          Type: 'Map',
          MaxConcurrency: 10,
          ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { 'Bucket.$': '$.b', 'Key.$': '$.k' } },
          ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } },
          ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { 'Bucket.$': '$.b', 'Prefix.$': '$.p' } },
          ResultPath: '$.map',
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Stopped' }],
          Next: 'Report',
        },
        Report: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke', End: true },
        Stopped: { Type: 'Fail' },
      },
    };

    it('puts the ItemReader and ResultWriter, with their own parameters, in Tasks around an inline Map', () => {
      // Act
      const local = toLocalDefinition(DEFINITION);

      // Assess
      expect(local.States.Prepare?.Next).toBe('ReadItems');
      expect(local.States.ReadItems).toEqual({ Type: 'Task', Resource: 'arn:aws:states:::s3:getObject', Parameters: { 'Bucket.$': '$.b', 'Key.$': '$.k' }, ResultPath: '$.items', Next: 'CancelOrders' });
      expect(local.States.CancelOrders).toEqual({
        Type: 'Map',
        MaxConcurrency: 10,
        ItemProcessor: DEFINITION.States.CancelOrders.ItemProcessor,
        Catch: DEFINITION.States.CancelOrders.Catch,
        ItemsPath: '$.items',
        ResultPath: '$.mapOutputs',
        Next: 'WriteResults',
      });
      expect(local.States.WriteResults).toEqual({
        Type: 'Task',
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { 'Bucket.$': '$.b', 'Prefix.$': '$.p', 'Items.$': '$.items', 'Outputs.$': '$.mapOutputs' },
        ResultPath: '$.map',
        Next: 'Report',
      });
      expect(DEFINITION.States.CancelOrders.ItemReader).toBeDefined();
    });

    it('refuses a definition without a Map that reads items', () => {
      // Assess
      expect(() => toLocalDefinition({ StartAt: 'A', States: { A: { Type: 'Pass', End: true } } })).toThrow('no Map state with an ItemReader');
    });
  });
});

/**
 * The batch state machine as an ASL interpreter without S3 can run it (aws-local-stepfunctions
 * accepts ItemReader and ResultWriter but never reads or writes S3). Everything else stays as
 * packaged; the Distributed Map's two S3 fields become Task states around it:
 *
 *   ReadItems    (the ItemReader's Resource and Parameters) reads the items into `$.items`; the Map
 *                iterates them inline (`ItemsPath`).
 *   WriteResults (the ResultWriter's Resource and Parameters) writes the Map's outputs as
 *                ResultWriter does (a manifest and SUCCEEDED_0.json) and outputs what the Map
 *                outputs in AWS ({MapRunArn, ResultWriterDetails}) at the Map's ResultPath.
 *
 * The two Tasks are served by `createS3StandIns` over the local S3 endpoint.
 */
import { randomUUID } from 'node:crypto';
import type { S3Sandbox } from '../../test/sandbox/s3-server.js';

const ITEM_READER_STATE = 'ReadItems';
const RESULT_WRITER_STATE = 'WriteResults';
/** Where the local definition keeps the items and the Map's outputs. */
const ITEMS_PATH = '$.items';
const OUTPUTS_PATH = '$.mapOutputs';

type State = Record<string, unknown> & { Type: string; Next?: string };
type Definition = { StartAt: string; States: Record<string, State> } & Record<string, unknown>;

/**
 * The local form of a definition holding one Distributed Map with an ItemReader and a ResultWriter.
 *
 * @throws {Error} when there is no such Map, or a state other than by `Next`/`StartAt` leads to it.
 */
const toLocalDefinition = (packaged: object): Definition => {
  const definition = structuredClone(packaged) as Definition;
  const entry = Object.entries(definition.States).find(([, state]) => state.Type === 'Map' && state.ItemReader !== undefined);
  if (entry === undefined) throw new Error('no Map state with an ItemReader');
  const [mapName, map] = entry;
  const reader = map.ItemReader as { Resource: string; Parameters: Record<string, unknown> };
  const writer = map.ResultWriter as { Resource: string; Parameters: Record<string, unknown> } | undefined;
  if (writer === undefined) throw new Error(`${mapName} has no ResultWriter`);
  for (const [name, state] of Object.entries(definition.States)) {
    if (JSON.stringify({ ...state, Next: undefined }).includes(`"${mapName}"`) && name !== mapName) {
      throw new Error(`${name} leads to ${mapName} other than by Next`);
    }
    if (state.Next === mapName) state.Next = ITEM_READER_STATE;
  }
  if (definition.StartAt === mapName) definition.StartAt = ITEM_READER_STATE;

  const { ItemReader: _reader, ResultWriter: _writer, ResultPath, Next, End, ...rest } = map;
  definition.States[ITEM_READER_STATE] = {
    Type: 'Task',
    Resource: reader.Resource,
    Parameters: reader.Parameters,
    ResultPath: ITEMS_PATH,
    Next: mapName,
  };
  definition.States[mapName] = { ...rest, Type: 'Map', ItemsPath: ITEMS_PATH, ResultPath: OUTPUTS_PATH, Next: RESULT_WRITER_STATE };
  definition.States[RESULT_WRITER_STATE] = {
    Type: 'Task',
    Resource: writer.Resource,
    Parameters: { ...writer.Parameters, 'Items.$': ITEMS_PATH, 'Outputs.$': OUTPUTS_PATH },
    ...(ResultPath === undefined ? {} : { ResultPath }),
    ...(End === true ? { End: true } : { Next }),
  };
  return definition;
};

type ReaderInput = { Bucket?: unknown; Key?: unknown };
type WriterInput = { Bucket?: unknown; Prefix?: unknown; Items?: unknown; Outputs?: unknown };

/**
 * Serves ReadItems and WriteResults from the local S3 endpoint, as Step Functions would read the
 * items and write the map run's results.
 */
const createS3StandIns = (s3: S3Sandbox, options: Readonly<{ stateMachineArn: string; mapLabel: string }>) => ({
  readItems: (input: unknown): unknown => {
    const { Bucket, Key } = (input ?? {}) as ReaderInput;
    const body = s3.getObject(String(Bucket), String(Key));
    if (body === undefined) throw Object.assign(new Error(`no object ${String(Key)}`), { name: 'States.ItemReaderFailed' });
    const items: unknown = JSON.parse(body.toString('utf8'));
    if (!Array.isArray(items)) throw Object.assign(new Error(`${String(Key)} is not a JSON array`), { name: 'States.ItemReaderFailed' });
    return items;
  },
  writeResults: (input: unknown): unknown => {
    const { Bucket, Prefix, Items, Outputs } = (input ?? {}) as WriterInput;
    if (!Array.isArray(Items) || !Array.isArray(Outputs) || Items.length !== Outputs.length) {
      throw Object.assign(new Error('the Map did not output one result per item'), { name: 'States.ResultWriterFailed' });
    }
    const bucket = String(Bucket);
    const runId = randomUUID();
    const mapRunArn = options.stateMachineArn.replace(':stateMachine:', ':mapRun:') + `/${options.mapLabel}:${runId}`;
    const now = new Date().toISOString();
    const entries = Items.map((item, index) => ({
      ExecutionArn: options.stateMachineArn.replace(':stateMachine:', ':execution:') + `/${options.mapLabel}:${randomUUID()}`,
      Input: JSON.stringify(item),
      InputDetails: { Included: true },
      Name: randomUUID(),
      Output: JSON.stringify(Outputs[index]),
      OutputDetails: { Included: true },
      RedriveCount: 0,
      RedriveStatus: 'NOT_REDRIVABLE',
      StartDate: now,
      StateMachineArn: options.stateMachineArn,
      Status: 'SUCCEEDED',
      StopDate: now,
    }));
    const base = `${String(Prefix)}/${runId}`;
    const succeeded = `${base}/SUCCEEDED_0.json`;
    const body = JSON.stringify(entries);
    s3.putObject(bucket, succeeded, body, 'application/json');
    const manifest = {
      DestinationBucket: bucket,
      MapRunArn: mapRunArn,
      ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: succeeded, Size: Buffer.byteLength(body) }] },
    };
    s3.putObject(bucket, `${base}/manifest.json`, JSON.stringify(manifest), 'application/json');
    return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: `${base}/manifest.json` } };
  },
});

/**
 * The end of a map run after its first failed child. AWS then stops the run's other children and
 * starts no more; aws-local-stepfunctions fails the Map at once but keeps running the iterations
 * it has queued. Wrapped in `guard`, an item's Task fails at once after `stop()`, without reaching
 * the function (its output is discarded with the stopped run).
 */
const createMapRunStop = () => {
  let stopped = false;
  return {
    stop: (): void => {
      stopped = true;
    },
    isStopped: (): boolean => stopped,
    guard:
      <A extends unknown[]>(resolve: (...args: A) => Promise<unknown>) =>
      async (...args: A): Promise<unknown> => {
        if (stopped) throw Object.assign(new Error('the map run stopped'), { name: 'MapRunStopped' });
        return resolve(...args);
      },
  };
};

export { toLocalDefinition, createS3StandIns, createMapRunStop, ITEM_READER_STATE, RESULT_WRITER_STATE };

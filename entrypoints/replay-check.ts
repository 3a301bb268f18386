/**
 * `npm run replay-check` (in the image, or any compiled build: `node dist/entrypoints/replay-check.js`): the upgrade
 * gate. Replays the histories of the running workflows of a Temporal namespace against the workflow code of this
 * build, and says whether the build can take them over.
 *
 * When: before switching workers to a new build, run the new build's check against the production namespace (the
 * same TEMPORAL_* environment as its workers). Exit 0: every trajectory replayed, start the new workers. Exit 1: the
 * new code would break the trajectories named (non-determinism); keep the old workers, do not switch. Exit 2: the
 * check could not run (configuration, Temporal unreachable, a Temporal error), so nothing was checked.
 *
 * Read-only: it lists running workflows (trajectories and definition catalogs, `ExecutionStatus = 'Running'`,
 * newest first, at most `--limit`), counts them all, fetches their histories and replays them in this process, with
 * no task queue and no worker polling; it changes nothing in Temporal. It prints workflow ids (the case systems'
 * pseudonymous references) and the first line of each replay error, never histories or payloads (family data).
 *
 * The workflow code: compiled, the pre-built bundle `dist/workflow-bundle.js` the workers load; from source, the
 * workflows the workers bundle (worker/worker.ts, `defaultWorkflowCode`). `--workflows PATH` replays against another
 * workflows module instead (tests: a deliberately incompatible one).
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { WorkflowNotFoundError, type Client, type HistoryAndWorkflowId } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { ConfigError, loadConfig, requiredKeyRing } from '../runtime/config.js';
import { connectClient } from '../runtime/connection.js';
import { dataConverter } from '../runtime/data-converter.js';
import { defaultWorkflowCode } from '../worker/worker.js';
import { trajectoryWorkflow } from '../workflows/trajectory.js';
import { definitionCatalogWorkflow } from '../workflows/definition-catalog.js';

/** How many running workflows are replayed at most, by default. */
const DEFAULT_LIMIT = 500;

const USAGE = `usage: replay-check [--limit N] [--workflows PATH]

Replays the running workflows of TEMPORAL_NAMESPACE at TEMPORAL_ADDRESS (TLS and API key as the workers: the
TEMPORAL_* environment) against the workflow code of this build. Read-only.

  --limit N          replay at most the N newest running workflows (default ${DEFAULT_LIMIT})
  --workflows PATH   replay against the workflows module at PATH instead of this build's workflow code
  --help             this text

Exit 0: all compatible; 1: incompatible trajectories (listed); 2: the check could not run.`;

/**
 * The running workflows the workers run (trajectories and the municipalities' definition catalogs), in Temporal's
 * list filter (its default order is newest first).
 */
const RUNNING_TRAJECTORIES = `(WorkflowType = '${trajectoryWorkflow.name}' OR WorkflowType = '${definitionCatalogWorkflow.name}') AND ExecutionStatus = 'Running'`;
/** A progress line after every this many replayed. */
const PROGRESS_EVERY = 50;
/** Longest error line printed (a replay error's first line names the mismatching command, no payloads). */
const MAX_ERROR_LINE = 300;

/** The check could not run: exit 2 with this message. */
class CheckFailed extends Error {
  override name = 'CheckFailed';
}

interface Options {
  limit: number;
  workflowsPath?: string;
}

function parseOptions(argv: string[]): Options | 'help' {
  let values: { limit?: string; workflows?: string; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { limit: { type: 'string' }, workflows: { type: 'string' }, help: { type: 'boolean' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new CheckFailed(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`);
  }
  if (values.help) return 'help';
  const limit = values.limit === undefined ? DEFAULT_LIMIT : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new CheckFailed(`--limit must be a whole number of 1 or more (got ${values.limit})\n${USAGE}`);
  return { limit, ...(values.workflows !== undefined ? { workflowsPath: resolve(values.workflows) } : {}) };
}

/**
 * The first line of a replay error, with its kind, shortened: enough to find the cause, nothing of the history. Of a
 * nondeterminism error, whose line wraps the SDK core's failure (`… Failure { message: "[TMPRL1100] Nondeterminism
 * error: Timer machine does not handle this event: HistoryEvent(id: 5, ActivityTaskScheduled)", … }`), the core's
 * message.
 */
function firstLine(error: Error): string {
  const line = (error.message.split('\n')[0] ?? '').trim();
  const core = /message: "((?:[^"\\]|\\.)*)"/.exec(line)?.[1];
  const text = core ?? line;
  return `${error.name}: ${text.length > MAX_ERROR_LINE ? `${text.slice(0, MAX_ERROR_LINE)}…` : text}`;
}

/**
 * The histories of the newest `limit` running workflows, fetched one at a time as the replay asks for them. A run
 * deleted between the listing and the fetch (it closed and its retention ran out) is skipped and counted in `gone`.
 */
async function* runningHistories(client: Client, limit: number, gone: { count: number }): AsyncGenerator<HistoryAndWorkflowId> {
  let listed = 0;
  for await (const run of client.workflow.list({ query: RUNNING_TRAJECTORIES, pageSize: Math.min(limit, 1000) })) {
    if (listed++ >= limit) return;
    try {
      const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
      yield { workflowId: run.workflowId, history };
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      gone.count++;
    }
  }
}

/** Runs the check and answers with the exit code (0 compatible, 1 incompatible); throws when it cannot run. */
async function check(options: Options): Promise<number> {
  const config = loadConfig();
  const address = config.temporal.address;
  if (!address) throw new ConfigError('invalid configuration:\n  TEMPORAL_ADDRESS: required (the Temporal frontend whose trajectories to check)');
  const temporal = { ...config.temporal, address };
  // The workers' keys: the histories' payloads are encrypted (runtime/encryption.ts).
  const keyRing = requiredKeyRing(config, 'the replay check');
  const workflowCode: Pick<ReplayWorkerOptions, 'workflowBundle' | 'workflowsPath'> = options.workflowsPath
    ? { workflowsPath: options.workflowsPath }
    : defaultWorkflowCode();

  // The SDK's own logs, its core's included: errors only, on stderr (each incompatibility is reported once, below, not
  // again as the core's warning). No signal handlers: Ctrl-C simply ends the check.
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger('ERROR', (entry) => console.error(`temporal-sdk: ${entry.message}`)),
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });

  const { client, connection } = await connectClient(temporal, keyRing).catch((err: unknown) => {
    throw new CheckFailed(`cannot reach Temporal at ${address} (namespace ${temporal.namespace}): ${err instanceof Error ? err.message : String(err)}`);
  });
  try {
    const { count: total } = await client.workflow.count(RUNNING_TRAJECTORIES);
    const code = options.workflowsPath ? `the workflows at ${options.workflowsPath}` : 'the workflow code of this build';
    const planned = Math.min(total, options.limit);
    console.log(`${total} running workflows in namespace ${temporal.namespace}; replaying the ${planned} newest against ${code}`);

    const gone = { count: 0 };
    const incompatible: string[] = [];
    let replayed = 0;
    for await (const result of Worker.runReplayHistories({ ...workflowCode, dataConverter: dataConverter(keyRing) }, runningHistories(client, options.limit, gone))) {
      replayed++;
      if (result.error) {
        incompatible.push(result.workflowId);
        console.log(`incompatible: ${result.workflowId}: ${firstLine(result.error)}`);
      }
      if (replayed % PROGRESS_EVERY === 0) console.log(`replayed ${replayed} of ${planned}…`);
    }

    // Trajectories started while the check ran may make the listed more than the counted.
    const of = Math.max(total, replayed + gone.count);
    const summary = `replayed ${replayed} of ${of} running workflows`;
    if (gone.count) console.log(`skipped ${gone.count} that closed and were deleted before their history was fetched`);
    if (replayed + gone.count < of) console.log(`the ${replayed + gone.count} newest were checked; --limit ${of} checks them all`);
    if (incompatible.length === 0) {
      console.log(`${summary}: all compatible`);
      return 0;
    }
    console.log(`${summary}: ${incompatible.length} incompatible (listed above): do not switch the workers to this build`);
    return 1;
  } finally {
    await connection.close();
  }
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  return check(options);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof CheckFailed) console.error(`replay check: ${err.message}`);
    else console.error(`replay check: could not run: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    process.exit(2);
  },
);

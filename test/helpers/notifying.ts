/**
 * A trajectory on a real worker whose notifications go to real receivers in the test process (an HTTP webhook
 * receiver and an SMTP server), with a small directory; and small definitions validated as the API validates them.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import type { Directory } from '../../activities/directory.js';
import type { Definition } from '../../definitions/schema.js';
import { trajectoryWorkflow, type TrajectoryInput } from '../../workflows/trajectory.js';
import { createWorker } from '../../worker/worker.js';
import { validDefinition } from './definitions.js';
import { Driver } from './driver.js';
import { MailServer, WebhookReceiver } from './receivers.js';
import { uniqueId, useTemporal, TEST_KEY_RING } from './temporal.js';

/** Standard Webhooks secret the worker signs with. */
export const WEBHOOK_SECRET = `whsec_${Buffer.from('waakvlam-notifying-secret-32-bytes').toString('base64')}`;

/**
 * GM0363 knows a regisseur, a teamleider, the woningcorporatie's contact and a fallback; GM0599 knows nobody; GM0598
 * knows a regisseur whose address the mail server refuses.
 */
export const DIRECTORY: Directory = {
  municipalities: {
    GM0363: {
      fallback: { email: 'regieteam@gemeente.example' },
      roles: { regisseur: { email: 'regisseur@gemeente.example' }, teamleider: { email: 'teamleider@gemeente.example' } },
      organisations: { woningcorporatie: { owner: { email: 'bemiddeling@corporatie.example' } } },
    },
    GM0599: { roles: {}, organisations: {} },
    // The regisseur's address is one the mail server refuses (see MailServer.REFUSED_DOMAIN), and there is no fallback.
    GM0598: { roles: { regisseur: { email: 'regisseur@onbekend.example' } }, organisations: {} },
  },
};

export interface Notifying {
  env: TestWorkflowEnvironment;
  bundle: WorkflowBundle;
  receiver: WebhookReceiver;
  mail: MailServer;
}

/**
 * A time-skipping server, the bundled workflows, a webhook receiver and a mail server for the whole test file (started
 * in its beforeAll, stopped in its afterAll); `env` and `bundle` are there from the file's first beforeAll on.
 */
export function useNotifying(): Notifying {
  const receiver = new WebhookReceiver();
  const mail = new MailServer();
  const temporal = useTemporal({ server: 'time-skipping', services: [receiver, mail] });
  return {
    get env() {
      return temporal.env;
    },
    get bundle() {
      return temporal.bundle;
    },
    receiver,
    mail,
  };
}

/**
 * Runs `fn` on a new trajectory with `input` (of GM0363 unless `input.municipality` says otherwise); terminates it
 * afterwards, once its deliveries are done.
 */
export async function withNotifyingTrajectory(
  n: Notifying,
  { municipality = 'GM0363', ...input }: Omit<TrajectoryInput, 'caseRef' | 'municipality'> & { municipality?: string },
  fn: (d: Driver) => Promise<void>,
): Promise<void> {
  const taskQueue = uniqueId('tq');
  const caseRef = uniqueId('ZAAK');
  const worker = await createWorker({
    keyRing: TEST_KEY_RING,
    connection: n.env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: n.bundle,
    activityDeps: {
      directory: DIRECTORY,
      webhook: { url: n.receiver.url, secret: WEBHOOK_SECRET },
      email: { url: `smtp://127.0.0.1:${n.mail.port}`, from: 'Waakvlam <waakvlam@gemeente.example>' },
    },
  });
  await worker.runUntil(async () => {
    const handle = await n.env.client.workflow.start(trajectoryWorkflow, {
      workflowId: `${municipality}-${caseRef}`,
      taskQueue,
      args: [{ caseRef, municipality, ...input }],
    });
    const d = new Driver(n.env, handle);
    try {
      await fn(d);
    } finally {
      // Stop only once deliveries are done: an activity cut off by the worker's shutdown holds the server's clock.
      await d.settle().catch(() => undefined);
      await handle.terminate('test finished').catch(() => undefined);
    }
  });
}

export { validDefinition };

/**
 * Goals (a multi-instance, due in a second, the owner reminded at once) and a check-in that loops back to them until
 * `klaar`: the teamleider is told `teamleiderAfter` later, the check-in is due `checkinDue` after it opens.
 */
export function goalsLoopDefinition({ teamleiderAfter, checkinDue }: { teamleiderAfter: string; checkinDue: string }): Definition {
  return validDefinition({
    id: 'ids',
    version: 1,
    name: 'ids',
    roles: [{ id: 'regisseur', name: 'Regisseur' }, { id: 'teamleider', name: 'Teamleider' }],
    escalationPolicies: { direct: { levels: [{ role: 'owner', after: 'PT0S' }, { role: 'teamleider', after: teamleiderAfter }] } },
    defaultEscalationPolicy: 'direct',
    variables: { klaar: false },
    phases: [
      {
        id: 'a',
        name: 'A',
        start: 'goals',
        nodes: [
          { id: 'goals', type: 'multiInstance', name: 'Doelen', collection: 'doelen', task: { name: 'item.titel', owner: 'item.eigenaar', due: 'PT1S' }, next: 'checkin' },
          { id: 'checkin', type: 'userTask', name: 'Check-in', owner: 'regisseur', due: checkinDue, next: 'again' },
          { id: 'again', type: 'exclusiveGateway', name: 'Klaar?', branches: [{ when: 'klaar = true', next: 'done' }], default: 'goals' },
          { id: 'done', type: 'end' },
        ],
      },
    ],
  });
}

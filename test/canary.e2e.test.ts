/**
 * The canary test (#12 point 4): Waakvlam run as a municipality runs it locally (`npm start` with its embedded dev
 * server, a key file made as `npm run keys` makes one, a directory, a real webhook receiver and a real SMTP server),
 * a distinctive string sent through every field the API accepts free text or data in: start `data`, a step's
 * `output`, an event's `payload`, pause, reschedule, close and re-open reasons, an escalation decision's instruction
 * text, mandate holder and reasons, and a registered definition's data-like texts (`description`, `variables`). A
 * small registered definition with short deadlines escalates (webhooks and e-mails go out) and takes every decision;
 * the shipped gezinstraject takes the rest, up to a family plan whose goal (id and title canaries) becomes a task
 * that escalates at once: data the definition turns into a step's key and label.
 *
 * Then each canary must appear nowhere in (1) the raw history as the `temporal` CLI shows it (every run of every
 * workflow, the definition catalog included; payload data read as text too), (2) visibility (`temporal workflow list`
 * and `describe`) and the dev server's database files on disk, (3) everything `npm start` printed (stdout and
 * stderr, at LOG_LEVEL=debug), (4) the notifications (webhook bodies and headers, raw e-mails decoded); and must
 * appear, decoded, through the codec server for an operator of GM0363, while an operator of GM0599 gets a 403 for
 * the same payloads; the access log (npm start's codec lines) records both decisions and holds no canary.
 *
 * `CANARY_MAP=1` prints, before asserting, a table: for each canary, the sinks it appeared in (the "canary map" of
 * issue #12). Run against code without the codec server, the codec columns say `n/a`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_SECRET, signToken } from '../api/auth.js';
import { resolveTemporalCli } from '../scripts/temporal-binaries.js';
import { eventually } from './helpers/eventually.js';
import { embeddedStartEnv, startNpm, type StartedProcess } from './helpers/process.js';
import { decodeWords, MailServer, WebhookReceiver } from './helpers/receivers.js';

const root = resolve(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'waakvlam-canary-'));
const tag = randomBytes(3).toString('hex');

/** One canary per field (and per trajectory: `DEF` the registered definition's, `GT` the gezinstraject's). */
const CANARIES = {
  definitionDescription: `KANARIE-DEF-BESCHRIJVING-${tag}`,
  definitionVariables: `KANARIE-DEF-VARIABELE-${tag}`,
  startData: `KANARIE-DEF-DATA-${tag}`,
  eventPayload: `KANARIE-DEF-GEBEURTENIS-${tag}`,
  instructionText: `KANARIE-DEF-INSTRUCTIE-${tag}`,
  instructionReason: `KANARIE-DEF-INSTRUCTIEREDEN-${tag}`,
  breakthroughMandateHolder: `KANARIE-DEF-MANDAAT-${tag}`,
  breakthroughReason: `KANARIE-DEF-DOORBRAAKREDEN-${tag}`,
  reassignReason: `KANARIE-DEF-HERTOEWIJZINGREDEN-${tag}`,
  newDeadlineReason: `KANARIE-DEF-TERMIJNREDEN-${tag}`,
  stepOutput: `KANARIE-DEF-UITKOMST-${tag}`,
  stepPauseReason: `KANARIE-DEF-STAPPAUZE-${tag}`,
  pauseReason: `KANARIE-DEF-PAUZE-${tag}`,
  rescheduleReason: `KANARIE-DEF-UITSTEL-${tag}`,
  closeReason: `KANARIE-DEF-SLUITING-${tag}`,
  reopenReason: `KANARIE-DEF-HEROPENING-${tag}`,
  gtStartData: `KANARIE-GT-DATA-${tag}`,
  gtStepOutput: `KANARIE-GT-UITKOMST-${tag}`,
  gtEventPayload: `KANARIE-GT-GEBEURTENIS-${tag}`,
  // A family plan's goal: the definition opens a task per goal, named by its title, keyed by its id.
  gtGoalId: `KANARIE-GT-DOELID-${tag}`,
  gtGoalTitle: `KANARIE-GT-DOELTITEL-${tag}`,
  gtPlanAgreed: `KANARIE-GT-AKKOORD-${tag}`,
  gtPauseReason: `KANARIE-GT-PAUZE-${tag}`,
  gtCloseReason: `KANARIE-GT-SLUITING-${tag}`,
} as const;
type Canary = keyof typeof CANARIES;

/** Where a canary may show up; the codec's two are where it must (GM0363) and must not (the access log). */
const SINKS = ['history', 'visibility', 'database', 'logs', 'webhooks', 'e-mails', 'codec GM0363', 'access log'] as const;
type Sink = (typeof SINKS)[number];

const webhooks = new WebhookReceiver();
const mail = new MailServer();
let proc: StartedProcess | undefined;
let api = '';
let temporalAddress = '';

afterAll(async () => {
  await proc?.interrupt(10_000);
  await Promise.all([webhooks.stop(), mail.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

const token = (role: 'case-system' | 'operator' | 'manager', municipality = 'GM0363', subject = `${role}-1`) =>
  signToken(DEV_SECRET, { subject, municipality, role, ...(role === 'manager' ? { escalationRoles: ['teamleider'] } : {}) });

async function call(method: string, path: string, as: Promise<string>, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${await as}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** `call`, expecting a 2xx. */
async function ok(method: string, path: string, as: Promise<string>, body?: unknown): Promise<any> {
  const res = await call(method, path, as, body);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body;
}

/** The `temporal` CLI against the embedded dev server, its JSON output as text. */
function cli(...args: string[]): string {
  const { path } = resolveTemporalCli();
  return execFileSync(path ?? 'temporal', [...args, '--output', 'json', '--address', temporalAddress, '--namespace', 'default'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** Every payload object (`metadata` and `data`) in a JSON document as the CLI prints it. */
function payloadObjects(value: unknown, found: Array<{ metadata: Record<string, string>; data?: string }> = []) {
  if (!value || typeof value !== 'object') return found;
  if (Array.isArray(value)) {
    for (const v of value) payloadObjects(v, found);
    return found;
  }
  const record = value as Record<string, unknown>;
  if (record.metadata && typeof record.metadata === 'object' && (typeof record.data === 'string' || record.data === undefined) && 'encoding' in (record.metadata as object)) {
    found.push(record as { metadata: Record<string, string>; data?: string });
    return found;
  }
  for (const v of Object.values(record)) payloadObjects(v, found);
  return found;
}

const fromBase64 = (text: string | undefined) => Buffer.from(text ?? '', 'base64').toString('utf8');

/**
 * What a reader of the CLI's JSON sees: the text itself and every payload's data read as text (a plain `json/plain`
 * payload is base64 in the JSON, its content readable by anyone; an encrypted one reads as noise).
 */
function readable(json: string): string {
  const parsed: unknown[] = json
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
  let whole: unknown;
  try {
    whole = JSON.parse(json);
  } catch {
    whole = parsed;
  }
  return [json, ...payloadObjects(whole).map((p) => fromBase64(p.data))].join('\n');
}

/**
 * A raw e-mail as its reader sees it: the message itself, its quoted-printable text decoded (a soft line break could
 * split a canary), its base64 parts and its encoded header words decoded.
 */
function mailText(raw: string): string {
  const qp = Buffer.from(raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  const base64 = [...raw.matchAll(/(?:^[A-Za-z0-9+/=]{16,}\r?\n)+/gm)].map((m) => fromBase64(m[0].replace(/\s/g, '')));
  return [raw, qp, decodeWords(raw), ...base64].join('\n');
}

/** Every execution (run) on the server, from visibility. */
function executions(): Array<{ workflowId: string; runId: string }> {
  const listed = JSON.parse(cli('workflow', 'list', '--limit', '1000')) as Array<{ execution: { workflowId: string; runId: string } }>;
  return listed.map((e) => e.execution);
}

/** The smallest definition that waits for an event, then stalls on a step with a ladder of two levels. */
function canaryDefinition(id: string) {
  return {
    id,
    version: 1,
    name: 'Kanarietest',
    description: `Een proces om lekken te vinden: ${CANARIES.definitionDescription}`,
    roles: [
      { id: 'regisseur', name: 'Regisseur' },
      { id: 'teamleider', name: 'Teamleider' },
      { id: 'woningcorporatie', name: 'Woningcorporatie' },
    ],
    events: [{ id: 'contact', name: 'Contact met het gezin' }],
    escalationPolicies: { direct: { levels: [{ role: 'owner', after: 'PT0S' }, { role: 'teamleider', after: 'PT2S' }] } },
    defaultEscalationPolicy: 'direct',
    variables: { achtergrond: CANARIES.definitionVariables },
    phases: [
      {
        id: 'a',
        name: 'A',
        start: 'wacht',
        nodes: [
          { id: 'wacht', type: 'event', name: 'Wachten op contact', event: 'contact', storeAs: 'contact', next: 'taak' },
          { id: 'taak', type: 'userTask', name: 'Plan maken', owner: 'regisseur', due: 'PT2S', next: 'tweede' },
          { id: 'tweede', type: 'userTask', name: 'Plan uitvoeren', owner: 'regisseur', due: 'P5D', next: 'einde' },
          { id: 'einde', type: 'end' },
        ],
      },
    ],
  };
}

beforeAll(async () => {
  await Promise.all([webhooks.start(), mail.start()]);
  // The key file, made as `npm run keys` makes one.
  const keysFile = join(dir, 'keys.yaml');
  writeFileSync(keysFile, execFileSync('npm', ['run', '--silent', 'keys', '--', '--municipality', 'GM0363'], { cwd: root, encoding: 'utf8' }), { mode: 0o600 });
  const directoryFile = join(dir, 'directory.yaml');
  writeFileSync(
    directoryFile,
    [
      'municipalities:',
      '  GM0363:',
      '    fallback: { name: Regieteam, email: regieteam@gemeente.example }',
      '    roles:',
      '      regisseur: { name: Regisseur, email: regie@gemeente.example }',
      '      teamleider: { name: Teamleider West, email: tl-west@gemeente.example }',
      '    organisations:',
      '      woningcorporatie:',
      '        owner: { name: Team Bijzondere Bemiddeling, email: bemiddeling@corporatie.example }',
      '        manager: { name: Manager Verhuur, email: manager.verhuur@corporatie.example }',
    ].join('\n'),
  );
  const { env, apiPort, temporalPort } = await embeddedStartEnv(join(dir, 'data'), {
    // Everything the process can say, the dev server's own lines included.
    LOG_LEVEL: 'debug',
    WAAKVLAM_KEYS: '',
    WAAKVLAM_KEYS_FILE: keysFile,
    WAAKVLAM_DIRECTORY: directoryFile,
    WAAKVLAM_WEBHOOK_URL: webhooks.url,
    WAAKVLAM_WEBHOOK_SECRET: `whsec_${randomBytes(24).toString('base64')}`,
    SMTP_URL: `smtp://127.0.0.1:${mail.port}`,
    SMTP_FROM: '',
    WAAKVLAM_EVENT_SOURCE: '',
  });
  api = `http://127.0.0.1:${apiPort}`;
  temporalAddress = `127.0.0.1:${temporalPort}`;
  proc = startNpm('start', env, root);
  await proc.waitFor('Press Ctrl-C to stop.');
});

describe('canaries (npm start, every free-text and data field of the API)', () => {
  it('never appear in the history, visibility, logs or notifications; the codec server decodes them for GM0363 only', { timeout: 300_000 }, async () => {
    const cs = token('case-system');
    const operator = token('operator');
    const manager = token('manager', 'GM0363', 'teamleider-3');

    // ---- the registered definition: event, escalation with every decision, completion, pauses, reschedule, close, re-open
    const definitionId = `kanarie-${tag}`;
    await ok('POST', '/v1/definitions', operator, canaryDefinition(definitionId));
    const caseRef = `ZAAK-KAN-${tag}`;
    const id = (await ok('POST', '/v1/trajectories', cs, { caseRef, definitionId, data: { notitie: CANARIES.startData } })).id as string;
    await ok('POST', `/v1/trajectories/${id}/events`, cs, { event: 'contact', payload: { verslag: CANARIES.eventPayload } });
    const openSteps = async () => ((await ok('GET', `/v1/trajectories/${id}`, cs)).openSteps as Array<{ id: string }>).map((s) => s.id);
    await eventually('the step opens after the event', async () => (await openSteps()).includes('taak'));

    const inboxItem = async (not: string[] = []) =>
      eventually('a teamleider escalation in the inbox', async () => {
        const inbox = await ok('GET', '/v1/escalations?role=teamleider', manager);
        return (inbox.items as Array<{ id: string; trajectoryId: string; level: number }>).find((e) => e.trajectoryId === id && e.level === 1 && !not.includes(e.id));
      });
    const first = await inboxItem();
    const decide = (escalationId: string, decision: unknown) => ok('POST', `/v1/trajectories/${id}/escalations/${escalationId}/decisions`, manager, decision);
    await ok('POST', `/v1/trajectories/${id}/escalations/${first.id}/acknowledge`, manager, {});
    await decide(first.id, { type: 'instruction', text: CANARIES.instructionText, reason: CANARIES.instructionReason });
    await decide(first.id, { type: 'breakthrough', budget: 2500, mandateHolder: CANARIES.breakthroughMandateHolder, reason: CANARIES.breakthroughReason });
    await decide(first.id, { type: 'reassign', owner: 'woningcorporatie', reason: CANARIES.reassignReason });
    // The reassigned step's fresh ladder climbs again: a new deadline for it.
    const second = await inboxItem([first.id]);
    await decide(second.id, { type: 'new-deadline', dueAt: new Date(Date.now() + 7 * 86_400_000).toISOString(), reason: CANARIES.newDeadlineReason });

    await ok('POST', `/v1/trajectories/${id}/steps/taak/complete`, cs, { output: { plan: CANARIES.stepOutput } });
    await eventually('the second step opens', async () => (await openSteps()).includes('tweede'));
    await ok('POST', `/v1/trajectories/${id}/pause`, cs, { stepId: 'tweede', reason: CANARIES.stepPauseReason });
    await ok('POST', `/v1/trajectories/${id}/resume`, cs, { stepId: 'tweede' });
    await ok('POST', `/v1/trajectories/${id}/pause`, operator, { reason: CANARIES.pauseReason });
    await ok('POST', `/v1/trajectories/${id}/resume`, operator, {});
    await ok('POST', `/v1/trajectories/${id}/steps/tweede/reschedule`, cs, { dueAt: new Date(Date.now() + 14 * 86_400_000).toISOString(), reason: CANARIES.rescheduleReason });
    await ok('POST', `/v1/trajectories/${id}/close`, cs, { reason: CANARIES.closeReason });
    await ok('POST', `/v1/trajectories/${id}/reopen`, cs, { reason: CANARIES.reopenReason });
    await eventually('re-opened', async () => (await ok('GET', `/v1/trajectories/${id}`, cs)).status === 'open');

    // ---- the shipped gezinstraject
    const gtRef = `ZAAK-GT-${tag}`;
    const gt = (await ok('POST', '/v1/trajectories', cs, { caseRef: gtRef, data: { dreigendeSchulden: true, notitie: CANARIES.gtStartData } })).id as string;
    const gtOpen = async () => ((await ok('GET', `/v1/trajectories/${gt}`, cs)).openSteps as Array<{ id: string }>).map((s) => s.id);
    const complete = async (stepId: string, output?: Record<string, unknown>) => {
      await eventually(`${stepId} opens`, async () => (await gtOpen()).includes(stepId));
      await ok('POST', `/v1/trajectories/${gt}/steps/${stepId}/complete`, cs, output ? { output } : {});
    };
    await complete('assign-director', { toelichting: CANARIES.gtStepOutput });
    await ok('POST', `/v1/trajectories/${gt}/events`, cs, { event: 'family-contact', payload: { verslag: CANARIES.gtEventPayload } });
    // On to the execution phase, where the family plan's goals become tasks; the goal's deadline has passed, so its
    // task escalates at once (notifications name the goal's task).
    await complete('first-contact');
    await complete('safety-assessment', { veiligheid: 'veilig' });
    for (const step of ['housing', 'income', 'debts-urgent', 'analysis']) await complete(step);
    const goal = { id: CANARIES.gtGoalId, titel: CANARIES.gtGoalTitle, leefgebied: 'financien', eigenaar: 'schuldhulpverlening', deadline: new Date(Date.now() - 86_400_000).toISOString() };
    await complete('draft-plan', { gezinsplan: { doelen: [goal] } });
    await eventually('the family plan awaits agreement', async () => (await ok('GET', `/v1/trajectories/${gt}`, cs)).phase.id === 'family-plan' && !(await gtOpen()).includes('draft-plan'));
    await ok('POST', `/v1/trajectories/${gt}/events`, cs, { event: 'plan-agreed', payload: { toelichting: CANARIES.gtPlanAgreed } });
    await eventually('the goal is a task keyed by its id', async () => (await gtOpen()).includes(`goals:${CANARIES.gtGoalId}`));
    await eventually("the goal's task escalates (webhook and e-mail)", async () =>
      webhooks.received.some((w) => w.body.includes(gt) && w.body.includes('goals')) && mail.messages.some((m) => m.raw.includes(gtRef) || m.subject.includes(gt)),
    );
    await ok('POST', `/v1/trajectories/${gt}/pause`, cs, { reason: CANARIES.gtPauseReason });
    await ok('POST', `/v1/trajectories/${gt}/close`, cs, { reason: CANARIES.gtCloseReason });

    // Notifications went out (the checks below read real ones).
    await eventually('webhooks and e-mails of the escalations', async () => webhooks.received.length >= 2 && mail.messages.length >= 2);
    // Let the worker finish what it was doing (activities, their logs) before reading.
    await new Promise((r) => setTimeout(r, 3_000));

    // ---- the sinks
    const runs = executions();
    expect(runs.map((r) => r.workflowId)).toEqual(expect.arrayContaining([id, gt, 'waakvlam-definitions-GM0363']));
    const histories = runs.map((r) => cli('workflow', 'show', '-w', r.workflowId, '-r', r.runId));
    const described = runs.map((r) => cli('workflow', 'describe', '-w', r.workflowId, '-r', r.runId));
    const listed = cli('workflow', 'list', '--limit', '1000');
    const sinkText: Partial<Record<Sink, string>> = {
      history: histories.map(readable).join('\n'),
      visibility: [listed, ...described].map(readable).join('\n'),
      // The dev server's SQLite files as they lie on disk (what a backup holds).
      database: readdirSync(join(dir, 'data'))
        .map((f) => readFileSync(join(dir, 'data', f)).toString('latin1'))
        .join('\n'),
      logs: proc!.output(),
      webhooks: webhooks.received.map((w) => `${JSON.stringify(w.headers)}\n${w.body}`).join('\n'),
      'e-mails': mail.messages.map((m) => `${m.from} ${m.to.join(' ')}\n${mailText(m.raw)}`).join('\n'),
    };

    // The codec server, as the Web UI calls it: every payload of every history, as the CLI shows them.
    const payloads = histories.flatMap((h) => payloadObjects(JSON.parse(h)));
    const decode = async (municipality: string) => {
      const bearer = await token('operator', municipality, `beheerder-${municipality}`);
      const answers: Array<{ status: number; body: any }> = [];
      for (let i = 0; i < payloads.length; i += 500) {
        const res = await fetch(`${api}/v1/codec/decode`, {
          method: 'POST',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', 'x-namespace': 'default' },
          body: JSON.stringify({ payloads: payloads.slice(i, i + 500) }),
        });
        answers.push({ status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text() });
      }
      return answers;
    };
    const mine = await decode('GM0363');
    const theirs = await decode('GM0599');
    const codecServed = mine.some((a) => a.status !== 404);
    // Everything the process printed, the codec server's work included.
    sinkText.logs = proc!.output();
    if (codecServed) {
      sinkText['codec GM0363'] = mine
        .filter((a) => a.status === 200)
        .flatMap((a) => (a.body.payloads as Array<{ data?: string }>).map((p) => fromBase64(p.data)))
        .join('\n');
      await new Promise((r) => setTimeout(r, 500));
      sinkText['access log'] = proc!
        .output()
        .split('\n')
        .filter((l) => l.includes('"access":"codec"'))
        .join('\n');
    }

    const map = Object.fromEntries(
      (Object.keys(CANARIES) as Canary[]).map((c) => [c, SINKS.filter((s) => sinkText[s]?.includes(CANARIES[c]))]),
    ) as Record<Canary, Sink[]>;
    if (process.env.CANARY_MAP) {
      const rows = (Object.keys(CANARIES) as Canary[]).map((c) => ({
        canary: c,
        ...Object.fromEntries(SINKS.map((s) => [s, sinkText[s] === undefined ? 'n/a' : map[c].includes(s) ? 'x' : '-'])),
      }));
      console.log(`canary map (${codecServed ? 'with' : 'without'} the codec server; x: appeared, -: did not, n/a: no such sink):`);
      console.table(rows);
      const lines = (text = '') => text.split('\n').filter(Boolean).length;
      console.log(
        `read: ${runs.length} runs (history and describe), ${payloads.length} payloads, ${webhooks.received.length} webhooks, ${mail.messages.length} e-mails, ${lines(sinkText.logs)} lines printed, ${lines(sinkText['access log'])} access lines; codec answers GM0363 ${mine.map((a) => a.status).join(',')}, GM0599 ${theirs.map((a) => a.status).join(',')}`,
      );
    }

    // Each sink read real data: the checks cannot pass on empty text.
    expect(histories.length).toBeGreaterThanOrEqual(3); // the two trajectories and the catalog
    expect(sinkText.history).toContain(caseRef);
    expect(sinkText.visibility).toContain(caseRef);
    expect(sinkText.database).toContain(caseRef);
    expect(sinkText.logs).toContain('Press Ctrl-C to stop.');
    expect(webhooks.received.length).toBeGreaterThanOrEqual(2);
    expect(mail.messages.length).toBeGreaterThanOrEqual(2);
    expect(payloads.length).toBeGreaterThan(20);

    // Nowhere: the history, visibility, the logs, the notifications, the access log (all at once, so a failure names
    // every leak).
    const nowhere = ['history', 'visibility', 'database', 'logs', 'webhooks', 'e-mails', 'access log'] as const;
    const leaks = Object.fromEntries(
      nowhere.map((sink) => [sink, (Object.keys(CANARIES) as Canary[]).filter((c) => map[c].includes(sink))] as const).filter(([, found]) => found.length),
    );
    expect(leaks, 'canaries where they must never be').toEqual({});

    // Decoded through the codec server for an operator of GM0363: every canary.
    expect(mine.map((a) => a.status)).toEqual(mine.map(() => 200));
    const notDecoded = (Object.keys(CANARIES) as Canary[]).filter((c) => !map[c].includes('codec GM0363'));
    expect(notDecoded, 'canaries the codec server did not give back').toEqual([]);
    // Refused for an operator of GM0599, nothing decoded.
    expect(theirs.map((a) => a.status)).toEqual(theirs.map(() => 403));
    for (const a of theirs) for (const c of Object.values(CANARIES)) expect(JSON.stringify(a.body)).not.toContain(c);

    // The access log: an entry for each decision, of each operator, without a canary.
    const access = (sinkText['access log'] ?? '')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l.slice(l.indexOf('{'))) as { subject: string; municipality: string; decision: string; reason?: string; workflows?: string[] });
    expect(access).toContainEqual(expect.objectContaining({ subject: 'beheerder-GM0363', municipality: 'GM0363', decision: 'decoded' }));
    expect(access).toContainEqual(expect.objectContaining({ subject: 'beheerder-GM0599', municipality: 'GM0599', decision: 'refused', reason: 'other-municipality' }));
  });
});

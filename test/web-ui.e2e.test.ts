/**
 * The Temporal Web UI itself (#12 point 4): in headless Chromium (Debian's package, installed by scripts/chromium.ts
 * when missing), the Web UI of `npm start`'s embedded server, wired to the API's codec server, shows a trajectory's
 * current details and a step's decoded output once an operator of its municipality has signed in on the codec
 * server's login page, and shows neither without that sign-in, nor to an operator of another municipality.
 *
 * Driven as an operator does it: the login page with a pasted token, the Web UI's codec settings (endpoint, "include
 * cross-origin credentials": the settings the UI keeps in localStorage), the workflow page's User Metadata tab and
 * its event history with the step's completion (the update's input) opened. Each browser has a new empty profile.
 * The text read is the page's and its frames' (the UI renders Markdown in frames); screenshots are kept in a
 * directory under the system's temporary directory, named in the test's output.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { provisionChromium } from '../scripts/chromium.js';
import { decodeJwt } from 'jose';
import { DEV_SECRET, signToken } from '../api/auth.js';
import { CODEC_COOKIE } from '../api/codec.js';
import { embeddedStartEnv, startNpm, type StartedProcess } from './helpers/process.js';
import { uniqueId } from './helpers/temporal.js';

const root = resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'waakvlam-web-ui-'));
const screenshots = mkdtempSync(join(tmpdir(), 'waakvlam-web-ui-screenshots-'));
const profiles: string[] = [];
const browsers: BrowserContext[] = [];
/** The step's output: it must appear in the Web UI only decoded, for an operator of the trajectory's municipality. */
const CANARY = 'KANARIE-UITVOER-19c2';
/** How long the lazily loading UI may take to show something. */
const UI_WAIT = { timeout: 30_000, interval: 500 };
/** The encoding `binary/encrypted` in base64, as the UI shows a payload it could not decode. */
const ENCRYPTED = Buffer.from('binary/encrypted').toString('base64');

let chromiumPath: string;
let npm: StartedProcess | undefined;
let api: string;
let ui: string;
let workflowId: string;
/** What the current details must say, from the API's state of the trajectory (the shipped definition's labels). */
let phaseName: string;
let stepName: string;

beforeAll(async () => {
  // A fresh CI machine has no Chromium: Debian's package, installed with progress (about 30 s); then instant.
  chromiumPath = await provisionChromium((line) => console.log(line));
}, 600_000);

beforeAll(async () => {
  const { env, apiPort, uiPort } = await embeddedStartEnv(dataDir);
  npm = startNpm('start', env, root);
  await npm.waitFor('Press Ctrl-C to stop.');
  // Where npm start says everything is: the Web UI, and the codec server with its login page.
  ui = /Temporal Web UI: (http:\/\/\S+)/.exec(npm.output())![1]!.replace(/\/$/, '');
  const codec = /Codec server: +(http:\/\/\S+)/.exec(npm.output())![1]!;
  expect(npm.output()).toContain(`sign in at ${codec}/login`);
  api = new URL(codec).origin;
  expect(ui).toBe(`http://127.0.0.1:${uiPort}`);
  expect(codec).toBe(`http://127.0.0.1:${apiPort}/v1/codec`);

  const token = await signToken(DEV_SECRET, { subject: 'regisseur-1', municipality: 'GM0363', role: 'case-system' });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const started = await call('POST', '/v1/trajectories', { caseRef: uniqueId('ZAAK-UI') });
  expect(started.status).toBe(201);
  workflowId = started.body.id;
  const completed = await call('POST', `/v1/trajectories/${workflowId}/steps/assign-director/complete`, { output: { notitie: CANARY } });
  expect(completed.status).toBe(200);
  const state = await call('GET', `/v1/trajectories/${workflowId}`);
  phaseName = state.body.phase.name;
  stepName = state.body.openSteps[0].name;
  // The shipped gezinstraject: still in intake, the next step open.
  expect([phaseName, state.body.openSteps.map((s: { name: string }) => s.name)]).toEqual(['Aanmelding', ['Eerste contact met het gezin']]);
}, 180_000);

afterAll(async () => {
  for (const b of browsers) await b.close().catch(() => undefined);
  await npm?.interrupt(10_000);
  for (const dir of [dataDir, ...profiles]) rmSync(dir, { recursive: true, force: true });
  console.log(`web-ui: screenshots in ${screenshots}`);
});

/** Headless Chromium with a new empty profile; its page, and the statuses the codec server gave the UI's decodes. */
async function openBrowser(): Promise<{ page: Page; decodes: number[]; sessions: Set<string> }> {
  const profile = mkdtempSync(join(tmpdir(), 'waakvlam-web-ui-profile-'));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 1400 },
  });
  browsers.push(context);
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(30_000);
  const sessions = new Set<string>();
  const decodes: number[] = [];
  page.on('response', (res) => {
    if (res.url() !== `${api}/v1/codec/decode` || res.request().method() !== 'POST') return;
    decodes.push(res.status());
    // Whose session the browser sent (the cookie is HttpOnly: only the request shows it), for a failure's message.
    void res.request().allHeaders().then((headers) => {
      const token = new RegExp(`(?:^|; )${CODEC_COOKIE}=([^;]+)`).exec(headers.cookie ?? '')?.[1];
      sessions.add(token ? String(decodeJwt(token).municipality) : 'no cookie');
    }, () => undefined);
  });
  return { page, decodes, sessions };
}

/** Signs in on the codec server's login page with a pasted token, as an operator does; returns what the page says. */
async function signIn(page: Page, municipality: string, subject: string): Promise<string> {
  const token = await signToken(DEV_SECRET, { role: 'operator', municipality, subject });
  await page.goto(`${api}/v1/codec/login`);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await expect.poll(() => page.textContent('#status'), UI_WAIT).toMatch(/\S/);
  return (await page.textContent('#status'))!;
}

/**
 * The Web UI's codec settings (the icon at the top right), as an operator sets them: this codec server, and "include
 * cross-origin credentials" (the session cookie), which npm start's `--ui-codec-endpoint` cannot switch on.
 */
async function useCodecServer(page: Page): Promise<void> {
  await page.goto(ui);
  const settings = { overrideRemoteCodecConfiguration: true, includeCredentials: true, endpoint: `${api}/v1/codec` };
  // Runs in the page (the project's types have no DOM): each setting JSON-encoded, as the UI keeps it.
  await page.evaluate(`for (const [key, value] of Object.entries(${JSON.stringify(settings)})) localStorage.setItem(key, JSON.stringify(value))`);
}

/** What a frame shows as text (evaluated in the page: the project's types have no DOM). */
async function frameText(frame: Frame): Promise<string> {
  return String(await frame.evaluate('document.body ? document.body.innerText : ""').catch(() => ''));
}

/** Everything the page shows as text, its frames' included (the UI renders user metadata's Markdown in frames). */
async function shownText(page: Page): Promise<string> {
  return (await Promise.all(page.frames().map(frameText))).join('\n');
}

/** The text of the frames only: where the UI renders the summary, the details and the current details. */
async function renderedMarkdown(page: Page): Promise<string> {
  const frames = page.frames().filter((f) => f !== page.mainFrame());
  return (await Promise.all(frames.map(frameText))).join('\n');
}

/**
 * Opens the trajectory's workflow page (the UI adds the run id), its User Metadata tab, then its event history with
 * the step's completion (the `completeStep` update's accepted request) opened; waits until each has loaded and
 * returns what each showed. `signedIn`: the current details and the canary are to be waited for, not only the pages.
 */
async function lookAtTrajectory(page: Page, name: string, signedIn: boolean, decodes: number[], sessions: Set<string>): Promise<{ details: string; history: string }> {
  try {
    return await look(page, name, signedIn);
  } catch (err) {
    // What the codec server answered the UI says why (401: no token, 403: another municipality's).
    if (err instanceof Error) err.message += `\n  the codec server's answers to the UI's decodes: ${decodes.join(' ') || 'none'}; sessions sent: ${[...sessions].join(', ') || 'none'}`;
    throw err;
  }
}

async function look(page: Page, name: string, signedIn: boolean): Promise<{ details: string; history: string }> {
  await page.goto(`${ui}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`);
  await page.waitForURL(/\/workflows\/[^/]+\/[0-9a-f-]{36}\/history$/);
  const runUrl = page.url().replace(/\/history$/, '');

  await page.getByRole('link', { name: 'User Metadata' }).or(page.getByRole('tab', { name: 'User Metadata' })).first().click();
  await page.waitForURL(`${runUrl}/user-metadata`);
  // Loaded: the current details shown, or the UI saying it has none.
  await expect.poll(() => renderedMarkdown(page), UI_WAIT).toMatch(signedIn ? /Fase: / : /No Current Details/);
  if (signedIn) await expect.poll(() => renderedMarkdown(page), UI_WAIT).toContain(`Fase: ${phaseName}`);
  // Not signed in (or for another municipality): the codec server's refusal has come back, the UI says so.
  else await expect.poll(() => shownText(page), UI_WAIT).toContain('Decoding failed');
  await page.screenshot({ path: join(screenshots, `${name}-current-details.png`) });
  const details = await shownText(page);

  await page.goto(`${runUrl}/history`);
  await page.getByText('Workflow Execution Update Accepted').first().click();
  // Opened: the accepted request as JSON (the update's name is not a payload: it is there decoded or not).
  await expect.poll(() => shownText(page), UI_WAIT).toContain('"name": "completeStep"');
  if (signedIn) await expect.poll(() => shownText(page), UI_WAIT).toContain(CANARY);
  // In the screenshot: the step's output (decoded), or where it would be.
  await (signedIn ? page.getByText(CANARY) : page.getByText('Accepted Request', { exact: true })).first().scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(screenshots, `${name}-step-output.png`) });
  return { details, history: await shownText(page) };
}

/** Nothing of the trajectory's encrypted content: no canary, no current details, no label of its state. */
function expectNothingDecoded(shown: { details: string; history: string }) {
  for (const text of [shown.details, shown.history]) {
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain('Fase:');
    expect(text).not.toContain('Open stappen');
    expect(text).not.toContain(phaseName);
    expect(text).not.toContain(stepName);
  }
  expect(shown.details).toContain('No Current Details');
  // The step's completion was opened, and its input is still the encrypted payload.
  const request = shown.history.slice(shown.history.indexOf('"name": "completeStep"'));
  expect(request).toContain(ENCRYPTED);
}

describe('the Web UI of npm start, through the codec server', () => {
  it('shows neither the current details nor the step output without a sign-in', async () => {
    const { page, decodes, sessions } = await openBrowser();
    await useCodecServer(page);
    const shown = await lookAtTrajectory(page, '1-without-token', false, decodes, sessions);
    expectNothingDecoded(shown);
    // The UI did ask the codec server, and was refused for want of a token.
    expect(decodes.length).toBeGreaterThan(0);
    expect([...new Set(decodes)]).toEqual([401]);
  });

  it("shows the current details and the decoded step output to an operator of the trajectory's municipality", async () => {
    const { page, decodes, sessions } = await openBrowser();
    expect(await signIn(page, 'GM0363', 'beheerder-1')).toContain('Signed in as beheerder-1 (GM0363)');
    await useCodecServer(page);
    const shown = await lookAtTrajectory(page, '2-operator-GM0363', true, decodes, sessions);

    // The current details: phase, the open step with its owner, what the trajectory waits for (Dutch labels).
    expect(shown.details).toContain(`Fase: ${phaseName} — sinds `);
    expect(shown.details).toContain('Gepauzeerd: nee');
    expect(shown.details).toContain('Open stappen (1)');
    expect(shown.details).toContain(`${stepName} · eigenaar: Regisseur · termijn: `);
    expect(shown.details).toContain(`een persoon: ${stepName} (Regisseur)`);
    expect(shown.details).toContain('Incidenten (0)');
    expect(shown.details).not.toContain('No Current Details');
    // The step's output, decoded, in the completion's input.
    const request = shown.history.slice(shown.history.indexOf('"name": "completeStep"'));
    expect(request).toContain(`"notitie": "${CANARY}"`);
    expect(decodes.length).toBeGreaterThan(0);
    expect(decodes.every((s) => s === 200)).toBe(true);
  });

  it('shows neither to an operator of another municipality', async () => {
    const { page, decodes, sessions } = await openBrowser();
    expect(await signIn(page, 'GM0599', 'beheerder-2')).toContain('Signed in as beheerder-2 (GM0599)');
    await useCodecServer(page);
    const shown = await lookAtTrajectory(page, '3-operator-GM0599', false, decodes, sessions);
    expectNothingDecoded(shown);
    // Refused: the payloads' key is GM0363's.
    expect(decodes.length).toBeGreaterThan(0);
    expect([...new Set(decodes)]).toEqual([403]);
  });
});

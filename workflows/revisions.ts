/**
 * The registry of revisions: every change to what the trajectory workflow does, made while trajectories may be
 * running, is one entry here. The workflow asks them all once, with {@link decideRevisions}, as the first thing a run
 * does, and hands the answers (plain flags) to the code that branches; nothing calls `patched()` directly.
 * Modelled on the SDK's own flags (`SdkFlags` in @temporalio/workflow's `flags.ts`: one documented entry per change,
 * with the release that introduced it) and retired as the samples' `patching-api` retires a patch.
 *
 * Release 1.0.0 is the baseline: its behaviour is the workflow's code without any revision, and the replay fixtures
 * `test/fixtures/histories/<scenario>.json` are recorded from it. The ids used before it, collapsed into it, are in
 * {@link COLLAPSED_INTO_BASELINE}.
 *
 * A revision's life, each step in a release of its own (CHANGELOG.md says which):
 * 1. `patched`: add the entry (`since`: the coming release) and write `if (answers['…']) { new } else { old }`.
 *    Rename each scenario's fixture to `<scenario>-before-<id>.json` (they keep replaying the old branch; name them in
 *    `fixtures`), then `npm run record-histories` records `<scenario>.json` on the new branch.
 * 2. `deprecated`: when no run that started before `since` is still open (`retirement` gives the visibility query),
 *    remove the old branch (the run still asks it: {@link decideRevisions} calls `deprecatePatch`), delete the entry's
 *    fixtures and set `deprecatedIn`. Not to be skipped: a run that recorded the patch marker fails its replay once
 *    the call is gone, unless the marker was a deprecated one.
 * 3. `removed`: when no run that started before `deprecatedIn` is still open, remove the call and set `removedIn`.
 *    The entry stays, so that its id is never used again.
 *
 * Why once, at the start: the SDK's `patched()` answers false while it replays a history without the marker and does
 * not remember that answer; once the same run goes live, the next call answers true and writes the marker. Asked
 * where the behaviour differs, a months-long run that spans a deployment would switch branches half-way, mixing old
 * and new arithmetic on the same state. Asked once, first thing, the answer holds for the whole run.
 *
 * Across runs: the answers are kept in the engine state, and continue-as-new and re-opening carry them, so a
 * trajectory keeps the branch it was on for its whole life. A trajectory whose state predates a revision has no answer
 * for it; its next run asks, has no history to replay, and takes the new branch. When the new branch must not apply
 * to state an older run built, its code checks the state for that itself; `changed` says so.
 */
import { deprecatePatch, patched } from '@temporalio/workflow';

/** Where a revision is on its way out (the samples' `patching-api`: `patched` → `deprecatePatch` → removed). */
export type RevisionStage = 'patched' | 'deprecated' | 'removed';

/** One change to the workflow's behaviour; its key in {@link REVISIONS} is the patch id written to history. */
export interface Revision {
  readonly stage: RevisionStage;
  /** What the workflow does differently on the new branch. */
  readonly changed: string;
  /** Why: the defect or the request (with its issue), so that a reader can weigh the old branch. */
  readonly why: string;
  /** The release (package.json `version`) that introduced it; CHANGELOG.md lists it there. */
  readonly since: string;
  /**
   * The replay fixtures (file names in test/fixtures/histories/) recorded before the change: they replay the old
   * branch while the stage is `patched`, and are deleted when it is deprecated. The replay test replays exactly the
   * scenarios' fixtures and those of the `patched` entries.
   */
  readonly fixtures: readonly string[];
  /**
   * How it is retired: the visibility query that must find no open run before it is deprecated (for instance
   * `ExecutionStatus = "Running" AND StartTime < "2027-03-01T00:00:00Z"`), and anything else to do then (a state field
   * to drop at removal).
   */
  readonly retirement: string;
  /** The release that deprecated it (stage `deprecated` or `removed`). */
  readonly deprecatedIn?: string;
  /** The release that removed its call (stage `removed`). */
  readonly removedIn?: string;
}

/** Every revision, keyed by its patch id (kebab case, ending in `-v<n>`); 1.0.0 is the baseline. */
export const REVISIONS = {
  'operator-search-attributes-v1': {
    stage: 'patched',
    changed:
      'On every transition the run also upserts WaakvlamPaused (the whole trajectory is paused), WaakvlamWaitingForEvent (the ids of the case-system events a branch waits for; unset when none) and WaakvlamHasIncidents (an incident was recorded), after the 1.0.0 attributes, in the same upsert.',
    why: "Issue #12 point 3: the operator's saved Web UI queries for paused trajectories, ones waiting for an event and ones with incidents; without them the Web UI could not find those (the state's JSON said it, the list did not). New upserted attributes are new commands, so a run recorded before them must not take them.",
    since: '1.1.0',
    fixtures: [
      'marianne-full-before-operator-search-attributes-v1.json',
      'relapse-open-before-operator-search-attributes-v1.json',
      // The one that fails without the revision: a pause upserts WaakvlamPaused where 1.0.0 sent no command.
      'pause-resume-before-operator-search-attributes-v1.json',
    ],
    retirement:
      'Deprecate once `ExecutionStatus = "Running" AND WaakvlamPaused IS NULL` finds no trajectory (the new branch always sets WaakvlamPaused; a trajectory on the old branch keeps it for its whole life, across continue-as-new, so its run StartTime says nothing). Nothing to drop from the state.',
  },
} as const satisfies Record<string, Revision>;

/**
 * Patch ids used before the first release, whose behaviour is part of the 1.0.0 baseline. No municipality ran a
 * trajectory under them; they are never used again, so that no history from a development stack can match a new one.
 */
export const COLLAPSED_INTO_BASELINE = ['escalation-ladder-v1', 'notification-fast-path-v1', 'escalation-revision-2', 'recipients-by-activity-v1'] as const;

type Registry = typeof REVISIONS;

/** The ids workflow code may ask for: every revision not yet removed. */
export type RevisionId = { [K in keyof Registry]: Registry[K] extends { stage: 'removed' } ? never : K }[keyof Registry];

/** A run's answers: for each revision not yet removed, whether the run takes its new branch. */
export type RevisionAnswers = { readonly [K in RevisionId]: boolean };

/**
 * Asks every revision not yet removed, once: the first thing a run does (so that its replay asks at the same point in
 * its history), before it reads or changes any state. An answer `carried` from the trajectory's earlier run is kept
 * and not asked again; the others are asked of the SDK by their stage ({@link gate}). Keep the result in the engine
 * state, so that continue-as-new and re-opening carry it.
 *
 * @param carried the answers the trajectory's state carries (none for a new trajectory)
 * @param registry the revisions to ask; default {@link REVISIONS} (another registry only in its test)
 */
export function decideRevisions(carried: Readonly<Record<string, boolean>> = {}, registry: Readonly<Record<string, Revision>> = REVISIONS): Record<string, boolean> {
  const answers: Record<string, boolean> = {};
  for (const [id, r] of Object.entries(registry)) {
    if (r.stage === 'removed') continue;
    answers[id] = Object.hasOwn(carried, id) ? carried[id]! : gate(id, r.stage);
  }
  return answers;
}

/** The SDK call for a revision's stage; {@link decideRevisions} is the one to use (exported for its test). */
export function gate(id: string, stage: Exclude<RevisionStage, 'removed'>): boolean {
  if (stage === 'patched') return patched(id);
  deprecatePatch(id);
  return true;
}

/**
 * Step and escalation ids as the outside world spells them: safe in a URL path segment as they are. Pure.
 *
 * The engine's ids use `/` (a multi-instance element: `goals/doel-fin-7731`) and `#` (the n-th opening of a node, or
 * a level raised again: `checkin#2`, `housing@1#2`); those are the ids in running trajectories' states and in
 * recorded histories, so the engine keeps them. The API, webhooks and e-mails spell them with `:` for `/` and `~` for
 * `#` (`goals:doel-fin-7731`, `checkin~2`, `housing@1~2`): both may stand in a path segment unencoded (RFC 3986: `:`
 * and `@` are allowed, `~` is unreserved). Neither can occur in an engine id (node ids are `[a-z][a-z0-9-]*`, a
 * multi-instance key `[A-Za-z0-9._-]`, levels and counts digits), so the mapping is one-to-one, and each direction
 * leaves the other spelling's characters alone: {@link engineId} accepts the old spelling (percent-encoded in a
 * path, decoded by the router) as well as the new one.
 */

/** The spelling the API and notifications show: `/` → `:`, `#` → `~`. Leaves an id already spelled so unchanged. */
export function publicId(id: string): string {
  return id.replace(/[/#]/g, (c) => (c === '/' ? ':' : '~'));
}

/** The engine's id for an id in either spelling: `:` → `/`, `~` → `#`. */
export function engineId(id: string): string {
  return id.replace(/[:~]/g, (c) => (c === ':' ? '/' : '#'));
}

/** A step or escalation id in the engine's spelling (or the API's). */
const ENGINE_ID = /^[a-z][a-z0-9-]*(?:[/:][A-Za-z0-9._-]+)?(?:[#~]\d+)?(?:@\d+(?:[#~]\d+)?)?$/;

/**
 * An engine refusal's message with the ids in it in the API's spelling: quoted ids (`step "checkin#2" is not open`)
 * and the list after `open instances of "…": `. Other text is left alone.
 */
export function publicIdsIn(message: string): string {
  const shown = (id: string) => (ENGINE_ID.test(id) ? publicId(id) : id);
  return message
    .replace(/"([^"]*)"/g, (_, id: string) => `"${shown(id)}"`)
    .replace(/(open instances of "[^"]*": )(.*)$/, (_, head: string, list: string) => head + list.split(', ').map(shown).join(', '));
}

/** {@link publicId} of a nullable id. */
export function publicIdOrNull(id: string | null): string | null {
  return id === null ? null : publicId(id);
}

/** The reason the engine writes for a deadline a decision on an escalation set: `decision on <escalation id>: <why>`. */
const DECISION_REASON = /^(decision on )([a-z][a-z0-9-]*(?:\/[A-Za-z0-9._-]+)?(?:#\d+)?@\d+(?:#\d+)?)(: )/;

/**
 * A deadline change's reason as the API shows it: the engine records a new deadline decided on an escalation as
 * `decision on housing@1#2: <why>` (its record keeps that text; histories replay it), which the API spells
 * `decision on housing@1~2: <why>`. Any other reason, a person's own text, is left exactly as written.
 */
export function publicReason(reason: string): string {
  return reason.replace(DECISION_REASON, (_, head: string, id: string, tail: string) => head + publicId(id) + tail);
}

/**
 * The engine's structure (issue #10, point 2): the node-handler table has one handler for every node type of the
 * language and nothing else — checked by the compiler (the `@ts-expect-error` lines below fail `tsc` when the table's
 * type stops catching a missing or an unknown node type) and at run time; effects come from one typed outbox.
 */
import { describe, expect, it } from 'vitest';
import { NODE_TYPES } from '../definitions/schema.js';
import { NODE_HANDLERS, type NodeHandlers } from '../workflows/engine/nodes.js';
import { TrajectoryEngine } from '../workflows/engine.js';
import type { Definition } from '../definitions/schema.js';

const { end: _end, ...withoutEnd } = NODE_HANDLERS;
// @ts-expect-error a table without a handler for `end` is not a NodeHandlers
export const incomplete: NodeHandlers = withoutEnd;
// @ts-expect-error a handler for a node type the language does not have is refused
export const unknown: NodeHandlers = { ...NODE_HANDLERS, subProcess() {} };

describe('the engine structure', () => {
  it('has one node handler for every node type, and none for anything else', () => {
    expect(Object.keys(NODE_HANDLERS).sort()).toEqual([...NODE_TYPES].sort());
  });

  it('hands out its effects from one outbox: notifications, then service-task activities, each once', () => {
    const definition = {
      id: 'effects',
      version: 1,
      name: 'Effects',
      roles: [{ id: 'regisseur', name: 'Regisseur' }],
      variables: {},
      calendar: {},
      escalationPolicies: {},
      eventHandlers: [],
      phases: [
        {
          id: 'p',
          name: 'P',
          start: 'lookup',
          nodes: [
            { id: 'lookup', type: 'serviceTask', activity: 'lookup', next: 'done' },
            { id: 'done', type: 'end' },
          ],
        },
      ],
    } as unknown as Definition;
    const engine = TrajectoryEngine.start(definition, {}, Date.UTC(2026, 0, 5, 9));
    const effects = engine.takeEffects();
    expect(effects.map((e) => (e.kind === 'notification' ? `${e.kind}:${e.notification.type}` : `${e.kind}:${e.request.activity}`))).toEqual([
      'notification:phase.changed',
      'activity:lookup',
    ]);
    expect(engine.takeEffects()).toEqual([]);
  });
});

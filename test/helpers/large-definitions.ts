/**
 * Generated definitions of a given number of nodes, for the validator's scale tests and benchmark
 * (`test/validator.scale.test.ts`, `bench/validate.ts`). Each is one phase of `nodes` nodes, all on one role.
 */

type Raw = Record<string, unknown>;

const definition = (id: string, nodes: Raw[], extra: Raw = {}): Raw => ({
  id,
  version: 1,
  name: `Groot (${nodes.length} stappen)`,
  roles: [{ id: 'regisseur', name: 'Regisseur' }],
  events: [{ id: 'contact', name: 'Contact' }],
  ...extra,
  phases: [{ id: 'work', name: 'Werk', start: nodes[0]!.id, nodes }],
});

const task = (id: string, next: string): Raw => ({ id, type: 'userTask', owner: 'regisseur', due: { workingDays: 5 }, next });

/** User tasks in a row, then an end: the shape of the report in issue #9. Valid. */
export function chainDefinition(nodes: number): Raw {
  const tasks = Array.from({ length: nodes - 1 }, (_, i) => task(`task-${i + 1}`, i + 2 < nodes ? `task-${i + 2}` : 'done'));
  return definition('chain', [...tasks, { id: 'done', type: 'end' }]);
}

/**
 * Blocks of ten nodes of every kind, as a real trajectory has them: a task, a gateway with FEEL conditions that loops
 * back through a timer, a parallel split whose branches wait for a task and an event with a timeout, their join, a
 * service task and a multi-instance task; then an end. Valid; `nodes` is rounded down to a block and the end.
 */
export function mixedDefinition(nodes: number): Raw {
  const blocks = Math.max(1, Math.floor((nodes - 1) / 10));
  const out: Raw[] = [];
  for (let b = 0; b < blocks; b++) {
    const id = (name: string) => `${name}-${b}`;
    const after = b + 1 < blocks ? `intake-${b + 1}` : 'done';
    out.push(
      task(id('intake'), id('check')),
      {
        id: id('check'),
        type: 'exclusiveGateway',
        branches: [
          { when: `veiligheid = "onveilig" and score > ${b}`, next: id('wait') },
          { when: 'count(doelen) = 0', next: id('split') },
        ],
        default: id('split'),
      },
      { id: id('wait'), type: 'timer', duration: 'P2W', next: id('intake') },
      { id: id('split'), type: 'parallelSplit', branches: [id('plan'), id('contact')], join: id('join') },
      task(id('plan'), id('join')),
      { id: id('contact'), type: 'event', event: 'contact', next: id('join'), timeout: { after: 'P1M', next: id('join') } },
      { id: id('join'), type: 'parallelJoin', next: id('notify') },
      { id: id('notify'), type: 'serviceTask', activity: 'notify-case-system', input: { stap: `"${id('notify')}"` }, next: id('goals') },
      { id: id('goals'), type: 'multiInstance', collection: 'doelen', task: { name: 'item.titel', owner: 'item.eigenaar', due: 'P3M' }, next: id('review') },
      task(id('review'), after),
    );
  }
  return definition('mixed', [...out, { id: 'done', type: 'end' }]);
}

/**
 * The costliest definition of `nodes` nodes we know of: splits whose regions each span the whole graph, through
 * gateways with a flow to every split's first branch. Invalid (every region is reported), and as large in bytes as
 * the API accepts for 1 000 nodes (about 0.9 MB).
 */
export function tangledDefinition(nodes: number): Raw {
  const splits = Math.max(1, Math.floor(nodes / 5));
  const hubs = Math.max(1, nodes - 4 * splits);
  const out: Raw[] = [];
  for (let s = 0; s < splits; s++) {
    out.push(
      { id: `s${s}`, type: 'parallelSplit', branches: [`a${s}`, `b${s}`], join: `j${s}` },
      task(`a${s}`, `j${s}`),
      task(`b${s}`, 'h0'),
      { id: `j${s}`, type: 'parallelJoin', next: s + 1 < splits ? `s${s + 1}` : 'h0' },
    );
  }
  for (let h = 0; h < hubs; h++) {
    out.push({
      id: `h${h}`,
      type: 'exclusiveGateway',
      branches: Array.from({ length: Math.min(splits, Math.floor(30_000 / hubs)) }, (_, s) => ({ when: 'x', next: `a${s}` })),
      default: h + 1 < hubs ? `h${h + 1}` : 'end',
    });
  }
  return definition('tangled', [...out.slice(0, nodes - 1), { id: 'end', type: 'end' }]);
}

/**
 * The costliest FEEL we know of within the bounds: distinct broken expressions of `length` characters, `total`
 * characters in all. feelin's parser spends about 0.1 ms a character recovering from their errors (found by a
 * search over short repeated patterns; many others come close). Distinct, since a repeated one is parsed once.
 */
export function costlyFeel(length: number, total: number): string[] {
  const pattern = 'if )1'.repeat(Math.ceil(length / 5) + 1);
  const out: string[] = [];
  for (let i = 0, left = total; left > 0; i++) {
    const expression = `${i}${pattern}`.slice(0, Math.min(length, left));
    out.push(expression);
    left -= expression.length;
  }
  return out;
}

/**
 * The costliest definition we know of within every bound, about as large as the API takes (1 MB): the tangle of
 * {@link tangledDefinition} (1 000 nodes, its parallel regions costing the whole region budget), whose first gateway
 * conditions are `feel` (e.g. {@link costlyFeel} of the bounds). The other conditions stay `x`, so `feel` should
 * leave one character of the bound for it.
 */
export function costliestDefinition(feel: string[], nodes = 1000): Raw {
  const d = tangledDefinition(nodes);
  const gateways = (d.phases as Array<{ nodes: Raw[] }>)[0]!.nodes.filter((n) => n.type === 'exclusiveGateway');
  const conditions = gateways.flatMap((g) => g.branches as Array<{ when: string }>);
  if (conditions.length < feel.length) throw new Error(`only ${conditions.length} conditions for ${feel.length} expressions`);
  feel.forEach((expression, i) => (conditions[i]!.when = expression));
  return { ...d, id: 'costliest' };
}

/** `count` event handlers with distinct conditions of about 40 characters each (a few FEEL conditions per line). */
export function manyConditionsDefinition(count: number): Raw {
  const eventHandlers = Array.from({ length: count }, (_, i) => ({ event: 'contact', when: `veiligheid = "onveilig" and score > ${i}`, goto: { phase: 'work' } }));
  return { ...chainDefinition(3), id: 'conditions', eventHandlers };
}

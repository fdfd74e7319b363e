/**
 * A tiny agent definition for the runtime's own tests: it adds numbers with a tool, reports who it
 * acts as, and has tools that fail or wait until the run is stopped. Registered under the
 * `analytics` kind through the services override, never in the real registry.
 */
import { z } from 'zod';
import { type AgentDefinition, defineAgent, defineTool } from './agents.definition.ts';

export const testInput = z.strictObject({
  numbers: z.array(z.number()).min(1).max(20),
  mode: z.enum(['normal', 'fail', 'wait', 'bad_output']).default('normal'),
});
export const testOutput = z.strictObject({ summary: z.string().min(1), total: z.number() });

const add = defineTool({
  name: 'add',
  description: 'Adds two numbers',
  input: z.strictObject({ a: z.number(), b: z.number() }),
  async run({ a, b }) {
    return { sum: a + b };
  },
});

const whoami = defineTool({
  name: 'whoami',
  description: 'The actor this run acts as, and the number of clients the organization has',
  input: z.strictObject({}),
  async run(_input, tc) {
    const clients = await tc.services.clients.list(tc.ctx, { limit: 200 });
    return { actor: tc.ctx.actor, executionId: tc.executionId, clients: clients.items.length };
  },
});

const fail = defineTool({
  name: 'fail',
  description: 'Always fails',
  input: z.strictObject({}),
  async run() {
    throw new Error('the tool broke');
  },
});

/** Never finishes by itself (and ignores its signal), so only a cancel, a timeout or shutdown ends it. */
const wait = defineTool({
  name: 'wait',
  description: 'Waits forever',
  input: z.strictObject({}),
  run: () => new Promise<never>(() => {}),
});

export const testAgent: AgentDefinition = defineAgent({
  kind: 'analytics',
  instructions: 'Add the numbers with the add tool, then answer with a summary and the total.',
  input: testInput,
  output: testOutput,
  tools: [add, whoami, fail, wait],
  async builtin(input, run) {
    let total = input.numbers[0] ?? 0;
    for (const n of input.numbers.slice(1))
      total = (await run.call<{ sum: number }>('add', { a: total, b: n })).sum;
    const me = await run.call<{ actor: { type: string } }>('whoami', {});
    if (input.mode === 'fail') await run.call('fail', {});
    if (input.mode === 'wait') await run.call('wait', {});
    if (input.mode === 'bad_output') return { summary: '', total } as unknown as z.infer<typeof testOutput>;
    return { summary: `Total ${total}, computed as ${me.actor.type}`, total };
  },
});

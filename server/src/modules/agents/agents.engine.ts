/**
 * The engine port and the built-in engine. An engine turns a validated input into an output through
 * the session (which records and budgets every step); the runtime validates what comes back.
 */
import type { BuiltinRun } from './agents.definition.ts';
import { RunFailed, raceAbort, type Session } from './agents.session.ts';

export interface Engine {
  run(input: unknown, session: Session): Promise<unknown>;
}

/** Calls `definition.builtin`; each `run.call` is a recorded step, and a failing tool fails the run. */
export const builtinEngine: Engine = {
  async run(input, session) {
    const run: BuiltinRun = {
      ctx: session.ctx,
      now: session.now,
      async call<O>(toolName: string, toolInput: unknown): Promise<O> {
        const r = await session.callTool(toolName, toolInput);
        if (!r.ok)
          throw new RunFailed({
            code: 'tool_failed',
            message: `Tool ${toolName} failed: ${r.error.message}`,
            details: r.error,
          });
        return r.output as O;
      },
    };
    return raceAbort(session.definition.builtin(input, run), session.signal);
  },
};

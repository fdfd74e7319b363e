/**
 * `omnify agents run <kind> --org <id> --input '<json>' [--engine llm] [--json]`: runs one agent of
 * an organization now, in this process (the same runtime, limits and audit as the API; the actor is
 * the system, `cli`). Prints the outcome and each step; exits 1 when the run did not succeed.
 */
import { Argument, type Command, InvalidArgumentError, Option } from 'commander';
import type { Ctx } from '../auth/context.ts';
import { agentKinds } from './agents.defaults.ts';
import type { AgentRuntime } from './agents.runtime.ts';

export function registerAgentsCommand(
  program: Command,
  /** Opens the runtime for an organization that exists (else fails with not_found), runs `fn`, closes. */
  withRuntime: (organizationId: string, fn: (runtime: AgentRuntime) => Promise<void>) => Promise<void>,
) {
  const agents = program.command('agents').description('Run the organization’s agents from the shell.');
  agents
    .command('run')
    .description('Run one agent now and print its outcome and steps (exit code 1 unless it succeeded).')
    .addArgument(new Argument('<kind>', 'agent kind').choices(agentKinds))
    .requiredOption('--org <organizationId>', 'organization whose agent runs')
    .option('--input <json>', 'the agent’s input as JSON', (v) => {
      try {
        const parsed: unknown = JSON.parse(v);
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
          throw new InvalidArgumentError('must be a JSON object');
        return parsed as Record<string, unknown>;
      } catch (e) {
        if (e instanceof InvalidArgumentError) throw e;
        throw new InvalidArgumentError('must be valid JSON');
      }
    })
    .addOption(
      new Option('--engine <engine>', 'builtin or llm (default from OMNIFY_AGENTS_ENGINE)').choices([
        'builtin',
        'llm',
      ]),
    )
    .option('--json', 'print the whole execution (with its steps) as JSON')
    .action(
      async (
        kind: string,
        opts: { org: string; input?: Record<string, unknown>; engine?: 'builtin' | 'llm'; json?: boolean },
      ) => {
        await withRuntime(opts.org, async (runtime) => {
          const ctx: Ctx = {
            organizationId: opts.org,
            actor: { type: 'system', id: 'cli' },
            userId: null,
            role: 'owner',
          };
          const e = await runtime
            .execute(ctx, {
              agentId: kind,
              input: opts.input ?? {},
              ...(opts.engine ? { engine: opts.engine } : {}),
              trigger: 'manual',
            })
            .catch((err: unknown) => {
              // Name each invalid field: the shell has no API error body to read.
              const issues = (err as { details?: { issues?: Array<{ path: string[]; message: string }> } })
                .details?.issues;
              for (const i of issues ?? []) console.error(`  ${i.path.join('.') || '(input)'}: ${i.message}`);
              throw err;
            });
          const detail = await runtime.get(ctx, e.id);
          if (opts.json) console.log(JSON.stringify(detail, null, 2));
          else {
            console.log(
              `${e.id} ${e.status}: ${e.stepCount} steps, ${e.inputTokens + e.outputTokens} tokens, ${e.durationMs ?? 0} ms`,
            );
            for (const s of detail.steps)
              console.log(
                `  ${String(s.seq).padStart(3)} ${s.type === 'tool_call' ? `tool ${s.toolName}` : 'model turn'}${s.error ? ` error: ${JSON.stringify(s.error)}` : ''}`,
              );
            if (e.error) console.log(`error ${e.error.code}: ${e.error.message}`);
            if (e.output !== null) console.log(JSON.stringify(e.output, null, 2));
          }
          if (e.status !== 'succeeded') process.exitCode = 1;
        });
      },
    );
}

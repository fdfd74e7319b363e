/**
 * What an agent is: a definition (instructions, typed input and output, tools, limits come from the
 * organization's agent row) that two engines can execute:
 *
 * - the built-in engine calls `definition.builtin(input, run)`, which computes the output from
 *   Omnify's data through the same tools (each `run.call` is a recorded, budgeted step) and writes
 *   its text from templates; no network;
 * - the language-model engine gives the model `instructions`, the input and the tools (their zod
 *   input schemas become JSON schemas), executes the tool calls it asks for, and validates its final
 *   answer against `output`.
 *
 * Tools call module services, never SQL, and never change a platform: writes become proposed
 * actions through `services.proposals.propose(ctx, …, { type: 'agent', agentId })`.
 */
import type { z } from 'zod';
import type { Services } from '../../main/services.ts';
import type { Ctx } from '../auth/context.ts';
import type { AgentKind } from './agents.defaults.ts';

/** The module services a tool may use (everything the composition root builds, minus lifecycle). */
export type AgentServices = Omit<Services, 'close'>;

export interface ToolContext {
  /** The run's context: its actor is the agent (`{ type: 'agent', id: agentId }`), so audits name it. */
  ctx: Ctx;
  agentId: string;
  /** The execution (run) id, for idempotency keys of proposals made by this run. */
  executionId: string;
  services: AgentServices;
  signal: AbortSignal;
  now: Date;
}

/** One tool: a named function with a zod input schema; its output must be plain JSON. */
export interface AgentTool<I = unknown, O = unknown> {
  name: string;
  description: string;
  input: z.ZodType<I>;
  run(input: I, tc: ToolContext): Promise<O>;
}

/** What the built-in engine hands to `builtin`: tool calls go through `call`, which records a step. */
export interface BuiltinRun {
  call<O = unknown>(toolName: string, input: unknown): Promise<O>;
  readonly ctx: Ctx;
  readonly now: Date;
}

/** A problem with a valid-looking input that only the day can tell (a month that has not started). */
export interface InputProblem {
  /** The field inside the input, as keys and indexes. */
  path: Array<string | number>;
  message: string;
}

export interface AgentDefinition<I = unknown, O = unknown> {
  kind: AgentKind;
  /** System instructions for the language-model engine; also shown by the API. */
  instructions: string;
  input: z.ZodType<I>;
  /**
   * Checks of the parsed input against the day (`now`), run before the run is stored or counted:
   * any problem is a 400 `invalid_input` naming its field, like a schema error.
   */
  checkInput?(input: I, now: Date): InputProblem[];
  output: z.ZodType<O>;
  tools: AgentTool[];
  /** The built-in engine: deterministic output from the tools, text from templates. */
  builtin(input: I, run: BuiltinRun): Promise<O>;
}

/** Keeps the input/output types of a definition while erasing them for the registry. */
export function defineAgent<I, O>(def: AgentDefinition<I, O>): AgentDefinition {
  return def as unknown as AgentDefinition;
}

/** Keeps a tool's input type while erasing it for the tool list. */
export function defineTool<I, O>(tool: AgentTool<I, O>): AgentTool {
  return tool as unknown as AgentTool;
}

/**
 * A workflow definition: a DAG of steps and its triggers. `validateDefinition` is what create and
 * update run: on top of the zod shape it checks unique ids, known step types, known `dependsOn`
 * references, that the graph has no cycle, each step's parameters, and every `{{…}}` mapping (it
 * must read the trigger or the output of a step the mapping's step depends on, directly or not).
 * All problems come back at once in one `invalid_input`, as every other 400 of the API:
 * `details.issues: [{ location, path, code, message }]` with `location` `body.steps.0.dependsOn.1`
 * and `path` `['steps', 0, 'dependsOn', 1]` (where the definition sits in a create or update body).
 */
import { z } from 'zod';
import { invalidInputOf, isAppError, type SchemaIssue, schemaIssues } from '../../platform/errors.ts';
import { validateCron } from '../rules/rules.validate.ts';
import { isStepType, requiredKeys, type StepType, stepParams, stepTypes } from './workflows.step-types.ts';
import { parsePath, templatePaths } from './workflows.template.ts';

const json = z.record(z.string(), z.unknown());

export const stepSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'letters, digits, _ and -, starting with a letter (max 64)'),
  type: z.string().describe(`One of ${stepTypes.join(', ')}`),
  name: z.string().min(1).max(200).optional(),
  dependsOn: z.array(z.string()).max(50).default([]),
  ifSkipped: z
    .record(z.string(), json)
    .optional()
    .describe(
      'Dependencies (ids from dependsOn) that may be skipped, or be a false condition, without skipping this step, each with the output {{steps.<id>.output.…}} reads when it was skipped (static JSON, e.g. { "summary": "no change was asked for" }). A failed dependency still fails the execution.',
    ),
  config: json.default({}),
  input: json.default({}).describe('Input mapping: values may use {{trigger.x}} and {{steps.<id>.output.y}}'),
  retries: z.number().int().min(0).max(10).default(0),
  retryDelayMs: z.number().int().min(0).max(3_600_000).default(1_000),
  timeoutMs: z.number().int().min(100).max(1_800_000).default(60_000),
});
export type StepDefinition = z.infer<typeof stepSchema> & { type: StepType };

export const definitionSchema = z.strictObject({ steps: z.array(stepSchema).min(1).max(100) });
export type WorkflowDefinition = { steps: StepDefinition[] };

export const eventTypes = ['sync.finished', 'anomaly.found', 'threshold.crossed'] as const;
export type WorkflowEventType = (typeof eventTypes)[number];

export const thresholdMetrics = [
  'spendMicros',
  'conversions',
  'clicks',
  'impressions',
  'conversionValueMicros',
  'cpaMicros',
  'roas',
  'ctr',
] as const;

export const triggersSchema = z.strictObject({
  cron: z.string().min(9).max(100).optional().describe('Cron expression (5 fields, UTC unless timezone)'),
  timezone: z.string().min(1).max(64).optional(),
  events: z
    .array(
      z.strictObject({
        type: z.enum(eventTypes),
        /** Every key must equal the event payload's value (e.g. a connectionId). */
        filter: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
      }),
    )
    .max(20)
    .optional(),
  thresholds: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/),
        metric: z.enum(thresholdMetrics),
        op: z.enum(['gt', 'lt']),
        value: z.number(),
        windowDays: z.number().int().min(1).max(90).default(1),
        campaignId: z.string().min(1).max(64).optional(),
        clientId: z.string().min(1).max(64).optional(),
      }),
    )
    .max(20)
    .optional()
    .describe('Evaluated after each finished sync; a crossing fires a threshold.crossed run once'),
  webhook: z.boolean().optional().describe('Accept signed calls at /api/v1/workflows/hooks/:hookId'),
});
export type WorkflowTriggers = z.infer<typeof triggersSchema>;

/** One problem, as `details.issues[]` of any 400 carries it (+ `minIntervalMinutes` for a cron too frequent). */
type Problem = SchemaIssue & {
  /** Set when a cron trigger fires more often than this allows. */
  minIntervalMinutes?: number;
};

type Path = Array<string | number>;

/** A problem found by a check of this module (not by a zod schema), at `path` in the request body. */
const problem = (
  path: Path,
  message: string,
  extra: Partial<Problem> = {},
  code = 'invalid_value',
): Problem => ({
  location: path.length ? `body.${path.join('.')}` : 'body',
  path,
  code,
  message,
  ...extra,
});

/** zod's issues, under `at` in the request body, in the API's issue shape (allowed values, expected type…). */
function zodProblems(
  issues: ReadonlyArray<{ code: string; path: PropertyKey[]; message: string }>,
  at: Path = [],
): Problem[] {
  return issues.flatMap((i) => {
    const { code, path, message, ...rest } = i as typeof i & Record<string, unknown>;
    const full = [...at, ...path.map((k) => (typeof k === 'number' ? k : String(k)))];
    return schemaIssues('body', full, code, message, rest);
  });
}

const refuse = (problems: Problem[]) => invalidInputOf(problems, 'Invalid workflow definition');

/** The transitive dependencies of every step (the graph must be acyclic). */
export function ancestorsOf(steps: Array<{ id: string; dependsOn: string[] }>): Map<string, Set<string>> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const memo = new Map<string, Set<string>>();
  const visit = (id: string): Set<string> => {
    const known = memo.get(id);
    if (known) return known;
    const out = new Set<string>();
    memo.set(id, out);
    for (const d of byId.get(id)?.dependsOn ?? []) {
      if (!byId.has(d)) continue;
      out.add(d);
      for (const a of visit(d)) out.add(a);
    }
    return out;
  };
  for (const s of steps) visit(s.id);
  return memo;
}

/** A cycle as a list of step ids, if there is one (Kahn's algorithm leaves it unsorted). */
function findCycle(steps: Array<{ id: string; dependsOn: string[] }>): string[] | null {
  const known = new Set(steps.map((s) => s.id));
  const indegree = new Map(steps.map((s) => [s.id, s.dependsOn.filter((d) => known.has(d)).length]));
  const queue = steps.filter((s) => indegree.get(s.id) === 0).map((s) => s.id);
  const children = new Map<string, string[]>();
  for (const s of steps)
    for (const d of s.dependsOn) if (known.has(d)) children.set(d, [...(children.get(d) ?? []), s.id]);
  let sorted = 0;
  while (queue.length) {
    const id = queue.shift() as string;
    sorted++;
    for (const c of children.get(id) ?? []) {
      indegree.set(c, (indegree.get(c) ?? 0) - 1);
      if (indegree.get(c) === 0) queue.push(c);
    }
  }
  if (sorted === steps.length) return null;
  return steps.filter((s) => (indegree.get(s.id) ?? 0) > 0).map((s) => s.id);
}

function checkMappings(
  step: StepDefinition,
  index: number,
  ids: Set<string>,
  ancestors: Set<string>,
  problems: Problem[],
) {
  for (const field of ['config', 'input'] as const) {
    for (const raw of templatePaths(step[field])) {
      const path = ['steps', index, field];
      const parsed = parsePath(raw);
      if ('error' in parsed) {
        problems.push(problem(path, `Bad mapping {{${raw}}}: ${parsed.error}`));
        continue;
      }
      const [root, stepId, part] = parsed.segments;
      if (root === 'trigger' || (root === 'execution' && stepId === 'id' && parsed.segments.length === 2))
        continue;
      if (root !== 'steps' || !stepId || (part !== 'output' && part !== 'status')) {
        problems.push(
          problem(
            path,
            `Bad mapping {{${raw}}}: use {{trigger.…}}, {{execution.id}} or {{steps.<id>.output.…}}`,
          ),
        );
        continue;
      }
      if (!ids.has(stepId))
        problems.push(problem(path, `Bad mapping {{${raw}}}: there is no step ${stepId}`));
      else if (!ancestors.has(stepId))
        problems.push(
          problem(
            path,
            `Bad mapping {{${raw}}}: step ${step.id} does not depend on ${stepId}, so its output may not exist yet`,
          ),
        );
    }
  }
}

function checkParams(step: StepDefinition, index: number, problems: Problem[]) {
  const schema = stepParams[step.type];
  const path = ['steps', index, 'config'];
  if (step.type === 'agent_run') {
    // The input is the agent's own input, checked by the agent when it runs.
    const r = schema.safeParse(step.config);
    problems.push(...zodProblems(r.error?.issues ?? [], path));
    return;
  }
  const given = { ...step.config, ...step.input };
  // Values that are templates are only known at run time: check the static ones now.
  const statics = Object.fromEntries(Object.entries(given).filter(([, v]) => templatePaths(v).length === 0));
  const r = schema.partial().safeParse(statics);
  problems.push(...zodProblems(r.error?.issues ?? [], path));
  for (const k of requiredKeys(step.type))
    if (!(k in given))
      problems.push(
        problem([...path, k], `A ${step.type} step needs ${k} (in config or input)`, {}, 'invalid_type'),
      );
}

/** `ifSkipped` names direct dependencies only, and its stand-in outputs are static (never resolved). */
function checkIfSkipped(step: StepDefinition, index: number, problems: Problem[]) {
  for (const [dep, standIn] of Object.entries(step.ifSkipped ?? {})) {
    const path = ['steps', index, 'ifSkipped', dep];
    if (!step.dependsOn.includes(dep))
      problems.push(
        problem(path, `Step ${step.id} does not depend on ${dep}: ifSkipped names steps of its dependsOn`, {
          allowed: step.dependsOn,
        }),
      );
    else if (templatePaths(standIn).length > 0)
      problems.push(
        problem(
          path,
          `The output stand-in for a skipped ${dep} is static JSON: {{…}} mappings are not resolved in it`,
        ),
      );
  }
}

/** Parses and checks a definition and its triggers; `invalid_input` listing every problem otherwise. */
export function validateDefinition(
  rawDefinition: unknown,
  rawTriggers: unknown = {},
): { definition: WorkflowDefinition; triggers: WorkflowTriggers } {
  const problems: Problem[] = [];
  const d = definitionSchema.safeParse(rawDefinition);
  const t = triggersSchema.safeParse(rawTriggers ?? {});
  problems.push(...zodProblems(d.error?.issues ?? []));
  problems.push(...zodProblems(t.error?.issues ?? [], ['triggers']));
  if (t.success && t.data.cron) {
    // The rules' check: five fields, parses in the time zone, and no two ticks closer than 15 minutes.
    try {
      validateCron(t.data.cron, new Date(), { at: ['triggers', 'cron'], timezone: t.data.timezone ?? 'UTC' });
    } catch (e) {
      if (!isAppError(e)) throw e;
      // The cron's issue, at body.triggers.cron (with minIntervalMinutes when it fires too often).
      problems.push(...((e.details as { issues: Problem[] }).issues ?? []));
    }
  }
  if (!d.success || !t.success) throw refuse(problems);

  const steps = d.data.steps;
  const ids = new Set<string>();
  steps.forEach((s, i) => {
    if (ids.has(s.id)) problems.push(problem(['steps', i, 'id'], `Duplicate step id ${s.id}`));
    ids.add(s.id);
    if (!isStepType(s.type))
      problems.push(
        problem(['steps', i, 'type'], `Unknown step type ${s.type}; use one of ${stepTypes.join(', ')}`, {
          allowed: [...stepTypes],
        }),
      );
    s.dependsOn.forEach((dep, j) => {
      if (dep === s.id)
        problems.push(problem(['steps', i, 'dependsOn', j], `Step ${s.id} depends on itself`));
    });
  });
  for (const [i, s] of steps.entries())
    for (const [j, dep] of s.dependsOn.entries())
      if (!ids.has(dep))
        problems.push(
          problem(['steps', i, 'dependsOn', j], `Unknown step ${dep}`, {
            allowed: [...ids].filter((x) => x !== s.id),
          }),
        );
  const cycle = findCycle(steps);
  if (cycle) problems.push(problem(['steps'], `The steps form a cycle through ${cycle.join(', ')}`));
  if (problems.length) throw refuse(problems);

  const typed = steps as StepDefinition[];
  const ancestors = ancestorsOf(typed);
  typed.forEach((s, i) => {
    checkParams(s, i, problems);
    checkIfSkipped(s, i, problems);
    checkMappings(s, i, ids, ancestors.get(s.id) ?? new Set(), problems);
  });
  if (problems.length) throw refuse(problems);
  return { definition: { steps: typed }, triggers: t.data };
}

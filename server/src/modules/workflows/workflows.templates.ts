/**
 * The three built-in templates. A template is a definition with `[[variable]]` placeholders that
 * are filled in when a workflow is created from it (`POST /api/v1/workflows` with `templateId` and
 * `variables`); `{{…}}` mappings stay as they are and resolve at run time.
 *
 * Its variables and the input a manual run carries are zod objects whose fields say, for people,
 * what they are: `title` (the form's label), `description` (the hint) and, for an id, `x-entity`
 * (campaign, client or connection: the dashboard offers a picker instead of a text box). The API
 * serves them as JSON Schema (`variablesSchema`, `runInputSchema`), as agents serve their input.
 */
import { z } from 'zod';
import { invalidInput, zodInvalidInput } from '../../platform/errors.ts';

export interface WorkflowTemplate {
  id: string;
  name: string;
  description: string;
  /** Filled in once, when a workflow is created from the template (strings: they go into text). */
  variables: z.ZodObject<Record<string, z.ZodType<string>>>;
  definition: { steps: unknown[] };
  triggers: Record<string, unknown>;
  /** What a manual run's input should carry (`{{trigger.…}}` of the steps). */
  runInput: z.ZodObject;
}

/**
 * An id of the organization's campaign, client or connection, with what it is for. `ofClient`: a
 * connection that must belong to a client (`x-of-client`: the dashboard offers only those, and a
 * manual run with another is refused before anything runs, see `assertRunInput`).
 */
const ref = (
  entity: 'campaign' | 'client' | 'connection',
  title: string,
  description: string,
  opts: { ofClient?: boolean } = {},
) =>
  z
    .string()
    .min(1)
    .max(64)
    .meta({ title, description, 'x-entity': entity, ...(opts.ofClient ? { 'x-of-client': true } : {}) });
const email = (title: string, description: string) => z.email().max(320).meta({ title, description });

export const templates: WorkflowTemplate[] = [
  {
    id: 'campaign_launch',
    name: 'Campaign launch',
    description:
      'Forecasts the campaign, waits for a person to approve the launch, enables it through the guardrails (optionally with a budget change) and tells the team.',
    variables: z.object({ notifyEmail: email('Email for the launch notice', 'Who hears about the launch') }),
    runInput: z.object({
      campaignId: ref('campaign', 'Campaign', 'The campaign to launch (usually a paused one)'),
      budgetChangePercent: z.number().min(-100).max(1000).default(0).meta({
        title: 'Budget change at launch (%)',
        description: 'Change of the daily budget when it launches, in percent: 0 for none',
      }),
    }),
    triggers: {},
    definition: {
      steps: [
        {
          id: 'forecast',
          type: 'oracle_job',
          config: { job: 'forecast', entityType: 'campaign', metric: 'spend', horizon: 14 },
          input: { entityId: '{{trigger.campaignId}}' },
          retries: 1,
        },
        {
          id: 'approve_launch',
          type: 'approval_wait',
          dependsOn: ['forecast'],
          config: {
            // For people: the campaign's name and the money as they read it (the forecast step
            // returns both), not its id and micros.
            message:
              'Launch campaign "{{steps.forecast.output.entityName}}"? Forecast spend over the next 14 days: {{steps.forecast.output.totalText}}. Daily budget change at launch: {{trigger.budgetChangePercent}}%.',
          },
          // Above the policy's twoApproversAbovePct, the launch needs two approvers; the policy is
          // that of the client the campaign's ad account belongs to.
          input: { changePct: '{{trigger.budgetChangePercent}}', campaignId: '{{trigger.campaignId}}' },
        },
        {
          id: 'enable',
          type: 'proposal',
          dependsOn: ['approve_launch'],
          config: { kind: 'enable', reason: 'Campaign launch workflow' },
          input: { campaignId: '{{trigger.campaignId}}' },
        },
        {
          id: 'has_budget_change',
          type: 'condition',
          dependsOn: ['approve_launch'],
          config: { op: 'ne' },
          input: { left: '{{trigger.budgetChangePercent}}', right: 0 },
        },
        {
          id: 'budget',
          type: 'proposal',
          dependsOn: ['has_budget_change', 'enable'],
          config: { kind: 'budget_change', reason: 'Campaign launch budget' },
          input: { campaignId: '{{trigger.campaignId}}', percent: '{{trigger.budgetChangePercent}}' },
        },
        {
          id: 'notify',
          type: 'notify',
          // Waits for the budget change too, and runs without it when none was asked (the budget
          // step is then skipped and reads as the stand-in below).
          dependsOn: ['enable', 'budget'],
          ifSkipped: { budget: { summary: 'no change was asked for' } },
          config: {
            to: ['[[notifyEmail]]'],
            // What happened, from the enable step's outcome: launched, already active, or only
            // proposed and waiting for approval under the guardrails (then nothing is live yet).
            subject: 'Campaign "{{steps.forecast.output.entityName}}" {{steps.enable.output.outcome}}',
            body: 'Campaign "{{steps.forecast.output.entityName}}" {{steps.enable.output.outcome}}.\nLaunch: {{steps.enable.output.summary}}.\nBudget: {{steps.budget.output.summary}}.\nForecast spend over the next 14 days: {{steps.forecast.output.totalText}}.',
          },
        },
      ],
    },
  },
  {
    id: 'client_onboarding',
    name: 'Client onboarding',
    description:
      "Backfills the client's new connection, then in parallel checks creative fatigue and scans for anomalies, and sends the welcome summary.",
    variables: z.object({
      notifyEmail: email('Email for the summary', 'Who receives the onboarding summary'),
    }),
    runInput: z.object({
      connectionId: ref(
        'connection',
        'Connection',
        "The client's connection just added: 90 days are backfilled (it must belong to a client)",
        { ofClient: true },
      ),
      clientName: z.string().min(1).max(200).meta({
        title: 'Client name',
        description: 'The client, as the welcome summary names it',
      }),
    }),
    triggers: {},
    definition: {
      steps: [
        {
          id: 'backfill',
          type: 'connector_sync',
          config: { kind: 'backfill', days: 90 },
          input: { connectionId: '{{trigger.connectionId}}' },
          timeoutMs: 60_000,
          retries: 1,
        },
        // Both keep to the client the connection belongs to (the backfill step reads it), not to
        // every ad of the agency.
        {
          id: 'fatigue',
          type: 'oracle_job',
          dependsOn: ['backfill'],
          config: { job: 'fatigue' },
          input: { clientId: '{{steps.backfill.output.clientId}}' },
        },
        {
          id: 'anomalies',
          type: 'oracle_job',
          dependsOn: ['backfill'],
          config: { job: 'anomalies', entityType: 'client' },
          input: { entityId: '{{steps.backfill.output.clientId}}' },
        },
        {
          id: 'welcome',
          type: 'notify',
          dependsOn: ['fatigue', 'anomalies'],
          config: {
            to: ['[[notifyEmail]]'],
            subject: 'Onboarding of {{trigger.clientName}} complete',
            body: '{{steps.backfill.output.rowsUpserted}} rows synced; {{steps.fatigue.output.ads}} ads checked for fatigue; {{steps.anomalies.output.flagged}} anomalous days found.',
          },
        },
      ],
    },
  },
  {
    id: 'monthly_reporting',
    name: 'Monthly reporting',
    description:
      'On the first of each month: refreshes ORACLE, forecasts next month, scans for anomalies, alerts when there are some, and mails the report.',
    variables: z.object({ notifyEmail: email('Email for the report', 'Who receives the monthly report') }),
    runInput: z.object({}),
    triggers: { cron: '0 7 1 * *' },
    definition: {
      steps: [
        {
          id: 'forecast',
          type: 'oracle_job',
          config: { job: 'forecast', metric: 'spend', horizon: 30 },
          retries: 2,
        },
        { id: 'anomalies', type: 'oracle_job', config: { job: 'anomalies' }, retries: 2 },
        {
          id: 'any_anomalies',
          type: 'condition',
          dependsOn: ['anomalies'],
          config: { op: 'gt', right: 0 },
          input: { left: '{{steps.anomalies.output.flagged}}' },
        },
        {
          id: 'alert',
          type: 'notify',
          dependsOn: ['any_anomalies'],
          config: {
            to: ['[[notifyEmail]]'],
            subject: 'Anomalies to review this month',
            body: '{{steps.anomalies.output.flagged}} anomalous days, latest {{steps.anomalies.output.latest}}.',
          },
        },
        {
          id: 'report',
          type: 'notify',
          dependsOn: ['forecast', 'anomalies'],
          config: {
            to: ['[[notifyEmail]]'],
            subject: 'Monthly report',
            body: 'Forecast spend for the next 30 days: {{steps.forecast.output.totalText}}. Anomalous days: {{steps.anomalies.output.flagged}}.',
          },
        },
      ],
    },
  },
];

/** JSON Schema of a template's fields, for the API (what a caller sends, before defaults apply). */
function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input' }) as Record<string, unknown>;
  return rest;
}

const descriptions = (schema: z.ZodObject) =>
  Object.fromEntries(Object.entries(schema.shape).map(([k, f]) => [k, (f as z.ZodType).description ?? k]));

/**
 * A template as `GET /api/v1/workflows/templates` serves it: `variables` and `runInput` (name →
 * description, as before) and the same fields as JSON Schema with titles (`variablesSchema`,
 * `runInputSchema`).
 */
export function templateView(t: WorkflowTemplate) {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    variables: descriptions(t.variables),
    variablesSchema: jsonSchema(t.variables),
    runInput: descriptions(t.runInput),
    runInputSchema: jsonSchema(t.runInput),
    definition: t.definition,
    triggers: t.triggers,
  };
}

/**
 * Refuses a manual run of a workflow made from `templateId` whose input names a connection that
 * must belong to a client (`x-of-client`) but belongs to none, or is not the organization's: in
 * words that say what to do, before a 90-day backfill runs and the client's steps fail on a
 * missing client. `connectionOf` reads the organization's connection (undefined: none).
 */
export async function assertRunInput(
  templateId: string | null,
  input: Record<string, unknown>,
  connectionOf: (id: string) => Promise<{ name: string; clientId: string | null } | undefined>,
): Promise<void> {
  const t = templates.find((x) => x.id === templateId);
  if (!t) return;
  for (const [field, schema] of Object.entries(t.runInput.shape)) {
    const id = input[field];
    if (typeof id !== 'string' || !(schema as z.ZodType).meta()?.['x-of-client']) continue;
    const connection = await connectionOf(id);
    if (!connection)
      throw invalidInput(
        `There is no connection ${id} in this organization: choose one of its connections for ${t.name}.`,
        { field, connectionId: id, reason: 'connection_not_found' },
      );
    if (!connection.clientId)
      throw invalidInput(
        `The connection "${connection.name}" belongs to no client, and ${t.name} works on one client's data. Choose a connection of the client, or connect the client's account on the Connections page with the client selected, then run it again.`,
        { field, connectionId: id, reason: 'connection_without_client' },
      );
  }
}

/** The template's definition and triggers with its variables filled in (every one is required). */
export function instantiate(templateId: string, variables: Record<string, string>) {
  const t = templates.find((x) => x.id === templateId);
  if (!t) throw invalidInput(`Unknown template ${templateId}`, { templates: templates.map((x) => x.id) });
  const missing = Object.keys(t.variables.shape).filter((v) => !variables[v]);
  if (missing.length) throw invalidInput(`The template needs ${missing.join(', ')}`, { missing });
  const checked = t.variables.safeParse(variables);
  if (!checked.success)
    throw zodInvalidInput(checked.error, 'body', ['variables'], "the template's variables are not valid");
  const fill = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(/\[\[(\w+)\]\]/g, (_m, k: string) => variables[k] ?? '');
    if (Array.isArray(v)) return v.map(fill);
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fill(x)]));
    return v;
  };
  return { template: t, definition: fill(t.definition), triggers: fill(t.triggers) };
}

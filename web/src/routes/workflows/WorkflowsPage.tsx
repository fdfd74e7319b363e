/** Workflows: the organization's workflows, templates to start from, and run history with steps. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import {
  initialValues,
  type ObjectSchema,
  SchemaFields,
  valuesToInput,
} from '../../components/SchemaFields.tsx';
import {
  Badge,
  Button,
  Card,
  CardHeader,
  cx,
  EmptyState,
  ErrorState,
  LoadingState,
  Notice,
  PageHeader,
  StatusBadge,
} from '../../components/ui.tsx';
import { api, type Page } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';
import { dateTime, humanize } from '../../lib/format.ts';
import { useStepDecision } from '../../lib/workflows.ts';
import { ApiErrorNotice } from '../agents/ApiErrorNotice.tsx';

interface Workflow {
  id: string;
  name: string;
  description: string | null;
  version: number;
  enabled: boolean;
  steps: Array<{ id: string; type: string }>;
  triggers: Record<string, unknown>;
  templateId: string | null;
  updatedAt: string;
}
interface Template {
  id: string;
  name: string;
  description: string;
  variables: Record<string, string>;
  /** The variables as JSON Schema: title (the label), description, format. */
  variablesSchema?: ObjectSchema;
  runInput?: Record<string, string>;
  /** A manual run's input as JSON Schema: title, description, type, x-entity (a picker). */
  runInputSchema?: ObjectSchema;
  definition: { steps: unknown[] };
}
interface StepRun {
  stepId: string;
  type: string;
  status: string;
  attempts: number;
  output?: unknown;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}
interface Execution {
  id: string;
  version: number;
  status: string;
  trigger: { type: string };
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  steps?: StepRun[];
}

/** A name → description map (what older servers send) as a schema of required text fields. */
const schemaOf = (described: Record<string, string> = {}): ObjectSchema => ({
  properties: Object.fromEntries(Object.entries(described).map(([k, d]) => [k, { description: d }])),
  required: Object.keys(described),
});

/**
 * What a run's input must carry: the template's run input (labels, hints, pickers), and every other
 * `{{trigger.x}}` the steps read (a workflow edited after it was made from a template). A workflow
 * started by hand without them fails at the first step that reads one.
 */
export function runInputSchema(wf: Workflow, template?: Template): ObjectSchema {
  const base = template?.runInputSchema ?? schemaOf(template?.runInput);
  const properties = { ...(base.properties ?? {}) };
  const required = new Set(base.required ?? []);
  for (const m of JSON.stringify(wf.steps).matchAll(/\{\{\s*trigger\.([A-Za-z0-9_]+)/g)) {
    const key = m[1] as string;
    if (!(key in properties)) {
      properties[key] = {};
      required.add(key);
    }
  }
  return { properties, required: [...required] };
}

/**
 * A step waiting for people (approval_wait): its question, how many approvals it needs, and the
 * Approve / Reject that the execution waits for (actions:approve, as for proposals).
 */
function StepDecision({ executionId, step }: { executionId: string; step: StepRun }) {
  const { can } = useAuth();
  const out = (step.output ?? {}) as {
    message?: string | null;
    requiredApprovals?: number;
    approvals?: unknown[];
  };
  const decide = useStepDecision(executionId, step.stepId);
  const required = out.requiredApprovals ?? 1;
  const given = out.approvals?.length ?? 0;
  return (
    <div
      className="mt-2 space-y-2 rounded-md border border-amber-200 bg-amber-50 p-3"
      data-testid="step-decision"
    >
      {out.message && <p className="text-sm text-slate-800">{out.message}</p>}
      <p className="text-xs text-slate-600">
        Waiting for {required === 1 ? 'one approval' : `${required} approvals`}
        {given > 0 ? ` (${given} given)` : ''}.
      </p>
      {can('actions:approve') ? (
        <span className="inline-flex gap-2">
          <Button
            size="sm"
            variant="primary"
            loading={decide.isPending && decide.variables?.decision === 'approve'}
            onClick={() => decide.mutate({ decision: 'approve' })}
          >
            Approve step
          </Button>
          <Button
            size="sm"
            variant="danger"
            loading={decide.isPending && decide.variables?.decision === 'reject'}
            onClick={() => decide.mutate({ decision: 'reject' })}
          >
            Reject step
          </Button>
        </span>
      ) : (
        <p className="text-xs text-slate-500">Someone who may approve changes decides here.</p>
      )}
      {decide.error && <ApiErrorNotice error={decide.error} />}
    </div>
  );
}

/** What `proposed` means, on a run or a step: it ran, but the change waits for a person. */
const proposedHelp = {
  run: 'Every step ran, but a change it proposed waits for approval in Approvals: nothing changed yet. It becomes succeeded once applied, failed if rejected or expired.',
  step: 'This step proposed a change that waits for approval in Approvals: nothing changed yet.',
};

function StepTimeline({ steps, executionId }: { steps: StepRun[]; executionId: string }) {
  return (
    <ol className="relative ml-1 space-y-3 border-l border-slate-200 pl-5">
      {steps.map((s) => (
        <li key={s.stepId} className="text-sm">
          <span
            className={cx(
              'absolute -left-[6px] mt-1 size-3 rounded-full ring-2 ring-white',
              s.status === 'succeeded'
                ? 'bg-emerald-500'
                : s.status === 'failed'
                  ? 'bg-rose-500'
                  : s.status === 'proposed'
                    ? 'bg-amber-400'
                    : s.status === 'running' || s.status === 'waiting'
                      ? 'bg-sky-500'
                      : 'bg-slate-300',
            )}
          />
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-medium text-slate-800">{s.stepId}</span>
            <span className="font-mono text-xs text-slate-500">{s.type}</span>
            <StatusBadge
              status={s.status}
              {...(s.status === 'proposed' ? { help: proposedHelp.step } : {})}
            />
            {s.attempts > 1 && <span className="text-xs text-slate-500">{s.attempts} attempts</span>}
          </div>
          <p className="text-xs text-slate-500">
            {s.startedAt ? dateTime(s.startedAt) : 'not started'}
            {s.finishedAt ? ` → ${dateTime(s.finishedAt)}` : ''}
          </p>
          {s.error && <p className="text-xs text-rose-700">{s.error}</p>}
          {s.status === 'waiting_approval' && <StepDecision executionId={executionId} step={s} />}
        </li>
      ))}
    </ol>
  );
}

function Runs({ wf, template }: { wf: Workflow; template?: Template }) {
  const { can } = useAuth();
  const qc = useQueryClient();
  const [open, setOpen] = useState<string | null>(null);
  const schema = runInputSchema(wf, template);
  const hasFields = Object.keys(schema.properties ?? {}).length > 0;
  const [asking, setAsking] = useState(false);
  const [edited, setValues] = useState<Record<string, string>>({});
  // Defaults (a budget change of 0) until the person changes them.
  const values = { ...initialValues(schema), ...edited };
  const runs = useQuery({
    queryKey: ['wf-runs', wf.id],
    queryFn: () => api.get<Page<Execution>>(`/api/v1/workflows/${wf.id}/runs`, { limit: 20 }),
    refetchInterval: (q) =>
      q.state.data?.items.some((e) => e.status === 'running' || e.status === 'queued') ? 2000 : false,
  });
  const detail = useQuery({
    queryKey: ['wf-exec', open],
    enabled: !!open,
    queryFn: () => api.get<Execution>(`/api/v1/workflows/executions/${open}`),
    refetchInterval: (q) =>
      !q.state.data
        ? false
        : ['running', 'queued'].includes(q.state.data.status)
          ? 2000
          : q.state.data.status === 'waiting_approval' || q.state.data.status === 'proposed'
            ? 10_000
            : false,
  });
  const run = useMutation({
    mutationFn: () =>
      api.post<{ executionId: string; execution: Execution }>(
        `/api/v1/workflows/${wf.id}/runs`,
        hasFields ? { input: valuesToInput(schema, values) } : {},
      ),
    onSuccess: (r) => {
      setAsking(false);
      setOpen(r.executionId);
      qc.invalidateQueries({ queryKey: ['wf-runs', wf.id] });
    },
  });
  // Turning off stops its triggers (cron, events, thresholds, webhook) and manual runs; runs
  // already going finish. Deleting also cancels unfinished runs.
  const toggle = useMutation({
    mutationFn: () => api.patch(`/api/v1/workflows/${wf.id}`, { enabled: !wf.enabled }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['workflows'] }),
  });
  const remove = useMutation({
    mutationFn: () => api.del(`/api/v1/workflows/${wf.id}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['workflows'] }),
  });
  const error = run.error ?? toggle.error ?? remove.error;
  const manage = can('agents:manage');
  return (
    <section aria-label={`Workflow ${wf.name}`}>
      <Card>
        <CardHeader
          title={wf.name}
          description={`${wf.description ?? ''} · version ${wf.version} · ${wf.steps.length} steps`}
          actions={
            <>
              <Badge tone={wf.enabled ? 'green' : 'gray'}>{wf.enabled ? 'enabled' : 'disabled'}</Badge>
              {manage && (
                <Button
                  size="sm"
                  variant="ghost"
                  loading={toggle.isPending}
                  onClick={() => {
                    run.reset();
                    remove.reset();
                    toggle.mutate();
                  }}
                >
                  {wf.enabled ? 'Disable' : 'Enable'}
                </Button>
              )}
              {manage && (
                <Button
                  size="sm"
                  variant="danger"
                  loading={remove.isPending}
                  onClick={() => {
                    run.reset();
                    toggle.reset();
                    if (
                      window.confirm(
                        `Delete the workflow "${wf.name}"? Its triggers stop, unfinished runs are cancelled, and it leaves this list. This cannot be undone here.`,
                      )
                    )
                      remove.mutate();
                  }}
                >
                  Delete
                </Button>
              )}
              {can('agents:run') && (
                <Button
                  size="sm"
                  variant="primary"
                  loading={run.isPending}
                  disabled={!wf.enabled}
                  title={wf.enabled ? undefined : 'Enable the workflow to run it'}
                  onClick={() => {
                    toggle.reset();
                    remove.reset();
                    if (hasFields) setAsking((v) => !v);
                    else run.mutate();
                  }}
                  aria-expanded={hasFields ? asking : undefined}
                >
                  Run now
                </Button>
              )}
            </>
          }
        />
        {asking && wf.enabled && (
          <form
            className="grid gap-3 border-b border-slate-100 px-5 py-4 sm:grid-cols-2"
            aria-label={`Run ${wf.name}`}
            onSubmit={(e) => {
              e.preventDefault();
              run.mutate();
            }}
          >
            <p className="text-xs text-slate-500 sm:col-span-2">
              This workflow's steps read these values from the run's input.
            </p>
            <SchemaFields
              schema={schema}
              values={values}
              onChange={(k, v) => setValues((x) => ({ ...x, [k]: v }))}
            />
            <div className="flex gap-2 sm:col-span-2">
              <Button type="submit" size="sm" variant="primary" loading={run.isPending}>
                Start run
              </Button>
              <Button size="sm" variant="ghost" onClick={() => setAsking(false)}>
                Cancel
              </Button>
            </div>
          </form>
        )}
        {!wf.enabled && (
          <p className="px-5 pt-3 text-xs text-slate-500">
            Disabled: its triggers start no runs and it cannot be run by hand until it is enabled again.
          </p>
        )}
        {error && (
          <div className="px-5 pt-3">
            <ApiErrorNotice error={error} />
          </div>
        )}
        <div className="grid gap-0 md:grid-cols-2">
          <div className="border-slate-100 md:border-r">
            <p className="px-5 pt-3 text-xs font-medium text-slate-500">Run history</p>
            {runs.isPending ? (
              <LoadingState />
            ) : runs.error ? (
              <ErrorState error={runs.error} />
            ) : runs.data.items.length === 0 ? (
              <EmptyState title="No runs yet" />
            ) : (
              <ul className="p-2">
                {runs.data.items.map((e) => (
                  <li key={e.id}>
                    <button
                      type="button"
                      onClick={() => setOpen(e.id)}
                      aria-current={open === e.id ? 'true' : undefined}
                      className={cx(
                        'flex w-full items-center gap-3 rounded-md px-3 py-2 text-left text-sm',
                        open === e.id ? 'bg-brand-50' : 'hover:bg-slate-50',
                      )}
                    >
                      <StatusBadge
                        status={e.status}
                        {...(e.status === 'proposed' ? { help: proposedHelp.run } : {})}
                      />
                      <span>{dateTime(e.createdAt)}</span>
                      <span className="text-xs text-slate-500">
                        {humanize(e.trigger.type)} · v{e.version}
                      </span>
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </div>
          <div className="px-5 py-3">
            <p className="mb-3 text-xs font-medium text-slate-500">Steps</p>
            {!open ? (
              <ol className="space-y-1 text-sm text-slate-600">
                {wf.steps.map((s, i) => (
                  <li key={s.id}>
                    {i + 1}. {s.id} <span className="font-mono text-xs text-slate-400">{s.type}</span>
                  </li>
                ))}
              </ol>
            ) : detail.isPending ? (
              <LoadingState />
            ) : detail.error ? (
              <ErrorState error={detail.error} />
            ) : (
              <>
                {detail.data.error && <Notice tone="red">{detail.data.error}</Notice>}
                {detail.data.status === 'proposed' && <Notice tone="amber">{proposedHelp.run}</Notice>}
                <StepTimeline steps={detail.data.steps ?? []} executionId={detail.data.id} />
              </>
            )}
          </div>
        </div>
      </Card>
    </section>
  );
}

function TemplateCard({ t }: { t: Template }) {
  const { can } = useAuth();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: () =>
      api.post('/api/v1/workflows', {
        templateId: t.id,
        variables: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, v.trim()])),
      }),
    onSuccess: () => {
      setOpen(false);
      qc.invalidateQueries({ queryKey: ['workflows'] });
    },
  });
  const schema = t.variablesSchema ?? schemaOf(t.variables);
  const vars = Object.keys(schema.properties ?? {});
  return (
    <li className="flex flex-col rounded-lg border border-slate-200 p-4">
      <p className="text-sm font-medium">{t.name}</p>
      <p className="mt-1 flex-1 text-xs text-slate-500">{t.description}</p>
      {open ? (
        <form
          className="mt-3 space-y-2"
          aria-label={`Create from ${t.name}`}
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <SchemaFields
            schema={schema}
            values={values}
            onChange={(k, v) => setValues((x) => ({ ...x, [k]: v }))}
          />
          {create.error && <ApiErrorNotice error={create.error} />}
          <div className="flex gap-2">
            <Button type="submit" size="sm" variant="primary" loading={create.isPending}>
              Create workflow
            </Button>
            <Button size="sm" variant="ghost" onClick={() => setOpen(false)}>
              Cancel
            </Button>
          </div>
        </form>
      ) : (
        <div className="mt-3 flex items-center justify-between">
          <span className="text-xs text-slate-400">{t.definition.steps.length} steps</span>
          {can('agents:manage') && (
            <Button
              size="sm"
              onClick={() => (vars.length ? setOpen(true) : create.mutate())}
              loading={create.isPending}
            >
              Use template
            </Button>
          )}
        </div>
      )}
      {!open && create.error && (
        <div className="mt-2">
          <ApiErrorNotice error={create.error} />
        </div>
      )}
    </li>
  );
}

export function WorkflowsPage() {
  const list = useQuery({
    queryKey: ['workflows'],
    queryFn: () => api.getAll<Workflow>('/api/v1/workflows'),
  });
  const templates = useQuery({
    queryKey: ['wf-templates'],
    queryFn: () => api.get<{ items: Template[] } | Template[]>('/api/v1/workflows/templates'),
  });
  const tpl = Array.isArray(templates.data) ? templates.data : (templates.data?.items ?? []);
  return (
    <>
      <PageHeader
        title="Workflows"
        description="Multi-step automations: triggers, agents, conditions, approvals and notifications"
      />
      <div className="space-y-6">
        {list.isPending ? (
          <Card>
            <LoadingState rows={4} />
          </Card>
        ) : list.error ? (
          <ErrorState error={list.error} />
        ) : list.data.items.length === 0 ? (
          <Card>
            <EmptyState title="No workflows yet">Start from a template below.</EmptyState>
          </Card>
        ) : (
          list.data.items.map((wf) => (
            <Runs key={wf.id} wf={wf} template={tpl.find((t) => t.id === wf.templateId)} />
          ))
        )}
        <Card>
          <CardHeader title="Templates" description="Built-in starting points" />
          {templates.isPending ? (
            <LoadingState />
          ) : templates.error ? (
            <ErrorState error={templates.error} />
          ) : (
            <ul className="grid gap-3 p-4 sm:grid-cols-2 xl:grid-cols-3">
              {tpl.map((t) => (
                <TemplateCard key={t.id} t={t} />
              ))}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}

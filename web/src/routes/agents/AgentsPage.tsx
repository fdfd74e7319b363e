/**
 * Agents: pick one, give it its input (a client scope, or the raw JSON its input schema accepts), run
 * it and read its output and every step it took. Runs longer than the inline wait are polled.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router';
import { Icon } from '../../components/icons.tsx';
import { ClientPicker, labelOf, type PropSchema, SchemaFields } from '../../components/SchemaFields.tsx';
import {
  Badge,
  Button,
  Card,
  CardHeader,
  cx,
  EmptyState,
  ErrorState,
  Field,
  Input,
  LoadingState,
  PageHeader,
  StatusBadge,
} from '../../components/ui.tsx';
import { api, type Page } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';
import { dateTime, money } from '../../lib/format.ts';
import { useClients } from '../../lib/hooks.ts';
import type { Agent } from '../../lib/types.ts';
import { ApiErrorNotice } from './ApiErrorNotice.tsx';
import { RunOutput } from './RunOutput.tsx';

interface AgentDetail extends Agent {
  definition: {
    instructions: string;
    tools: Array<{ name: string; description: string }>;
    inputSchema: {
      properties?: Record<string, PropSchema>;
      required?: string[];
    };
    engines: string[];
  } | null;
}

export interface Execution {
  id: string;
  status: string;
  engine: string;
  trigger: string;
  input: unknown;
  output: unknown;
  error?: { code: string; message: string } | null;
  stepCount: number;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
  durationMs: number | null;
  createdAt: string;
  finishedAt: string | null;
  steps?: Array<{
    seq: number;
    type: string;
    toolName: string | null;
    durationMs: number;
    error: unknown;
    output: unknown;
  }>;
}

const finished = (s: string) => !['queued', 'running'].includes(s);

/**
 * Required text inputs besides the client (the workflow agent's goal): each gets its own field,
 * started from the schema's first example so the default run is a valid one.
 */
function requiredTextFields(
  agent: AgentDetail,
): Array<{ key: string; description?: string; example: string }> {
  const schema = agent.definition?.inputSchema;
  return (schema?.required ?? [])
    .filter((k) => k !== 'clientId' && schema?.properties?.[k]?.type === 'string')
    .map((key) => {
      const p = schema?.properties?.[key];
      const example = p?.examples?.find((x): x is string => typeof x === 'string') ?? '';
      return { key, description: p?.description, example };
    });
}

function RunPanel({ agent }: { agent: AgentDetail }) {
  const { can } = useAuth();
  const qc = useQueryClient();
  const clients = useClients();
  const props = agent.definition?.inputSchema.properties ?? {};
  const required = new Set(agent.definition?.inputSchema.required ?? []);
  // An agent that works on one client (client management) has no "whole organization" run: the
  // first client is picked until another is chosen.
  const clientRequired = required.has('clientId');
  const [chosenClient, setClientId] = useState('');
  const clientId = chosenClient || (clientRequired ? (clients.data?.items[0]?.id ?? '') : '');
  const textFields = requiredTextFields(agent);
  const [texts, setTexts] = useState<Record<string, string>>(() =>
    Object.fromEntries(textFields.map((f) => [f.key, f.example])),
  );
  // An optional campaign the agent can narrow to (analytics, creative review): picked by name.
  const campaignField = 'campaignId' in props ? ['campaignId'] : [];
  const [campaignId, setCampaignId] = useState('');
  const [json, setJson] = useState('{}');
  const [jsonError, setJsonError] = useState<string | null>(null);
  const [current, setCurrent] = useState<Execution | null>(null);

  const runs = useQuery({
    queryKey: ['agent-runs', agent.id],
    queryFn: () => api.get<Page<Execution>>(`/api/v1/agents/${agent.id}/runs`, { limit: 10 }),
  });
  // Poll a run that was still going when the request returned (202).
  const poll = useQuery({
    queryKey: ['execution', current?.id],
    enabled: !!current && !finished(current.status),
    refetchInterval: 1500,
    queryFn: () => api.get<Execution>(`/api/v1/agents/executions/${current?.id}`),
  });
  useEffect(() => {
    if (poll.data) setCurrent(poll.data);
  }, [poll.data]);

  const run = useMutation({
    mutationFn: (input: Record<string, unknown>) =>
      api.post<Execution>(`/api/v1/agents/${agent.id}/runs`, { input, wait: true }),
    onSuccess: (e) => {
      setCurrent(e);
      qc.invalidateQueries({ queryKey: ['agent-runs', agent.id] });
    },
  });

  function start() {
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(json || '{}') as Record<string, unknown>;
      setJsonError(null);
    } catch {
      setJsonError('The input is not valid JSON');
      return;
    }
    if (clientId && 'clientId' in props) input = { ...input, clientId };
    if (campaignId && campaignField.length) input = { ...input, campaignId };
    for (const f of textFields) if (texts[f.key]?.trim()) input = { ...input, [f.key]: texts[f.key]?.trim() };
    run.mutate(input);
  }

  if (!agent.definition)
    return (
      <Card>
        <EmptyState title={`${agent.name} cannot run on this server yet`}>
          This agent has no definition in this version.
        </EmptyState>
      </Card>
    );
  const canRun = can('agents:run') && agent.enabled;
  return (
    <div className="space-y-6">
      <Card>
        <CardHeader
          title={agent.name}
          description={`${agent.definition.tools.length} tools · engines: ${agent.definition.engines.join(', ')}`}
          actions={
            <Badge tone={agent.enabled ? 'green' : 'gray'}>{agent.enabled ? 'enabled' : 'disabled'}</Badge>
          }
        />
        <div className="space-y-4 px-5 py-4">
          <p className="text-sm text-slate-600">{agent.definition.instructions}</p>
          <div className="flex flex-wrap gap-1.5">
            {agent.definition.tools.map((t) => (
              <span
                key={t.name}
                title={t.description}
                className="rounded bg-slate-100 px-2 py-0.5 font-mono text-xs text-slate-600"
              >
                {t.name}
              </span>
            ))}
          </div>
          {canRun ? (
            <form
              className="grid gap-4 border-t border-slate-100 pt-4 md:grid-cols-2"
              onSubmit={(e) => {
                e.preventDefault();
                start();
              }}
            >
              {'clientId' in props && (
                <Field
                  label="Client"
                  hint={
                    props.clientId?.description ??
                    (clientRequired ? 'This agent works on one client' : undefined)
                  }
                >
                  <ClientPicker
                    value={clientId}
                    onChange={setClientId}
                    aria-label="Client for this run"
                    required={clientRequired}
                    noneLabel={clientRequired ? undefined : 'Whole organization'}
                  />
                </Field>
              )}
              <SchemaFields
                schema={{ properties: props }}
                only={campaignField}
                values={{ campaignId }}
                onChange={(_k, v) => setCampaignId(v)}
              />
              {textFields.map((f) => (
                <Field key={f.key} label={labelOf(f.key, props[f.key])} hint={f.description}>
                  <Input
                    required
                    value={texts[f.key] ?? ''}
                    onChange={(e) => setTexts({ ...texts, [f.key]: e.target.value })}
                  />
                </Field>
              ))}
              <Field
                label="Input (JSON)"
                hint={`Fields: ${
                  Object.keys(props)
                    .map((k) => (required.has(k) ? `${k} (required)` : k))
                    .join(', ') || 'none'
                }`}
              >
                <textarea
                  value={json}
                  onChange={(e) => setJson(e.target.value)}
                  rows={3}
                  spellCheck={false}
                  className="block w-full rounded-md px-3 py-2 font-mono text-xs ring-1 ring-slate-300 ring-inset focus:ring-2 focus:ring-brand-500 focus:outline-none"
                />
              </Field>
              <div className="flex items-center gap-3 md:col-span-2">
                <Button type="submit" variant="primary" loading={run.isPending}>
                  <Icon name="play" className="size-3.5" /> Run agent
                </Button>
                {jsonError && <span className="text-sm text-rose-700">{jsonError}</span>}
              </div>
            </form>
          ) : (
            <p className="text-xs text-slate-500">
              {agent.enabled ? 'Your role cannot run agents.' : 'This agent is disabled.'}
            </p>
          )}
          {run.error && <ApiErrorNotice error={run.error} />}
        </div>
      </Card>
      {current && <RunOutput execution={current} />}
      <Card>
        <CardHeader title="Recent runs" />
        {runs.isPending ? (
          <LoadingState />
        ) : runs.error ? (
          <ErrorState error={runs.error} />
        ) : runs.data.items.length === 0 ? (
          <EmptyState title="No runs yet" />
        ) : (
          <ul className="divide-y divide-slate-100">
            {runs.data.items.map((r) => (
              <li key={r.id}>
                <button
                  type="button"
                  onClick={async () =>
                    setCurrent(await api.get<Execution>(`/api/v1/agents/executions/${r.id}`))
                  }
                  className="flex w-full flex-wrap items-center gap-3 px-5 py-2.5 text-left text-sm hover:bg-slate-50"
                >
                  <StatusBadge status={r.status} />
                  <span className="text-slate-700">{dateTime(r.createdAt)}</span>
                  <span className="text-xs text-slate-500">
                    {r.trigger} · {r.stepCount} steps · {r.durationMs ?? '—'} ms ·{' '}
                    {money(r.costMicros, 'USD')}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

export function AgentsPage() {
  const [params, setParams] = useSearchParams();
  const list = useQuery({ queryKey: ['agents'], queryFn: () => api.get<Page<Agent>>('/api/v1/agents') });
  const selected = params.get('agent') ?? list.data?.items[0]?.id ?? '';
  const detail = useQuery({
    queryKey: ['agent', selected],
    enabled: !!selected,
    queryFn: () => api.get<AgentDetail>(`/api/v1/agents/${selected}`),
  });
  return (
    <>
      <PageHeader
        title="Agents"
        description="Run an agent on your data and read what it found; its changes become proposals"
      />
      {list.error ? (
        <ErrorState error={list.error} />
      ) : (
        <div className="grid gap-6 lg:grid-cols-[18rem_1fr]">
          <Card className="self-start">
            {list.isPending ? (
              <LoadingState rows={7} />
            ) : (
              <ul className="p-2" aria-label="Agents">
                {list.data.items.map((a) => (
                  <li key={a.id}>
                    <button
                      type="button"
                      aria-current={a.id === selected ? 'true' : undefined}
                      onClick={() => setParams({ agent: a.id })}
                      className={cx(
                        'flex w-full items-center justify-between gap-2 rounded-md px-3 py-2 text-left text-sm',
                        a.id === selected
                          ? 'bg-brand-50 font-medium text-brand-700'
                          : 'text-slate-700 hover:bg-slate-50',
                      )}
                    >
                      <span className="truncate">{a.name}</span>
                      <span
                        className={cx(
                          'size-2 shrink-0 rounded-full',
                          a.enabled ? 'bg-emerald-500' : 'bg-slate-300',
                        )}
                        title={a.enabled ? 'enabled' : 'disabled'}
                      />
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <div>
            {detail.isPending ? (
              <Card>
                <LoadingState rows={6} />
              </Card>
            ) : detail.error ? (
              <ErrorState error={detail.error} />
            ) : (
              <RunPanel key={detail.data.id} agent={detail.data} />
            )}
          </div>
        </div>
      )}
    </>
  );
}

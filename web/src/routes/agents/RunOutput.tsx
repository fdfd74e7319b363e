/** One agent run: status, cost, the output (summary first) and the step timeline. */
import { Card, CardHeader, Notice, StatusBadge } from '../../components/ui.tsx';
import { money, num } from '../../lib/format.ts';
import type { Execution } from './AgentsPage.tsx';

function summaryOf(output: unknown): string | null {
  if (output && typeof output === 'object' && 'summary' in output) {
    const s = (output as { summary: unknown }).summary;
    if (typeof s === 'string') return s;
    if (s && typeof s === 'object')
      return Object.entries(s)
        .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join(' · ');
  }
  return null;
}

export function RunOutput({ execution: e }: { execution: Execution }) {
  const summary = summaryOf(e.output);
  const items =
    e.output && typeof e.output === 'object' && Array.isArray((e.output as { items?: unknown }).items)
      ? (e.output as { items: unknown[] }).items.length
      : null;
  return (
    <Card>
      <CardHeader
        title="Run output"
        description={`${e.engine} engine · ${e.stepCount} steps · ${num(e.inputTokens + e.outputTokens)} tokens · ${money(e.costMicros, 'USD')} · ${e.durationMs ?? '…'} ms`}
        actions={<StatusBadge status={e.status} />}
      />
      <div className="space-y-4 px-5 py-4" data-testid="agent-output" data-status={e.status}>
        {e.status === 'running' || e.status === 'queued' ? (
          <Notice>The agent is still working; this updates on its own.</Notice>
        ) : null}
        {e.error && <Notice tone="red">{e.error.message}</Notice>}
        {summary && <p className="text-sm font-medium text-slate-800">{summary}</p>}
        {items !== null && <p className="text-xs text-slate-500">{items} items in the output</p>}
        {e.output !== null && e.output !== undefined && (
          <details open={!summary} className="group">
            <summary className="cursor-pointer text-xs font-medium text-brand-700">Full output</summary>
            <pre className="mt-2 max-h-96 overflow-auto rounded-lg bg-slate-950 p-3 text-xs leading-relaxed text-slate-100">
              {JSON.stringify(e.output, null, 2)}
            </pre>
          </details>
        )}
        {e.steps && e.steps.length > 0 && (
          <div>
            <p className="mb-2 text-xs font-medium text-slate-500">Steps</p>
            <ol className="relative space-y-2 border-l border-slate-200 pl-4">
              {e.steps.map((s) => (
                <li key={s.seq} className="text-sm">
                  <span
                    className={`absolute -left-[5px] mt-1.5 size-2.5 rounded-full ${s.error ? 'bg-rose-500' : 'bg-brand-500'}`}
                  />
                  <span className="font-mono text-xs text-slate-700">
                    {s.type === 'tool_call' ? s.toolName : 'model turn'}
                  </span>
                  <span className="ml-2 text-xs text-slate-400">{s.durationMs} ms</span>
                </li>
              ))}
            </ol>
          </div>
        )}
      </div>
    </Card>
  );
}

/**
 * Pause, enable or change a budget. Nothing is written to a platform directly: the change is proposed
 * through the actions API, and the guardrails apply it, send it to approval, or block it.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { Button, Field, Input, Notice } from '../../components/ui.tsx';
import { actionsPath, api } from '../../lib/api.ts';
import type { Proposal } from '../../lib/types.ts';

type Target = { campaignId: string } | { adId: string } | { adGroupId: string };

export function ProposalOutcome({ p }: { p: Proposal }) {
  if (p.status === 'applied')
    return (
      <Notice tone="green">
        Applied. The change is recorded in the audit log and can be reverted from Approvals.
      </Notice>
    );
  if (p.status === 'pending_approval')
    return (
      <Notice tone="amber">
        Sent for approval (
        {p.checks.find((c) => c.outcome === 'needs_approval')?.message ?? 'guardrail policy'}).{' '}
        <Link to="/approvals" className="font-medium underline">
          Open approvals
        </Link>
      </Notice>
    );
  if (p.status === 'blocked')
    return (
      <Notice tone="red">
        Blocked by guardrails:{' '}
        {p.checks
          .filter((c) => c.outcome === 'blocked')
          .map((c) => c.message)
          .join('; ') || 'policy'}
      </Notice>
    );
  if (p.status === 'unknown')
    return (
      <Notice tone="amber">
        Outcome unknown: Omnify could not confirm on the platform whether this change landed — check it there.{' '}
        {p.error}
      </Notice>
    );
  return <Notice>Status: {p.status.replace(/_/g, ' ')}</Notice>;
}

export function ProposeChange({
  target,
  status,
  budget,
  currency,
}: {
  target: Target;
  status: string;
  budget?: number | null;
  currency?: string;
}) {
  const qc = useQueryClient();
  const [amount, setAmount] = useState(budget ? String(budget / 1_000_000) : '');
  const [result, setResult] = useState<Proposal | null>(null);
  const propose = useMutation({
    mutationFn: async (body: Record<string, unknown>) => {
      const base = await actionsPath();
      const r = await api.post<{ proposal: Proposal }>(base, { ...target, ...body });
      return r.proposal;
    },
    onSuccess: (p) => {
      setResult(p);
      qc.invalidateQueries();
    },
  });
  const paused = status === 'paused';
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end gap-2">
        <Button
          variant={paused ? 'primary' : 'danger'}
          loading={propose.isPending && propose.variables?.kind !== 'budget_change'}
          onClick={() => propose.mutate({ kind: paused ? 'enable' : 'pause', reason: 'From the dashboard' })}
        >
          {paused ? 'Enable' : 'Pause'}
        </Button>
        {budget !== undefined && (
          <form
            className="flex items-end gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              const v = Math.round(Number(amount) * 1_000_000);
              if (v > 0)
                propose.mutate({ kind: 'budget_change', dailyBudgetMicros: v, reason: 'From the dashboard' });
            }}
          >
            <Field label={`Daily budget (${currency})`}>
              <Input
                type="number"
                min="1"
                step="0.01"
                value={amount}
                onChange={(e) => setAmount(e.target.value)}
                className="w-32"
              />
            </Field>
            <Button type="submit" loading={propose.isPending && propose.variables?.kind === 'budget_change'}>
              Propose budget
            </Button>
          </form>
        )}
      </div>
      {propose.error && <Notice tone="red">{propose.error.message}</Notice>}
      {result && <ProposalOutcome p={result} />}
    </div>
  );
}

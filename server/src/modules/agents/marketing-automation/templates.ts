/** The marketing automation agent's summary, from templates. */
import { money } from '../agent-kit/period.ts';

export function marketingSummary(s: {
  currency: string | null;
  campaigns: number;
  currentDailyMicros: number;
  plannedDailyMicros: number;
  allocationNote: string | null;
  proposals: Array<{ ok: boolean; status?: string }>;
  rules: Array<{ proposed: number }> | null;
  followUps: { leads: number; proposed: number } | null;
}): string {
  const cur = s.currency ?? '';
  const parts = [
    s.allocationNote
      ? `No budget reallocation: ${s.allocationNote}.`
      : `Plan over ${s.campaigns} campaign${s.campaigns === 1 ? '' : 's'}: ${money(s.currentDailyMicros, cur)} a day now, ${money(s.plannedDailyMicros, cur)} a day planned from ORACLE's response curves.`,
  ];
  const made = s.proposals.filter((p) => p.ok);
  if (made.length) {
    const applied = made.filter((p) => p.status === 'applied').length;
    const waiting = made.filter((p) => p.status === 'pending_approval').length;
    const blocked = made.filter((p) => p.status === 'blocked').length;
    parts.push(
      `Proposed ${made.length} budget change${made.length === 1 ? '' : 's'}: ${applied} applied within guardrails, ${waiting} waiting for approval${blocked ? `, ${blocked} blocked` : ''}.`,
    );
  } else if (!s.allocationNote) parts.push('No budget change is large enough to propose.');
  const failed = s.proposals.length - made.length;
  if (failed) parts.push(`${failed} proposal${failed === 1 ? ' was' : 's were'} refused (see proposals).`);
  if (s.rules)
    parts.push(
      `Ran ${s.rules.length} rule${s.rules.length === 1 ? '' : 's'}, which proposed ${s.rules.reduce((t, r) => t + r.proposed, 0)} action(s).`,
    );
  if (s.followUps)
    parts.push(
      `${s.followUps.leads} lead${s.followUps.leads === 1 ? '' : 's'} need a follow-up; ${s.followUps.proposed} CRM follow-up${s.followUps.proposed === 1 ? '' : 's'} proposed.`,
    );
  return parts.join(' ');
}

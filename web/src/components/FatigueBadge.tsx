/**
 * Creative fatigue class as a badge, named as the API and docs name it (healthy, early warning,
 * fatigued, dead; insufficient_data reads "Too new"), with the class, why (the server's sentence) and
 * the refresh date in its title.
 */
import { date } from '../lib/format.ts';
import type { Fatigue } from '../lib/types.ts';
import { Badge, type Tone } from './ui.tsx';

const classes: Record<string, { label: string; tone: Tone }> = {
  healthy: { label: 'Healthy', tone: 'green' },
  early_warning: { label: 'Early warning', tone: 'amber' },
  fatigued: { label: 'Fatigued', tone: 'red' },
  dead: { label: 'Dead', tone: 'gray' },
  insufficient_data: { label: 'Too new', tone: 'gray' },
};

export function FatigueBadge({ f }: { f: Fatigue | undefined }) {
  if (!f) return <span className="text-xs text-slate-400">—</span>;
  const c = classes[f.class] ?? { label: f.class.replace(/_/g, ' '), tone: 'gray' as Tone };
  return (
    <Badge tone={c.tone} title={`Class ${f.class}: ${f.reason} · refresh by ${date(f.refreshBy)}`}>
      {c.label}
    </Badge>
  );
}

/** One ad: creative preview, fatigue (probabilities, risk factors, refresh date), daily chart. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { DailyChartCard } from '../../components/DailyChartCard.tsx';
import { FatigueBadge } from '../../components/FatigueBadge.tsx';
import { MetricTiles } from '../../components/MetricTiles.tsx';
import { Card, CardHeader, ErrorState, LoadingState, PageHeader, StatusBadge } from '../../components/ui.tsx';
import { api } from '../../lib/api.ts';
import { useAuth } from '../../lib/auth.tsx';
import { date, pct, platformName } from '../../lib/format.ts';
import { useMetrics } from '../../lib/hooks.ts';
import type { Ad, Fatigue } from '../../lib/types.ts';
import { ProposeChange } from './ProposeChange.tsx';

function CreativePreview({ ad }: { ad: Ad }) {
  const [broken, setBroken] = useState(false);
  const c = ad.creative;
  const showImage = c.mediaUrl && !broken && (c.format === 'image' || c.format === 'carousel');
  return (
    <figure
      className="overflow-hidden rounded-lg border border-slate-200 bg-white"
      aria-label="Creative preview"
    >
      <div className="flex items-center gap-2 px-3 py-2">
        <span className="grid size-7 place-items-center rounded-full bg-slate-200 text-[10px] font-semibold text-slate-600">
          Ad
        </span>
        <div className="text-xs">
          <p className="font-medium text-slate-800">{platformName(ad.platform)}</p>
          <p className="text-slate-500">Sponsored</p>
        </div>
      </div>
      {c.format !== 'text' && (
        <div className="relative aspect-[1.91/1] bg-gradient-to-br from-brand-100 via-sky-50 to-slate-100">
          {showImage ? (
            <img
              src={c.mediaUrl ?? ''}
              alt={c.headline ?? 'Creative'}
              className="size-full object-cover"
              onError={() => setBroken(true)}
            />
          ) : (
            <div className="absolute inset-0 grid place-items-center text-center">
              <div>
                <p className="text-xs font-semibold tracking-wider text-brand-700/70 uppercase">{c.format}</p>
                <p className="mt-1 px-6 text-sm font-semibold text-slate-700">{c.headline}</p>
              </div>
            </div>
          )}
        </div>
      )}
      <figcaption className="space-y-1 px-3 py-3">
        <p className="text-sm font-semibold text-slate-900">{c.headline ?? ad.name}</p>
        {c.body && <p className="text-sm text-slate-600">{c.body}</p>}
        <div className="flex items-center justify-between gap-2 pt-1">
          <span className="truncate text-xs text-slate-400" title={c.landingUrl ?? undefined}>
            {c.landingUrl ?? ''}
          </span>
          {c.callToAction && (
            <span className="rounded bg-slate-100 px-2 py-1 text-xs font-medium whitespace-nowrap text-slate-700 capitalize">
              {c.callToAction.replace(/_/g, ' ').toLowerCase()}
            </span>
          )}
        </div>
      </figcaption>
    </figure>
  );
}

export function AdPage() {
  const { id = '' } = useParams();
  const { can } = useAuth();
  const ad = useQuery({ queryKey: ['ad', id], queryFn: () => api.get<Ad>(`/api/v1/ads/${id}`) });
  const fatigue = useQuery({
    queryKey: ['fatigue', id],
    queryFn: () => api.get<Fatigue>(`/api/v1/oracle/fatigue/${id}`),
  });
  const totals = useMetrics({ adId: id }, 30, { compare: true });
  if (ad.error) return <ErrorState error={ad.error} />;
  const a = ad.data;
  const f = fatigue.data;
  return (
    <>
      <PageHeader
        crumbs={
          a && (
            <>
              <Link to="/campaigns" className="hover:text-slate-900 hover:underline">
                Campaigns
              </Link>{' '}
              /{' '}
              <Link to={`/campaigns/${a.campaignId}`} className="hover:text-slate-900 hover:underline">
                {a.campaignName ?? 'Campaign'}
              </Link>{' '}
              /
            </>
          )
        }
        title={a?.creative.headline ?? a?.name ?? '…'}
        description={
          a &&
          `${platformName(a.platform)} · ${a.adGroupName ?? ''} · ${a.creative.format}${
            // As on the campaign page: the metrics below are in the organization's reporting
            // currency; say so when the ad account's differs (a GBP ad shown in $).
            totals.data && totals.data.currency !== a.currency
              ? ` · account in ${a.currency}, figures below converted to ${totals.data.currency}`
              : ''
          }`
        }
        actions={
          a && (
            <>
              <FatigueBadge f={f} />
              <StatusBadge status={a.status} />
            </>
          )
        }
      />
      <MetricTiles data={totals.data} loading={totals.isPending} />
      <div className="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-3">
        <div className="space-y-6">
          <Card>
            <CardHeader title="Creative" />
            <div className="p-4">{a ? <CreativePreview ad={a} /> : <LoadingState />}</div>
          </Card>
        </div>
        <div className="space-y-6 lg:col-span-2">
          <DailyChartCard filter={{ adId: id }} label="Daily spend and conversions of this ad" />
          <Card>
            <CardHeader
              title="Creative fatigue"
              description={f ? `As of ${date(f.asOf)} · ORACLE's fatigue model` : undefined}
            />
            {fatigue.isPending ? (
              <LoadingState />
            ) : fatigue.error ? (
              <ErrorState error={fatigue.error} />
            ) : f ? (
              <div className="grid gap-6 px-5 py-4 sm:grid-cols-2">
                <dl className="grid grid-cols-2 gap-4 text-sm">
                  {f.fatiguedNow || !f.delivering ? (
                    // Fatigued already, or not delivering: there is no onset to give a chance of.
                    <div className="col-span-2" data-testid="fatigue-onset">
                      <dt className="text-xs text-slate-500">Chance fatigue starts within 7 days</dt>
                      <dd className="text-lg font-semibold">
                        {f.fatiguedNow ? 'Already fatigued' : 'Not delivering'}
                      </dd>
                    </div>
                  ) : (
                    <>
                      <div data-testid="fatigue-onset">
                        <dt className="text-xs text-slate-500">Chance fatigue starts within 7 days</dt>
                        <dd className="text-lg font-semibold tabular">{pct(f.p7, 0)}</dd>
                      </div>
                      <div>
                        <dt className="text-xs text-slate-500">Within 14 days</dt>
                        <dd className="text-lg font-semibold tabular">{pct(f.p14, 0)}</dd>
                      </div>
                    </>
                  )}
                  <div>
                    <dt className="text-xs text-slate-500">Refresh by</dt>
                    <dd className="font-medium">{date(f.refreshBy)}</dd>
                  </div>
                  <div>
                    <dt className="text-xs text-slate-500">Predicted CTR drop</dt>
                    <dd className="font-medium">{pct(f.predictedDrop, 0)}</dd>
                  </div>
                </dl>
                <div>
                  <p className="mb-2 text-xs font-medium text-slate-500">Why</p>
                  <ul className="space-y-1.5 text-sm text-slate-700">
                    <li className="text-slate-500" title={f.rule} data-testid="fatigue-reason">
                      {f.reason}
                    </li>
                    {f.riskFactors.map((r) => (
                      <li key={r.factor} title={r.detail}>
                        • {r.text}
                      </li>
                    ))}
                  </ul>
                </div>
              </div>
            ) : null}
          </Card>
          {a && can('campaigns:write') && (
            <Card>
              <CardHeader
                title="Propose a change"
                description="Goes through the guardrails; may need approval"
              />
              <div className="px-5 py-4">
                <ProposeChange target={{ adId: a.id }} status={a.status} />
              </div>
            </Card>
          )}
        </div>
      </div>
    </>
  );
}

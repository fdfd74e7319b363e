/**
 * "Nothing synced yet" as a neutral empty state, not an error: the server answers 422 `no_data` when a
 * client (or account) has no daily metrics to predict from. Any other error stays an ErrorState.
 */
import { Link } from 'react-router';
import { EmptyState, ErrorState } from '../../components/ui.tsx';
import { ApiError } from '../../lib/api.ts';

export const isNoData = (e: unknown) => e instanceof ApiError && e.code === 'no_data';

export function NoSyncedData({ name }: { name?: string }) {
  return (
    <EmptyState title={`No synced data${name ? ` for ${name}` : ''} yet`}>
      ORACLE predicts from a client's synced daily metrics, and there are none to read.{' '}
      <Link className="text-brand-700 underline" to="/connections">
        Connect its ad accounts
      </Link>{' '}
      and its forecasts, budget recommendations, fatigue and anomalies appear after the first sync.
    </EmptyState>
  );
}

/** The error of a prediction card: the empty state for `no_data`, else the error with a retry. */
export function PredictionError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return isNoData(error) ? <NoSyncedData /> : <ErrorState error={error} onRetry={onRetry} />;
}

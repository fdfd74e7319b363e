/**
 * The frame of every signed-in portal page: the agency's logo, name and colours (resolved by the
 * server: client override → agency → defaults), the client's name, navigation and sign-out. Nothing
 * of the agency dashboard appears here; a client user sees only their own client.
 */
import { useQuery } from '@tanstack/react-query';
import type { CSSProperties, ReactNode } from 'react';
import { createContext, useContext } from 'react';
import { Navigate, NavLink, Outlet, useNavigate, useParams } from 'react-router';
import { cx, ErrorState, LoadingState } from '../../components/ui.tsx';
import { ApiError } from '../../lib/api.ts';
import {
  type Branding,
  getPortalTokens,
  type Me,
  portalGet,
  portalRequest,
  setPortalTokens,
} from './portal-api.ts';

const MeContext = createContext<Me | null>(null);
export const usePortalMe = () => useContext(MeContext) as Me;

/** CSS variables every portal page paints with. */
export const brandStyle = (b: Branding): CSSProperties =>
  ({ '--portal-primary': b.primaryColor, '--portal-accent': b.accentColor }) as CSSProperties;

export function BrandMark({ branding, size = 'md' }: { branding: Branding; size?: 'md' | 'lg' }) {
  return (
    <span className="flex min-w-0 items-center gap-2.5">
      {branding.logoUrl ? (
        <img
          src={branding.logoUrl}
          alt={`${branding.agencyName} logo`}
          className={cx('w-auto max-w-40 object-contain', size === 'lg' ? 'h-10' : 'h-8')}
        />
      ) : (
        <span
          aria-hidden="true"
          className="grid size-8 place-items-center rounded-lg text-sm font-bold text-white"
          style={{ background: branding.primaryColor }}
        >
          {branding.agencyName.slice(0, 1)}
        </span>
      )}
      <span className={cx('truncate font-semibold text-slate-900', size === 'lg' ? 'text-lg' : 'text-sm')}>
        {branding.agencyName}
      </span>
    </span>
  );
}

export function PortalShell() {
  const { slug = '' } = useParams();
  const navigate = useNavigate();
  const signedIn = getPortalTokens() !== null;
  const me = useQuery({ queryKey: ['portal', 'me'], queryFn: () => portalGet<Me>('/me'), enabled: signedIn });
  if (!signedIn || (me.error instanceof ApiError && me.error.status === 401))
    return <Navigate to={`/portal/${slug}/login`} replace />;
  if (me.isLoading || !me.data)
    return (
      <div className="mx-auto max-w-md pt-24">
        {me.error ? (
          <ErrorState error={me.error} onRetry={() => me.refetch()} />
        ) : (
          <LoadingState label="Loading your portal…" />
        )}
      </div>
    );
  const data = me.data;
  // A user of another portal who edits the slug lands on their own portal.
  if (data.client.portalSlug && data.client.portalSlug !== slug)
    return <Navigate to={`/portal/${data.client.portalSlug}`} replace />;
  const signOut = async () => {
    try {
      await portalRequest('POST', '/api/v1/portal/auth/logout');
    } catch {
      // signed out locally either way
    }
    setPortalTokens(null);
    navigate(`/portal/${slug}/login`, { replace: true });
  };
  const link = ({ isActive }: { isActive: boolean }) =>
    cx(
      'rounded-md px-3 py-1.5 text-sm font-medium',
      isActive ? 'bg-(--portal-primary) text-white' : 'text-slate-600 hover:bg-slate-100',
    );
  return (
    <MeContext.Provider value={data}>
      <div className="min-h-screen bg-slate-50" style={brandStyle(data.branding)}>
        <header className="border-b border-slate-200 bg-white print:border-0">
          <div className="h-1 bg-(--portal-accent) print:hidden" />
          <div className="mx-auto flex max-w-6xl flex-wrap items-center justify-between gap-3 px-4 py-3 sm:px-6">
            <BrandMark branding={data.branding} />
            <nav aria-label="Portal" className="flex items-center gap-1 print:hidden">
              <NavLink end to={`/portal/${slug}`} className={link}>
                Dashboard
              </NavLink>
              <NavLink to={`/portal/${slug}/reports`} className={link}>
                Reports
              </NavLink>
              <button
                type="button"
                onClick={signOut}
                className="ml-2 rounded-md px-3 py-1.5 text-sm text-slate-500 hover:bg-slate-100"
              >
                Sign out
              </button>
            </nav>
          </div>
        </header>
        <main className="mx-auto max-w-6xl px-4 py-6 sm:px-6">
          <p className="mb-1 text-xs font-medium uppercase tracking-wide text-slate-500">
            {data.client.name}
          </p>
          <Outlet />
        </main>
        <footer className="mx-auto max-w-6xl px-4 pb-8 text-xs text-slate-400 sm:px-6 print:hidden">
          {data.branding.supportEmail ? (
            <>
              Questions?{' '}
              <a className="underline" href={`mailto:${data.branding.supportEmail}`}>
                {data.branding.supportEmail}
              </a>
            </>
          ) : (
            <>Reporting by {data.branding.agencyName}</>
          )}
        </footer>
      </div>
    </MeContext.Provider>
  );
}

export function PortalNotFound({ what = 'page' }: { what?: string }): ReactNode {
  const { slug = '' } = useParams();
  return (
    <div className="py-20 text-center" data-testid="portal-not-found">
      <p className="text-sm font-semibold text-(--portal-primary)">404</p>
      <h1 className="mt-2 text-2xl font-semibold">This {what} was not found</h1>
      <p className="mt-2 text-sm text-slate-500">
        The address may be mistyped, or it is not part of your portal.
      </p>
      <NavLink
        to={`/portal/${slug}`}
        className="mt-6 inline-block text-sm font-medium text-(--portal-primary) underline"
      >
        Back to the dashboard
      </NavLink>
    </div>
  );
}

/**
 * Routes. The agency dashboard lives under the Layout and needs a signed-in user; the white-label
 * client portal (web/src/routes/portal/, owned separately) registers itself: any
 * `routes/portal/routes.tsx` exporting `routes: RouteObject[]` is picked up here at build time, so
 * adding the portal needs no edit to this file.
 */
import type { ReactNode } from 'react';
import { createBrowserRouter, Navigate, type RouteObject, useLocation, useRouteError } from 'react-router';
import { Layout } from './components/Layout.tsx';
import { ErrorState, LoadingState } from './components/ui.tsx';
import { useAuth } from './lib/auth.tsx';
import { AgentsPage } from './routes/agents/AgentsPage.tsx';
import { ApprovalsPage } from './routes/approvals/ApprovalsPage.tsx';
import { AuditPage } from './routes/audit/AuditPage.tsx';
import { AdPage } from './routes/campaigns/AdPage.tsx';
import { CampaignPage } from './routes/campaigns/CampaignPage.tsx';
import { CampaignsPage } from './routes/campaigns/CampaignsPage.tsx';
import { ClientPage } from './routes/clients/ClientPage.tsx';
import { ClientsPage } from './routes/clients/ClientsPage.tsx';
import { ConnectionsPage } from './routes/connections/ConnectionsPage.tsx';
import { LedgerEntryPage } from './routes/ledger/LedgerEntryPage.tsx';
import { LedgerPage } from './routes/ledger/LedgerPage.tsx';
import {
  AcceptInvitationPage,
  ForgotPasswordPage,
  RegisterPage,
  ResetPasswordPage,
} from './routes/login/AccountPages.tsx';
import { LoginPage } from './routes/login/LoginPage.tsx';
import { OverviewPage } from './routes/overview/OverviewPage.tsx';
import { PredictionsPage } from './routes/predictions/PredictionsPage.tsx';
import { RulesPage } from './routes/rules/RulesPage.tsx';
import { SettingsPage } from './routes/settings/SettingsPage.tsx';
import { WorkflowsPage } from './routes/workflows/WorkflowsPage.tsx';
import { WriteBacksPage } from './routes/write-backs/WriteBacksPage.tsx';

function RequireAuth({ children }: { children: ReactNode }) {
  const { signedIn, loading, me } = useAuth();
  const location = useLocation();
  if (!signedIn)
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  if (loading || !me)
    return (
      <div className="mx-auto max-w-md pt-24">
        <LoadingState label="Loading your organization…" />
      </div>
    );
  return <>{children}</>;
}

function RouteError() {
  const error = useRouteError();
  return (
    <div className="mx-auto max-w-xl pt-16">
      <ErrorState error={error} />
    </div>
  );
}

function NotFound() {
  return (
    <div className="py-20 text-center">
      <p className="text-sm font-semibold text-brand-700">404</p>
      <h1 className="mt-2 text-2xl font-semibold">Page not found</h1>
      <p className="mt-2 text-sm text-slate-500">
        The address may be mistyped, or the item belongs to another organization.
      </p>
    </div>
  );
}

const extra = import.meta.glob<{ routes: RouteObject[] }>('./routes/portal/routes.tsx', { eager: true });
const extraRoutes = Object.values(extra).flatMap((m) => m.routes);

export const router = createBrowserRouter([
  { path: '/login', element: <LoginPage /> },
  { path: '/forgot-password', element: <ForgotPasswordPage /> },
  { path: '/reset-password', element: <ResetPasswordPage /> },
  { path: '/accept-invitation', element: <AcceptInvitationPage /> },
  { path: '/register', element: <RegisterPage /> },
  ...extraRoutes,
  {
    path: '/',
    element: (
      <RequireAuth>
        <Layout />
      </RequireAuth>
    ),
    errorElement: <RouteError />,
    children: [
      { index: true, element: <OverviewPage /> },
      { path: 'clients', element: <ClientsPage /> },
      { path: 'clients/:id', element: <ClientPage /> },
      { path: 'campaigns', element: <CampaignsPage /> },
      { path: 'campaigns/:id', element: <CampaignPage /> },
      { path: 'ads/:id', element: <AdPage /> },
      { path: 'predictions', element: <PredictionsPage /> },
      { path: 'agents', element: <AgentsPage /> },
      { path: 'rules', element: <RulesPage /> },
      { path: 'workflows', element: <WorkflowsPage /> },
      { path: 'approvals', element: <ApprovalsPage /> },
      { path: 'write-backs', element: <WriteBacksPage /> },
      { path: 'ledger', element: <LedgerPage /> },
      { path: 'ledger/:id', element: <LedgerEntryPage /> },
      { path: 'connections', element: <ConnectionsPage /> },
      { path: 'audit', element: <AuditPage /> },
      { path: 'settings', element: <SettingsPage /> },
      { path: 'settings/:tab', element: <SettingsPage /> },
      { path: '*', element: <NotFound /> },
    ],
  },
]);

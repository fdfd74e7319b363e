/** The white-label client portal's routes, picked up by the dashboard's router (router.tsx). */
import type { RouteObject } from 'react-router';
import { PortalCampaignPage } from './PortalCampaignPage.tsx';
import { PortalDashboard } from './PortalDashboard.tsx';
import { PortalAcceptPage, PortalLoginPage } from './PortalLogin.tsx';
import { PortalReportsPage } from './PortalReportsPage.tsx';
import { PortalNotFound, PortalShell } from './PortalShell.tsx';

export const routes: RouteObject[] = [
  { path: '/portal/:slug/login', element: <PortalLoginPage /> },
  { path: '/portal/:slug/accept', element: <PortalAcceptPage /> },
  {
    path: '/portal/:slug',
    element: <PortalShell />,
    children: [
      { index: true, element: <PortalDashboard /> },
      { path: 'campaigns/:campaignId', element: <PortalCampaignPage /> },
      { path: 'reports', element: <PortalReportsPage /> },
      { path: '*', element: <PortalNotFound /> },
    ],
  },
];

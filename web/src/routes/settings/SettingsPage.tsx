/** Settings, one tab per concern; the tab is in the URL (/settings/team) so it can be linked. */
import { useEffect, useRef } from 'react';
import { NavLink, useParams } from 'react-router';
import { cx, PageHeader } from '../../components/ui.tsx';
import { useAuth } from '../../lib/auth.tsx';
import { BillingSettings } from './BillingSettings.tsx';
import { BrandingSettings, OrganizationSettings, RetentionSettings } from './OrgSettings.tsx';
import { SecuritySettings } from './SecuritySettings.tsx';
import { ApiKeys, Invitations, TeamSettings } from './TeamSettings.tsx';

const tabs = [
  { key: 'team', label: 'Team', permission: 'members:read' },
  { key: 'security', label: 'Security' },
  { key: 'api-keys', label: 'API keys', permission: 'api_keys:read' },
  { key: 'retention', label: 'Retention', permission: 'retention:read' },
  { key: 'branding', label: 'Branding', permission: 'organization:read' },
  { key: 'organization', label: 'Organization', permission: 'organization:read' },
  { key: 'billing', label: 'Billing', permission: 'billing:read' },
] as const;

export function SettingsPage() {
  const { can } = useAuth();
  const { tab = 'team' } = useParams();
  const visible = tabs.filter((t) => !('permission' in t) || can(t.permission));
  const current = visible.find((t) => t.key === tab)?.key ?? visible[0]?.key ?? 'security';
  // On a phone the tab bar scrolls sideways: bring the open tab into view (Stripe returns people to
  // /settings/billing, the last tab, which would otherwise start off-screen).
  const bar = useRef<HTMLElement>(null);
  useEffect(() => {
    // block 'nearest': the bar is in view at the top of the page, so the page does not move up or down.
    bar.current
      ?.querySelector<HTMLElement>(`a[href$="/settings/${current}"]`)
      ?.scrollIntoView({ inline: 'center', block: 'nearest' });
  }, [current]);
  return (
    <>
      <PageHeader title="Settings" />
      <nav
        ref={bar}
        aria-label="Settings sections"
        className="mb-6 flex gap-1 overflow-x-auto border-b border-slate-200"
      >
        {visible.map((t) => (
          <NavLink
            key={t.key}
            to={`/settings/${t.key}`}
            className={cx(
              '-mb-px border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap',
              current === t.key
                ? 'border-brand-600 text-brand-700'
                : 'border-transparent text-slate-500 hover:text-slate-800',
            )}
          >
            {t.label}
          </NavLink>
        ))}
      </nav>
      <div className="space-y-6">
        {current === 'team' && (
          <>
            <TeamSettings />
            {can('invitations:read') && <Invitations />}
          </>
        )}
        {current === 'security' && <SecuritySettings />}
        {current === 'api-keys' && <ApiKeys />}
        {current === 'retention' && <RetentionSettings />}
        {current === 'branding' && <BrandingSettings />}
        {current === 'organization' && <OrganizationSettings />}
        {current === 'billing' && <BillingSettings />}
      </div>
    </>
  );
}

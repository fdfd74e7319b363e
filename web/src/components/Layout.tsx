/** The agency dashboard's frame: sidebar navigation, organization switcher and user menu. */
import { Dialog, DropdownMenu } from 'radix-ui';
import { useState } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { useAuth } from '../lib/auth.tsx';
import { Icon, type IconName, Logo } from './icons.tsx';
import { cx } from './ui.tsx';

interface NavItem {
  to: string;
  label: string;
  icon: IconName;
  permission?: string;
}

const sections: Array<{ title: string; items: NavItem[] }> = [
  {
    title: 'Performance',
    items: [
      { to: '/', label: 'Overview', icon: 'overview' },
      { to: '/clients', label: 'Clients', icon: 'clients' },
      { to: '/campaigns', label: 'Campaigns', icon: 'campaigns' },
      { to: '/predictions', label: 'Predictions', icon: 'predictions' },
    ],
  },
  {
    title: 'Automation',
    items: [
      { to: '/agents', label: 'Agents', icon: 'agents', permission: 'agents:read' },
      { to: '/rules', label: 'Rules', icon: 'rules' },
      { to: '/workflows', label: 'Workflows', icon: 'workflows' },
      { to: '/approvals', label: 'Approvals', icon: 'approvals' },
      { to: '/write-backs', label: 'Write-backs', icon: 'writeBacks' },
      { to: '/ledger', label: 'Change ledger', icon: 'ledger' },
    ],
  },
  {
    title: 'Administration',
    items: [
      { to: '/connections', label: 'Connections', icon: 'connections', permission: 'connections:read' },
      { to: '/audit', label: 'Audit log', icon: 'audit', permission: 'audit:read' },
      { to: '/settings', label: 'Settings', icon: 'settings' },
    ],
  },
];

function Nav({ onNavigate }: { onNavigate?: () => void }) {
  const { can } = useAuth();
  return (
    <nav aria-label="Main" className="flex-1 space-y-6 overflow-y-auto px-3 py-4">
      {sections.map((s) => (
        <div key={s.title}>
          <p className="px-3 pb-1.5 text-[11px] font-semibold tracking-wider text-slate-400 uppercase">
            {s.title}
          </p>
          <ul className="space-y-0.5">
            {s.items
              .filter((i) => !i.permission || can(i.permission))
              .map((i) => (
                <li key={i.to}>
                  <NavLink
                    to={i.to}
                    end={i.to === '/'}
                    onClick={onNavigate}
                    className={({ isActive }) =>
                      cx(
                        'flex items-center gap-2.5 rounded-md px-3 py-2 text-sm font-medium transition-colors',
                        isActive
                          ? 'bg-brand-50 text-brand-700'
                          : 'text-slate-600 hover:bg-slate-100 hover:text-slate-900',
                      )
                    }
                  >
                    <Icon name={i.icon} />
                    {i.label}
                  </NavLink>
                </li>
              ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}

function OrgSwitcher() {
  const { me, switchOrganization } = useAuth();
  const navigate = useNavigate();
  const current = me?.organizations.find((o) => o.id === me.organizationId);
  if (!me) return null;
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger
        className="flex w-full items-center gap-2 rounded-lg border border-slate-200 bg-white px-3 py-2 text-left text-sm shadow-xs hover:bg-slate-50"
        aria-label="Switch organization"
        data-testid="org-switcher"
      >
        <span className="grid size-6 shrink-0 place-items-center rounded bg-slate-900 text-[11px] font-semibold text-white">
          {(current?.name ?? '?').slice(0, 1)}
        </span>
        <span className="min-w-0 flex-1">
          <span className="block truncate font-medium text-slate-900" title={current?.name}>
            {current?.name ?? 'Organization'}
          </span>
          <span className="block text-xs text-slate-500 capitalize">{me.role}</span>
        </span>
        <Icon name="chevron" className="size-4 text-slate-400" />
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align="start"
          sideOffset={6}
          className="z-50 min-w-56 rounded-lg border border-slate-200 bg-white p-1 shadow-lg"
        >
          <DropdownMenu.Label className="px-2 py-1.5 text-xs text-slate-500">
            Organizations
          </DropdownMenu.Label>
          {me.organizations.map((o) => (
            <DropdownMenu.Item
              key={o.id}
              onSelect={async () => {
                if (o.id === me.organizationId) return;
                await switchOrganization(o.id);
                navigate('/');
              }}
              className="flex cursor-pointer items-center justify-between gap-3 rounded-md px-2 py-1.5 text-sm outline-none data-[highlighted]:bg-slate-100"
            >
              <span className="truncate" title={o.name}>
                {o.name}
              </span>
              <span className="text-xs text-slate-500 capitalize">
                {o.id === me.organizationId ? '✓ ' : ''}
                {o.role}
              </span>
            </DropdownMenu.Item>
          ))}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

function UserFooter() {
  const { me, logout } = useAuth();
  const navigate = useNavigate();
  return (
    <div className="flex items-center gap-2 border-t border-slate-200 px-4 py-3">
      <span className="grid size-8 shrink-0 place-items-center rounded-full bg-brand-100 text-xs font-semibold text-brand-700">
        {(me?.user?.name ?? '?')
          .split(' ')
          .map((p) => p[0])
          .join('')
          .slice(0, 2)}
      </span>
      <div className="min-w-0 flex-1">
        <p className="truncate text-sm font-medium text-slate-900" title={me?.user?.name}>
          {me?.user?.name}
        </p>
        <p className="truncate text-xs text-slate-500" title={me?.user?.email}>
          {me?.user?.email}
        </p>
      </div>
      <button
        type="button"
        aria-label="Sign out"
        title="Sign out"
        className="rounded-md p-1.5 text-slate-500 hover:bg-slate-100 hover:text-slate-900"
        onClick={async () => {
          await logout();
          navigate('/login');
        }}
      >
        <Icon name="logout" />
      </button>
    </div>
  );
}

function Sidebar({ onNavigate }: { onNavigate?: () => void }) {
  return (
    <div className="flex h-full flex-col bg-white">
      <div className="flex items-center gap-2 px-5 pt-5 pb-3">
        <Logo />
        <span className="text-base font-semibold tracking-tight">Omnify</span>
      </div>
      <div className="px-3">
        <OrgSwitcher />
      </div>
      <Nav onNavigate={onNavigate} />
      <UserFooter />
    </div>
  );
}

export function Layout() {
  const [open, setOpen] = useState(false);
  return (
    <div className="min-h-screen lg:grid lg:grid-cols-[16rem_minmax(0,1fr)]">
      <a
        href="#main"
        className="sr-only z-50 rounded bg-white px-3 py-2 focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
      >
        Skip to content
      </a>
      {/* The column carries the border and background down the whole page; the sidebar sticks. */}
      <aside className="hidden border-r border-slate-200 bg-white lg:block">
        <div className="sticky top-0 h-screen">
          <Sidebar />
        </div>
      </aside>
      <Dialog.Root open={open} onOpenChange={setOpen}>
        <header className="sticky top-0 z-30 flex items-center gap-3 border-b border-slate-200 bg-white/90 px-4 py-3 backdrop-blur lg:hidden">
          <Dialog.Trigger
            className="rounded-md p-1.5 text-slate-600 hover:bg-slate-100"
            aria-label="Open menu"
          >
            <Icon name="menu" className="size-5" />
          </Dialog.Trigger>
          <Logo className="size-6" />
          <span className="font-semibold">Omnify</span>
        </header>
        <Dialog.Portal>
          <Dialog.Overlay className="fixed inset-0 z-40 bg-slate-900/40" />
          <Dialog.Content
            className="fixed inset-y-0 left-0 z-50 w-72 max-w-[85vw] shadow-xl"
            aria-describedby={undefined}
          >
            <Dialog.Title className="sr-only">Menu</Dialog.Title>
            <Dialog.Close
              className="absolute top-4 right-3 rounded-md p-1.5 text-slate-500 hover:bg-slate-100"
              aria-label="Close menu"
            >
              <Icon name="close" className="size-5" />
            </Dialog.Close>
            <Sidebar onNavigate={() => setOpen(false)} />
          </Dialog.Content>
        </Dialog.Portal>
      </Dialog.Root>
      <main id="main" className="mx-auto w-full max-w-7xl min-w-0 px-4 py-6 sm:px-6 lg:px-8 lg:py-8">
        <Outlet />
      </main>
    </div>
  );
}

// The frame of every signed-in page: a skip link, the navigation the user's role allows,
// who is signed in, and the page itself.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { useSession } from '../session';
import { PageBoundary } from './status';

interface NavItem {
  href: string;
  label: string;
  permission: string;
}

export const navItems: NavItem[] = [
  { href: '/ui', label: 'Overview', permission: 'devices.read' },
  { href: '/ui/devices', label: 'Devices', permission: 'devices.read' },
  { href: '/ui/releases', label: 'Releases', permission: 'devices.read' },
  { href: '/ui/rollouts', label: 'Rollouts', permission: 'devices.read' },
  { href: '/ui/vulnerabilities', label: 'Vulnerabilities', permission: 'devices.read' },
  { href: '/ui/audit', label: 'Audit', permission: 'audit.read' },
  { href: '/ui/admin', label: 'Administration', permission: 'tokens.own' },
];

function roleName(role: string): string {
  return role.replace(/_/g, ' ');
}

export function Layout({ children }: { children: ComponentChildren }) {
  const s = useSession();
  const { path } = useLocation();
  const items = navItems.filter((i) => s.can(i.permission));
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/ui">
          medfw
        </a>
        <nav aria-label="Main">
          <ul>
            {items.map((i) => {
              const current = i.href === '/ui' ? path === '/ui' || path === '/' : path.startsWith(i.href);
              return (
                <li key={i.href}>
                  <a href={i.href} aria-current={current ? 'page' : undefined}>
                    {i.label}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
        <div class="who">
          <span class="who-name">
            <strong>{s.me.user.display_name || s.me.user.username}</strong>
            <span class="muted">
              {roleName(s.me.user.role)} · {s.siteName(s.me.user.site_id)}
            </span>
          </span>
          <button type="button" class="link" onClick={() => void s.signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <PageBoundary key={path}>{children}</PageBoundary>
      </main>
    </div>
  );
}

/** Sets the document title and gives the page its one h1. */
export function PageTitle({ title, children }: { title: string; children?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · medfw`;
  }, [title]);
  return (
    <div class="page-head">
      <h1>{title}</h1>
      {children ? <div class="page-actions">{children}</div> : null}
    </div>
  );
}

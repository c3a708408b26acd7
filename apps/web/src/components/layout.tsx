import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { signOut } from '../api';
import type { Session } from '../types';

const NAV = [
  { href: '/accounts', label: 'Accounts' },
  { href: '/post', label: 'Post to TikTok' },
  { href: '/posts', label: 'Posts' },
  { href: '/analytics', label: 'Analytics' },
  { href: '/fleet', label: 'Fleet' },
];

const isCurrent = (path: string, href: string) =>
  path === href ||
  (href === '/accounts' && path === '/') ||
  (href === '/posts' && path.startsWith('/posts/'));

export function Layout({ session, children }: { session: Session; children: ComponentChildren }) {
  const { path } = useLocation();
  // A screen reader hears the new page: focus moves to its heading after each navigation
  // within the page (not on the first load, where the skip link comes first).
  const navigated = useRef(false);
  useEffect(() => {
    if (!navigated.current) {
      navigated.current = true;
      return;
    }
    document.querySelector<HTMLElement>('main h1')?.focus();
  }, [path]);
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">tiktok-fleet</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <a href={item.href} aria-current={isCurrent(path, item.href) ? 'page' : undefined}>
                  {item.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            Signed in as <strong>{session.operator.username}</strong>
          </span>
          <button type="button" class="link-button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" class="page" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}

/** The page's one h1; focusable so navigation can move focus to it. */
export function PageTitle({ children }: { children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${typeof children === 'string' ? children : 'tiktok-fleet'} · tiktok-fleet`;
  }, [children]);
  return <h1 tabIndex={-1}>{children}</h1>;
}

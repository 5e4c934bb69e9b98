// Who is signed in, and what their role lets them see and do. The server decides every
// request on its own; the dashboard only hides what would be refused.
import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { api, ApiError, setCsrfToken, setSignedOutHandler, type LoginAnswer, type Me, type Site } from './api';

export interface Session {
  me: Me;
  sites: Site[];
  can: (permission: string) => boolean;
  siteName: (id: number | null | undefined) => string;
  signOut: () => Promise<void>;
}

interface SessionState {
  loading: boolean;
  session: Session | null;
  /** why the last session ended, shown on the sign-in page */
  ended: string | null;
  /** the user signed in with a password but must enrol a second factor first */
  enrolment: LoginAnswer | null;
  signedIn: (answer: LoginAnswer) => Promise<void>;
  enrolled: () => Promise<void>;
}

const Ctx = createContext<SessionState | null>(null);

export function useSessionState(): SessionState {
  const s = useContext(Ctx);
  if (!s) throw new Error('useSessionState outside SessionProvider');
  return s;
}

/** The signed-in session; only rendered inside the signed-in part of the app. */
export function useSession(): Session {
  const s = useSessionState().session;
  if (!s) throw new Error('useSession without a session');
  return s;
}

export function SessionProvider({ children }: { children: ComponentChildren }) {
  const [loading, setLoading] = useState(true);
  const [me, setMe] = useState<Me | null>(null);
  const [sites, setSites] = useState<Site[]>([]);
  const [ended, setEnded] = useState<string | null>(null);
  const [enrolment, setEnrolment] = useState<LoginAnswer | null>(null);

  const load = useCallback(async () => {
    try {
      const m = await api<Me>('GET', '/api/v1/me');
      if (m.csrf_token) setCsrfToken(m.csrf_token);
      let s: Site[] = [];
      if (m.permissions.includes('sites.read')) s = (await api<{ sites: Site[] }>('GET', '/api/v1/sites')).sites;
      setSites(s);
      setMe(m);
      setEnrolment(null);
    } catch (e) {
      setMe(null);
      // a reload during the enrolment of a second factor: the page lost its CSRF token,
      // which medfwd gives only at sign-in to such a session
      if (e instanceof ApiError && e.code === 'totp_enrolment_required') setEnded('Sign in again to finish setting up your authenticator.');
      else if (e instanceof ApiError && e.status !== 401) setEnded(e.message);
    } finally {
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    setSignedOutHandler((why) => {
      setCsrfToken(null);
      setMe(null);
      setEnded(`You were signed out: ${why}`);
    });
    void load();
    return () => setSignedOutHandler(null);
  }, [load]);

  const signedIn = useCallback(
    async (answer: LoginAnswer) => {
      setCsrfToken(answer.csrf_token);
      setEnded(null);
      if (answer.totp_enrolment_required) {
        setEnrolment(answer);
        return;
      }
      await load();
    },
    [load],
  );

  const signOut = useCallback(async () => {
    try {
      await api('DELETE', '/api/v1/session');
    } finally {
      setCsrfToken(null);
      setMe(null);
      setEnded('You signed out.');
    }
  }, []);

  const session = useMemo<Session | null>(() => {
    if (!me) return null;
    const perms = new Set(me.permissions);
    return {
      me,
      sites,
      can: (p) => perms.has(p),
      siteName: (id) => {
        if (id === null || id === undefined) return 'all sites';
        return sites.find((s) => s.id === id)?.name ?? `site ${id}`;
      },
      signOut,
    };
  }, [me, sites, signOut]);

  const state: SessionState = { loading, session, ended, enrolment, signedIn, enrolled: load };
  return <Ctx.Provider value={state}>{children}</Ctx.Provider>;
}

// Sign-in: username and password, then the authenticator code when the account has one.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type LoginAnswer } from '../api';
import { ErrorNote } from '../components/status';
import { useSessionState } from '../session';

export function SignIn() {
  const st = useSessionState();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [needCode, setNeedCode] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const codeInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Sign in · medfw';
  }, []);
  useEffect(() => {
    if (needCode) codeInput.current?.focus();
  }, [needCode]);

  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body: Record<string, string> = { username, password };
      if (needCode) body.totp_code = code.replace(/\s+/g, '');
      const a = await api<LoginAnswer>('POST', '/api/v1/session', body);
      setPassword('');
      setCode('');
      await st.signedIn(a);
    } catch (err) {
      const ae = err instanceof ApiError ? err : new ApiError(0, 'internal', String(err));
      if (ae.code === 'totp_required') {
        setNeedCode(true);
      } else {
        setError(ae);
        if (needCode) setCode('');
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="signin">
      <form class="card signin-card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <h1 id="signin-title">Sign in to medfw</h1>
        {st.ended ? (
          <p class="notice" role="status">
            {st.ended}
          </p>
        ) : null}
        <label for="username">Username</label>
        <input id="username" name="username" autocomplete="username" required value={username} disabled={needCode || busy} onInput={(e) => setUsername(e.currentTarget.value)} />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required value={password} disabled={needCode || busy} onInput={(e) => setPassword(e.currentTarget.value)} />
        {needCode ? (
          <>
            <label for="totp">Authenticator code</label>
            <p class="hint" id="totp-hint">
              Enter the 6-digit code your authenticator app shows for medfw. Each code works once.
            </p>
            <input
              id="totp"
              name="totp"
              ref={codeInput}
              inputMode="numeric"
              autocomplete="one-time-code"
              pattern="[0-9 ]*"
              maxLength={8}
              aria-describedby="totp-hint"
              aria-invalid={error?.field === 'totp_code' ? 'true' : undefined}
              value={code}
              disabled={busy}
              onInput={(e) => setCode(e.currentTarget.value)}
            />
          </>
        ) : null}
        <ErrorNote error={error} what="Cannot sign in" />
        <div class="row">
          <button type="submit" class="primary" disabled={busy || !username || !password || (needCode && !code)}>
            {busy ? 'Signing in…' : needCode ? 'Verify code' : 'Sign in'}
          </button>
          {needCode ? (
            <button
              type="button"
              onClick={() => {
                setNeedCode(false);
                setCode('');
                setPassword('');
                setError(null);
              }}
            >
              Start again
            </button>
          ) : null}
        </div>
      </form>
    </main>
  );
}

/** An account whose role needs a second factor enrols it before anything else. */
export function EnrolTotp() {
  const st = useSessionState();
  const [secret, setSecret] = useState<{ secret: string; otpauth_uri: string } | null>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = 'Set up your authenticator · medfw';
  }, []);

  async function begin() {
    setBusy(true);
    setError(null);
    try {
      setSecret(await api<{ secret: string; otpauth_uri: string }>('POST', '/api/v1/me/totp', {}));
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  }

  async function confirm(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api('POST', '/api/v1/me/totp/confirm', { code: code.replace(/\s+/g, '') });
      await st.enrolled();
    } catch (err) {
      setError(err as ApiError);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="signin">
      <div class="card signin-card">
        <h1>Set up your authenticator</h1>
        <p>Your role needs a second factor. Add medfw to an authenticator app (RFC 6238, 6 digits, 30 seconds), then enter its first code.</p>
        {!secret ? (
          <button type="button" class="primary" onClick={() => void begin()} disabled={busy}>
            Show my secret
          </button>
        ) : (
          <form onSubmit={confirm}>
            <p>
              Secret (type it into the app): <code class="secret">{secret.secret.replace(/(.{4})/g, '$1 ').trim()}</code>
            </p>
            <p class="hint">
              Or open this link on the device with the app: <a href={secret.otpauth_uri}>otpauth link</a>
            </p>
            <label for="totp-confirm">First code from the app</label>
            <input id="totp-confirm" inputMode="numeric" autocomplete="one-time-code" maxLength={8} value={code} onInput={(e) => setCode(e.currentTarget.value)} />
            <div class="row">
              <button type="submit" class="primary" disabled={busy || !code}>
                Confirm
              </button>
            </div>
          </form>
        )}
        <ErrorNote error={error} what="Cannot set up the authenticator" />
      </div>
    </main>
  );
}

// Administration: sites, people and their roles, API tokens, maintenance windows.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError, withQuery, type Site, type User } from '../api';
import { useAction, useLoad } from '../hooks';
import { dateTime } from '../format';
import { PageTitle } from '../components/layout';
import { Tabs } from '../components/nav';
import { Badge, Empty, ErrorNote, Loading } from '../components/status';
import { useSession } from '../session';

export const roles = ['admin', 'release_manager', 'clinical_engineer', 'security_officer', 'remote_support', 'auditor'];
const roleLabel = (r: string) => r.replace(/_/g, ' ');

export function Admin() {
  const s = useSession();
  const loc = useLocation();
  const tabs: [string, string, boolean][] = [
    ['users', 'Users', s.can('users.read')],
    ['tokens', 'API tokens', s.can('tokens.own')],
    ['sites', 'Sites', s.can('sites.read')],
    ['windows', 'Maintenance windows', s.can('sites.read')],
  ];
  const visible = tabs.filter(([, , ok]) => ok);
  const tab = visible.some(([k]) => k === loc.query.tab) ? loc.query.tab : visible[0]?.[0];
  return (
    <>
      <PageTitle title="Administration" />
      <Tabs label="Administration views" path="/ui/admin" items={visible.map(([k, label]) => [k, label] as const)} current={tab} />
      {tab === 'users' ? <Users /> : null}
      {tab === 'tokens' ? <Tokens /> : null}
      {tab === 'sites' ? <Sites /> : null}
      {tab === 'windows' ? <Windows /> : null}
    </>
  );
}

function Users() {
  const s = useSession();
  const list = useLoad(() => api<{ users: User[] }>('GET', '/api/v1/users'), []);
  const [form, setForm] = useState({ username: '', display_name: '', password: '', role: 'clinical_engineer', site_id: s.me.user.site_id === null ? '' : String(s.me.user.site_id), totp_required: true });
  const [made, setMade] = useState<string | null>(null);
  const create = useAction(async () => {
    const body: Record<string, unknown> = { username: form.username.trim(), password: form.password, role: form.role, totp_required: form.totp_required };
    if (form.display_name.trim()) body.display_name = form.display_name.trim();
    if (form.site_id) body.site_id = Number(form.site_id);
    const u = await api<User>('POST', '/api/v1/users', body);
    setMade(`${u.username} was created. Give them the password through another channel; they set up their authenticator at the first sign-in.`);
    setForm({ ...form, username: '', display_name: '', password: '' });
    list.reload();
  });
  return (
    <>
      <section class="card" aria-labelledby="users-title">
        <h2 id="users-title">People</h2>
        <ErrorNote error={list.error} what="Cannot list the users" />
        {list.loading && !list.data ? <Loading what="users" /> : null}
        {list.data && list.data.users.length > 0 ? (
          <div class="table-wrap" tabIndex={0}>
            <table class="table" aria-label="Users">
              <thead>
                <tr>
                  <th scope="col">Username</th>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Site</th>
                  <th scope="col">Second factor</th>
                  <th scope="col">State</th>
                  {s.can('users.write') ? (
                    <th scope="col">
                      <span class="sr-only">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {list.data.users.map((u) => (
                  <tr key={u.id}>
                    <td class="mono">{u.username}</td>
                    <td>{u.display_name}</td>
                    <td>
                      {s.can('users.write') && u.id !== s.me.user.id ? (
                        <RoleSelect user={u} onDone={list.reload} />
                      ) : (
                        roleLabel(u.role)
                      )}
                    </td>
                    <td>{u.site_id === null ? 'manufacturer-wide' : s.siteName(u.site_id)}</td>
                    <td>{u.totp_enrolled ? <Badge tone="ok">enrolled</Badge> : u.totp_required ? <Badge tone="warn">required, not enrolled</Badge> : <Badge tone="muted">none</Badge>}</td>
                    <td>{u.disabled ? <Badge tone="bad">disabled</Badge> : 'active'}</td>
                    {s.can('users.write') ? (
                      <td>
                        <UserActions user={u} self={u.id === s.me.user.id} onDone={list.reload} />
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      {s.can('users.write') ? (
        <form
          class="card form"
          aria-labelledby="new-user-title"
          onSubmit={(e) => {
            e.preventDefault();
            setMade(null);
            void create.run();
          }}
        >
          <h2 id="new-user-title">Add a person</h2>
          <div class="grid two">
            <div class="field">
              <label for="nu-username">Username</label>
              <input id="nu-username" autocomplete="off" required value={form.username} onInput={(e) => setForm({ ...form, username: e.currentTarget.value })} aria-invalid={create.error?.field === 'username' ? 'true' : undefined} />
            </div>
            <div class="field">
              <label for="nu-name">Display name</label>
              <input id="nu-name" value={form.display_name} onInput={(e) => setForm({ ...form, display_name: e.currentTarget.value })} />
            </div>
            <div class="field">
              <label for="nu-password">Initial password</label>
              <input id="nu-password" type="password" autocomplete="new-password" required value={form.password} onInput={(e) => setForm({ ...form, password: e.currentTarget.value })} aria-invalid={create.error?.field === 'password' ? 'true' : undefined} />
            </div>
            <div class="field">
              <label for="nu-role">Role</label>
              <select id="nu-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.currentTarget.value })}>
                {roles.map((r) => (
                  <option key={r} value={r}>
                    {roleLabel(r)}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="nu-site">Site</label>
              <select id="nu-site" value={form.site_id} disabled={s.me.user.site_id !== null} onChange={(e) => setForm({ ...form, site_id: e.currentTarget.value })}>
                {s.me.user.site_id === null ? <option value="">Manufacturer-wide (every site)</option> : null}
                {s.sites.map((x) => (
                  <option key={x.id} value={String(x.id)}>
                    {x.name}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label class="check">
                <input type="checkbox" checked={form.totp_required} onChange={(e) => setForm({ ...form, totp_required: e.currentTarget.checked })} /> Requires an authenticator (TOTP)
              </label>
            </div>
          </div>
          <ErrorNote error={create.error} what="The person was not added" />
          {made ? (
            <p class="notice" role="status">
              {made}
            </p>
          ) : null}
          <div class="row">
            <button type="submit" class="primary" disabled={create.running || !form.username || !form.password}>
              Add
            </button>
          </div>
        </form>
      ) : null}
    </>
  );
}

function RoleSelect({ user, onDone }: { user: User; onDone: () => void }) {
  const change = useAction(async (role: string) => {
    await api('PATCH', `/api/v1/users/${user.id}`, { role });
    onDone();
  });
  return (
    <>
      <select aria-label={`Role of ${user.username}`} value={user.role} disabled={change.running} onChange={(e) => void change.run(e.currentTarget.value)}>
        {roles.map((r) => (
          <option key={r} value={r}>
            {roleLabel(r)}
          </option>
        ))}
      </select>
      <ErrorNote error={change.error} what="Role not changed" />
    </>
  );
}

function UserActions({ user, self, onDone }: { user: User; self: boolean; onDone: () => void }) {
  const toggle = useAction(async () => {
    await api('PATCH', `/api/v1/users/${user.id}`, { disabled: !user.disabled });
    onDone();
  });
  const reset = useAction(async () => {
    await api('POST', `/api/v1/users/${user.id}/totp-reset`, {});
    onDone();
  });
  return (
    <div class="action">
      <div class="row tight">
        <button type="button" class={user.disabled ? '' : 'danger'} disabled={toggle.running} onClick={() => void toggle.run()} aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.username}`}>
          {user.disabled ? 'Enable' : 'Disable'}
        </button>
        {user.totp_enrolled && !self ? (
          <button type="button" disabled={reset.running} onClick={() => void reset.run()} aria-label={`Reset authenticator of ${user.username}`}>
            Reset authenticator
          </button>
        ) : null}
      </div>
      <ErrorNote error={toggle.error} what="Not changed" />
      <ErrorNote error={reset.error} what="Authenticator not reset" />
    </div>
  );
}

interface Token {
  id: number;
  name: string;
  state: 'active' | 'expired' | 'revoked';
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}

function Tokens() {
  const list = useLoad(() => api<{ tokens: Token[] }>('GET', '/api/v1/tokens', undefined, { limit: 100 }), []);
  const revoke = useAction(async (id: number) => {
    await api('DELETE', `/api/v1/tokens/${id}`);
    list.reload();
  });
  return (
    <>
      <section class="card" aria-labelledby="tokens-title">
        <h2 id="tokens-title">Your API tokens</h2>
        <ErrorNote error={list.error} what="Cannot list your tokens" />
        <ErrorNote error={revoke.error} what="Not revoked" />
        {list.data && list.data.tokens.length === 0 ? <Empty title="You have no API token." /> : null}
        {list.data && list.data.tokens.length > 0 ? (
          <div class="table-wrap" tabIndex={0}>
            <table class="table" aria-label="API tokens">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">State</th>
                  <th scope="col">Made</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span class="sr-only">Revoke</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.tokens.map((t) => (
                  <tr key={t.id}>
                    <td>{t.name}</td>
                    <td>
                      <Badge tone={t.state === 'active' ? 'ok' : 'muted'}>{t.state}</Badge>
                    </td>
                    <td>{dateTime(t.created_at)}</td>
                    <td>{dateTime(t.expires_at)}</td>
                    <td>{dateTime(t.last_used_at)}</td>
                    <td>
                      {t.state === 'active' ? (
                        <button type="button" class="danger" disabled={revoke.running} onClick={() => void revoke.run(t.id)} aria-label={`Revoke the token ${t.name}`}>
                          Revoke
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      <NewToken onMade={list.reload} />
    </>
  );
}

function NewToken({ onMade }: { onMade: () => void }) {
  const [name, setName] = useState('');
  const [days, setDays] = useState('90');
  const [secret, setSecret] = useState<string | null>(null);
  const create = useAction(async () => {
    const body: Record<string, unknown> = { name: name.trim() };
    if (days) body.expires_in_days = Number(days);
    const t = await api<{ token: string }>('POST', '/api/v1/tokens', body);
    setSecret(t.token);
    setName('');
    onMade();
  });
  return (
    <form
      class="card form"
      aria-labelledby="tok-title"
      onSubmit={(e) => {
        e.preventDefault();
        setSecret(null);
        void create.run();
      }}
    >
      <h2 id="tok-title">New API token</h2>
      <p class="muted">A token acts as you, with your role and site, for scripts and the medfw command line (Authorization: Bearer). It is shown once.</p>
      <div class="grid two">
        <div class="field">
          <label for="tok-name">Name</label>
          <input id="tok-name" required maxLength={64} value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="inventory export script" />
        </div>
        <div class="field">
          <label for="tok-days">Expires after (days)</label>
          <input id="tok-days" type="number" min={1} max={365} value={days} onInput={(e) => setDays(e.currentTarget.value)} />
        </div>
      </div>
      <ErrorNote error={create.error} what="No token was made" />
      {secret ? (
        <div class="notice" role="status">
          <p>Copy the token now: medfw keeps only its hash and cannot show it again.</p>
          <code class="secret" aria-label="The new API token">
            {secret}
          </code>
        </div>
      ) : null}
      <div class="row">
        <button type="submit" class="primary" disabled={create.running || !name.trim()}>
          Make a token
        </button>
      </div>
    </form>
  );
}

function Sites() {
  const s = useSession();
  const [name, setName] = useState('');
  const [tz, setTz] = useState('UTC');
  const [sites, setSites] = useState<Site[]>(s.sites);
  const create = useAction(async () => {
    const made = await api<Site>('POST', '/api/v1/sites', { name: name.trim(), time_zone: tz.trim() });
    setSites([...sites, made]);
    setName('');
  });
  return (
    <>
      <section class="card" aria-labelledby="sites-title">
        <h2 id="sites-title">Sites</h2>
        {sites.length === 0 ? <Empty title="No site yet.">A site is a hospital (a tenant): its staff see only its devices.</Empty> : null}
        {sites.length > 0 ? (
          <div class="table-wrap" tabIndex={0}>
<table class="table" aria-label="Sites">
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col">Time zone</th>
                <th scope="col">Devices</th>
              </tr>
            </thead>
            <tbody>
              {sites.map((x) => (
                <tr key={x.id}>
                  <td>{x.name}</td>
                  <td>{x.time_zone}</td>
                  <td>
                    <a href={withQuery('/ui/devices', { site: x.id })}>devices</a> · <a href={withQuery('/ui/admin', { tab: 'windows', site: x.id })}>maintenance windows</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          </div>
        ) : null}
      </section>
      {s.can('sites.write') ? (
        <form
          class="card form"
          aria-labelledby="new-site-title"
          onSubmit={(e) => {
            e.preventDefault();
            void create.run();
          }}
        >
          <h2 id="new-site-title">Add a site</h2>
          <div class="grid two">
            <div class="field">
              <label for="ns-name">Name</label>
              <input id="ns-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
            </div>
            <div class="field">
              <label for="ns-tz">Time zone (IANA name)</label>
              <input id="ns-tz" required value={tz} onInput={(e) => setTz(e.currentTarget.value)} placeholder="Europe/Berlin" aria-invalid={create.error?.field === 'time_zone' ? 'true' : undefined} />
            </div>
          </div>
          <ErrorNote error={create.error} what="The site was not added" />
          <div class="row">
            <button type="submit" class="primary" disabled={create.running || !name.trim()}>
              Add
            </button>
          </div>
        </form>
      ) : null}
    </>
  );
}

interface Rule {
  department: string;
  days: string[];
  start: string;
  end: string;
}

interface Blackout {
  department: string;
  from: string;
  to: string;
  reason: string;
}

interface Schedule {
  site_id: number;
  time_zone: string;
  windows: Rule[];
  blackouts: Blackout[];
  next: { department: string; start: string | null; end: string | null; reason?: string }[];
}

const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

function Windows() {
  const s = useSession();
  const loc = useLocation();
  const siteId = Number(loc.query.site ?? s.me.user.site_id ?? s.sites[0]?.id ?? 0);
  const sched = useLoad(() => (siteId ? api<Schedule>('GET', `/api/v1/sites/${siteId}/maintenance-windows`) : Promise.resolve(null)), [siteId]);
  const [rules, setRules] = useState<Rule[]>([]);
  const [blackouts, setBlackouts] = useState<Blackout[]>([]);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (sched.data) {
      setRules(sched.data.windows.map((w) => ({ department: w.department ?? '', days: w.days, start: w.start, end: w.end })));
      setBlackouts(sched.data.blackouts);
    }
  }, [sched.data]);
  const save = useAction(async () => {
    const body = {
      windows: rules.map((r) => (r.department ? r : { days: r.days, start: r.start, end: r.end })),
      blackouts: blackouts.map((b) => {
        const o: Record<string, string> = { from: b.from, to: b.to };
        if (b.department) o.department = b.department;
        if (b.reason) o.reason = b.reason;
        return o;
      }),
    };
    await api('PUT', `/api/v1/sites/${siteId}/maintenance-windows`, body);
    setSaved(true);
    sched.reload();
  });
  const may = s.can('maintenance.write');
  if (!siteId) return <Empty title="No site yet.">Add a site first.</Empty>;
  const setRule = (i: number, c: Partial<Rule>) => {
    setSaved(false);
    setRules(rules.map((r, k) => (k === i ? { ...r, ...c } : r)));
  };
  return (
    <section class="card" aria-labelledby="win-title">
      <h2 id="win-title">Maintenance windows of {s.siteName(siteId)}</h2>
      {s.me.user.site_id === null ? (
        <div class="field">
          <label for="win-site">Site</label>
          <select id="win-site" value={String(siteId)} onChange={(e) => loc.route(withQuery('/ui/admin', { tab: 'windows', site: e.currentTarget.value }))}>
            {s.sites.map((x) => (
              <option key={x.id} value={String(x.id)}>
                {x.name}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <ErrorNote error={sched.error} what="Cannot read the maintenance windows" />
      {sched.data ? (
        <>
          <p class="muted">Times are local to the site ({sched.data.time_zone}). A site without a window installs nothing; a department with rules of its own uses only those.</p>
          <h3>Next windows</h3>
          <ul class="plain">
            {sched.data.next.map((n, i) => (
              <li key={i}>
                {n.department || 'Whole site'}: {n.start ? `${n.start.replace('T', ' ').replace('Z', ' UTC')} to ${(n.end ?? '').replace('T', ' ').replace('Z', ' UTC')}` : <Badge tone="bad">{n.reason ?? 'no window'}</Badge>}
              </li>
            ))}
          </ul>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void save.run();
            }}
          >
            <div class="table-wrap" tabIndex={0}>
<table class="table compact" aria-label="Weekly windows">
              <thead>
                <tr>
                  <th scope="col">Department</th>
                  <th scope="col">Days</th>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                  <th scope="col">
                    <span class="sr-only">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {rules.map((r, i) => (
                  <tr key={i}>
                    <td>
                      <input aria-label={`Window ${i + 1} department (empty: whole site)`} disabled={!may} value={r.department} onInput={(e) => setRule(i, { department: e.currentTarget.value })} />
                    </td>
                    <td>
                      <div class="checks" role="group" aria-label={`Window ${i + 1} days`}>
                        {days.map((d) => (
                          <label key={d} class="check">
                            <input type="checkbox" disabled={!may} checked={r.days.includes(d)} onChange={(e) => setRule(i, { days: e.currentTarget.checked ? [...r.days, d] : r.days.filter((x) => x !== d) })} />
                            {d}
                          </label>
                        ))}
                      </div>
                    </td>
                    <td>
                      <input aria-label={`Window ${i + 1} from`} type="time" disabled={!may} value={r.start} onInput={(e) => setRule(i, { start: e.currentTarget.value })} />
                    </td>
                    <td>
                      <input aria-label={`Window ${i + 1} to`} type="time" disabled={!may} value={r.end} onInput={(e) => setRule(i, { end: e.currentTarget.value })} />
                    </td>
                    <td>
                      {may ? (
                        <button type="button" onClick={() => setRules(rules.filter((_, k) => k !== i))} aria-label={`Remove window ${i + 1}`}>
                          Remove
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
            {rules.length === 0 ? <p class="notice">No window: devices of this site install nothing until one is added.</p> : null}
            <h3>Blackout dates</h3>
            <div class="table-wrap" tabIndex={0}>
<table class="table compact" aria-label="Blackout dates">
              <thead>
                <tr>
                  <th scope="col">Department</th>
                  <th scope="col">From</th>
                  <th scope="col">To</th>
                  <th scope="col">Reason</th>
                  <th scope="col">
                    <span class="sr-only">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {blackouts.map((b, i) => (
                  <tr key={i}>
                    <td>
                      <input aria-label={`Blackout ${i + 1} department`} disabled={!may} value={b.department} onInput={(e) => setBlackouts(blackouts.map((x, k) => (k === i ? { ...x, department: e.currentTarget.value } : x)))} />
                    </td>
                    <td>
                      <input aria-label={`Blackout ${i + 1} from`} type="date" disabled={!may} value={b.from} onInput={(e) => setBlackouts(blackouts.map((x, k) => (k === i ? { ...x, from: e.currentTarget.value } : x)))} />
                    </td>
                    <td>
                      <input aria-label={`Blackout ${i + 1} to`} type="date" disabled={!may} value={b.to} onInput={(e) => setBlackouts(blackouts.map((x, k) => (k === i ? { ...x, to: e.currentTarget.value } : x)))} />
                    </td>
                    <td>
                      <input aria-label={`Blackout ${i + 1} reason`} disabled={!may} value={b.reason} onInput={(e) => setBlackouts(blackouts.map((x, k) => (k === i ? { ...x, reason: e.currentTarget.value } : x)))} />
                    </td>
                    <td>
                      {may ? (
                        <button type="button" onClick={() => setBlackouts(blackouts.filter((_, k) => k !== i))} aria-label={`Remove blackout ${i + 1}`}>
                          Remove
                        </button>
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
            {may ? (
              <>
                <div class="row">
                  <button type="button" onClick={() => setRules([...rules, { department: '', days: ['sat', 'sun'], start: '01:00', end: '05:00' }])}>
                    Add a window
                  </button>
                  <button type="button" onClick={() => setBlackouts([...blackouts, { department: '', from: '', to: '', reason: '' }])}>
                    Add a blackout
                  </button>
                </div>
                <ErrorNote error={save.error as ApiError | null} what="The windows were not saved" />
                {saved ? (
                  <p class="notice" role="status">
                    Saved. Rollouts give their next instructions with these windows.
                  </p>
                ) : null}
                <div class="row">
                  <button type="submit" class="primary" disabled={save.running}>
                    Save the windows
                  </button>
                </div>
              </>
            ) : null}
          </form>
        </>
      ) : null}
    </section>
  );
}

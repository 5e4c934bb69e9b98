// The audit trail: every state change and sign-in, newest first, with filters; the
// chain's verification state (the server checks the stored hash chain and its signed
// checkpoints); the export an auditor verifies offline with `medfw audit verify`.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, withQuery, type User } from '../api';
import { useAction, useLoad } from '../hooks';
import { PageTitle } from '../components/layout';
import { Badge, Empty, ErrorNote, Loading } from '../components/status';
import { useSession } from '../session';

interface AuditRecord {
  seq: number;
  time: string;
  actor_type: string;
  actor_id: number;
  site_id: number | null;
  event: string;
  detail: Record<string, unknown>;
  hash: string;
}

interface AuditPage {
  records: AuditRecord[];
  next_before?: number | null;
  next_after?: number;
  more: boolean;
}

interface Verification {
  state: 'verified' | 'broken' | 'unchecked';
  records: number;
  head_seq: number;
  checkpoints: number;
  last_checkpoint: { seq: number; time: string } | null;
  unsigned_tail: number;
  first_problem: { seq: number; what: string } | null;
  verified_at: string;
}

const PAGE = 50;
const filterKeys = ['event_prefix', 'actor', 'site', 'since', 'until', 'before'] as const;

function detailText(d: Record<string, unknown>): string {
  return Object.entries(d ?? {})
    .filter(([k]) => k !== 'request_id')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('  ');
}

export function Audit() {
  const s = useSession();
  const loc = useLocation();
  const f: Record<string, string> = {};
  for (const k of filterKeys) if (loc.query[k]) f[k] = loc.query[k];
  const [form, setForm] = useState({ event_prefix: f.event_prefix ?? '', actor: f.actor ?? '', site: f.site ?? '', since: (f.since ?? '').slice(0, 10), until: (f.until ?? '').slice(0, 10) });
  useEffect(() => setForm({ event_prefix: f.event_prefix ?? '', actor: f.actor ?? '', site: f.site ?? '', since: (f.since ?? '').slice(0, 10), until: (f.until ?? '').slice(0, 10) }), [loc.url]);
  const page = useLoad(() => api<AuditPage>('GET', '/api/v1/audit', undefined, { ...f, order: 'desc', limit: PAGE }), [JSON.stringify(f)]);
  const users = useLoad(() => (s.can('users.read') ? api<{ users: User[] }>('GET', '/api/v1/users') : Promise.resolve({ users: [] as User[] })), []);
  const [verification, setVerification] = useState<Verification | null>(null);
  const verify = useAction(async () => {
    setVerification(await api<Verification>('GET', '/api/v1/audit/verification'));
  });
  useEffect(() => {
    void verify.run();
  }, []);
  const userName = (id: number) => users.data?.users.find((u) => u.id === id)?.username ?? `user ${id}`;

  function apply(e: Event) {
    e.preventDefault();
    loc.route(
      withQuery('/ui/audit', {
        event_prefix: form.event_prefix.trim(),
        actor: form.actor,
        site: form.site,
        since: form.since ? `${form.since}T00:00:00Z` : '',
        until: form.until ? `${form.until}T23:59:59Z` : '',
      }),
    );
  }

  const v = verification;
  return (
    <>
      <PageTitle title="Audit trail">
        {s.can('audit.export') ? (
          <>
            <a class="button" href="/api/v1/audit/export" download="medfw-audit.jsonl">
              Export the trail
            </a>
            <a class="button" href="/api/v1/audit/server-key" download="medfw-server-key.json">
              Server key
            </a>
          </>
        ) : null}
      </PageTitle>
      <section class="card" aria-labelledby="chain-title">
        <h2 id="chain-title">
          Chain:{' '}
          {v ? (
            <Badge tone={v.state === 'verified' ? 'ok' : v.state === 'broken' ? 'bad' : 'warn'}>{v.state}</Badge>
          ) : verify.running ? (
            'verifying…'
          ) : (
            '—'
          )}
        </h2>
        <ErrorNote error={verify.error} what="Cannot verify the chain" />
        {v ? (
          <>
            {v.first_problem ? (
              <p class="error" role="alert">
                First problem at record {v.first_problem.seq}: {v.first_problem.what}
              </p>
            ) : null}
            <p class="muted">
              {v.records.toLocaleString('en')} of {v.head_seq.toLocaleString('en')} records verified from record 1, {v.checkpoints.toLocaleString('en')} signed checkpoints
              {v.last_checkpoint ? ` (the last at record ${v.last_checkpoint.seq}, ${v.last_checkpoint.time.replace('T', ' ').replace('Z', ' UTC')})` : ''}; {v.unsigned_tail} records after the last
              checkpoint. Checked {v.verified_at.replace('T', ' ').replace('Z', ' UTC')}.
            </p>
          </>
        ) : null}
        <div class="row">
          <button type="button" onClick={() => void verify.run()} disabled={verify.running}>
            {verify.running ? 'Verifying…' : 'Verify again'}
          </button>
          {s.can('audit.export') ? <span class="hint">Verify an export on any machine: medfw audit verify medfw-audit.jsonl --server-key medfw-server-key.json</span> : null}
        </div>
      </section>
      <form class="filters" aria-label="Filter the audit trail" onSubmit={apply}>
        <div class="field">
          <label for="au-event">Event starts with</label>
          <input id="au-event" value={form.event_prefix} onInput={(e) => setForm({ ...form, event_prefix: e.currentTarget.value })} placeholder="rollout." list="au-events" aria-invalid={page.error?.field === 'event_prefix' ? 'true' : undefined} />
          <datalist id="au-events">
            {['login.', 'rollout.', 'device.', 'devices.', 'user.', 'token.', 'vex.', 'vulnerabilities.', 'repository.', 'release.', 'site.', 'maintenance_windows.'].map((x) => (
              <option key={x} value={x} />
            ))}
          </datalist>
        </div>
        {users.data && users.data.users.length > 0 ? (
          <div class="field">
            <label for="au-actor">Person</label>
            <select id="au-actor" value={form.actor} onChange={(e) => setForm({ ...form, actor: e.currentTarget.value })}>
              <option value="">Anyone</option>
              {users.data.users.map((u) => (
                <option key={u.id} value={String(u.id)}>
                  {u.username}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        {s.me.user.site_id === null && s.sites.length > 0 ? (
          <div class="field">
            <label for="au-site">Site</label>
            <select id="au-site" value={form.site} onChange={(e) => setForm({ ...form, site: e.currentTarget.value })}>
              <option value="">Any</option>
              {s.sites.map((x) => (
                <option key={x.id} value={String(x.id)}>
                  {x.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div class="field">
          <label for="au-since">From (UTC date)</label>
          <input id="au-since" type="date" value={form.since} onInput={(e) => setForm({ ...form, since: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for="au-until">To (UTC date)</label>
          <input id="au-until" type="date" value={form.until} onInput={(e) => setForm({ ...form, until: e.currentTarget.value })} />
        </div>
        <div class="field">
          <button type="submit" class="primary">
            Filter
          </button>
        </div>
      </form>
      <ErrorNote error={page.error} what="Cannot list the audit trail" />
      {page.loading && !page.data ? <Loading what="the audit trail" /> : null}
      {page.data && page.data.records.length === 0 ? <Empty title="No record matches these filters." /> : null}
      {page.data && page.data.records.length > 0 ? (
        <>
          <div class="table-wrap" tabIndex={0}>
            <table class="table" aria-label="Audit records">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Time (UTC)</th>
                  <th scope="col">Event</th>
                  <th scope="col">Who</th>
                  <th scope="col">Site</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {page.data.records.map((r) => (
                  <tr key={r.seq}>
                    <td>{r.seq}</td>
                    <td class="nowrap">{r.time.replace('T', ' ').replace('Z', '')}</td>
                    <td class="mono">{r.event}</td>
                    <td>{r.actor_type === 'user' ? userName(r.actor_id) : r.actor_type === 'system' ? 'medfwd' : `${r.actor_type} ${r.actor_id}`}</td>
                    <td>{r.site_id === null ? '—' : s.siteName(r.site_id)}</td>
                    <td class="mono small detail">{detailText(r.detail)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={!f.before} onClick={() => loc.route(withQuery('/ui/audit', { ...f, before: undefined }))}>
              Newest
            </button>
            <button type="button" disabled={!page.data.more || !page.data.next_before} onClick={() => loc.route(withQuery('/ui/audit', { ...f, before: page.data!.next_before ?? undefined }))}>
              Older
            </button>
          </nav>
        </>
      ) : null}
    </>
  );
}

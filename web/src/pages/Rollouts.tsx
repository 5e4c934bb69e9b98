// Staged rollouts: the list, one rollout's live progress per wave and why it paused,
// the two-person approval, pause / resume / cancel and rollback campaigns.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, withQuery, type ApiError } from '../api';
import { dateTime } from '../format';
import { useAction, useLoad } from '../hooks';
import { BarChart } from '../components/chart';
import { PageTitle } from '../components/layout';
import { Badge, Empty, ErrorNote, Loading, Progress } from '../components/status';
import { NoticeView, type ReleaseNotice } from './Device';
import { targetPath, type Release } from './Releases';
import { useSession } from '../session';

export interface WaveSpec {
  name: string;
  count?: number;
  percent?: number;
  success_threshold: number;
  error_threshold: number;
  soak_seconds?: number;
}

type StateCounts = Record<string, number>;

export interface Rollout {
  id: number;
  name: string;
  kind: 'update' | 'rollback';
  rollback_of: number | null;
  site_id: number | null;
  target: string;
  version: string;
  security_version: number;
  state: string;
  state_reason: string | null;
  start_at: string | null;
  created_by: number | null;
  created_at: string | null;
  approved_by: number | null;
  approved_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  current_wave: number | null;
  selector: Record<string, unknown>;
  waves: WaveSpec[];
  notice?: ReleaseNotice;
  progress?: { wave: number; name: string; success_threshold: number; error_threshold: number; soak_seconds: number; members: number; opened_at: string | null; success_at: string | null; devices: StateCounts }[];
  devices?: StateCounts;
  members?: number;
  seconds_to_50_percent?: number | null;
  seconds_to_95_percent?: number | null;
}

export const memberStates: [string, string][] = [
  ['committed', '#1e8449'],
  ['installed', '#117a65'],
  ['downloading', '#0b4f6c'],
  ['scheduled', '#5d6d7e'],
  ['deferred', '#b9770e'],
  ['pending', '#aab7b8'],
  ['failed', '#c0392b'],
  ['rolled_back', '#922b21'],
];

export function stateTone(state: string): 'ok' | 'warn' | 'bad' | 'info' | 'muted' {
  switch (state) {
    case 'completed':
      return 'ok';
    case 'running':
    case 'scheduled':
      return 'info';
    case 'awaiting_approval':
      return 'warn';
    case 'paused':
      return 'bad';
    default:
      return 'muted';
  }
}

const stateLabel = (s: string) => s.replace(/_/g, ' ');

export function Rollouts() {
  const s = useSession();
  const loc = useLocation();
  const state = loc.query.state ?? '';
  const list = useLoad(() => api<{ rollouts: Rollout[]; total: number }>('GET', '/api/v1/rollouts', undefined, { state, limit: 100 }), [state], 10);
  return (
    <>
      <PageTitle title="Rollouts">
        {s.can('rollouts.write') ? (
          <a class="button primary-link" href="/ui/rollouts/new">
            New rollout
          </a>
        ) : null}
      </PageTitle>
      <form class="filters" aria-label="Filter rollouts" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="ro-state">State</label>
          <select id="ro-state" value={state} onChange={(e) => loc.route(withQuery('/ui/rollouts', { state: e.currentTarget.value }))}>
            <option value="">Any</option>
            {['awaiting_approval', 'scheduled', 'running', 'paused', 'completed', 'cancelled'].map((k) => (
              <option key={k} value={k}>
                {stateLabel(k)}
              </option>
            ))}
          </select>
        </div>
      </form>
      <ErrorNote error={list.error} what="Cannot list the rollouts" />
      {list.loading && !list.data ? <Loading what="rollouts" /> : null}
      {list.data && list.data.rollouts.length === 0 ? (
        <Empty title={state ? 'No rollout in this state.' : 'No rollout yet.'}>
          {s.can('rollouts.write') ? <a href="/ui/rollouts/new">Start one from a signed release</a> : 'A clinical engineer or an administrator starts one from a signed release.'}
        </Empty>
      ) : null}
      {list.data && list.data.rollouts.length > 0 ? (
        <div class="table-wrap" tabIndex={0}>
          <table class="table" aria-label="Rollouts">
            <thead>
              <tr>
                <th scope="col">Rollout</th>
                <th scope="col">Release</th>
                <th scope="col">State</th>
                <th scope="col">Site</th>
                <th scope="col">Wave</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.data.rollouts.map((r) => (
                <tr key={r.id}>
                  <td>
                    <a href={`/ui/rollouts/${r.id}`}>{r.name}</a>
                    {r.kind === 'rollback' ? (
                      <>
                        {' '}
                        <Badge tone="warn">rollback of {r.rollback_of}</Badge>
                      </>
                    ) : null}
                  </td>
                  <td class="mono">{r.target}</td>
                  <td>
                    <Badge tone={stateTone(r.state)}>{stateLabel(r.state)}</Badge>
                    {r.state_reason ? <div class="muted small">{r.state_reason}</div> : null}
                  </td>
                  <td>{r.site_id === null ? 'manufacturer-wide' : s.siteName(r.site_id)}</td>
                  <td>{r.current_wave !== null ? `${r.current_wave} of ${r.waves.length}` : '—'}</td>
                  <td>{r.created_at ? r.created_at.slice(0, 16).replace('T', ' ') : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

const selectorNames: Record<string, string> = {
  sites: 'sites',
  models: 'models',
  hardware_ids: 'hardware',
  firmware_versions: 'running firmware',
  departments: 'departments',
  network_zones: 'network zones',
  tags: 'tags',
  devices: 'devices',
};

function SelectorView({ selector }: { selector: Record<string, unknown> }) {
  const s = useSession();
  const parts = Object.entries(selector ?? {}).map(([k, v]) => {
    const values = Array.isArray(v) ? v : [v];
    const text = k === 'sites' ? values.map((x) => s.siteName(Number(x))).join(', ') : values.join(', ');
    return (
      <div key={k}>
        <span class="muted">{selectorNames[k] ?? k}:</span> {text}
      </div>
    );
  });
  return parts.length ? <>{parts}</> : <span>every enrolled device in scope</span>;
}

function ActionButton({ label, onRun, danger, disabled }: { label: string; onRun: () => Promise<void>; danger?: boolean; disabled?: boolean }) {
  const a = useAction(onRun);
  return (
    <span class="action">
      <button type="button" class={danger ? 'danger' : 'primary'} disabled={disabled || a.running} onClick={() => void a.run()}>
        {a.running ? `${label}…` : label}
      </button>
      <ErrorNote error={a.error as ApiError | null} what={`${label} refused`} />
    </span>
  );
}

function RollbackCampaign({ ro }: { ro: Rollout }) {
  const loc = useLocation();
  const releases = useLoad(() => api<{ releases: Release[] }>('GET', '/api/v1/repository/releases', undefined, { limit: 200 }), []);
  const [target, setTarget] = useState('');
  const start = useAction(async () => {
    const made = await api<Rollout>('POST', `/api/v1/rollouts/${ro.id}/rollback`, { target });
    loc.route(`/ui/rollouts/${made.id}`);
  });
  const others = (releases.data?.releases ?? []).filter((r) => r.target !== ro.target);
  return (
    <section class="card" aria-labelledby="ro-rollback">
      <h2 id="ro-rollback">Rollback campaign</h2>
      <p class="muted">Sends a previous release back to this rollout's devices that committed {ro.version} and ran that release before. A second person approves it like any rollout.</p>
      <ErrorNote error={releases.error} what="Cannot list the releases" />
      <div class="row">
        <label for="rb-target">Previous release</label>
        <select id="rb-target" value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
          <option value="">Choose…</option>
          {others.map((r) => (
            <option key={r.target} value={r.target}>
              {r.product_version} — {r.target}
              {r.notice_summary.rollback_supported === false ? ' (no rollback)' : ''}
            </option>
          ))}
        </select>
        <button type="button" class="primary" disabled={!target || start.running} onClick={() => void start.run()}>
          Start rollback campaign
        </button>
      </div>
      <ErrorNote error={start.error} what="No rollback campaign" />
    </section>
  );
}

export function RolloutView({ id }: { id: string }) {
  const s = useSession();
  const r = useLoad(() => api<Rollout>('GET', `/api/v1/rollouts/${encodeURIComponent(id)}`), [id], 3);
  const ro = r.data;
  if (r.error && !ro)
    return (
      <>
        <PageTitle title="Rollout" />
        <ErrorNote error={r.error} what={`Cannot show rollout ${id}`} />
        <a href="/ui/rollouts">Back to the rollouts</a>
      </>
    );
  if (!ro) return <Loading what="the rollout" />;
  const post = (action: string, body: Record<string, unknown> = {}) => async () => {
    await api('POST', `/api/v1/rollouts/${ro.id}/${action}`, body);
    r.reload();
  };
  const progress = ro.progress ?? [];
  const committed = ro.devices?.committed ?? 0;
  const mine = ro.created_by === s.me.user.id;
  return (
    <>
      <PageTitle title={ro.name} />
      <p>
        <a href="/ui/rollouts">← Rollouts</a>
      </p>
      <ErrorNote error={r.error} what="Cannot refresh the rollout" />
      <section class="card" aria-labelledby="ro-state">
        <h2 id="ro-state">
          State: <Badge tone={stateTone(ro.state)}>{stateLabel(ro.state)}</Badge>
        </h2>
        {ro.state_reason ? (
          <p class={ro.state === 'paused' ? 'error' : 'notice'} role="status">
            {ro.state === 'paused' ? 'Why it paused: ' : ''}
            {ro.state_reason}
          </p>
        ) : null}
        <dl class="props">
          <dt>Release</dt>
          <dd>
            <a class="mono" href={`/ui/releases/${targetPath(ro.target)}`}>
              {ro.target}
            </a>{' '}
            ({ro.version}, security version {ro.security_version})
          </dd>
          <dt>Scope</dt>
          <dd>{ro.site_id === null ? 'manufacturer-wide' : s.siteName(ro.site_id)}</dd>
          <dt>Selection</dt>
          <dd>
            <SelectorView selector={ro.selector} />
          </dd>
          <dt>Created</dt>
          <dd>
            {ro.created_at ? dateTime(Date.parse(ro.created_at) / 1000) : '—'} by user {ro.created_by ?? '—'}
            {mine ? ' (you)' : ''}
          </dd>
          <dt>Approved</dt>
          <dd>{ro.approved_at ? `${dateTime(Date.parse(ro.approved_at) / 1000)} by user ${ro.approved_by}` : 'not yet: a second person must approve it'}</dd>
          <dt>Start</dt>
          <dd>{ro.start_at ? dateTime(Date.parse(ro.start_at) / 1000) : 'as soon as approved'}</dd>
        </dl>
        <div class="row actions">
          {ro.state === 'awaiting_approval' && s.can('rollouts.approve') ? (
            <>
              {/* the author sees the button too: medfwd, not the page, enforces the rule */}
              <ActionButton label="Approve" onRun={post('approve')} />
              {mine ? <p class="hint">You made this rollout: another person must approve it (two-person rule).</p> : null}
            </>
          ) : null}
          {ro.state === 'running' && s.can('rollouts.write') ? <ActionButton label="Pause" onRun={post('pause', { reason: 'paused from the dashboard' })} danger /> : null}
          {ro.state === 'paused' && s.can('rollouts.write') ? <ActionButton label="Resume" onRun={post('resume')} /> : null}
          {['awaiting_approval', 'scheduled', 'running', 'paused'].includes(ro.state) && s.can('rollouts.write') ? (
            <ActionButton label="Cancel rollout" onRun={post('cancel', { reason: 'cancelled from the dashboard' })} danger />
          ) : null}
        </div>
      </section>
      <section class="card" aria-labelledby="ro-progress">
        <h2 id="ro-progress">Progress</h2>
        {(ro.members ?? 0) === 0 ? (
          <Empty title="No device has joined yet.">Devices join when the rollout starts (after its approval and start time).</Empty>
        ) : (
          <>
            <Progress label="Committed" done={committed} total={ro.members ?? 0} />
            <BarChart
              id="chart-waves"
              title="Devices per wave by state"
              labels={progress.map((w) => `${w.wave}. ${w.name}`)}
              stacked
              horizontal
              series={memberStates.map(([k, color]) => ({ label: stateLabel(k), color, values: progress.map((w) => w.devices[k] ?? 0) }))}
            />
            <div class="table-wrap" tabIndex={0}>
              <table class="table" aria-label="Waves">
                <thead>
                  <tr>
                    <th scope="col">Wave</th>
                    <th scope="col">Devices</th>
                    <th scope="col">Committed</th>
                    <th scope="col">Failed or rolled back</th>
                    <th scope="col">Thresholds</th>
                    <th scope="col">Opened</th>
                    <th scope="col">Succeeded</th>
                  </tr>
                </thead>
                <tbody>
                  {progress.map((w) => (
                    <tr key={w.wave}>
                      <th scope="row">
                        {w.wave}. {w.name}
                      </th>
                      <td>{w.members}</td>
                      <td>{w.devices.committed ?? 0}</td>
                      <td>{(w.devices.failed ?? 0) + (w.devices.rolled_back ?? 0)}</td>
                      <td>
                        success {w.success_threshold} %, errors {w.error_threshold} %
                      </td>
                      <td>{w.opened_at ? w.opened_at.replace('T', ' ').replace('Z', ' UTC') : '—'}</td>
                      <td>{w.success_at ? w.success_at.replace('T', ' ').replace('Z', ' UTC') : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
      {ro.kind === 'update' && ['running', 'paused', 'completed', 'cancelled'].includes(ro.state) && s.can('rollouts.write') ? <RollbackCampaign ro={ro} /> : null}
      {ro.notice ? (
        <section class="card" aria-labelledby="ro-notice">
          <h2 id="ro-notice">Release notice</h2>
          <NoticeView target={ro.target} notice={ro.notice} />
        </section>
      ) : null}
    </>
  );
}

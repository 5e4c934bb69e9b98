// A new staged rollout: the release, which devices, the waves and their thresholds, the
// start; a preview of which devices fall in which wave and when their sites' windows
// open, before anything is stored. A second person approves it afterwards.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError, type FirmwareReport } from '../api';
import { useLoad } from '../hooks';
import { PageTitle } from '../components/layout';
import { Badge, Empty, ErrorNote } from '../components/status';
import { severityTone } from './findings';
import type { Release } from './Releases';
import type { Rollout, WaveSpec } from './Rollouts';
import { useSession } from '../session';

interface WaveRow {
  name: string;
  kind: 'count' | 'percent';
  amount: string;
  success: string;
  error: string;
  soakHours: string;
}

interface Preview {
  selected: number;
  excluded?: { count: number; ids?: number[] };
  waves: { name: string; devices: number; sample?: { id: number; serial: string; model: string; site_id: number; department: string; location: string; firmware_version: string }[] }[];
  windows?: { site_id: number; site_name: string; time_zone: string; department: string; devices: number; no_window: boolean; start: string | null; end: string | null; start_local: string | null; end_local: string | null; reason: string | null }[];
  warnings?: string[];
  order_note?: string;
}

const defaults: WaveRow[] = [
  { name: 'canary', kind: 'count', amount: '3', success: '100', error: '34', soakHours: '0' },
  { name: 'early', kind: 'percent', amount: '50', success: '95', error: '10', soakHours: '0' },
  { name: 'all', kind: 'percent', amount: '100', success: '95', error: '5', soakHours: '0' },
];

function list(text: string): string[] {
  return text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

export function NewRollout() {
  const s = useSession();
  const loc = useLocation();
  const releases = useLoad(() => api<{ releases: Release[] }>('GET', '/api/v1/repository/releases', undefined, { limit: 200 }), []);
  const report = useLoad(() => api<FirmwareReport>('GET', '/api/v1/reports/firmware'), []);
  const [name, setName] = useState('');
  const [target, setTarget] = useState('');
  const [sites, setSites] = useState<number[]>([]);
  const [versions, setVersions] = useState<string[]>([]);
  const [departments, setDepartments] = useState('');
  const [tags, setTags] = useState('');
  const [zones, setZones] = useState('');
  const [startAt, setStartAt] = useState('');
  const [waves, setWaves] = useState<WaveRow[]>(defaults);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState<'' | 'preview' | 'create'>('');

  const allVersions = [...new Set((report.data?.models ?? []).flatMap((m) => m.versions.map((v) => v.firmware_version)).filter(Boolean))].sort();
  const rel = releases.data?.releases.find((r) => r.target === target);

  function body(): Record<string, unknown> {
    const selector: Record<string, unknown> = {};
    if (sites.length) selector.sites = sites;
    if (versions.length) selector.firmware_versions = versions;
    if (list(departments).length) selector.departments = list(departments);
    if (list(tags).length) selector.tags = list(tags);
    if (list(zones).length) selector.network_zones = list(zones);
    const w: WaveSpec[] = waves.map((x) => {
      const o: WaveSpec = { name: x.name.trim(), success_threshold: Number(x.success), error_threshold: Number(x.error) };
      if (x.kind === 'count') o.count = Number(x.amount);
      else o.percent = Number(x.amount);
      if (Number(x.soakHours) > 0) o.soak_seconds = Math.round(Number(x.soakHours) * 3600);
      return o;
    });
    const b: Record<string, unknown> = { name: name.trim(), target, selector, waves: w };
    if (startAt) b.start_at = `${startAt}:00Z`;
    return b;
  }

  async function run(kind: 'preview' | 'create') {
    setBusy(kind);
    setError(null);
    try {
      if (kind === 'preview') setPreview(await api<Preview>('POST', '/api/v1/rollouts/preview', body()));
      else {
        const made = await api<Rollout>('POST', '/api/v1/rollouts', body());
        loc.route(`/ui/rollouts/${made.id}`);
      }
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'internal', String(e)));
    } finally {
      setBusy('');
    }
  }

  const setWave = (i: number, change: Partial<WaveRow>) => {
    setWaves(waves.map((w, k) => (k === i ? { ...w, ...change } : w)));
    setPreview(null);
  };

  return (
    <>
      <PageTitle title="New rollout" />
      <p>
        <a href="/ui/rollouts">← Rollouts</a>
      </p>
      <form
        class="card form"
        onSubmit={(e) => {
          e.preventDefault();
          void run('create');
        }}
        onInput={() => setPreview(null)}
      >
        <fieldset>
          <legend>Release</legend>
          <label for="ro-name">Name</label>
          <input id="ro-name" required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} placeholder="InfuPump 4.2.1, St. Mary's" aria-invalid={error?.field === 'name' ? 'true' : undefined} />
          <label for="ro-target">Signed release</label>
          <select id="ro-target" required value={target} onChange={(e) => setTarget(e.currentTarget.value)} aria-invalid={error?.field === 'target' ? 'true' : undefined}>
            <option value="">Choose a release…</option>
            {(releases.data?.releases ?? []).map((r) => (
              <option key={r.target} value={r.target}>
                {r.product_version} — {r.target}
              </option>
            ))}
          </select>
          <ErrorNote error={releases.error} what="Cannot list the releases" />
          {rel ? (
            <p class="hint">
              {rel.notice_summary.reason?.severity ? <Badge tone={severityTone(rel.notice_summary.reason.severity)}>{rel.notice_summary.reason.severity}</Badge> : null} {rel.notice_summary.reason?.summary} Downtime{' '}
              {rel.notice_summary.install?.downtime_minutes ?? '?'} min. {rel.notice_summary.clinical_impact}
            </p>
          ) : null}
        </fieldset>
        <fieldset>
          <legend>Devices</legend>
          {s.me.user.site_id === null && s.sites.length > 0 ? (
            <div role="group" aria-labelledby="ro-sites-label">
              <span id="ro-sites-label" class="label">
                Sites (none ticked: every site)
              </span>
              <div class="checks">
                {s.sites.map((x) => (
                  <label key={x.id} class="check">
                    <input type="checkbox" checked={sites.includes(x.id)} onChange={(e) => setSites(e.currentTarget.checked ? [...sites, x.id] : sites.filter((y) => y !== x.id))} /> {x.name}
                  </label>
                ))}
              </div>
            </div>
          ) : (
            <p class="hint">Devices of {s.siteName(s.me.user.site_id)} only.</p>
          )}
          <div role="group" aria-labelledby="ro-fw-label">
            <span id="ro-fw-label" class="label">
              Firmware versions now (none ticked: any)
            </span>
            <div class="checks">
              {allVersions.map((v) => (
                <label key={v} class="check">
                  <input type="checkbox" checked={versions.includes(v)} onChange={(e) => setVersions(e.currentTarget.checked ? [...versions, v] : versions.filter((y) => y !== v))} /> {v}
                </label>
              ))}
            </div>
          </div>
          <label for="ro-depts">Departments (comma-separated; empty: any)</label>
          <input id="ro-depts" value={departments} onInput={(e) => setDepartments(e.currentTarget.value)} placeholder="ICU, OR" />
          <label for="ro-zones">Network zones (comma-separated; empty: any)</label>
          <input id="ro-zones" value={zones} onInput={(e) => setZones(e.currentTarget.value)} />
          <label for="ro-tags">Tags (comma-separated; empty: any)</label>
          <input id="ro-tags" value={tags} onInput={(e) => setTags(e.currentTarget.value)} />
          <p class="hint">The hardware the release notice names is always required. Devices already in another unfinished rollout are left out until it ends.</p>
        </fieldset>
        <fieldset>
          <legend>Waves</legend>
          <div class="table-wrap" tabIndex={0}>
            <table class="table compact waves-edit" aria-label="Waves">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Size</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Success %</th>
                  <th scope="col">Pause at errors %</th>
                  <th scope="col">Soak (hours)</th>
                  <th scope="col">
                    <span class="sr-only">Remove</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {waves.map((w, i) => (
                  <tr key={i}>
                    <td>
                      <input aria-label={`Wave ${i + 1} name`} value={w.name} onInput={(e) => setWave(i, { name: e.currentTarget.value })} />
                    </td>
                    <td>
                      <select aria-label={`Wave ${i + 1} size`} value={w.kind} onChange={(e) => setWave(i, { kind: e.currentTarget.value as 'count' | 'percent' })}>
                        <option value="count">devices</option>
                        <option value="percent">% of all (cumulative)</option>
                      </select>
                    </td>
                    <td>
                      <input aria-label={`Wave ${i + 1} amount`} type="number" min={1} value={w.amount} onInput={(e) => setWave(i, { amount: e.currentTarget.value })} />
                    </td>
                    <td>
                      <input aria-label={`Wave ${i + 1} success threshold`} type="number" min={1} max={100} value={w.success} onInput={(e) => setWave(i, { success: e.currentTarget.value })} />
                    </td>
                    <td>
                      <input aria-label={`Wave ${i + 1} error threshold`} type="number" min={0} max={100} value={w.error} onInput={(e) => setWave(i, { error: e.currentTarget.value })} />
                    </td>
                    <td>
                      <input aria-label={`Wave ${i + 1} soak hours`} type="number" min={0} step="0.25" value={w.soakHours} onInput={(e) => setWave(i, { soakHours: e.currentTarget.value })} />
                    </td>
                    <td>
                      <button type="button" disabled={waves.length === 1} onClick={() => setWaves(waves.filter((_, k) => k !== i))} aria-label={`Remove wave ${i + 1}`}>
                        Remove
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div class="row">
            <button type="button" disabled={waves.length >= 16} onClick={() => setWaves([...waves.slice(0, -1), { name: `wave ${waves.length}`, kind: 'percent', amount: '25', success: '95', error: '10', soakHours: '0' }, waves[waves.length - 1]])}>
              Add a wave
            </button>
          </div>
          <p class="hint">The last wave takes every device left (100 %). A wave pauses the whole rollout when its failed and rolled-back devices reach the error threshold.</p>
        </fieldset>
        <fieldset>
          <legend>When</legend>
          <label for="ro-start">Not before (UTC; empty: when approved)</label>
          <input id="ro-start" type="datetime-local" value={startAt} onInput={(e) => setStartAt(e.currentTarget.value)} />
          <p class="hint">Devices install only inside their site's maintenance windows and never in clinical use.</p>
        </fieldset>
        <ErrorNote error={error} what={busy === 'preview' || (error && !busy) ? 'The rollout was not accepted' : undefined} />
        <div class="row">
          <button type="button" disabled={!!busy || !target} onClick={() => void run('preview')}>
            {busy === 'preview' ? 'Previewing…' : 'Preview the waves'}
          </button>
          <button type="submit" class="primary" disabled={!!busy || !target || !name.trim()}>
            {busy === 'create' ? 'Creating…' : 'Create rollout'}
          </button>
        </div>
      </form>
      {preview ? <PreviewView p={preview} /> : null}
    </>
  );
}

function PreviewView({ p }: { p: Preview }) {
  const s = useSession();
  return (
    <section class="card" aria-labelledby="preview-title" aria-live="polite">
      <h2 id="preview-title">Preview</h2>
      <p>
        {p.selected.toLocaleString('en')} device{p.selected === 1 ? '' : 's'} match
        {p.excluded && p.excluded.count > 0 ? `; ${p.excluded.count} are in another unfinished rollout and are left out` : ''}.
      </p>
      {(p.warnings ?? []).map((w, i) => (
        <p key={i} class="notice" role="status">
          {w}
        </p>
      ))}
      {p.order_note ? <p class="hint">{p.order_note}</p> : null}
      {p.selected === 0 ? <Empty title="No device matches this selection." /> : null}
      {p.waves.map((w, i) => (
        <details key={i} open={i === 0}>
          <summary>
            Wave {i + 1}, {w.name}: {w.devices.toLocaleString('en')} device{w.devices === 1 ? '' : 's'}
          </summary>
          {w.sample && w.sample.length > 0 ? (
            <table class="table compact" aria-label={`Devices of wave ${i + 1}`}>
              <thead>
                <tr>
                  <th scope="col">Serial</th>
                  <th scope="col">Site</th>
                  <th scope="col">Location</th>
                  <th scope="col">Firmware</th>
                </tr>
              </thead>
              <tbody>
                {w.sample.map((d) => (
                  <tr key={d.id}>
                    <td class="mono">{d.serial}</td>
                    <td>{s.siteName(d.site_id)}</td>
                    <td>{[d.department, d.location].filter(Boolean).join(' · ')}</td>
                    <td>{d.firmware_version}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {w.sample && w.devices > w.sample.length ? <p class="hint">and {(w.devices - w.sample.length).toLocaleString('en')} more</p> : null}
        </details>
      ))}
      {p.windows && p.windows.length > 0 ? (
        <>
          <h3>Maintenance windows</h3>
          <ul class="plain">
            {p.windows.map((w, i) => (
              <li key={i}>
                <strong>{w.site_name}</strong>
                {w.department ? ` · ${w.department}` : ''} ({w.devices.toLocaleString('en')} devices):{' '}
                {w.no_window ? (
                  <Badge tone="bad">{w.reason ?? 'no maintenance window: its devices will wait'}</Badge>
                ) : (
                  <>
                    next window {(w.start_local ?? '').replace('T', ' ')} to {(w.end_local ?? '').replace('T', ' ')} <span class="muted">({w.time_zone})</span>
                  </>
                )}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

// The fleet at a glance: what runs where, what is not a signed release, what is exposed
// and overdue, what is being rolled out.
import { api, type FirmwareReport } from '../api';
import { count } from '../format';
import { useLoad } from '../hooks';
import { BarChart, DoughnutChart, palette } from '../components/chart';
import { PageTitle } from '../components/layout';
import { Empty, ErrorNote, Loading } from '../components/status';
import { severities, severityTone, type Exposure } from './findings';
import { Badge } from '../components/status';
import { useSession } from '../session';

interface VulnSiteReport {
  site_id: number;
  name: string;
  devices: number;
  devices_with_sbom: number;
  exposed_devices: number;
  open: Record<string, number>;
  kev_open: number;
  overdue: number;
  exposures: Exposure[];
}

interface ModelExposure {
  model: string;
  devices: number;
  exposed_devices: number;
  overdue_devices: number;
}

interface VulnReport {
  sites: VulnSiteReport[];
  models: ModelExposure[];
}

interface Rollout {
  id: number;
  name: string;
  state: string;
  target: string;
  site_id: number | null;
  totals?: Record<string, number>;
  members?: number;
}

const activeStates = ['pending_approval', 'scheduled', 'running', 'paused'];

export function Overview() {
  const s = useSession();
  const fw = useLoad(() => api<FirmwareReport>('GET', '/api/v1/reports/firmware'), [], 60);
  const vr = useLoad(() => api<VulnReport>('GET', '/api/v1/reports/vulnerabilities'), [], 60);
  const ro = useLoad(() => api<{ rollouts: Rollout[] }>('GET', '/api/v1/rollouts', undefined, { limit: 100 }), [], 30);

  const models = fw.data?.models ?? [];
  const totalDevices = models.reduce((a, m) => a + m.devices, 0);
  const versions = [...new Set(models.flatMap((m) => m.versions.map((v) => v.firmware_version || '(not reported)')))].sort();
  const sites = vr.data?.sites ?? [];
  const sev: Record<string, number> = {};
  for (const site of sites) for (const [k, v] of Object.entries(site.open ?? {})) sev[k] = (sev[k] ?? 0) + v;
  const overdue = sites.reduce((a, x) => a + (x.overdue ?? 0), 0);
  const kev = sites.reduce((a, x) => a + (x.kev_open ?? 0), 0);
  const exposed = sites.reduce((a, x) => a + (x.exposed_devices ?? 0), 0);
  const active = (ro.data?.rollouts ?? []).filter((r) => activeStates.includes(r.state));
  const overdueList = sites
    .flatMap((x) => (x.exposures ?? []).filter((e) => e.overdue && !e.closed_at).map((e) => ({ ...e, siteName: x.name })))
    .sort((a, b) => (a.due ?? '').localeCompare(b.due ?? ''));

  return (
    <>
      <PageTitle title="Fleet overview" />
      <ErrorNote error={fw.error} what="Cannot read the firmware report" />
      <ErrorNote error={vr.error} what="Cannot read the vulnerability report" />
      <ErrorNote error={ro.error} what="Cannot list the rollouts" />
      {fw.loading && !fw.data ? <Loading what="the fleet" /> : null}
      <section class="tiles" aria-label="Key figures">
        <a class="tile" href="/ui/devices">
          <span class="tile-n">{totalDevices.toLocaleString('en')}</span>
          <span class="tile-l">devices</span>
        </a>
        <a class={`tile ${fw.data && fw.data.not_signed_total > 0 ? 'tile-bad' : ''}`} href="/ui/devices?signed=no">
          <span class="tile-n">{(fw.data?.not_signed_total ?? 0).toLocaleString('en')}</span>
          <span class="tile-l">not running a signed release</span>
        </a>
        <div class={`tile ${exposed > 0 ? 'tile-warn' : ''}`}>
          <span class="tile-n">{exposed.toLocaleString('en')}</span>
          <span class="tile-l">exposed devices</span>
        </div>
        <div class={`tile ${overdue > 0 ? 'tile-bad' : ''}`}>
          <span class="tile-n">{overdue.toLocaleString('en')}</span>
          <span class="tile-l">overdue vulnerabilities</span>
        </div>
        <div class={`tile ${kev > 0 ? 'tile-bad' : ''}`}>
          <span class="tile-n">{kev.toLocaleString('en')}</span>
          <span class="tile-l">known exploited (KEV), open</span>
        </div>
        <div class="tile">
          <span class="tile-n">{active.length.toLocaleString('en')}</span>
          <span class="tile-l">active rollouts</span>
        </div>
      </section>
      {fw.data && totalDevices === 0 ? (
        <Empty title="No devices yet.">Import the inventory (medfw devices import) or enrol devices; the overview fills as they check in.</Empty>
      ) : null}
      {models.length > 0 ? (
        <div class="grid two">
          <section class="card">
            <BarChart
              id="chart-models"
              title="Devices by model and firmware version"
              labels={models.map((m) => m.model || '(no model)')}
              stacked
              series={versions.map((v, i) => ({
                label: v,
                color: palette[i % palette.length],
                values: models.map((m) => m.versions.filter((x) => (x.firmware_version || '(not reported)') === v).reduce((a, x) => a + x.devices, 0)),
              }))}
            />
          </section>
          <section class="card">
            <BarChart
              id="chart-signed"
              title="Firmware: signed release or not"
              labels={models.map((m) => m.model || '(no model)')}
              stacked
              series={[
                { label: 'signed release', color: '#1e8449', values: models.map((m) => m.versions.reduce((a, x) => a + x.signed_release, 0)) },
                { label: 'not signed', color: '#c0392b', values: models.map((m) => m.versions.reduce((a, x) => a + x.not_signed, 0)) },
                { label: 'not reported', color: '#5d6d7e', values: models.map((m) => m.versions.reduce((a, x) => a + x.unknown, 0)) },
              ]}
            />
          </section>
        </div>
      ) : null}
      <div class="grid two">
        <section class="card" aria-labelledby="exposure-title">
          <h2 id="exposure-title">Exposure</h2>
          {vr.data && Object.values(sev).every((n) => n === 0) ? (
            <Empty title="No open exposures.">Findings appear here when a release's SBOM matches an imported feed.</Empty>
          ) : null}
          {vr.data && Object.values(sev).some((n) => n > 0) ? (
            <DoughnutChart
              id="chart-severity"
              title="Open vulnerabilities by severity"
              labels={severities.filter((k) => (sev[k] ?? 0) > 0)}
              values={severities.filter((k) => (sev[k] ?? 0) > 0).map((k) => sev[k] ?? 0)}
              colors={severities.filter((k) => (sev[k] ?? 0) > 0).map((k) => ({ critical: '#922b21', high: '#c0392b', medium: '#b9770e', low: '#0b4f6c', none: '#5d6d7e', unknown: '#7b7d7d' })[k] ?? '#7b7d7d')}
            />
          ) : null}
        </section>
        {(vr.data?.models ?? []).length > 0 ? (
          <section class="card">
            <BarChart
              id="chart-exposure"
              title="Devices by model and exposure"
              labels={(vr.data?.models ?? []).map((m) => m.model)}
              stacked
              series={[
                { label: 'exposed, overdue', color: '#922b21', values: (vr.data?.models ?? []).map((m) => m.overdue_devices) },
                { label: 'exposed', color: '#b9770e', values: (vr.data?.models ?? []).map((m) => m.exposed_devices - m.overdue_devices) },
                { label: 'not exposed', color: '#1e8449', values: (vr.data?.models ?? []).map((m) => m.devices - m.exposed_devices) },
              ]}
            />
            <p class="hint">Devices running a release with a stored SBOM; the others' exposure is unknown.</p>
          </section>
        ) : null}
      </div>
      <div class="grid two">
        <section class="card" aria-labelledby="not-signed-title">
          <h2 id="not-signed-title">Devices not running a signed release</h2>
          {fw.data && fw.data.not_signed_devices.length === 0 ? <Empty title="Every device reports a signed release." /> : null}
          {fw.data && fw.data.not_signed_devices.length > 0 ? (
            <>
              <p class="muted">{count(fw.data.not_signed_total, 'device')} report an image the repository did not sign.</p>
              <ul class="plain">
                {fw.data.not_signed_devices.slice(0, 10).map((d) => (
                  <li key={d.id}>
                    <a href={`/ui/devices/${d.id}`}>
                      {d.model} {d.serial}
                    </a>{' '}
                    <span class="muted">
                      {d.firmware_version || 'no version'} · {s.siteName(d.site_id)}
                    </span>
                  </li>
                ))}
              </ul>
              {fw.data.not_signed_total > 10 ? <a href="/ui/devices?signed=no">All {fw.data.not_signed_total.toLocaleString('en')}</a> : null}
            </>
          ) : null}
        </section>
        <section class="card" aria-labelledby="rollouts-title">
          <h2 id="rollouts-title">Active rollouts</h2>
          {ro.data && active.length === 0 ? <Empty title="No rollout is running.">A clinical engineer or release manager starts one from a signed release.</Empty> : null}
          {active.length > 0 ? (
            <ul class="plain">
              {active.map((r) => (
                <li key={r.id}>
                  <strong>{r.name}</strong> <span class="muted">({r.target})</span> — {r.state.replace(/_/g, ' ')}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      </div>
      <section class="card" aria-labelledby="overdue-title">
        <h2 id="overdue-title">Overdue vulnerabilities</h2>
        {vr.data && overdueList.length === 0 ? <Empty title="Nothing is past its remediation due date." /> : null}
        {overdueList.length > 0 ? (
          <div class="table-wrap" tabIndex={0}>
            <table class="table" aria-label="Overdue vulnerabilities">
              <thead>
                <tr>
                  <th scope="col">Vulnerability</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Site</th>
                  <th scope="col">Devices</th>
                  <th scope="col">Due</th>
                  <th scope="col">Fixed by</th>
                </tr>
              </thead>
              <tbody>
                {overdueList.map((e) => (
                  <tr key={`${e.site_id}-${e.id}`}>
                    <td class="mono">
                      {e.vulnerability} {e.kev ? <Badge tone="bad">KEV</Badge> : null}
                    </td>
                    <td>
                      <Badge tone={severityTone(e.severity_level)}>{e.severity_level ?? 'unknown'}</Badge>
                    </td>
                    <td>{e.siteName}</td>
                    <td>{e.devices.toLocaleString('en')}</td>
                    <td>
                      {(e.due ?? '').slice(0, 10)} <Badge tone="bad">overdue</Badge>
                    </td>
                    <td class="mono">{e.fixed_by ?? 'no fix yet'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
    </>
  );
}

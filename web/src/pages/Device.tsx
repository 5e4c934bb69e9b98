// One device: who it is, what it runs, what happened to it, what it is exposed to.
import { api, type Device as DeviceT } from '../api';
import { ago, dateTime, deviceState, shortHash, udi } from '../format';
import { useLoad } from '../hooks';
import { PageTitle } from '../components/layout';
import { Badge, Empty, ErrorNote, Loading } from '../components/status';
import { severityTone, type Finding } from './findings';
import { useSession } from '../session';

interface DeviceEvent {
  seq: number;
  type: string;
  time: string;
  received: string;
  target: string | null;
  version: string | null;
  reason: string | null;
  check: string | null;
}

interface DeviceFindings {
  release: string | null;
  reason?: string;
  model?: string;
  total: number;
  findings: Finding[];
}

interface Notice {
  target: string;
  notice: ReleaseNotice | null;
  length?: number;
  sha256?: string;
}

function Row({ label, children }: { label: string; children: preact.ComponentChildren }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

export function Device({ id }: { id: string }) {
  const s = useSession();
  const dev = useLoad(() => api<DeviceT>('GET', `/api/v1/devices/${encodeURIComponent(id)}`), [id], 30);
  const events = useLoad(() => api<{ events: DeviceEvent[] }>('GET', `/api/v1/devices/${encodeURIComponent(id)}/events`, undefined, { limit: 50 }), [id], 30);
  const findings = useLoad(() => api<DeviceFindings>('GET', `/api/v1/devices/${encodeURIComponent(id)}/findings`, undefined, { limit: 200 }), [id]);
  const notice = useLoad(() => api<Notice>('GET', `/api/v1/devices/${encodeURIComponent(id)}/release`), [id]);

  if (dev.error) {
    return (
      <>
        <PageTitle title="Device" />
        <ErrorNote error={dev.error} what={`Cannot show device ${id}`} />
        <p>
          <a href="/ui/devices">Back to the devices</a>
        </p>
      </>
    );
  }
  const d = dev.data;
  if (!d) return <Loading what="the device" />;
  const label = `${d.model || 'Device'} ${d.serial}`;
  return (
    <>
      <PageTitle title={label} />
      <p>
        <a href="/ui/devices">← Devices</a>
      </p>
      <div class="grid two">
        <section class="card" aria-labelledby="identity">
          <h2 id="identity">Identity</h2>
          <dl class="props">
            <Row label="UDI">
              <span class="mono">{udi(d.udi_di, d.udi_pi)}</span>
            </Row>
            <Row label="Model">{d.model || '—'}</Row>
            <Row label="Serial">
              <span class="mono">{d.serial}</span>
            </Row>
            <Row label="Hardware">{d.hardware_id || '—'}</Row>
            <Row label="Site">{s.siteName(d.site_id)}</Row>
            <Row label="Location">{[d.department, d.location].filter(Boolean).join(' · ') || '—'}</Row>
            <Row label="Network">{[d.network_zone, d.vlan !== null ? `VLAN ${d.vlan}` : '', d.ip, d.mac].filter(Boolean).join(' · ') || '—'}</Row>
            <Row label="Tags">{d.tags.length ? d.tags.join(', ') : '—'}</Row>
            <Row label="Enrolment">
              {d.enrolment_state} {d.keyid ? <span class="muted">({d.keyid})</span> : null}
            </Row>
          </dl>
        </section>
        <section class="card" aria-labelledby="running">
          <h2 id="running">Firmware and state</h2>
          <dl class="props">
            <Row label="Firmware">{d.firmware_version || '—'}</Row>
            <Row label="Image">
              <span class="mono" title={d.image_sha256}>
                {shortHash(d.image_sha256)}
              </span>{' '}
              {d.image_is_signed_release === true ? <Badge tone="ok">signed release</Badge> : null}
              {d.image_is_signed_release === false ? <Badge tone="bad">not a signed release</Badge> : null}
            </Row>
            <Row label="Agent">{d.agent_version || '—'}</Row>
            <Row label="Last seen">
              {ago(d.last_seen)} <span class="muted">{d.last_seen ? `(${dateTime(d.last_seen)})` : ''}</span>
            </Row>
            <Row label="State">{deviceState(d)}</Row>
            <Row label="Clinical use">{d.clinical_state.replace(/_/g, ' ')}</Row>
            <Row label="Last update">
              {d.update_state ? `${d.update_state.replace(/_/g, ' ')} ${d.update_version ?? d.update_target ?? ''} ${d.update_at ? `(${dateTime(d.update_at)})` : ''}` : '—'}
              {d.update_reason ? <div class="muted">{d.update_reason}</div> : null}
            </Row>
          </dl>
        </section>
      </div>
      <ReleaseNotice n={notice} />
      <section class="card" aria-labelledby="findings">
        <h2 id="findings">Vulnerability findings</h2>
        <ErrorNote error={findings.error} what="Cannot list the findings" />
        {findings.data && findings.data.release === null ? <Empty title="Findings unknown.">{findings.data.reason}</Empty> : null}
        {findings.data && findings.data.release !== null && findings.data.findings.length === 0 ? (
          <Empty title="No findings for this release.">The release's SBOM matched no known vulnerability.</Empty>
        ) : null}
        {findings.data && findings.data.findings.length > 0 ? <FindingTable findings={findings.data.findings} /> : null}
      </section>
      <section class="card" aria-labelledby="history">
        <h2 id="history">Update history</h2>
        <ErrorNote error={events.error} what="Cannot list the events" />
        {events.data && events.data.events.length === 0 ? <Empty title="No update events yet.">The device reports its downloads and installs here when it updates.</Empty> : null}
        {events.data && events.data.events.length > 0 ? (
          <div class="table-wrap" tabIndex={0}>
            <table class="table" aria-label="Update history">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Event</th>
                  <th scope="col">Release</th>
                  <th scope="col">Detail</th>
                </tr>
              </thead>
              <tbody>
                {events.data.events.map((e) => (
                  <tr key={e.seq}>
                    <td>{e.time.replace('T', ' ').replace('Z', ' UTC')}</td>
                    <td>
                      <Badge tone={e.type === 'committed' ? 'ok' : ['failed', 'rolled_back'].includes(e.type) ? 'bad' : 'info'}>{e.type.replace(/_/g, ' ')}</Badge>
                    </td>
                    <td>{e.version ?? e.target ?? '—'}</td>
                    <td>
                      {e.reason ?? ''}
                      {e.check ? <span class="muted"> ({e.check})</span> : null}
                    </td>
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

function ReleaseNotice({ n }: { n: ReturnType<typeof useLoad<Notice>> }) {
  return (
    <section class="card" aria-labelledby="notice">
      <h2 id="notice">Current release notice</h2>
      {n.error && n.error.status === 404 ? (
        <Empty title="No signed release matches the image this device reports.">{n.error.message}</Empty>
      ) : (
        <ErrorNote error={n.error} what="Cannot read the release notice" />
      )}
      {n.data && n.data.notice ? <NoticeView target={n.data.target} notice={n.data.notice} /> : null}
    </section>
  );
}

/** The release notice as signed with the image (docs/formats/release-notice.md). */
export interface ReleaseNotice {
  product_version?: string;
  security_version?: number;
  hardware_ids?: string[];
  udi_dis?: string[];
  release_date?: string;
  min_agent_version?: string;
  install?: { estimated_minutes?: number; downtime_minutes?: number; reboot_required?: boolean };
  clinical_impact?: string;
  reason?: { summary?: string; cve_ids?: string[]; severity?: string };
  rollback_supported?: boolean;
  instructions?: string[];
  sbom_target?: string;
}

export function NoticeView({ target, notice }: { target: string; notice: ReleaseNotice }) {
  const inst = notice.install ?? {};
  return (
    <dl class="props">
      <dt>Release</dt>
      <dd class="mono">{target}</dd>
      <dt>Version</dt>
      <dd>
        {notice.product_version ?? '—'} <span class="muted">(security version {notice.security_version ?? '—'})</span>
      </dd>
      <dt>Released</dt>
      <dd>{notice.release_date ?? '—'}</dd>
      <dt>Install</dt>
      <dd>
        about {inst.estimated_minutes ?? '?'} min, downtime {inst.downtime_minutes ?? '?'} min{inst.reboot_required ? ', reboots' : ''}
      </dd>
      <dt>Clinical impact</dt>
      <dd>{notice.clinical_impact ?? '—'}</dd>
      <dt>Why</dt>
      <dd>
        {notice.reason?.severity ? (
          <>
            <Badge tone={severityTone(notice.reason.severity)}>{notice.reason.severity}</Badge>{' '}
          </>
        ) : null}
        {notice.reason?.summary ?? '—'}
      </dd>
      <dt>CVEs</dt>
      <dd>{notice.reason?.cve_ids?.length ? notice.reason.cve_ids.join(', ') : '—'}</dd>
      <dt>Rollback</dt>
      <dd>{notice.rollback_supported ? 'supported' : 'not supported'}</dd>
      {notice.instructions?.length ? (
        <>
          <dt>Instructions</dt>
          <dd>
            <ol class="steps">
              {notice.instructions.map((i, n) => (
                <li key={n}>{i}</li>
              ))}
            </ol>
          </dd>
        </>
      ) : null}
    </dl>
  );
}

export function FindingTable({ findings, showRelease = false }: { findings: Finding[]; showRelease?: boolean }) {
  return (
    <div class="table-wrap" tabIndex={0}>
      <table class="table" aria-label="Findings">
        <thead>
          <tr>
            <th scope="col">Vulnerability</th>
            <th scope="col">Severity</th>
            <th scope="col">Component</th>
            {showRelease ? <th scope="col">Release</th> : null}
            <th scope="col">Status</th>
            <th scope="col">Fixed by</th>
            <th scope="col">Due</th>
          </tr>
        </thead>
        <tbody>
          {findings.map((f) => (
            <tr key={f.id}>
              <td class="mono">
                {f.vulnerability}
                {f.kev?.listed ? (
                  <>
                    {' '}
                    <Badge tone="bad">KEV</Badge>
                  </>
                ) : null}
              </td>
              <td>
                <Badge tone={severityTone(f.severity_level)}>{f.severity_level ?? 'unknown'}</Badge>
                {f.severity?.base_score !== null && f.severity?.base_score !== undefined ? <span class="muted"> {f.severity.base_score}</span> : null}
              </td>
              <td>
                {f.component.name} {f.component.version ?? ''}
              </td>
              {showRelease ? <td class="mono">{f.release}</td> : null}
              <td>{f.status.replace(/_/g, ' ')}</td>
              <td class="mono">{f.fixed_by ?? '—'}</td>
              <td>
                {f.exposure && !f.exposure.closed_at && f.exposure.due ? (
                  <>
                    {f.exposure.due.slice(0, 10)} {f.exposure.overdue ? <Badge tone="bad">overdue</Badge> : null}
                  </>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

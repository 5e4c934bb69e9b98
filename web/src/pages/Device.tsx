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
  notice: Record<string, unknown> | null;
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
          <div class="table-wrap">
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

export function NoticeView({ target, notice }: { target: string; notice: Record<string, unknown> }) {
  const str = (k: string) => (typeof notice[k] === 'string' ? (notice[k] as string) : typeof notice[k] === 'number' || typeof notice[k] === 'boolean' ? String(notice[k]) : '');
  const why = (notice.why ?? notice.security) as Record<string, unknown> | undefined;
  const cves = Array.isArray(why?.cves) ? (why!.cves as string[]) : [];
  return (
    <dl class="props">
      <dt>Release</dt>
      <dd class="mono">{target}</dd>
      <dt>Version</dt>
      <dd>{str('product_version') || '—'}</dd>
      <dt>Released</dt>
      <dd>{str('release_date') || '—'}</dd>
      <dt>Downtime</dt>
      <dd>{str('downtime_minutes') ? `${str('downtime_minutes')} min` : '—'}</dd>
      <dt>Clinical impact</dt>
      <dd>{str('clinical_impact') || '—'}</dd>
      <dt>Why</dt>
      <dd>{typeof why?.summary === 'string' ? (why.summary as string) : '—'}</dd>
      <dt>CVEs</dt>
      <dd>{cves.length ? cves.join(', ') : '—'}</dd>
    </dl>
  );
}

export function FindingTable({ findings }: { findings: Finding[] }) {
  return (
    <div class="table-wrap">
      <table class="table" aria-label="Findings">
        <thead>
          <tr>
            <th scope="col">Vulnerability</th>
            <th scope="col">Severity</th>
            <th scope="col">Component</th>
            <th scope="col">Status</th>
            <th scope="col">Fixed by</th>
          </tr>
        </thead>
        <tbody>
          {findings.map((f) => (
            <tr key={f.id}>
              <td class="mono">
                {f.vulnerability.id}
                {f.vulnerability.kev ? (
                  <>
                    {' '}
                    <Badge tone="bad">KEV</Badge>
                  </>
                ) : null}
              </td>
              <td>
                <Badge tone={severityTone(f.severity)}>{f.severity ?? 'unknown'}</Badge>
              </td>
              <td>
                {f.component.name} {f.component.version}
              </td>
              <td>{f.status.replace(/_/g, ' ')}</td>
              <td class="mono">{f.fixed_by ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

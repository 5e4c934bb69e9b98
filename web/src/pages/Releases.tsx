// The releases the manufacturer's repository signs: their notices, their signatures
// against the thresholds, their SBOMs and findings, and how many devices run them.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, withQuery } from '../api';
import { dateTime } from '../format';
import { useLoad } from '../hooks';
import { PageTitle } from '../components/layout';
import { Pager } from '../components/nav';
import { Badge, Empty, ErrorNote, Loading } from '../components/status';
import { FindingTable, NoticeView, type ReleaseNotice } from './Device';
import { severityTone, type Finding } from './findings';

export interface Signer {
  role: string;
  delegated_by: string | null;
  version: number;
  expires: string;
  threshold: number;
  valid_signatures: number;
  keyids: string[];
}

export interface Release {
  target: string;
  length: number;
  sha256: string;
  product_version: string;
  security_version: number;
  release_date: string;
  hardware_ids: string[];
  notice_summary: {
    install?: { downtime_minutes?: number; estimated_minutes?: number; reboot_required?: boolean };
    clinical_impact?: string;
    reason?: { cve_ids?: string[]; severity?: string; summary?: string };
    rollback_supported?: boolean;
    sbom_target?: string;
  };
  signed_by: Signer;
  sbom: { stored: boolean; signed: boolean; components: number | null; format?: string; for_this_image?: boolean } | null;
  findings: { open: number; kev: number; by_severity: Record<string, number>; by_status: Record<string, number> } | null;
  devices: number;
}

interface RepoState {
  state: 'served' | 'not_set_up' | 'not_verifying';
  message: string | null;
  tree?: number;
  valid_until?: string;
}

interface ReleasePage {
  releases: Release[];
  total: number;
  limit: number;
  offset: number;
  next_offset: number | null;
  repository: RepoState;
}

interface ReleaseDetail extends Release {
  notice: ReleaseNotice;
  metadata: Record<string, { version: number; expires: string; threshold: number; valid_signatures: number; keyids: string[] } | null>;
}

/** A target path as a URL path: each segment encoded. */
export function targetPath(target: string): string {
  return target.split('/').map(encodeURIComponent).join('/');
}

function Signatures({ s }: { s: Signer }) {
  const ok = s.valid_signatures >= s.threshold;
  return (
    <span>
      <Badge tone={ok ? 'ok' : 'bad'}>
        {s.valid_signatures} of {s.threshold}
      </Badge>{' '}
      <span class="muted">
        {s.role}
        {s.delegated_by ? ` (delegated by ${s.delegated_by})` : ''}
      </span>
    </span>
  );
}

function FindingCounts({ f }: { f: Release['findings'] }) {
  if (!f) return <span class="muted">no SBOM</span>;
  if (f.open === 0) return <Badge tone="ok">none open</Badge>;
  return (
    <span class="counts">
      {['critical', 'high', 'medium', 'low'].map((k) =>
        (f.by_severity[k] ?? 0) > 0 ? (
          <Badge key={k} tone={severityTone(k)}>
            {f.by_severity[k]} {k}
          </Badge>
        ) : null,
      )}
      {f.kev > 0 ? <Badge tone="bad">{f.kev} KEV</Badge> : null}
      {(f.by_status.undetermined ?? 0) > 0 ? <Badge tone="warn">{f.by_status.undetermined} to review</Badge> : null}
    </span>
  );
}

function RepoBanner({ r }: { r: RepoState }) {
  if (r.state === 'served')
    return (
      <p class="muted">
        Repository tree {r.tree}, verified as a TUF client verifies it; its metadata is valid until {r.valid_until ? dateTime(Date.parse(r.valid_until) / 1000) : '—'}.
      </p>
    );
  return (
    <div class={r.state === 'not_verifying' ? 'error' : 'notice'} role={r.state === 'not_verifying' ? 'alert' : 'status'}>
      {r.state === 'not_set_up' ? 'No repository yet. ' : 'The repository does not verify now. '}
      {r.message}
    </div>
  );
}

const PAGE = 50;

export function Releases() {
  const loc = useLocation();
  const q = loc.query.q ?? '';
  const offset = Number(loc.query.offset ?? 0) || 0;
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const page = useLoad(() => api<ReleasePage>('GET', '/api/v1/repository/releases', undefined, { q, offset, limit: PAGE }), [q, offset], 60);
  const p = page.data;
  return (
    <>
      <PageTitle title="Releases" />
      <form
        class="filters"
        role="search"
        aria-label="Find releases"
        onSubmit={(e) => {
          e.preventDefault();
          loc.route(withQuery('/ui/releases', { q: text.trim() }));
        }}
      >
        <div class="field grow">
          <label for="release-q">Search</label>
          <input id="release-q" type="search" placeholder="Target name or version" value={text} onInput={(e) => setText(e.currentTarget.value)} />
        </div>
        <div class="field">
          <button type="submit" class="primary">
            Search
          </button>
        </div>
      </form>
      <ErrorNote error={page.error} what="Cannot list the releases" />
      {page.loading && !p ? <Loading what="releases" /> : null}
      {p ? <RepoBanner r={p.repository} /> : null}
      {p && p.releases.length === 0 && p.repository.state === 'served' ? (
        <Empty title={q ? 'No release matches this search.' : 'The repository signs no release yet.'}>
          {q ? <a href="/ui/releases">Show every release</a> : 'Sign a release with medfw release add and medfw repo sign, then medfw push it here.'}
        </Empty>
      ) : null}
      {p && p.releases.length > 0 ? (
        <div class="table-wrap" tabIndex={0}>
          <table class="table" aria-label="Releases">
            <thead>
              <tr>
                <th scope="col">Release</th>
                <th scope="col">Version</th>
                <th scope="col">Released</th>
                <th scope="col">Why</th>
                <th scope="col">Downtime</th>
                <th scope="col">Signatures</th>
                <th scope="col">SBOM</th>
                <th scope="col">Open findings</th>
                <th scope="col">Devices</th>
              </tr>
            </thead>
            <tbody>
              {p.releases.map((r) => (
                <tr key={r.target}>
                  <td class="mono">
                    <a href={`/ui/releases/${targetPath(r.target)}`}>{r.target}</a>
                  </td>
                  <td>{r.product_version}</td>
                  <td>{r.release_date}</td>
                  <td>
                    {r.notice_summary.reason?.severity ? <Badge tone={severityTone(r.notice_summary.reason.severity)}>{r.notice_summary.reason.severity}</Badge> : null}{' '}
                    {(r.notice_summary.reason?.cve_ids ?? []).join(', ')}
                  </td>
                  <td>{r.notice_summary.install?.downtime_minutes !== undefined ? `${r.notice_summary.install.downtime_minutes} min` : '—'}</td>
                  <td>
                    <Signatures s={r.signed_by} />
                  </td>
                  <td>{r.sbom?.stored ? `${r.sbom.components ?? '?'} components${r.sbom.signed ? ', signed' : ''}` : <span class="muted">none</span>}</td>
                  <td>
                    <FindingCounts f={r.findings} />
                  </td>
                  <td>{r.devices.toLocaleString('en')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {p ? <Pager offset={offset} size={PAGE} total={p.total} onGo={(o) => loc.route(withQuery('/ui/releases', { q, offset: o }))} /> : null}
    </>
  );
}

export function Release({ target }: { target: string }) {
  const rel = useLoad(() => api<ReleaseDetail>('GET', `/api/v1/repository/releases/${targetPath(target)}`), [target]);
  const findings = useLoad(
    () => api<{ total: number; findings: Finding[] }>('GET', '/api/v1/vulnerabilities/findings', undefined, { release: target, limit: 500 }),
    [target],
  );
  const r = rel.data;
  return (
    <>
      <PageTitle title={r ? `Release ${r.product_version}` : 'Release'} />
      <p>
        <a href="/ui/releases">← Releases</a>
      </p>
      <ErrorNote error={rel.error} what={`Cannot show ${target}`} />
      {rel.loading && !r ? <Loading what="the release" /> : null}
      {r ? (
        <>
          <section class="card" aria-labelledby="notice-title">
            <h2 id="notice-title">Release notice</h2>
            <NoticeView target={r.target} notice={r.notice} />
          </section>
          <div class="grid two">
            <section class="card" aria-labelledby="sig-title">
              <h2 id="sig-title">Signatures</h2>
              <p>
                Listed by <Signatures s={r.signed_by} />
              </p>
              <div class="table-wrap" tabIndex={0}>
                <table class="table compact" aria-label="Metadata signatures">
                  <thead>
                    <tr>
                      <th scope="col">Role</th>
                      <th scope="col">Version</th>
                      <th scope="col">Signatures</th>
                      <th scope="col">Expires</th>
                    </tr>
                  </thead>
                  <tbody>
                    {Object.entries(r.metadata).map(([role, m]) => m && (
                      <tr key={role}>
                        <th scope="row">{role}</th>
                        <td>{m.version}</td>
                        <td>
                          <Badge tone={m.valid_signatures >= m.threshold ? 'ok' : 'bad'}>
                            {m.valid_signatures} of {m.threshold}
                          </Badge>
                        </td>
                        <td>{m.expires.replace('T', ' ').replace('Z', ' UTC')}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </section>
            <section class="card" aria-labelledby="image-title">
              <h2 id="image-title">Image and SBOM</h2>
              <dl class="props">
                <dt>Length</dt>
                <dd>{r.length.toLocaleString('en')} bytes</dd>
                <dt>SHA-256</dt>
                <dd class="mono">{r.sha256}</dd>
                <dt>Hardware</dt>
                <dd>{r.hardware_ids.join(', ')}</dd>
                <dt>Devices running it</dt>
                <dd>{r.devices.toLocaleString('en')}</dd>
                <dt>SBOM</dt>
                <dd>
                  {r.sbom?.stored ? (
                    <>
                      {r.sbom.format ?? 'SBOM'}, {r.sbom.components ?? '?'} components, {r.sbom.signed ? <Badge tone="ok">signed with the release</Badge> : <Badge tone="warn">uploaded, not signed</Badge>}{' '}
                      <a href={`/api/v1/releases/${targetPath(r.target)}/sbom`} download={`${r.target.split('/').pop()}.cdx.json`}>
                        Download (CycloneDX 1.6)
                      </a>
                    </>
                  ) : (
                    <span class="muted">no SBOM stored: its findings are unknown</span>
                  )}
                </dd>
              </dl>
            </section>
          </div>
          <section class="card" aria-labelledby="rel-findings">
            <h2 id="rel-findings">Findings</h2>
            <ErrorNote error={findings.error} what="Cannot list the findings" />
            {findings.data && findings.data.findings.length === 0 ? <Empty title="No findings for this release." /> : null}
            {findings.data && findings.data.findings.length > 0 ? <FindingTable findings={findings.data.findings} /> : null}
          </section>
        </>
      ) : null}
    </>
  );
}

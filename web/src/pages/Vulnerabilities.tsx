// Vulnerabilities: what the fleet is exposed to and by when it must be fixed, the
// findings a person must decide (undetermined, with the matcher's evidence), the VEX
// statements made, and every finding with filters.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, withQuery, type ApiError } from '../api';
import { useAction, useLoad } from '../hooks';
import { PageTitle } from '../components/layout';
import { Pager, Tabs } from '../components/nav';
import { Badge, Empty, ErrorNote, Loading, Progress } from '../components/status';
import { FindingTable } from './Device';
import { severities, severityTone, type Exposure, type Finding } from './findings';
import { useSession } from '../session';
import { AdvisoryExport } from './Advisory';

interface SiteReport {
  site_id: number;
  name: string;
  devices: number;
  devices_with_sbom: number;
  exposed_devices: number;
  open: Record<string, number>;
  kev_open: number;
  overdue: number;
  sla_policy: { critical_days: number; high_days: number; medium_days: number; low_days: number; kev_days: number; default: boolean };
  exposures: Exposure[];
}

interface Statement {
  id: number;
  vulnerability: string;
  component: string | null;
  release: string | null;
  status: string;
  justification: string | null;
  detail: string | null;
  author: string | null;
  created_at: string | null;
  source: string;
}

interface Evaluation {
  state: 'idle' | 'pending' | 'running';
  generation: number;
  evaluated_generation: number;
  running: { phase: string; done: number; total: number } | null;
  last: { ok: boolean; error: string | null; finished_at: string } | null;
}

// CycloneDX 1.6 impact analysis justifications (what medfwd accepts for not_affected)
const justifications: [string, string][] = [
  ['code_not_present', 'The vulnerable code is not in the product'],
  ['code_not_reachable', 'The vulnerable code cannot be reached'],
  ['requires_configuration', 'Exploitation needs a configuration the product does not use'],
  ['requires_dependency', 'Exploitation needs a dependency the product does not have'],
  ['requires_environment', 'Exploitation needs an environment the product does not run in'],
  ['protected_by_compiler', 'Protected by the compiler'],
  ['protected_at_runtime', 'Protected at run time'],
  ['protected_at_perimeter', 'Protected at the perimeter'],
  ['protected_by_mitigating_control', 'Protected by a mitigating control'],
];

const tabs = [
  ['exposure', 'Exposure and SLA'],
  ['review', 'Review queue'],
  ['findings', 'All findings'],
  ['vex', 'VEX statements'],
  ['advisory', 'Advisory export'],
] as const;

export function Vulnerabilities() {
  const s = useSession();
  const loc = useLocation();
  // customer advisories are the manufacturer's: vulns.write, manufacturer-wide
  const mayExport = s.can('vulns.write') && s.me.user.site_id === null;
  const shown = tabs.filter(([k]) => k !== 'advisory' || mayExport);
  const tab = shown.some(([k]) => k === loc.query.tab) ? loc.query.tab : 'exposure';
  const report = useLoad(() => api<{ sites: SiteReport[] }>('GET', '/api/v1/reports/vulnerabilities'), [], 60);
  const sites = report.data?.sites ?? [];
  const sev: Record<string, number> = {};
  for (const s of sites) for (const [k, v] of Object.entries(s.open ?? {})) sev[k] = (sev[k] ?? 0) + v;
  return (
    <>
      <PageTitle title="Vulnerabilities" />
      <ErrorNote error={report.error} what="Cannot read the vulnerability report" />
      <section class="tiles" aria-label="Open vulnerabilities">
        {severities
          .filter((k) => k !== 'unknown' && k !== 'none')
          .map((k) => (
            <a key={k} class={`tile ${(sev[k] ?? 0) > 0 && (k === 'critical' || k === 'high') ? 'tile-bad' : ''}`} href={withQuery('/ui/vulnerabilities', { tab: 'findings', severity: k, open: 'true' })}>
              <span class="tile-n">{(sev[k] ?? 0).toLocaleString('en')}</span>
              <span class="tile-l">{k}, open</span>
            </a>
          ))}
        <a class={`tile ${sites.some((s) => s.kev_open > 0) ? 'tile-bad' : ''}`} href={withQuery('/ui/vulnerabilities', { tab: 'findings', kev: 'true', open: 'true' })}>
          <span class="tile-n">{sites.reduce((a, s) => a + s.kev_open, 0).toLocaleString('en')}</span>
          <span class="tile-l">known exploited (KEV)</span>
        </a>
        <a class={`tile ${sites.some((s) => s.overdue > 0) ? 'tile-bad' : ''}`} href="/ui/vulnerabilities?tab=exposure">
          <span class="tile-n">{sites.reduce((a, s) => a + s.overdue, 0).toLocaleString('en')}</span>
          <span class="tile-l">overdue</span>
        </a>
      </section>
      <Tabs label="Vulnerability views" path="/ui/vulnerabilities" items={shown} current={tab} />
      {tab === 'exposure' ? <ExposureView sites={sites} loading={report.loading && !report.data} /> : null}
      {tab === 'review' ? <ReviewQueue onChange={report.reload} /> : null}
      {tab === 'findings' ? <AllFindings /> : null}
      {tab === 'vex' ? <Statements /> : null}
      {tab === 'advisory' ? <AdvisoryExport /> : null}
    </>
  );
}

function ExposureView({ sites, loading }: { sites: SiteReport[]; loading: boolean }) {
  if (loading) return <Loading what="the exposure" />;
  if (sites.length === 0) return <Empty title="No site yet." />;
  return (
    <>
      {sites.map((s) => (
        <section class="card" key={s.site_id} aria-labelledby={`site-${s.site_id}`}>
          <h2 id={`site-${s.site_id}`}>{s.name}</h2>
          <p class="muted">
            {s.exposed_devices.toLocaleString('en')} of {s.devices.toLocaleString('en')} devices exposed · {s.devices_with_sbom.toLocaleString('en')} run a release with an SBOM · SLA
            {s.sla_policy.default ? ' (default)' : ''}: critical {s.sla_policy.critical_days} d, high {s.sla_policy.high_days} d, medium {s.sla_policy.medium_days} d, low {s.sla_policy.low_days} d, KEV {s.sla_policy.kev_days} d
          </p>
          {s.devices_with_sbom < s.devices ? (
            <p class="notice" role="status">
              {(s.devices - s.devices_with_sbom).toLocaleString('en')} devices run a release without a stored SBOM: their exposure is unknown.
            </p>
          ) : null}
          {s.exposures.filter((e) => !e.closed_at).length === 0 ? (
            <Empty title="No open exposure at this site." />
          ) : (
            <div class="table-wrap" tabIndex={0}>
              <table class="table" aria-label={`Open exposures at ${s.name}`}>
                <thead>
                  <tr>
                    <th scope="col">Vulnerability</th>
                    <th scope="col">Severity</th>
                    <th scope="col">Devices</th>
                    <th scope="col">First seen</th>
                    <th scope="col">Due</th>
                    <th scope="col">Fix</th>
                  </tr>
                </thead>
                <tbody>
                  {s.exposures
                    .filter((e) => !e.closed_at)
                    .map((e) => (
                      <tr key={e.id}>
                        <td class="mono">
                          {e.vulnerability} {e.kev ? <Badge tone="bad">KEV</Badge> : null}
                        </td>
                        <td>
                          <Badge tone={severityTone(e.severity_level)}>{e.severity_level ?? 'unknown'}</Badge> {e.score !== null ? <span class="muted">{e.score}</span> : null}
                        </td>
                        <td>{e.devices.toLocaleString('en')}</td>
                        <td>{e.first_seen.slice(0, 10)}</td>
                        <td>
                          {(e.due ?? '').slice(0, 10)} {e.overdue ? <Badge tone="bad">overdue</Badge> : null}
                        </td>
                        <td>
                          {e.fixed_by ? <span class="mono">{e.fixed_by}</span> : <span class="muted">no fixed release yet</span>}
                          {e.fix_rollouts.length ? <div class="muted">rollout {e.fix_rollouts.map((r) => `${r.id}${r.state ? ` (${r.state})` : ''}`).join(', ')}</div> : null}
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      ))}
    </>
  );
}

/** Polls the background re-evaluation until it reached `generation`. */
async function waitEvaluated(generation: number, onProgress: (e: Evaluation) => void): Promise<Evaluation> {
  for (let i = 0; i < 600; i++) {
    const e = await api<Evaluation>('GET', '/api/v1/vulnerabilities/evaluation');
    onProgress(e);
    if (e.evaluated_generation >= generation) return e;
    if (e.state === 'idle' && e.last && !e.last.ok) throw new Error(`the re-evaluation failed: ${e.last.error}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the re-evaluation did not finish within 5 minutes; the findings will change when it does');
}

function ReviewQueue({ onChange }: { onChange: () => void }) {
  const s = useSession();
  const list = useLoad(() => api<{ total: number; findings: Finding[] }>('GET', '/api/v1/vulnerabilities/findings', undefined, { status: 'undetermined', limit: 200 }), []);
  const mayDecide = s.can('vulns.write') && s.me.user.site_id === null;
  const [evaluation, setEvaluation] = useState<Evaluation | null>(null);
  const done = () => {
    setEvaluation(null);
    list.reload();
    onChange();
  };
  return (
    <section aria-labelledby="review-title">
      <h2 id="review-title" class="sr-only">
        Review queue
      </h2>
      <p class="muted">
        Findings the matcher could not decide: the evidence shows why. A manufacturer's security officer decides each with a VEX statement; every site sees the decision.
      </p>
      {evaluation ? (
        <div class="card" role="status" aria-live="polite">
          {evaluation.running ? (
            <Progress label={`Re-evaluating the findings (${evaluation.running.phase})`} done={evaluation.running.done} total={evaluation.running.total} />
          ) : (
            <span>Re-evaluating the findings ({evaluation.state})…</span>
          )}
        </div>
      ) : null}
      <ErrorNote error={list.error} what="Cannot list the findings to review" />
      {list.loading && !list.data ? <Loading what="the review queue" /> : null}
      {list.data && list.data.findings.length === 0 ? <Empty title="Nothing to review.">Every finding is decided: affected, not affected, fixed or under investigation.</Empty> : null}
      {list.data?.findings.map((f) => (
        <ReviewItem key={f.id} f={f} mayDecide={mayDecide} onEvaluating={setEvaluation} onDone={done} />
      ))}
    </section>
  );
}

function ReviewItem({ f, mayDecide, onEvaluating, onDone }: { f: Finding; mayDecide: boolean; onEvaluating: (e: Evaluation) => void; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [status, setStatus] = useState('not_affected');
  const [justification, setJustification] = useState('');
  const [detail, setDetail] = useState('');
  const [scope, setScope] = useState<'release' | 'all'>('release');
  const [failure, setFailure] = useState<string | null>(null);
  const submit = useAction(async () => {
    setFailure(null);
    const body: Record<string, unknown> = {
      vulnerability: f.vulnerability,
      component: f.component.ref || f.component.purl,
      status,
    };
    if (scope === 'release') body.release = f.release;
    if (justification) body.justification = justification;
    if (detail.trim()) body.detail = detail.trim();
    const answer = await api<{ evaluation?: { queued: boolean; generation: number | null } }>('POST', '/api/v1/vulnerabilities/vex-statements', body);
    const g = answer.evaluation?.generation;
    if (g !== null && g !== undefined) {
      try {
        await waitEvaluated(g, onEvaluating);
      } catch (e) {
        setFailure((e as Error).message);
      }
    }
    onDone();
  });
  const id = `f-${f.id}`;
  return (
    <article class="card review" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>
        <span class="mono">{f.vulnerability}</span> in {f.component.name} {f.component.version ?? ''}{' '}
        <Badge tone={severityTone(f.severity_level)}>{f.severity_level ?? 'unknown'}</Badge> {f.kev?.listed ? <Badge tone="bad">KEV</Badge> : null}
      </h3>
      <p class="muted">
        Release <span class="mono">{f.release}</span>
        {f.exposure?.due ? ` · due ${f.exposure.due.slice(0, 10)}` : ''}
        {f.exposure?.overdue ? ' (overdue)' : ''}
      </p>
      <details>
        <summary>Evidence ({f.evidence.length})</summary>
        <ul class="evidence">
          {f.evidence.map((e, i) => (
            <li key={i}>
              <strong>{e.source}</strong> {e.record}: <Badge tone="warn">{e.outcome}</Badge>
              <div class="mono small">{e.rule}</div>
              <div>{e.comparison}</div>
            </li>
          ))}
        </ul>
      </details>
      {mayDecide ? (
        !open ? (
          <div class="row">
            <button type="button" onClick={() => setOpen(true)}>
              Decide…
            </button>
          </div>
        ) : (
          <form
            class="decide"
            onSubmit={(e) => {
              e.preventDefault();
              void submit.run();
            }}
          >
            <fieldset>
              <legend>Decision for {f.vulnerability}</legend>
              <label for={`${id}-status`}>Status</label>
              <select id={`${id}-status`} value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
                <option value="not_affected">Not affected</option>
                <option value="affected">Affected</option>
                <option value="under_investigation">Under investigation</option>
                <option value="fixed">Fixed</option>
              </select>
              <label for={`${id}-scope`}>Applies to</label>
              <select id={`${id}-scope`} value={scope} onChange={(e) => setScope(e.currentTarget.value as 'release' | 'all')}>
                <option value="release">This release ({f.release})</option>
                <option value="all">Every release with this component</option>
              </select>
              {status === 'not_affected' ? (
                <>
                  <label for={`${id}-just`}>Justification</label>
                  <select
                    id={`${id}-just`}
                    aria-invalid={submit.error?.field === 'justification' ? 'true' : undefined}
                    value={justification} onChange={(e) => setJustification(e.currentTarget.value)} aria-describedby={`${id}-just-hint`}>
                    <option value="">Choose…</option>
                    {justifications.map(([k, label]) => (
                      <option key={k} value={k}>
                        {label}
                      </option>
                    ))}
                  </select>
                  <p class="hint" id={`${id}-just-hint`}>
                    A not-affected statement needs a justification or a detail (CISA's minimum for VEX).
                  </p>
                </>
              ) : null}
              <label for={`${id}-detail`}>Detail</label>
              <textarea id={`${id}-detail`} rows={3} maxLength={2000} value={detail} onInput={(e) => setDetail(e.currentTarget.value)} />
              <ErrorNote error={submit.error as ApiError | null} what="The statement was not stored" />
              {failure ? (
                <div class="error" role="alert">
                  {failure}
                </div>
              ) : null}
              <div class="row">
                <button type="submit" class="primary" disabled={submit.running}>
                  {submit.running ? 'Saving…' : 'Save the VEX statement'}
                </button>
                <button type="button" onClick={() => setOpen(false)} disabled={submit.running}>
                  Cancel
                </button>
              </div>
            </fieldset>
          </form>
        )
      ) : null}
    </article>
  );
}

const PAGE = 50;

function AllFindings() {
  const loc = useLocation();
  const f = { status: loc.query.status, severity: loc.query.severity, kev: loc.query.kev, open: loc.query.open, release: loc.query.release, vulnerability: loc.query.vulnerability };
  const offset = Number(loc.query.offset ?? 0) || 0;
  const list = useLoad(() => api<{ total: number; findings: Finding[] }>('GET', '/api/v1/vulnerabilities/findings', undefined, { ...f, offset, limit: PAGE }), [JSON.stringify(f), offset]);
  const go = (change: Record<string, string | undefined>) => loc.route(withQuery('/ui/vulnerabilities', { tab: 'findings', ...f, ...change, offset: change.offset }));
  return (
    <section aria-labelledby="all-title">
      <h2 id="all-title" class="sr-only">
        All findings
      </h2>
      <form class="filters" aria-label="Filter findings" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="ff-status">Status</label>
          <select id="ff-status" value={f.status ?? ''} onChange={(e) => go({ status: e.currentTarget.value })}>
            <option value="">Any</option>
            {['affected', 'under_investigation', 'undetermined', 'fixed', 'not_affected', 'unmatched'].map((k) => (
              <option key={k} value={k}>
                {k.replace(/_/g, ' ')}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="ff-severity">Severity</label>
          <select id="ff-severity" value={f.severity ?? ''} onChange={(e) => go({ severity: e.currentTarget.value })}>
            <option value="">Any</option>
            {['critical', 'high', 'medium', 'low', 'none'].map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="ff-kev">KEV</label>
          <select id="ff-kev" value={f.kev ?? ''} onChange={(e) => go({ kev: e.currentTarget.value })}>
            <option value="">Any</option>
            <option value="true">In the KEV catalog</option>
            <option value="false">Not in it</option>
          </select>
        </div>
        <div class="field">
          <label for="ff-open">Open only</label>
          <select id="ff-open" value={f.open ?? ''} onChange={(e) => go({ open: e.currentTarget.value })}>
            <option value="">All</option>
            <option value="true">Open</option>
          </select>
        </div>
      </form>
      <ErrorNote error={list.error} what="Cannot list the findings" />
      {list.loading && !list.data ? <Loading what="findings" /> : null}
      {list.data && list.data.findings.length === 0 ? <Empty title="No finding matches these filters." /> : null}
      {list.data && list.data.findings.length > 0 ? (
        <>
          <p class="muted" role="status">
            {list.data.total.toLocaleString('en')} finding{list.data.total === 1 ? '' : 's'}
          </p>
          <FindingTable findings={list.data.findings} showRelease />
          <Pager offset={offset} size={PAGE} total={list.data.total} onGo={(o) => go({ offset: String(o) })} />
        </>
      ) : null}
    </section>
  );
}

function Statements() {
  const list = useLoad(() => api<{ statements: Statement[]; total?: number }>('GET', '/api/v1/vulnerabilities/vex-statements'), []);
  return (
    <section aria-labelledby="vex-title">
      <h2 id="vex-title" class="sr-only">
        VEX statements
      </h2>
      <ErrorNote error={list.error} what="Cannot list the VEX statements" />
      {list.loading && !list.data ? <Loading what="VEX statements" /> : null}
      {list.data && list.data.statements.length === 0 ? <Empty title="No VEX statement yet.">Decide a finding in the review queue, or import a VEX file with medfw vuln import.</Empty> : null}
      {list.data && list.data.statements.length > 0 ? (
        <div class="table-wrap" tabIndex={0}>
          <table class="table" aria-label="VEX statements">
            <thead>
              <tr>
                <th scope="col">Vulnerability</th>
                <th scope="col">Component</th>
                <th scope="col">Release</th>
                <th scope="col">Status</th>
                <th scope="col">Justification and detail</th>
                <th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {list.data.statements.map((st) => (
                <tr key={st.id}>
                  <td class="mono">{st.vulnerability}</td>
                  <td>{st.component ?? 'the whole product'}</td>
                  <td class="mono">{st.release ?? 'every release'}</td>
                  <td>{st.status.replace(/_/g, ' ')}</td>
                  <td>
                    {st.justification ? st.justification.replace(/_/g, ' ') : ''}
                    {st.detail ? <div class="muted">{st.detail}</div> : null}
                  </td>
                  <td>
                    {st.author ?? st.source}
                    {st.created_at ? <div class="muted">{st.created_at.replace('T', ' ').replace('Z', ' UTC')}</div> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

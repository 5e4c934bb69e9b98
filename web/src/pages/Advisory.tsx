// Customer advisory export: the manufacturer writes what only a person can (publisher,
// tracking, plain-words summary, each vulnerability's description and impact); medfwd
// adds its findings and the signed release notices and returns CSAF 2.0 (full or VEX),
// the readable safety communication (HTML) or Markdown (docs/advisories.md).
import { useMemo, useState } from 'preact/hooks';
import { api, apiDocument, ApiError, type FirmwareReport } from '../api';
import { useLoad } from '../hooks';
import { Empty, ErrorNote, Loading } from '../components/status';
import type { Release } from './Releases';
import type { Finding } from './findings';

interface VulnText {
  include: boolean;
  title: string;
  description: string;
  impact: string;
  mitigations: string;
}

const formats: [string, string, string][] = [
  ['csaf:full', 'CSAF 2.0 security advisory (JSON)', 'csaf'],
  ['csaf:vex', 'CSAF 2.0 VEX (JSON)', 'csaf'],
  ['html', 'Safety communication (HTML)', 'html'],
  ['markdown', 'Safety communication (Markdown)', 'markdown'],
];

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 64) || 'product';
}

export function AdvisoryExport() {
  const releases = useLoad(() => api<{ releases: Release[] }>('GET', '/api/v1/repository/releases', undefined, { limit: 200 }), []);
  const findings = useLoad(() => api<{ findings: Finding[] }>('GET', '/api/v1/vulnerabilities/findings', undefined, { limit: 500 }), []);
  const report = useLoad(() => api<FirmwareReport>('GET', '/api/v1/reports/firmware'), []);
  const [head, setHead] = useState({ publisher: '', namespace: 'https://', contact: '', id: '', status: 'final', revision: 'Initial release.', title: '', summary: '', model: '' });
  const [versions, setVersions] = useState<string[]>([]);
  const [texts, setTexts] = useState<Record<string, VulnText>>({});
  const [format, setFormat] = useState('csaf:full');
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const allReleases = useMemo(() => [...(releases.data?.releases ?? [])].sort((a, b) => (a.release_date + a.target).localeCompare(b.release_date + b.target)), [releases.data]);
  const cves = useMemo(() => [...new Set((findings.data?.findings ?? []).filter((f) => f.status !== 'unmatched').map((f) => f.vulnerability))].sort(), [findings.data]);
  const models = (report.data?.models ?? []).map((m) => m.model).filter(Boolean);
  const text = (cve: string): VulnText => texts[cve] ?? { include: false, title: '', description: '', impact: '', mitigations: '' };
  const setText = (cve: string, c: Partial<VulnText>) => setTexts({ ...texts, [cve]: { ...text(cve), ...c } });

  function input(): Record<string, unknown> {
    const chosen = allReleases.filter((r) => versions.includes(r.target));
    const udis = [...new Set(chosen.flatMap((r) => ((r as unknown as { udi_dis?: string[] }).udi_dis ?? [])))];
    const publisher: Record<string, string> = { name: head.publisher.trim(), namespace: head.namespace.trim() };
    if (head.contact.trim()) publisher.contact = head.contact.trim();
    const product: Record<string, unknown> = {
      id: slug(head.model),
      model: head.model,
      releases: chosen.map((r) => ({ version: r.product_version })),
    };
    if (udis.length) product.udi_dis = udis;
    return {
      advisory_format: 1,
      publisher,
      tracking: { id: head.id.trim(), status: head.status, revision_history: [{ number: '1', date: `${new Date().toISOString().slice(0, 19)}Z`, summary: head.revision.trim() }] },
      title: head.title.trim(),
      summary: head.summary.trim(),
      products: [product],
      vulnerabilities: cves
        .filter((c) => text(c).include)
        .map((c) => {
          const t = text(c);
          const v: Record<string, unknown> = { cve: c, title: t.title.trim(), description: t.description.trim(), impact: t.impact.trim() };
          const m = t.mitigations
            .split('\n')
            .map((x) => x.trim())
            .filter(Boolean);
          if (m.length) v.mitigations = m;
          return v;
        }),
    };
  }

  async function exportIt(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const [f, profile] = format.split(':');
      const body: Record<string, unknown> = { input: input(), format: f };
      if (profile) body.profile = profile;
      const { blob, filename } = await apiDocument('POST', '/api/v1/vulnerabilities/advisories', body);
      const name = filename ?? 'advisory';
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setDone(`${name} (${blob.size.toLocaleString('en')} bytes) was exported; the export is in the audit trail.`);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'internal', String(err)));
    } finally {
      setBusy(false);
    }
  }

  if (releases.loading || findings.loading) return <Loading what="the releases and findings" />;
  return (
    <form class="card form" aria-labelledby="adv-title" onSubmit={exportIt}>
      <h2 id="adv-title">Customer advisory</h2>
      <p class="muted">medfwd fills in every release's status for each vulnerability from its findings and VEX statements, and the fixed releases from their signed notices. It refuses an advisory its findings contradict.</p>
      <ErrorNote error={releases.error} what="Cannot list the releases" />
      <ErrorNote error={findings.error} what="Cannot list the findings" />
      <fieldset>
        <legend>Publisher and tracking</legend>
        <div class="grid two">
          <div class="field">
            <label for="adv-pub">Manufacturer</label>
            <input id="adv-pub" required value={head.publisher} onInput={(e) => setHead({ ...head, publisher: e.currentTarget.value })} />
          </div>
          <div class="field">
            <label for="adv-ns">Manufacturer's web address</label>
            <input id="adv-ns" type="url" required value={head.namespace} onInput={(e) => setHead({ ...head, namespace: e.currentTarget.value })} />
          </div>
          <div class="field">
            <label for="adv-contact">PSIRT contact</label>
            <input id="adv-contact" value={head.contact} onInput={(e) => setHead({ ...head, contact: e.currentTarget.value })} />
          </div>
          <div class="field">
            <label for="adv-id">Advisory id</label>
            <input id="adv-id" required placeholder="ACME-SA-2026-001" value={head.id} onInput={(e) => setHead({ ...head, id: e.currentTarget.value })} />
          </div>
          <div class="field">
            <label for="adv-status">Status</label>
            <select id="adv-status" value={head.status} onChange={(e) => setHead({ ...head, status: e.currentTarget.value })}>
              <option value="draft">draft</option>
              <option value="interim">interim</option>
              <option value="final">final</option>
            </select>
          </div>
          <div class="field">
            <label for="adv-rev">Revision note</label>
            <input id="adv-rev" required value={head.revision} onInput={(e) => setHead({ ...head, revision: e.currentTarget.value })} />
          </div>
        </div>
        <label for="adv-title-in">Title</label>
        <input id="adv-title-in" required value={head.title} onInput={(e) => setHead({ ...head, title: e.currentTarget.value })} />
        <label for="adv-summary">Summary for hospital staff (plain words)</label>
        <textarea id="adv-summary" required rows={3} value={head.summary} onInput={(e) => setHead({ ...head, summary: e.currentTarget.value })} />
      </fieldset>
      <fieldset>
        <legend>Device and releases</legend>
        <label for="adv-model">Model</label>
        <select id="adv-model" required value={head.model} onChange={(e) => setHead({ ...head, model: e.currentTarget.value })}>
          <option value="">Choose…</option>
          {models.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
        <div role="group" aria-labelledby="adv-rel-label">
          <span id="adv-rel-label" class="label">
            Releases (oldest first)
          </span>
          <div class="checks">
            {allReleases.map((r) => (
              <label key={r.target} class="check">
                <input type="checkbox" checked={versions.includes(r.target)} onChange={(e) => setVersions(e.currentTarget.checked ? [...versions, r.target] : versions.filter((x) => x !== r.target))} /> {r.product_version}{' '}
                <span class="muted">({r.target})</span>
              </label>
            ))}
          </div>
        </div>
      </fieldset>
      <fieldset>
        <legend>Vulnerabilities</legend>
        {cves.length === 0 ? <Empty title="No finding to report." /> : null}
        {cves.map((c) => {
          const t = text(c);
          const id = `adv-${c}`;
          return (
            <div key={c} class="vuln-text">
              <label class="check">
                <input type="checkbox" checked={t.include} onChange={(e) => setText(c, { include: e.currentTarget.checked })} /> <span class="mono">{c}</span>
              </label>
              {t.include ? (
                <div class="grid two">
                  <div class="field">
                    <label for={`${id}-title`}>Title of {c}</label>
                    <input id={`${id}-title`} required value={t.title} onInput={(e) => setText(c, { title: e.currentTarget.value })} />
                  </div>
                  <div class="field">
                    <label for={`${id}-impact`}>Impact of {c} (what can happen)</label>
                    <input id={`${id}-impact`} required value={t.impact} onInput={(e) => setText(c, { impact: e.currentTarget.value })} />
                  </div>
                  <div class="field">
                    <label for={`${id}-desc`}>Description of {c}</label>
                    <textarea id={`${id}-desc`} required rows={2} value={t.description} onInput={(e) => setText(c, { description: e.currentTarget.value })} />
                  </div>
                  <div class="field">
                    <label for={`${id}-mit`}>Mitigations of {c} (one per line)</label>
                    <textarea id={`${id}-mit`} rows={2} value={t.mitigations} onInput={(e) => setText(c, { mitigations: e.currentTarget.value })} />
                  </div>
                </div>
              ) : null}
            </div>
          );
        })}
      </fieldset>
      <div class="field">
        <label for="adv-format">Format</label>
        <select id="adv-format" value={format} onChange={(e) => setFormat(e.currentTarget.value)}>
          {formats.map(([k, label]) => (
            <option key={k} value={k}>
              {label}
            </option>
          ))}
        </select>
      </div>
      <ErrorNote error={error} what="The advisory was not exported" />
      {done ? (
        <p class="notice" role="status">
          {done}
        </p>
      ) : null}
      <div class="row">
        <button type="submit" class="primary" disabled={busy || versions.length === 0 || !head.model}>
          {busy ? 'Exporting…' : 'Export the advisory'}
        </button>
      </div>
    </form>
  );
}

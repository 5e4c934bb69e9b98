// The device inventory: search, filter, sort and page on the server (a fleet of 100,000
// devices never comes to the browser whole); the filters live in the address, so a view
// can be bookmarked or sent to a colleague; the CSV export takes the same filters.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, withQuery, type DevicePage, type FirmwareReport } from '../api';
import { ago, deviceState } from '../format';
import { useLoad } from '../hooks';
import { PageTitle } from '../components/layout';
import { Pager } from '../components/nav';
import { Badge, Empty, ErrorNote, Loading } from '../components/status';
import { useSession } from '../session';

const PAGE = 50;

type SortKey = 'serial' | 'model' | 'firmware_version' | 'last_seen' | 'location';

interface Column {
  label: string;
  sort?: SortKey;
}

const columns: Column[] = [
  { label: 'Serial', sort: 'serial' },
  { label: 'UDI-DI' },
  { label: 'Model', sort: 'model' },
  { label: 'Location', sort: 'location' },
  { label: 'Network zone' },
  { label: 'Firmware', sort: 'firmware_version' },
  { label: 'Last seen', sort: 'last_seen' },
  { label: 'State' },
];

const filterKeys = ['q', 'site', 'model', 'firmware_version', 'enrolment_state', 'signed', 'sort', 'order', 'offset'] as const;
type Filters = Partial<Record<(typeof filterKeys)[number], string>>;

function filtersOf(query: Record<string, string>): Filters {
  const f: Filters = {};
  for (const k of filterKeys) if (query[k]) f[k] = query[k];
  return f;
}

export function Devices() {
  const s = useSession();
  const loc = useLocation();
  const filters = filtersOf(loc.query);
  const [q, setQ] = useState(filters.q ?? '');
  useEffect(() => setQ(filters.q ?? ''), [filters.q]);

  const report = useLoad(() => api<FirmwareReport>('GET', '/api/v1/reports/firmware', undefined, { site: filters.site }), [filters.site]);
  const page = useLoad(
    () => api<DevicePage>('GET', '/api/v1/devices', undefined, { ...filters, limit: PAGE }),
    [JSON.stringify(filters)],
  );

  function go(change: Filters) {
    const next: Filters = { ...filters, ...change };
    if (!('offset' in change)) delete next.offset;
    for (const k of Object.keys(next) as (keyof Filters)[]) if (!next[k]) delete next[k];
    loc.route(withQuery('/ui/devices', next));
  }

  function sortBy(key: SortKey) {
    const order = filters.sort === key && filters.order !== 'desc' ? 'desc' : 'asc';
    go({ sort: key, order });
  }

  const models = report.data?.models ?? [];
  const versions = [...new Set(models.filter((m) => !filters.model || m.model === filters.model).flatMap((m) => m.versions.map((v) => v.firmware_version)))].sort();
  const exportHref = withQuery('/api/v1/devices/export', { ...filters, offset: undefined, sort: undefined, order: undefined, format: 'csv' });
  const p = page.data;

  return (
    <>
      <PageTitle title="Devices">
        <a class="button" href={exportHref} download="devices.csv">
          Export CSV
        </a>
      </PageTitle>
      <form
        class="filters"
        role="search"
        aria-label="Find devices"
        onSubmit={(e) => {
          e.preventDefault();
          go({ q: q.trim() });
        }}
      >
        <div class="field grow">
          <label for="device-q">Search</label>
          <input id="device-q" type="search" placeholder="Scan or type a UDI, a serial or a location" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        </div>
        {s.me.user.site_id === null && s.sites.length > 1 ? (
          <div class="field">
            <label for="device-site">Site</label>
            <select id="device-site" value={filters.site ?? ''} onChange={(e) => go({ site: e.currentTarget.value, model: '', firmware_version: '' })}>
              <option value="">All sites</option>
              {s.sites.map((x) => (
                <option key={x.id} value={String(x.id)}>
                  {x.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <div class="field">
          <label for="device-model">Model</label>
          <select id="device-model" value={filters.model ?? ''} onChange={(e) => go({ model: e.currentTarget.value, firmware_version: '' })}>
            <option value="">All models</option>
            {models.map((m) => (
              <option key={m.model} value={m.model}>
                {m.model}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="device-fw">Firmware</label>
          <select id="device-fw" value={filters.firmware_version ?? ''} onChange={(e) => go({ firmware_version: e.currentTarget.value })}>
            <option value="">All versions</option>
            {versions.map((v) => (
              <option key={v} value={v}>
                {v || '(not reported)'}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="device-state">Enrolment</label>
          <select id="device-state" value={filters.enrolment_state ?? ''} onChange={(e) => go({ enrolment_state: e.currentTarget.value })}>
            <option value="">Any</option>
            <option value="enrolled">Enrolled</option>
            <option value="pending">Pending</option>
            <option value="revoked">Revoked</option>
          </select>
        </div>
        <div class="field">
          <label for="device-signed">Image</label>
          <select id="device-signed" value={filters.signed ?? ''} onChange={(e) => go({ signed: e.currentTarget.value })}>
            <option value="">Any</option>
            <option value="yes">Signed release</option>
            <option value="no">Not a signed release</option>
            <option value="unknown">Not reported</option>
          </select>
        </div>
        <div class="field">
          <button type="submit" class="primary">
            Search
          </button>
        </div>
      </form>
      <ErrorNote error={report.error} what="Cannot list the models" />
      <ErrorNote error={page.error} what="Cannot list the devices" />
      {page.loading && !p ? <Loading what="devices" /> : null}
      {p && p.devices.length === 0 ? (
        Object.keys(filters).length > 0 ? (
          <Empty title="No device matches these filters.">
            <a href="/ui/devices">Clear the filters</a> or search for another UDI, serial or location.
          </Empty>
        ) : (
          <Empty title="No devices yet.">Add devices with a CSV import (medfw devices import) or enrol them with an enrolment token; they appear here when they check in.</Empty>
        )
      ) : null}
      {p && p.devices.length > 0 ? (
        <>
          <p class="muted" role="status" aria-live="polite">
            {p.total.toLocaleString('en')} device{p.total === 1 ? '' : 's'}
            {p.total > p.devices.length ? ` · ${p.offset + 1}–${p.offset + p.devices.length} shown` : ''}
          </p>
          <div class="table-wrap" tabIndex={0}>
            <table class="table" aria-label="Devices">
              <thead>
                <tr>
                  {columns.map((c) => {
                    const active = c.sort && filters.sort === c.sort;
                    const dir = active ? (filters.order === 'desc' ? 'descending' : 'ascending') : undefined;
                    return (
                      <th scope="col" key={c.label} aria-sort={c.sort ? (dir ?? 'none') : undefined}>
                        {c.sort ? (
                          <button type="button" class="sort" onClick={() => sortBy(c.sort!)}>
                            {c.label}
                            <span aria-hidden="true">{active ? (filters.order === 'desc' ? ' ▼' : ' ▲') : ''}</span>
                          </button>
                        ) : (
                          c.label
                        )}
                      </th>
                    );
                  })}
                </tr>
              </thead>
              <tbody>
                {p.devices.map((d) => (
                  <tr key={d.id}>
                    <td class="mono">
                      <a href={`/ui/devices/${d.id}`}>{d.serial}</a>
                    </td>
                    <td class="mono">{d.udi_di ?? '—'}</td>
                    <td>{d.model || '—'}</td>
                    <td>{[d.department, d.location].filter(Boolean).join(' · ') || '—'}</td>
                    <td>{d.network_zone || '—'}</td>
                    <td>
                      {d.firmware_version || '—'}{' '}
                      {d.image_is_signed_release === false ? <Badge tone="bad">not signed</Badge> : null}
                    </td>
                    <td title={d.last_seen ? new Date(d.last_seen * 1000).toISOString() : undefined}>{ago(d.last_seen)}</td>
                    <td>{deviceState(d)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager offset={p.offset} size={PAGE} total={p.total} onGo={(o) => go({ offset: String(o) })} />
        </>
      ) : null}
    </>
  );
}

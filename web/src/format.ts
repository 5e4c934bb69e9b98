// How times, counts and states read on every page.

export function dateTime(unix: number | null | undefined): string {
  if (unix === null || unix === undefined || unix === 0) return '—';
  const d = new Date(unix * 1000);
  return d.toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
}

export function ago(unix: number | null | undefined, now = Date.now() / 1000): string {
  if (unix === null || unix === undefined || unix === 0) return 'never';
  const s = Math.round(now - unix);
  if (s < 0) return dateTime(unix);
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** The production identifier as medfwd stores it ("lot=..;serial=..;expiry=.."), readable. */
export function udiPi(pi: string | null): string {
  if (!pi) return '';
  const names: Record<string, string> = { lot: 'lot', serial: 'serial', expiry: 'expires', manufactured: 'made', software: 'software' };
  return pi
    .split(';')
    .map((kv) => {
      const i = kv.indexOf('=');
      return i < 0 ? kv : `${names[kv.slice(0, i)] ?? kv.slice(0, i)} ${kv.slice(i + 1)}`;
    })
    .join(' · ');
}

export function udi(di: string | null, pi: string | null): string {
  if (!di && !pi) return '—';
  return [di ? `DI ${di}` : '', udiPi(pi)].filter(Boolean).join(' · ');
}

/** A device's state in one word a clinical engineer reads at a glance. */
export function deviceState(d: { enrolment_state: string; clinical_state: string; update_state: string | null }): string {
  if (d.enrolment_state !== 'enrolled') return d.enrolment_state;
  if (d.update_state && !['committed', 'rolled_back_ok'].includes(d.update_state)) return d.update_state.replace(/_/g, ' ');
  if (d.clinical_state && d.clinical_state !== 'unknown') return d.clinical_state.replace(/_/g, ' ');
  return 'enrolled';
}

export function shortHash(h: string | null | undefined): string {
  if (!h) return '—';
  return h.length > 16 ? `${h.slice(0, 12)}…` : h;
}

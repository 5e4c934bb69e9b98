// The one way the dashboard talks to medfwd: the same /api/v1 the command line uses.
// The session is an HttpOnly cookie the browser sends by itself; state-changing requests
// carry the CSRF token medfwd gave at sign-in (or from /api/v1/me after a reload).

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;

  constructor(status: number, code: string, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

let csrfToken: string | null = null;
let onSignedOut: ((why: string) => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when the server says the session is gone (expired, idle, revoked). */
export function setSignedOutHandler(fn: ((why: string) => void) | null): void {
  onSignedOut = fn;
}

type Query = Record<string, string | number | boolean | undefined | null>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

/** Sends a request; an answer that is not 2xx becomes an ApiError with medfwd's words. */
async function request(method: string, path: string, body: unknown, query: Query | undefined, accept: string): Promise<Response> {
  const headers: Record<string, string> = { Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let r: Response;
  try {
    r = await fetch(withQuery(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'error',
    });
  } catch (e) {
    throw new ApiError(0, 'network', `medfwd cannot be reached (${(e as Error).message}); check the connection and try again`);
  }
  if (!r.ok) {
    let data: unknown = null;
    try {
      data = JSON.parse(await r.text());
    } catch {
      data = null;
    }
    const e = (data as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
    const err = new ApiError(r.status, e?.code ?? `http_${r.status}`, e?.message ?? `medfwd answered HTTP ${r.status}`, e?.field);
    if (r.status === 401 && path !== '/api/v1/session' && onSignedOut) onSignedOut(err.message);
    throw err;
  }
  return r;
}

export async function api<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
  const r = await request(method, path, body, query, 'application/json');
  const text = await r.text();
  if (!text) return null as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new ApiError(r.status, 'bad_answer', 'medfwd answered with something that is not JSON');
  }
}

/** A document to save (an advisory): its bytes and the file name medfwd gave it. */
export async function apiDocument(method: string, path: string, body?: unknown): Promise<{ blob: Blob; filename: string | null }> {
  const r = await request(method, path, body, undefined, '*/*');
  const filename = /filename="([^"/\\]+)"/.exec(r.headers.get('Content-Disposition') ?? '')?.[1] ?? null;
  return { blob: await r.blob(), filename };
}

// ---- the shapes the dashboard reads (docs/api/openapi.yaml) ----

export interface User {
  id: number;
  username: string;
  display_name: string;
  role: string;
  site_id: number | null;
  totp_enrolled: boolean;
  totp_required: boolean;
  disabled: boolean;
}

export interface Me {
  user: User;
  via: 'session' | 'api_token';
  permissions: string[];
  csrf_token?: string;
}

export interface LoginAnswer {
  csrf_token: string;
  user: User;
  expires_in: number;
  totp_enrolment_required: boolean;
}

export interface Site {
  id: number;
  name: string;
  time_zone: string;
}

export interface Device {
  id: number;
  site_id: number;
  udi_di: string | null;
  udi_pi: string | null;
  serial: string;
  model: string;
  hardware_id: string;
  department: string;
  location: string;
  network_zone: string;
  vlan: number | null;
  ip: string;
  mac: string;
  firmware_version: string;
  image_sha256: string;
  image_is_signed_release: boolean | null;
  agent_version: string;
  last_seen: number | null;
  clinical_state: string;
  enrolment_state: string;
  keyid: string | null;
  created_at: number;
  update_state: string | null;
  update_target: string | null;
  update_version: string | null;
  update_reason: string | null;
  update_at: number | null;
  tags: string[];
}

export interface Page {
  total: number;
  limit: number;
  offset: number;
  next_offset?: number | null;
}

export interface DevicePage extends Page {
  devices: Device[];
}

export interface FirmwareReport {
  models: {
    model: string;
    devices: number;
    not_signed: number;
    versions: { firmware_version: string; devices: number; signed_release: number; not_signed: number; unknown: number }[];
  }[];
  not_signed_devices: { id: number; site_id: number; serial: string; model: string; firmware_version: string; image_sha256: string }[];
  not_signed_total: number;
}

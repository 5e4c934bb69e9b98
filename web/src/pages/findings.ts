// The shape of a vulnerability finding as medfwd returns it (docs/vulnerabilities.md).

export interface Exposure {
  id: number;
  site_id: number;
  vulnerability: string;
  severity_level: string | null;
  score: number | null;
  kev: boolean;
  kev_due_date: string | null;
  devices: number;
  fixed_by: string | null;
  first_seen: string;
  due: string | null;
  closed_at: string | null;
  overdue: boolean;
  fix_rollouts: { id: number; name?: string; state?: string }[];
}

export interface Evidence {
  source: string;
  record: string;
  rule: string;
  comparison: string;
  outcome: string;
  file: string;
  json_path: string;
  fixed_version: string | null;
}

export interface Finding {
  id: number;
  release: string;
  status: string;
  vulnerability: string;
  aliases: string[];
  severity_level: string | null;
  severity: { base_score: number | null; rating: string | null; vector: string | null; source: string | null } | null;
  fixed_by: string | null;
  component: { name: string; version: string | null; purl: string | null; ref: string; cpes: string[] };
  kev: { listed: boolean; due_date: string | null; date_added: string | null } | null;
  evidence: Evidence[];
  vex: Record<string, unknown> | null;
  vex_applied: boolean;
  priority: number;
  first_seen: string;
  last_changed: string;
  exposure?: Exposure | null;
}

export function severityTone(sev: string | null | undefined): 'bad' | 'warn' | 'info' | 'muted' {
  switch (sev) {
    case 'critical':
    case 'high':
      return 'bad';
    case 'medium':
      return 'warn';
    case 'low':
      return 'info';
    default:
      return 'muted';
  }
}

export const severities = ['critical', 'high', 'medium', 'low', 'none', 'unknown'];

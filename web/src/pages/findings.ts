// The shape of a vulnerability finding as medfwd returns it (docs/vulnerabilities.md).

export interface Finding {
  id: number;
  release: string;
  status: string;
  severity: string | null;
  fixed_by: string | null;
  component: { name: string; version: string; purl?: string | null };
  vulnerability: { id: string; kev?: boolean | { listed: boolean }; aliases?: string[] };
  exposure?: { due_date?: string | null; overdue?: boolean } | null;
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

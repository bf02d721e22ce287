/** What the rehearsal found: each finding names the function and what it lacks. */
export type FindingKind = 'setting' | 'secret' | 'role' | 'index' | 'google' | 'start' | 'render' | 'walk';

export interface Finding {
  kind: FindingKind;
  function?: string;
  message: string;
  /** Fails the rehearsal (a warning otherwise). */
  fatal: boolean;
  at: number;
}

/** A Google API call a function process made, and whether Terraform's grants allow it. */
export interface ApiCall {
  function: string;
  serviceAccount: string;
  api: string;
  permission: string;
  resource: string;
  allowed: boolean | 'condition-doubt';
  /** The role (and Terraform address) that granted it. */
  grantedBy?: string;
  at: number;
}

export class Findings {
  readonly list: Finding[] = [];
  private readonly seen = new Set<string>();
  constructor(private readonly log: (line: string) => void = () => {}) {}

  add(finding: Omit<Finding, 'at'>): void {
    const key = `${finding.kind}|${finding.function ?? ''}|${finding.message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push({ ...finding, at: Date.now() });
    this.log(`${finding.fatal ? 'FAIL' : 'warn'} [${finding.kind}] ${finding.function ? `${finding.function}: ` : ''}${finding.message}`);
  }
  since(at: number): Finding[] {
    return this.list.filter((f) => f.at >= at);
  }
  get fatal(): Finding[] {
    return this.list.filter((f) => f.fatal);
  }
}

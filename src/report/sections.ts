/** The theorem sections of the proof report: the table (theorems.ts) met with the suite's results, and their Markdown. */
import { escapeCell as escape } from '../output/markdown.js';
import type { CaseCount } from './case-counts.js';
import type { ProofSummary } from './summary.js';
import { THEOREMS, type TheoremEntry } from './theorems.js';
import type { Witness } from './witnesses.js';

export interface TheoremCheck {
  file: string;
  statement: string;
  title: string;
  status: string;
  /** fast-check cases run (and discarded by preconditions), when the check ran properties. */
  cases?: CaseCount;
}

export interface TheoremSection {
  id: string;
  title: string;
  statement: string;
  source: string;
  seed: number;
  checks: TheoremCheck[];
  passed: number;
  failed: number;
  cases: number;
  witness?: Witness;
  /** A witness that could not be computed: a failure, reported. */
  witnessError?: string;
  ok: boolean;
}

export function theoremSections(summary: ProofSummary, table: readonly TheoremEntry[] = THEOREMS): TheoremSection[] {
  return table.map((entry) => {
    const checks: TheoremCheck[] = [];
    for (const { file, claims } of summary.files) {
      for (const claim of claims) {
        for (const k of claim.checks.filter((k) => k.covers?.includes(entry.id))) checks.push({ file, statement: claim.statement, title: k.title, status: k.status, ...(k.cases ? { cases: k.cases } : {}) });
      }
    }
    let witness: Witness | undefined;
    let witnessError: string | undefined;
    if (entry.witness) {
      try {
        witness = entry.witness(summary.seed);
      } catch (e) {
        witnessError = (e as Error).message;
      }
    }
    const failed = checks.filter((c) => c.status === 'failed').length;
    return {
      id: entry.id,
      title: entry.title,
      statement: entry.statement,
      source: entry.source,
      seed: summary.seed,
      checks,
      passed: checks.filter((c) => c.status === 'passed').length,
      failed,
      cases: checks.reduce((n, c) => n + (c.cases?.runs ?? 0), 0),
      ...(witness ? { witness } : {}),
      ...(witnessError ? { witnessError } : {}),
      // No covering check at all is a failure too: the table and the suite have drifted apart.
      ok: failed === 0 && checks.length > 0 && witnessError === undefined && (witness?.certified ?? true),
    };
  });
}

/** "400 (+3 discarded)"; a negative control's count is the runs until its (intended) counterexample. */
export function casesText(c: CaseCount | undefined): string {
  if (!c) return '—';
  const discarded = c.skips ? ` (+${c.skips} discarded)` : '';
  return c.counterexamples ? `${c.runs}${discarded}, until the counterexample` : `${c.runs}${discarded}`;
}

export function theoremMarkdown(s: TheoremSection, runScale: number): string {
  const out = [
    `### ${s.title}`,
    '',
    `> ${s.statement}`,
    '',
    `*Source:* ${s.source}`,
    '',
    `*Checked:* ${s.checks.length} checks (${s.passed} passed, ${s.failed} failed), ${s.cases} fast-check cases at ${runScale}× the default counts, seed \`${s.seed}\`.${s.ok ? ' ✅' : ' ❌'}`,
    '',
  ];
  if (s.checks.length === 0) out.push('**No property check covers this result: the report table and the suite disagree.**', '');
  else {
    out.push('| property file › statement › check | cases | result |', '|---|---|---|');
    for (const c of s.checks) {
      const cases = casesText(c.cases);
      out.push(`| \`${c.file}\` › ${escape(c.statement)} › ${escape(c.title)} | ${cases} | ${c.status === 'passed' ? '✅ passed' : `❌ ${c.status}`} |`);
    }
    out.push('');
  }
  if (s.witness) {
    out.push(`**Sample witness** (seed \`${s.seed}\`, ${s.witness.network}), re-checked exactly in rationals: ${s.witness.certified ? 'certified ✅' : '**NOT certified ❌**'}`, '', '| | |', '|---|---|');
    for (const [label, value] of s.witness.rows) out.push(`| ${escape(label)} | ${escape(value)} |`);
    out.push('');
  }
  if (s.witnessError) out.push(`**The sample witness failed:** ${s.witnessError}`, '');
  return out.join('\n');
}

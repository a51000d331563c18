/**
 * The proof report as one self-contained HTML page (report/index.html, beside
 * index.md): the figures' SVGs inlined (with a <title> tooltip on every data
 * mark, which works offline), a contents sidebar, a verdict banner, the
 * theorems with their statements in HTML/Unicode math, the conformance matrix
 * as a coloured table linking each cell to its counterexample or growth path
 * (and the same on conv and residual networks),
 * the extra sections (converted from their Markdown), and the appendix of every
 * check with a filter box and one-click replay commands for failed checks.
 * No script or style is loaded from anywhere: the page needs no network.
 */
import { anchor } from '../output/markdown.js';
import type { ConformanceMatrix, MatrixCell } from './conformance.js';
import { VERDICT_COLOURS } from './conformance.js';
import { differencesText, expectedText, undetected, type LayeredConformance } from './layered.js';
import type { ExtraSection, ProofReport } from './report.js';
import { casesText, type TheoremSection } from './sections.js';
import type { ProofSummary } from './summary.js';

export const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Where a bracketed group opened at `open` closes (balanced), or -1. */
function closing(s: string, open: number): number {
  const pair: Record<string, string> = { '{': '}', '(': ')' };
  const close = pair[s[open]!]!;
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === s[open]) depth++;
    else if (s[i] === close && --depth === 0) return i;
  }
  return -1;
}

/**
 * Plain-text math (as the theorem table and witnesses write it) as HTML:
 * `x_{ab}`, `x_ab` → subscript, `x^{k}`, `x^(k+1)`, `x^±2` → superscript,
 * a Greek letter's trailing digit (θ1) → subscript. Everything else is escaped text.
 */
export function mathHtml(text: string): string {
  const s = escapeHtml(text).replace(/(?<!_)([θηα])(\d)(?![\p{N}])/gu, '$1_$2');
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if ((c === '_' || c === '^') && i + 1 < s.length) {
      const tag = c === '_' ? 'sub' : 'sup';
      const next = s[i + 1]!;
      if (next === '{' || next === '(') {
        const end = closing(s, i + 1);
        if (end > 0) {
          // `^(…)` keeps no parentheses when it is the whole exponent; `_{…}` never shows its braces.
          out += `<${tag}>${mathHtml(s.slice(i + 2, end).replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"'))}</${tag}>`;
          i = end;
          continue;
        }
      }
      const m = /^[±−+-]?[\p{L}\p{N}.]+/u.exec(s.slice(i + 1));
      if (m) {
        out += `<${tag}>${m[0]}</${tag}>`;
        i += m[0].length;
        continue;
      }
    }
    out += c;
  }
  return out;
}

/** Inline Markdown: code, bold, italic, links; the rest escaped. */
function inline(md: string): string {
  return md
    .split(/(`[^`]*`)/)
    .map((part) => {
      if (part.startsWith('`') && part.endsWith('`') && part.length > 1) return `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      return escapeHtml(part)
        // A backslash-escaped character is itself (as an entity, so no rule below reads it as markup).
        .replace(/\\([\\`*_{}[\]()#+\-.!|])/g, (_, c: string) => `&#${c.charCodeAt(0)};`)
        .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
        .replace(/(^|[^*\w])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>')
        .replace(/\[([^\]]+)\]\((#[^)\s]+)\)/g, '<a href="$2">$1</a>');
    })
    .join('');
}

const tableCells = (line: string) => line.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/).map((c) => c.trim());

/** The Markdown the extra sections are written in (headings, paragraphs, lists, tables, code, images of figures/…) as HTML. */
export function markdownHtml(md: string, figures: Readonly<Record<string, string>>): string {
  const lines = md.split('\n');
  const out: string[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length) out.push(`<p>${inline(paragraph.join(' '))}</p>`);
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = /^(#{1,6}) (.+)$/.exec(line);
    const image = /^!\[([^\]]*)\]\(([^)]+)\)\s*$/.exec(line);
    if (heading) {
      flush();
      const level = Math.min(6, heading[1]!.length);
      out.push(`<h${level} id="${escapeHtml(anchor(heading[2]!))}">${inline(heading[2]!)}</h${level}>`);
    } else if (image) {
      flush();
      out.push(figureHtml(figures, image[2]!, image[1]!));
    } else if (line.startsWith('```')) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) code.push(lines[i]!);
      out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
    } else if (line.trim().startsWith('|')) {
      flush();
      const rows: string[][] = [];
      for (; i < lines.length && lines[i]!.trim().startsWith('|'); i++) rows.push(tableCells(lines[i]!));
      i--;
      const [head, , ...body] = rows;
      out.push('<div class="scroll"><table>', `<thead><tr>${head!.map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead>`, '<tbody>', ...body.map((r) => `<tr>${r.map((c) => `<td>${inline(c)}</td>`).join('')}</tr>`), '</tbody></table></div>');
    } else if (/^\s*([-*]|\d+\.) /.test(line)) {
      flush();
      const ordered = /^\s*\d+\./.test(line);
      const items: string[] = [];
      for (; i < lines.length && /^\s*([-*]|\d+\.) /.test(lines[i]!); i++) items.push(lines[i]!.replace(/^\s*([-*]|\d+\.) /, ''));
      i--;
      const tag = ordered ? 'ol' : 'ul';
      out.push(`<${tag}>${items.map((t) => `<li>${inline(t)}</li>`).join('')}</${tag}>`);
    } else if (line.trim() === '') flush();
    else paragraph.push(line.trim());
  }
  flush();
  return out.join('\n');
}

/**
 * An SVG ready to inline: its ids made unique to the figure (several SVGs on one page), and
 * every labelled data mark (vega writes `aria-label="field: value; …"`) given a <title> tooltip.
 */
export function inlineSvg(svg: string, prefix: string): string {
  return svg
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/\bid="([^"]+)"/g, `id="${prefix}-$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}-$1)`)
    .replace(/<(path|rect|circle|line|text|image)\b([^>]*?)\baria-label="([^"]*)"([^>]*?)\/>/g, '<$1$2aria-label="$3"$4><title>$3</title></$1>')
    .replace(/<g\b([^>]*?)role="graphics-symbol"([^>]*?)aria-label="([^"]*)"([^>]*)>/g, '<g$1role="graphics-symbol"$2aria-label="$3"$4><title>$3</title>');
}

function figureHtml(figures: Readonly<Record<string, string>>, path: string, caption: string, edit: (svg: string) => string = (svg) => svg): string {
  const svg = figures[path];
  const id = `figure-${anchor(path.replace(/^figures\//, '').replace(/\.svg$/, ''))}`;
  if (svg === undefined) return `<p class="fail">Missing figure ${escapeHtml(path)}</p>`;
  return `<figure id="${id}" class="chart">${edit(inlineSvg(svg, id))}<figcaption>${inline(caption)}</figcaption></figure>`;
}

/** The heat map's cells (rect marks labelled "…metric: M; …family: F") as links to their details, like the table's. */
const linkHeatMapCells = (svg: string) =>
  svg.replace(/<path aria-label="[^"]*?metric: ([^;"]+);[^"]*?family: ([^;"]+)"[^>]*><title>[^<]*<\/title><\/path>/g, (cell, metric: string, family: string) => `<a href="#${cellId(metric, family)}">${cell}</a>`);

/** The shell command that replays one property check: its file, its full name as a vitest -t pattern, the report's seed and scale. */
export function replayCommand(file: string, statement: string, title: string, seed: number, scale: number): string {
  const pattern = `${statement.replace(/ › /g, ' ')} ${title}`.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return `FLATCHECK_SEED=${seed} FLATCHECK_RUNS_SCALE=${scale} npx vitest run ${quote(file)} -t ${quote(pattern)}`;
}

const mark = (ok: boolean) => (ok ? '<span class="ok-mark" title="holds">✓</span>' : '<span class="fail-mark" title="fails">✗</span>');
const status = (s: string) => (s === 'passed' ? '<span class="pass">✓ passed</span>' : `<span class="fail">✗ ${escapeHtml(s)}</span>`);
const checkKey = (file: string, statement: string, title: string) => `${file}\u0000${statement}\u0000${title}`;

function copyBlock(command: string): string {
  return `<div class="replay"><code>${escapeHtml(command)}</code><button type="button" class="copy" data-copy="${escapeHtml(command)}">Copy</button></div>`;
}

function theoremHtml(t: TheoremSection, runScale: number, checkIds: ReadonlyMap<string, string>): string {
  const out = [
    `<section id="${t.id}" class="theorem ${t.ok ? 'ok' : 'failed'}">`,
    `<h3>${mark(t.ok)} ${mathHtml(t.title)}</h3>`,
    `<blockquote class="math">${mathHtml(t.statement)}</blockquote>`,
    `<p class="source"><em>Source:</em> ${escapeHtml(t.source)}</p>`,
    `<p><em>Checked:</em> ${t.checks.length} checks (${t.passed} passed, ${t.failed} failed), ${t.cases} fast-check cases at ${runScale}× the default counts, seed <code>${t.seed}</code>.</p>`,
  ];
  if (t.checks.length === 0) out.push('<p class="fail"><strong>No property check covers this result: the report table and the suite disagree.</strong></p>');
  else {
    out.push('<div class="scroll"><table class="checks"><thead><tr><th>property file › statement › check</th><th>cases</th><th>seed</th><th>result</th></tr></thead><tbody>');
    for (const c of t.checks) {
      const id = checkIds.get(checkKey(c.file, c.statement, c.title));
      const name = `<code>${escapeHtml(c.file)}</code> › ${mathHtml(c.statement)} › ${escapeHtml(c.title)}`;
      out.push(`<tr class="${c.status === 'passed' ? '' : 'failed'}"><td>${id ? `<a href="#${id}">${name}</a>` : name}</td><td class="num">${escapeHtml(casesText(c.cases))}</td><td class="num">${t.seed}</td><td>${status(c.status)}</td></tr>`);
    }
    out.push('</tbody></table></div>');
  }
  if (t.witness) {
    out.push(
      `<p><strong>Sample witness</strong> (seed <code>${t.seed}</code>, ${mathHtml(t.witness.network)}), re-checked exactly in rationals: ${t.witness.certified ? '<span class="pass">certified ✓</span>' : '<strong class="fail">NOT certified ✗</strong>'}</p>`,
      '<div class="scroll"><table class="witness"><tbody>',
      ...t.witness.rows.map(([label, value]) => `<tr><th scope="row">${mathHtml(label)}</th><td>${mathHtml(value.replace(/\*\*/g, ''))}</td></tr>`),
      '</tbody></table></div>',
    );
  }
  if (t.witnessError) out.push(`<p class="fail"><strong>The sample witness failed:</strong> ${escapeHtml(t.witnessError)}</p>`);
  out.push('</section>');
  return out.join('\n');
}

const cellId = (metric: string, family: string) => `cell-${anchor(metric)}-${anchor(family)}`;
const number = (x: number) => (Number.isInteger(x) && Math.abs(x) < 1e6 ? String(x) : x.toPrecision(6));

type CellFacts = Pick<MatrixCell, 'family' | 'counterexample' | 'path' | 'error'> & { verdict?: MatrixCell['verdict']; runs?: number };

/** `mark`: after the verdict, how it compares with what was claimed or known (HTML). */
function cellDetail(id: string, heading: string, c: CellFacts, runs: number, seed: number | undefined, failed: boolean, mark: string): string {
  const verdict = c.verdict ? `<span class="verdict" style="background:${VERDICT_COLOURS[c.verdict]}">${c.verdict}</span>` : '<span class="fail">no verdict</span>';
  const out = [`<div id="${id}" class="cell-detail ${failed ? 'failed' : ''}">`, `<h4>${heading} under ${escapeHtml(c.family)}: ${verdict}${mark}</h4>`];
  if (c.error) out.push(`<p class="fail">Error: ${escapeHtml(c.error)}</p>`);
  if (c.counterexample) {
    const x = c.counterexample;
    out.push(
      `<p>Counterexample (shrunk${seed !== undefined ? `, seed <code>${seed}</code>` : ''}): symmetry ${escapeHtml(x.symmetry)}; m(θ) = ${number(x.before)}, m(Sθ) = ${number(x.after)}, tolerance ${number(x.tolerance)}.</p>`,
      `<details><summary>network and dataset</summary><pre><code>${escapeHtml(JSON.stringify({ network: x.network, dataset: x.dataset }, null, 1))}</code></pre></details>`,
    );
  }
  if (c.path?.length) {
    out.push(`<p>Growth path t ↦ m(S<sub>t</sub>θ) (${c.verdict === 'unbounded' ? 'grows by 10⁶ or more: unbounded' : 'bounded along this path'}):</p>`, '<div class="scroll"><table class="path"><thead><tr><th>t</th>', ...c.path.map((p) => `<td class="num">${number(p.t)}</td>`), '</tr></thead><tbody><tr><th>m</th>', ...c.path.map((p) => `<td class="num">${number(p.value)}</td>`), '</tr></tbody></table></div>');
  }
  if (!c.counterexample && !c.path?.length && !c.error && c.verdict) out.push(`<p>No counterexample to invariance in ${c.runs || runs} cases.</p>`);
  out.push('</div>');
  return out.join('\n');
}

function matrixHtml(m: ConformanceMatrix, figures: Readonly<Record<string, string>>, heatMap: string): string {
  const out = [
    `<p>${m.rows.length} metrics × ${m.families.length} symmetry families, ${m.runs} random cases per family, seed <code>${m.seed}</code>. A verdict is <em>invariant</em> when no counterexample was found within the metric's own measured float noise; otherwise <em>unbounded</em> when a one-parameter path of the family multiplies the metric by 10⁶ or more, else <em>not-invariant</em>. ✓ marks a verdict matching the metric's declared claim, ✗ a claim that failed. Each cell links to its counterexample or growth path.</p>`,
    `<p class="${m.claimsFailed === 0 ? 'pass' : 'fail'}"><strong>Claims: ${m.claimsFailed === 0 ? 'all hold' : `${m.claimsFailed} failed`}.</strong></p>`,
    `<div class="scroll"><table class="matrix"><thead><tr><th>metric</th>${m.families.map((f) => `<th>${escapeHtml(f)}</th>`).join('')}<th>claims</th></tr></thead><tbody>`,
  ];
  for (const r of m.rows) {
    const claims = r.claims.ok ? (r.cells.some((c) => c.claim) ? 'ok' : '(none declared)') : `✗ failed: ${r.claims.failed.join('; ')}`;
    const cells = r.cells.map((c) => `<td class="verdict-cell${c.claimFailed ? ' claim-failed' : ''}" style="background:${VERDICT_COLOURS[c.verdict]}"><a href="#${cellId(r.metric, c.family)}">${c.verdict}${c.claim ? (c.claimFailed ? ` ✗ claimed ${c.claim}` : ' ✓') : ''}</a></td>`);
    out.push(`<tr class="${r.claims.ok ? '' : 'failed'}"><th scope="row"><code>${escapeHtml(r.metric)}</code>${r.title ? `<br><span class="small">${escapeHtml(r.title)}</span>` : ''}</th>${cells.join('')}<td class="${r.claims.ok ? '' : 'fail'}">${escapeHtml(claims)}</td></tr>`);
  }
  out.push('</tbody></table></div>', figureHtml(figures, heatMap, 'The conformance matrix as a heat map (each cell links to its details).', linkHeatMapCells), '<h3 id="matrix-cells">Every cell: counterexample or growth path</h3>');
  for (const r of m.rows) {
    for (const c of r.cells) {
      const mark = c.claim ? (c.claimFailed ? ` <span class="fail">✗ claimed ${c.claim}</span>` : ' <span class="pass">✓ as claimed</span>') : '';
      out.push(cellDetail(cellId(r.metric, c.family), `<code>${escapeHtml(r.metric)}</code>`, c, m.runs, m.seed, c.claimFailed, mark));
    }
  }
  return out.join('\n');
}

const layeredCellId = (architecture: string, metric: string, family: string) => `cell-${architecture}-${anchor(metric)}-${anchor(family)}`;

/** The verdicts on conv and residual networks: a coloured table per architecture, each cell linked to its details. */
export function layeredHtml(l: LayeredConformance): string {
  const why = `<code>${escapeHtml(l.theory.replace(/#.*/, ''))}</code> §5 (“Known answers on conv and residual networks”)`;
  const out = [
    `<p>The battery on conv nets (conv, pooling, flatten, dense) and residual nets (identity and projection skips), one verdict per symmetry family the architecture has. The verdicts are the suite's own (<code>properties/conformance-layered*.prop.ts</code>, at the report's scale and seed), each held to the known answer of ${why}: ✓ marks a match, ✗ a miss. The last column compares each row with the metric's MLP row above: residual-scale and batchnorm-scale with neuron-scale (positive diagonal maps), sign-flip and logit-shift with permutation; ${why} explains every row that differs.</p>`,
    `<p class="${l.failed === 0 ? 'pass' : 'fail'}"><strong>Known answers: ${l.failed === 0 ? 'all match' : `${l.failed} rows failed`}.</strong></p>`,
  ];
  const details: string[] = [];
  for (const m of l.matrices) {
    out.push(`<h3 id="layered-${m.architecture}">${m.architecture === 'cnn' ? 'Conv nets (cnn)' : 'Residual nets (resnet)'}</h3>`);
    if (m.rows.length === 0) out.push('<p>No check of this run reported verdicts on this architecture.</p>');
    else {
      const cases = [...new Set(m.rows.map((r) => r.runs))].sort((a, b) => b - a);
      out.push(
        `<p>${m.rows.length} metrics × ${m.families.length} families, ${cases.join(' or ')} cases per cell (the Monte-Carlo rows fewer).</p>`,
        `<div class="scroll"><table class="layered-matrix" data-architecture="${m.architecture}"><thead><tr><th>metric</th>${m.families.map((f) => `<th>${escapeHtml(f)}</th>`).join('')}<th>compared with the MLP row</th></tr></thead><tbody>`,
      );
      for (const r of m.rows) {
        const cells = r.cells.map((c) => {
          const id = layeredCellId(m.architecture, r.metric, c.family);
          const text = c.ok ? `${c.verdict} ✓${undetected(c, r.sampled) ? '*' : ''}` : `${c.verdict ?? 'no verdict'} ✗ expected ${expectedText(c.expected)}`;
          const colour = c.verdict ? VERDICT_COLOURS[c.verdict] : VERDICT_COLOURS.error;
          const mark = c.ok ? ` <span class="pass">✓ known answer: ${expectedText(c.expected)}</span>` : ` <span class="fail">✗ expected ${expectedText(c.expected)}</span>`;
          details.push(cellDetail(id, `<code>${escapeHtml(r.metric)}</code> on ${m.architecture}`, c, r.runs, r.seed, !c.ok, mark));
          return `<td class="verdict-cell${c.ok ? '' : ' claim-failed'}" style="background:${colour}"><a href="#${id}">${escapeHtml(text)}</a></td>`;
        });
        const diff = differencesText(r);
        const compared = diff.length ? `differs: ${escapeHtml(diff.join('; '))} — see <code>docs/theory.md</code> §5` : r.comparedWithMlp ? 'as on MLPs' : '— (no MLP row)';
        const failed = r.status !== 'passed' ? ` <span class="fail">✗ check ${escapeHtml(r.status)}</span>` : !r.claims.ok ? ` <span class="fail">✗ claim failed: ${escapeHtml(r.claims.failed.join('; '))}</span>` : '';
        out.push(`<tr class="${r.ok ? '' : 'failed'}"><th scope="row"><code>${escapeHtml(r.metric)}</code>${r.sampled ? ' <span class="small">(Monte Carlo)</span>' : ''}${failed}</th>${cells.join('')}<td>${compared}</td></tr>`);
      }
      out.push('</tbody></table></div>');
      if (m.rows.some((r) => r.cells.some((c) => undetected(c, r.sampled)))) out.push(`<p class="small">* A Monte-Carlo estimate whose change stayed within 12 standard errors: "not invariant" is the answer, and the battery did not detect it at this case count (${why}).</p>`);
    }
    if (m.notApplicable.length) out.push(`<p>MLPs only (they read an MLP's layers; the battery reports them not applicable, ${why}): ${m.notApplicable.map((id) => `<code>${escapeHtml(id)}</code>`).join(', ')}.</p>`);
    if (m.missing.length) out.push(`<p class="fail">Not checked on ${m.architecture} by this run: ${m.missing.map((id) => `<code>${escapeHtml(id)}</code>`).join(', ')}.</p>`);
  }
  if (details.length) out.push('<h3 id="layered-cells">Every cell: counterexample or growth path</h3>', ...details);
  return out.join('\n');
}

interface AppendixRow { id: string; file: string; statement: string; check: ProofSummary['files'][number]['claims'][number]['checks'][number] }

function appendixRows(r: ProofSummary): AppendixRow[] {
  let n = 0;
  return r.files.flatMap((f) => f.claims.flatMap((c) => c.checks.map((check) => ({ id: `check-${++n}`, file: f.file, statement: c.statement, check }))));
}

function appendixHtml(r: ProofSummary, rows: readonly AppendixRow[]): string {
  const out = [
    `<p><label for="filter">Filter the ${rows.length} checks:</label> <input id="filter" type="search" placeholder="file, statement, check or status…" autocomplete="off"> <span id="filter-count" aria-live="polite">${rows.length} of ${rows.length}</span></p>`,
    '<div class="scroll"><table id="appendix-table" class="checks"><thead><tr><th>property file</th><th>statement › check</th><th>cases</th><th>result</th><th>time</th></tr></thead><tbody>',
  ];
  for (const { id, file, statement, check: k } of rows) {
    const failed = k.status !== 'passed' && k.status !== 'skipped' && k.status !== 'todo' && k.status !== 'pending';
    const search = `${file} ${statement} ${k.title} ${k.status}`.toLowerCase();
    out.push(`<tr id="${id}" class="check-row${failed ? ' failed' : ''}" data-search="${escapeHtml(search)}"><td><code>${escapeHtml(file)}</code></td><td>${mathHtml(statement)} › ${escapeHtml(k.title)}${
      failed ? `${copyBlock(replayCommand(file, statement, k.title, r.seed, r.runScale))}${k.failure ? `<details><summary>failure</summary><pre><code>${escapeHtml(k.failure)}</code></pre></details>` : ''}` : ''
    }</td><td class="num">${escapeHtml(casesText(k.cases))}</td><td>${status(k.status)}</td><td class="num">${(k.durationMs / 1000).toFixed(2)} s</td></tr>`);
  }
  out.push('</tbody></table></div>');
  return out.join('\n');
}

const STYLE = `
:root { --ok: #2e7d4f; --fail: #b3261e; --ink: #1d1d1f; --muted: #5f6368; --line: #d9d9de; --side: 17rem; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
nav#contents { position: fixed; top: 0; bottom: 0; left: 0; width: var(--side); overflow-y: auto; padding: 1rem; background: #f6f6f8; border-right: 1px solid var(--line); font-size: 14px; }
nav#contents ol { padding-left: 1.2rem; margin: .3rem 0; } nav#contents li { margin: .15rem 0; }
nav#contents a { color: var(--ink); text-decoration: none; } nav#contents a:hover { text-decoration: underline; }
header, main { margin-left: var(--side); padding: 1rem 2rem 4rem; max-width: 70rem; } header { padding-bottom: 0; }
h1 { margin-top: .3rem; } h2 { border-bottom: 1px solid var(--line); padding-bottom: .2rem; margin-top: 2.5rem; } h3 { margin-top: 2rem; }
a { color: #1a5fb4; } code { font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; background: #f2f2f5; padding: 0 .2em; border-radius: 3px; overflow-wrap: anywhere; }
pre { background: #f2f2f5; padding: .6rem; overflow-x: auto; } pre code { background: none; padding: 0; }
.banner { padding: .8rem 1rem; border-radius: 6px; font-size: 1.15rem; font-weight: 600; color: #fff; }
.banner.ok { background: var(--ok); } .banner.failed { background: var(--fail); }
.pass, .ok-mark { color: var(--ok); } .fail, .fail-mark { color: var(--fail); } .fail-mark, .ok-mark { font-weight: 700; }
.scroll { overflow-x: auto; margin: .5rem 0; }
table { border-collapse: collapse; font-size: 14px; } th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
thead th { background: #f6f6f8; } td > .pass, td > .fail { white-space: nowrap; } td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.failed { background: #fdecea; } tr.failed td:first-child, tr.failed th:first-child { box-shadow: inset 4px 0 var(--fail); }
blockquote.math { margin: .5rem 0; padding: .6rem 1rem; border-left: 4px solid #8fa8d6; background: #f4f7fc; font-family: "STIX Two Text", "Cambria Math", "DejaVu Serif", serif; font-size: 1.05rem; }
section.theorem.failed { border-left: 4px solid var(--fail); padding-left: .8rem; }
.source { color: var(--muted); }
.replay { display: flex; gap: .4rem; align-items: flex-start; margin: .4rem 0; } .replay code { flex: 1; background: #fff; border: 1px solid var(--fail); padding: .3rem; display: block; }
button.copy { font: inherit; font-size: 13px; padding: .2rem .6rem; cursor: pointer; border: 1px solid var(--muted); border-radius: 4px; background: #fff; }
figure.chart { margin: 1rem 0; } figure.chart svg { max-width: 100%; height: auto; display: block; } figcaption { color: var(--muted); font-size: 14px; }
table.matrix td.verdict-cell a, table.layered-matrix td.verdict-cell a { color: #fff; font-weight: 600; text-decoration: none; display: block; } table.matrix td.claim-failed, table.layered-matrix td.claim-failed { outline: 3px solid black; outline-offset: -3px; }
.verdict { color: #fff; padding: 0 .4rem; border-radius: 3px; } .cell-detail { border-top: 1px solid var(--line); padding: .3rem 0; } .cell-detail.failed h4 { color: var(--fail); }
.cell-detail h4 { margin: .4rem 0; } .small { font-size: 12px; color: var(--muted); font-weight: normal; }
input#filter { font: inherit; padding: .3rem .5rem; width: min(28rem, 100%); }
:target { scroll-margin-top: 1rem; } tr:target, div:target { outline: 2px solid #1a5fb4; }
@media (max-width: 900px) {
  nav#contents { position: static; width: auto; border-right: none; border-bottom: 1px solid var(--line); }
  header, main { margin-left: 0; padding: 1rem; }
}
@media print {
  @page { size: A4; margin: 15mm 12mm; }
  body { font-size: 10.5pt; } nav#contents, button.copy, #filter, label[for=filter], #filter-count { display: none !important; }
  header, main { margin: 0; padding: 0; max-width: none; } .scroll { overflow: visible; }
  a { color: inherit; text-decoration: none; } tr.check-row { display: table-row !important; }
  .banner { -webkit-print-color-adjust: exact; print-color-adjust: exact; } td.verdict-cell, tr.failed, .verdict { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  figure, table, blockquote, .cell-detail, tr { break-inside: avoid; } h2, h3, h4 { break-after: avoid; }
  table { font-size: 9pt; }
}`;

const SCRIPT = `
(() => {
  const input = document.getElementById('filter');
  const count = document.getElementById('filter-count');
  const rows = [...document.querySelectorAll('#appendix-table tr.check-row')];
  input?.addEventListener('input', () => {
    const words = input.value.toLowerCase().split(/\\s+/).filter(Boolean);
    let shown = 0;
    for (const row of rows) { const hit = words.every((w) => row.dataset.search.includes(w)); row.hidden = !hit; if (hit) shown++; }
    count.textContent = shown + ' of ' + rows.length;
  });
  // On paper the failures' messages are shown: open their <details> before printing.
  window.addEventListener('beforeprint', () => { for (const d of document.querySelectorAll('tr.failed details')) d.open = true; });
  const fallback = (text) => { const t = document.createElement('textarea'); t.value = text; document.body.append(t); t.select(); try { document.execCommand('copy'); } finally { t.remove(); } };
  document.addEventListener('click', (event) => {
    const button = event.target.closest('button.copy');
    if (!button) return;
    const text = button.dataset.copy;
    const done = () => { button.textContent = 'Copied'; setTimeout(() => (button.textContent = 'Copy'), 1500); };
    if (navigator.clipboard) navigator.clipboard.writeText(text).then(done, () => { fallback(text); done(); });
    else { fallback(text); done(); }
  });
})();`;

/** `figures`: the report's figure files by path (figures/NAME.svg → SVG text), inlined into the page. */
export function renderHtml(r: ProofReport, extra: readonly ExtraSection[], figures: Readonly<Record<string, string>>): string {
  const rows = appendixRows(r);
  const checkIds = new Map(rows.map((row) => [checkKey(row.file, row.statement, row.check.title), row.id]));
  const extraTitles = extra.map((e, i) => /^## (.+)$/m.exec(e.markdown)?.[1] ?? `Extra section ${i + 1}`);
  const witnesses = r.theorems.filter((t) => t.witness);
  const withWitness = r.theorems.filter((t) => t.witness !== undefined || t.witnessError !== undefined).length;
  const failedRows = rows.filter((row) => row.check.status === 'failed');
  const c = r.conformance;
  const d = r.figures.data;
  const f = r.figures.files;
  const contents = [
    '<ol>',
    `<li><a href="#theorems">Theorems</a><ol>${r.theorems.map((t) => `<li><a href="#${t.id}">${mark(t.ok)} ${escapeHtml(t.title.split(' — ')[0]!)}</a></li>`).join('')}</ol></li>`,
    '<li><a href="#figures">Figures</a></li>',
    '<li><a href="#conformance-matrix">Conformance matrix</a></li>',
    `<li><a href="#layered-conformance">${mark(r.layered.failed === 0)} Conv and residual networks</a></li>`,
    ...extra.map((e, i) => `<li><a href="#${anchor(extraTitles[i]!)}">${mark(e.ok)} ${escapeHtml(extraTitles[i]!)}</a></li>`),
    `<li><a href="#appendix">Appendix: every property check</a>${failedRows.length ? `<ol>${failedRows.map((row) => `<li><a href="#${row.id}" class="fail">✗ ${escapeHtml(row.check.title)}</a></li>`).join('')}</ol>` : ''}</li>`,
    '</ol>',
  ].join('\n');
  // The title, verdict and counts come first: on a phone the contents follow them, on a desktop they sit in the sidebar.
  const header = [
    '<h1>flatcheck proof report</h1>',
    `<p>Dinh, Pascanu, Bengio &amp; Bengio, <em>Sharp Minima Can Generalize For Deep Nets</em> (ICML 2017), checked as executable properties: every symmetry of a rectifier network leaves the function unchanged, yet moves its Hessian norm, ε-sharpness and flat volume as far as we like.</p>`,
    `<div id="verdict" class="banner ${r.ok ? 'ok' : 'failed'}" role="status">${r.ok ? '✓ Verdict: everything holds' : '✗ Verdict: something failed (see the marked sections)'}</div>`,
    '<ul>',
    `<li>Seed <code>${r.seed}</code>, scale ${r.runScale}×. Replay the whole report: ${copyBlock(`npx flatcheck prove --seed ${r.seed} --scale ${r.runScale}`)}</li>`,
    ...(r.shards ? [`<li>Merged from ${r.shards.length} shards: ${r.shards.map((h) => `${h.index}/${h.count} (seed <code>${h.seed}</code>, scale ${h.scale}×)`).join(', ')}</li>`] : []),
    `<li>Property checks: <strong>${r.passed} passed, <span class="${r.failed ? 'fail' : ''}">${r.failed} failed</span></strong>, at ${r.runScale}× each property's default case count (<code>npm test</code> runs 1×)</li>`,
    `<li>Sample witnesses re-checked exactly: <strong>${witnesses.filter((t) => t.witness!.certified).length} of ${withWitness} certified</strong></li>`,
    `<li>Conformance matrix: ${c.rows.length} metrics × ${c.families.length} families, ${c.runs} cases per cell: <strong class="${c.claimsFailed ? 'fail' : 'pass'}">${c.claimsFailed === 0 ? 'every declared claim holds' : `${c.claimsFailed} declared claims failed`}</strong></li>`,
    `<li>Conv and residual networks: ${r.layered.matrices.map((m) => `${m.rows.length} metrics × ${m.families.length} families on ${m.architecture}`).join(', ')}: <strong class="${r.layered.failed ? 'fail' : 'pass'}">${r.layered.failed === 0 ? 'every verdict matches its known answer' : `${r.layered.failed} rows failed`}</strong></li>`,
    ...extra.map((e, i) => `<li>${escapeHtml(extraTitles[i]!)}: <strong class="${e.ok ? 'pass' : 'fail'}">${e.ok ? 'holds' : 'failed'}</strong></li>`),
    '</ul>',
  ].join('\n');
  const body = [
    '<h2 id="theorems">Theorems</h2>',
    '<p>Each result: its statement, its source, the property checks that cover it (with the fast-check cases they ran and the seed), and a sample witness computed on a small seeded network and re-checked from scratch in exact rational arithmetic.</p>',
    ...r.theorems.map((t) => theoremHtml(t, r.runScale, checkIds)),
    '<h2 id="figures">Figures</h2>',
    `<p>Drawn at a seeded teacher–student minimum (L = 0 and ∇L = 0 exactly): ${escapeHtml(d.curvature.network)}. Hover a point for its values; the plotted numbers are also in <code>summary.json</code> under <code>figures.data</code>.</p>`,
    '<h3 id="hessian-against-alpha">The Hessian against α (Theorems 3–4)</h3>',
    `<p>T<sub>α</sub>θ = (α·W₁, W₂/α) computes the same function for every α &gt; 0. Its Hessian H′ = D⁻¹HD⁻¹ scales the second layer's block by α² and the first's by α⁻²: on log–log axes the spectral norm and the trace follow slopes +2 and −2 (dashed: the asymptotes).</p>`,
    figureHtml(figures, f.curvature, 'Hessian spectral norm and trace against α.'),
    '<h3 id="sharpness-against-alpha">ε-sharpness against α (Section 4.3)</h3>',
    `<p>ε = ${d.sharpness.epsilon}: the ball's ε-sharpness follows |||∇²L|||₂ε²/2(1+L) (dashed) and grows as α<sup>±2</sup>; Keskar's box (×100) grows in both directions too. Every value is a lower bound found by projected gradient ascent.</p>`,
    figureHtml(figures, f.sharpness, 'ε-sharpness against α.'),
    '<h3 id="one-minimum-two-parametrisations">One minimum in two parametrisations (the paper\'s Figure 5)</h3>',
    `<p>The loss along the top Hessian eigenvector v through the minimum θ*, against t (θ = θ* + t·v) and against the coordinate of η = g⁻¹(θ) along v. Curvature at the minimum along v: ${d.figure5.curvature.toPrecision(4)} in θ, ${d.figure5.maps.map((m) => `${m.curvature.toPrecision(4)} (${escapeHtml(m.name)})`).join(', ')}.</p>`,
    figureHtml(figures, f.figure5, 'The same loss in θ and in two η parametrisations.'),
    '<h2 id="conformance-matrix">Conformance matrix</h2>',
    matrixHtml(c, figures, f.conformance),
    '<h2 id="layered-conformance">Conformance on conv and residual networks</h2>',
    layeredHtml(r.layered),
    ...extra.map((e) => `<section class="extra ${e.ok ? 'ok' : 'failed'}">${markdownHtml(e.markdown, figures)}</section>`),
    '<h2 id="appendix">Appendix: every property check</h2>',
    appendixHtml(r, rows),
  ].join('\n');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Nothing may leave the file: no network for scripts, styles, images or fonts.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">`,
    `<title>flatcheck proof report — ${r.ok ? 'everything holds' : 'FAILED'}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    `<header>\n${header}\n</header>`,
    `<nav id="contents" aria-label="Contents"><strong>Contents</strong>\n${contents}</nav>`,
    `<main>\n${body}\n</main>`,
    `<script>${SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

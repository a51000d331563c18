/**
 * report/index.html in a real browser: Debian's chromium driven by playwright-core.
 * The report is built from a stand-in suite with a failing check (never the whole
 * theorem suite) and a metric whose claim fails, so that every kind of section,
 * link and failure mark is on the page. Screenshots go to artifacts/ (gitignored).
 * Under CI a missing chromium fails; locally the test skips and says what to install.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../metrics/index.js';
import { prove } from './prove.js';
import type { VitestJson } from './summary.js';
import brokenMetric from '../../fixtures/metrics/weight-decay.js';

const CHROMIUM = '/usr/bin/chromium';
const root = fileURLToPath(new URL('../../', import.meta.url));
const artifacts = join(root, 'artifacts');
const available = existsSync(CHROMIUM);
if (!available && !process.env.CI) console.warn(`src/report/html.test.ts skipped: no ${CHROMIUM}. Install Debian's chromium (apt-get install chromium) to run the browser test.`);

const work = mkdtempSync(join(tmpdir(), 'flatcheck-html-test-'));
const outDir = join(work, 'report');
let context: BrowserContext | undefined;
let page: Page;
const consoleErrors: string[] = [];
const outsideRequests: string[] = [];

const FAILING = { statement: 'Theorem 2: stand-in', title: 'fails on purpose' };

async function buildReport(): Promise<void> {
  const name = join(root, 'properties/flat-volume.prop.ts');
  const suite = async (): Promise<VitestJson> => ({
    numPassedTests: 3,
    numFailedTests: 1,
    testResults: [{
      name,
      assertionResults: [
        { ancestorTitles: [FAILING.statement], title: 'passes', status: 'passed', duration: 3, failureMessages: [], meta: { fastCheck: { runs: 400, skips: 3, properties: 1, counterexamples: 0 }, covers: ['theorem-2'] } },
        { ancestorTitles: [FAILING.statement], title: FAILING.title, status: 'failed', duration: 2, failureMessages: ['Property failed after 1 tests\n{ seed: 5, path: "0" }'], meta: { covers: ['theorem-2'] } },
        { ancestorTitles: ['Theorem 2: an untagged check'], title: 'passes too', status: 'passed', duration: 1, failureMessages: [] },
      ],
    }, {
      // The layered matrices: one cnn row, its logit-shift verdict wrong.
      name: join(root, 'properties/conformance-layered.prop.ts'),
      assertionResults: [{ ancestorTitles: ['layered'], title: 'loss', status: 'passed', duration: 1, failureMessages: [], meta: { layered: {
        architecture: 'cnn', metric: 'loss', runs: 4, seed: 5, sampled: false, claims: { ok: true, failed: [] },
        cells: (['layer-scale', 'neuron-scale', 'permutation', 'batchnorm-scale', 'sign-flip', 'logit-shift'] as const).map((family) => ({ family, expected: 'invariant' as const, verdict: family === 'logit-shift' ? 'unbounded' as const : 'invariant' as const })),
      } } }],
    }],
  });
  const loss = (await loadRegistry()).find((m) => m.id === 'loss')!;
  const extraSvg = '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60"><rect width="120" height="60" fill="teal"/></svg>';
  await prove({
    scale: 1, seed: 5, outDir, root, runSuite: suite, metrics: async () => [loss, brokenMetric], conformanceRuns: 4, figureAlphas: [0.5, 1, 2],
    extraSections: [async () => ({ markdown: '## Stand-in experiment\n\nA table:\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![extra](figures/extra.svg)\n', json: {}, figures: [{ name: 'extra.svg', svg: extraSvg }], ok: true })],
  });
}

beforeAll(async () => {
  if (!available) {
    if (process.env.CI) throw new Error(`CI: ${CHROMIUM} is missing (.ci/run installs Debian's chromium)`);
    return;
  }
  await buildReport();
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  const file = pathToFileURL(join(outDir, 'index.html')).href;
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('request', (r) => {
    if (r.url() !== file) outsideRequests.push(r.url());
  });
  await page.goto(file, { waitUntil: 'load' });
  mkdirSync(artifacts, { recursive: true });
}, 120_000);

afterAll(async () => {
  await context?.close();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!available && !process.env.CI)('report/index.html in chromium', () => {
  it('loads with no console error and no request leaving the file', async () => {
    expect(await page.title()).toContain('flatcheck proof report');
    expect(consoleErrors).toEqual([]);
    expect(outsideRequests).toEqual([]);
    // Self-contained on disk too: nothing in the page points outside it.
    expect(readFileSync(join(outDir, 'index.html'), 'utf8')).not.toMatch(/\b(src|href)="(?!#|data:)/);
  });

  it('shows every figure at a non-zero size, with data tooltips', async () => {
    const sizes = await page.$$eval('figure.chart svg', (svgs) => svgs.map((s) => { const r = s.getBoundingClientRect(); return [r.width, r.height]; }));
    expect(sizes).toHaveLength(5); // curvature, sharpness, Figure 5, the heat map, the extra section's
    for (const [w, h] of sizes) {
      expect(w).toBeGreaterThan(50);
      expect(h).toBeGreaterThan(30);
    }
    const tooltips = await page.$$eval('#figure-curvature svg title', (ts) => ts.map((t) => t.textContent ?? ''));
    expect(tooltips.some((t) => /series: spectral norm .*; α: 0.5; curvature: \d+\.\d{3}/.test(t))).toBe(true);
  });

  it('resolves every internal link', async () => {
    // (A string, evaluated in the page: the project's types have no DOM.)
    const missing = await page.evaluate<string[]>('[...document.querySelectorAll(\'a[href^="#"]\')].map((a) => a.getAttribute("href").slice(1)).filter((id) => !document.getElementById(decodeURIComponent(id)))');
    expect(await page.locator('a[href^="#"]').count()).toBeGreaterThan(20);
    expect(missing).toEqual([]);
    // …and to one element each: no id on the page twice (the inlined SVGs' own ids are prefixed per figure).
    expect(await page.evaluate<string[]>('(() => { const seen = new Set(), twice = []; for (const e of document.querySelectorAll("[id]")) { if (seen.has(e.id)) twice.push(e.id); seen.add(e.id); } return twice; })()')).toEqual([]);
    // Every matrix cell links to its counterexample or growth path; the failed claim's cell has both.
    const cells = await page.$$eval('table.matrix td.verdict-cell a', (as) => as.map((a) => a.getAttribute('href')));
    expect(cells).toHaveLength(6);
    // The heat map's cells link to the same details.
    expect(await page.$$eval('#figure-conformance svg a', (as) => as.map((a) => a.getAttribute('href')))).toEqual(cells);
    // …and so do the layered matrices' cells.
    const layered = await page.$$eval('table.layered-matrix td.verdict-cell a', (as) => as.map((a) => a.getAttribute('href')));
    expect(layered).toHaveLength(6);
    await expect(page.locator('#cell-cnn-loss-logit-shift').textContent()).resolves.toContain('expected invariant');
    const failedCell = page.locator('#cell-weight-decay-layer-scale');
    await expect(failedCell.textContent()).resolves.toMatch(/Counterexample[\s\S]*Growth path/);
  });

  it('filters the appendix', async () => {
    const visible = () => page.$$eval('#appendix-table tr.check-row', (rows) => rows.filter((r) => !r.hasAttribute('hidden')).map((r) => r.textContent ?? ''));
    expect(await visible()).toHaveLength(4);
    await page.fill('#filter', 'on purpose');
    const shown = await visible();
    expect(shown).toHaveLength(1);
    expect(shown[0]).toContain(FAILING.title);
    expect(await page.textContent('#filter-count')).toBe('1 of 4');
    await page.fill('#filter', 'passed untagged');
    expect(await visible()).toHaveLength(1);
    await page.fill('#filter', '');
    expect(await visible()).toHaveLength(4);
  });

  it('marks the failing check and shows its replay command, copied in one click', async () => {
    await expect(page.textContent('#verdict')).resolves.toContain('something failed');
    const row = page.locator('#appendix-table tr.failed');
    expect(await row.count()).toBe(1);
    const command = row.locator('.replay code');
    expect(await command.isVisible()).toBe(true);
    const text = (await command.textContent())!;
    expect(text).toBe(`FLATCHECK_SEED=5 FLATCHECK_RUNS_SCALE=1 npx vitest run 'properties/flat-volume.prop.ts' -t '${FAILING.statement} ${FAILING.title}'`);
    await context!.grantPermissions(['clipboard-read', 'clipboard-write']);
    await row.locator('button.copy').click();
    await expect.poll(() => row.locator('button.copy').textContent()).toBe('Copied');
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(text);
    // The failing check is marked in its theorem's section and listed in the contents.
    expect(await page.locator('#theorem-2 tr.failed').count()).toBe(1);
    expect(await page.locator('nav#contents a.fail').textContent()).toContain(FAILING.title);
    expect(consoleErrors).toEqual([]);
  });

  it('fits a phone and a desktop (screenshots in artifacts/), and prints on A4 without the sidebar', async () => {
    for (const [width, name] of [[1280, 'desktop'], [390, 'phone']] as const) {
      await page.setViewportSize({ width, height: 900 });
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: join(artifacts, `report-${name}.png`) });
      // Nothing wider than the screen: wide tables scroll inside their own box.
      const wide = await page.evaluate<string[]>(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > ${width} + 1 && !e.closest('.scroll, svg')).map((e) => e.tagName + ' ' + (e.id || e.className) + ' ' + Math.round(e.getBoundingClientRect().left) + '-' + Math.round(e.getBoundingClientRect().right) + ' ' + (e.textContent || '').slice(0, 30))`);
      expect({ width: await page.evaluate<number>('document.documentElement.scrollWidth'), wide }).toEqual({ width, wide: [] });
    }
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('nav#contents').isVisible()).toBe(false);
    const pdf = await page.pdf({ path: join(artifacts, 'report-print.pdf'), format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.emulateMedia({ media: 'screen' });
  });
});

import { describe, expect, it } from 'vitest';
import { phaseLog, progressBar } from './progress.js';

describe('the progress bar of flatcheck check', () => {
  it('draws in place on a terminal and clears its line at the end', () => {
    const written: string[] = [];
    const bar = progressBar({ isTTY: true, write: (t: string) => written.push(t) })!;
    bar.update({ family: 'permutation', cases: 15, runs: 30 });
    bar.update({ family: 'permutation', cases: 33, runs: 30 });
    bar.clear();
    expect(written).toEqual(['\r\x1b[Kpermutation   [##########..........] 15/30', '\r\x1b[Kpermutation   [####################] shrinking (3 steps)', '\r\x1b[K']);
  });

  it('is absent when the output is piped', () => {
    expect(progressBar({ isTTY: false, write: () => undefined })).toBeUndefined();
  });
});

describe('the phase log of flatcheck prove', () => {
  it('prints a line per phase with the time since the start on a terminal', () => {
    const written: string[] = [];
    let t = 1000;
    const log = phaseLog({ isTTY: true, write: (s: string) => written.push(s) }, () => t);
    log('running the theorem suite');
    t += 12_345;
    log('figures');
    expect(written).toEqual(['[   0.0 s] running the theorem suite\n', '[  12.3 s] figures\n']);
  });

  it('prints nothing when piped', () => {
    const written: string[] = [];
    phaseLog({ isTTY: false, write: (s: string) => written.push(s) })('running the theorem suite');
    expect(written).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { progressBar } from './progress.js';

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

import { inWords } from '../../src/lib/durations';
import { CODE_TTL_MS } from '../../src/lib/one-time-codes';

describe('durations in prose come from the constant that governs them', () => {
  it.each([
    [CODE_TTL_MS, '10 minutes'],
    [60_000, '1 minute'],
    [3_600_000, '60 minutes'],
    [30 * 86_400_000, '30 days'],
    [86_400_000, '1 day'],
    [1500, '2 seconds'],
    [1000, '1 second'],
  ])('%d ms is "%s"', (ms, words) => {
    expect(inWords(ms)).toBe(words);
  });
});

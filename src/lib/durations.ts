/**
 * A duration as prose for mails and descriptions ("10 minutes", "30 days", "1 day"), so the
 * words come from the constant or setting that governs the duration, never from a copy of it.
 * Whole days are said in days, other whole minutes in minutes, anything else in seconds.
 */
export function inWords(ms: number): string {
  const say = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (ms > 0 && ms % 86_400_000 === 0) return say(ms / 86_400_000, 'day');
  if (ms > 0 && ms % 60_000 === 0) return say(ms / 60_000, 'minute');
  return say(Math.round(ms / 1000), 'second');
}

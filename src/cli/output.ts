/** Text for people: aligned columns, short dates, sizes. `--json` prints the data instead. */

export type Column<T> = readonly [title: string, value: (row: T) => string | null | undefined];

/** Rows as aligned columns under upper-case titles; `empty` when there are none. */
export function table<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>, empty: string): string {
  if (rows.length === 0) return empty;
  const cells = [columns.map(([title]) => title.toUpperCase()), ...rows.map((row) => columns.map(([, value]) => value(row) ?? '-'))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  return cells.map((line) => line.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** `2026-11-21 12:00Z` (UTC, to the minute); `-` for none. */
export function when(iso: string | null | undefined): string {
  return iso ? `${iso.slice(0, 16).replace('T', ' ')}Z` : '-';
}

export function bytes(size: number): string {
  if (size < 1024) return `${size} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

export const indent = (text: string): string => text.split('\n').map((line) => `  ${line}`).join('\n');

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The value as one shell word (single-quoted when it needs quoting). */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

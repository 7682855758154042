/**
 * What every benchmark report needs: number formats, the median, and Markdown tables.
 */

/** `n` with no decimal; `n/a` when it is not a finite number. */
export const f0 = (n: number): string => (Number.isFinite(n) ? n.toFixed(0) : 'n/a');
/** `n` with 1 decimal; `n/a` when it is not a finite number. */
export const f1 = (n: number): string => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
/** `n` with 2 decimals; `n/a` when it is not a finite number. */
export const f2 = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');

/** Median of `xs` (the mean of the middle two for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A Markdown table of `rows` under `header`. */
export function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** Runs a benchmark as a script: prints its result as JSON and exits 0, or prints the error and exits 1. */
export function runAsScript(run: () => Promise<unknown>): void {
  run()
    .then((result) => {
      console.log(JSON.stringify(result, null, 2));
      process.exit(0);
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}

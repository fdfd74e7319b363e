/** A terminal progress bar for long CLI work (syncs, backfills); plain lines when not a TTY. */
export function createProgressBar(label: string, out: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  let lastLine = 0;
  return {
    update(done: number, total: number, note = '') {
      const pct = total > 0 ? Math.min(1, done / total) : 0;
      const elapsed = (Date.now() - started) / 1000;
      const eta = done > 0 && total > done ? Math.round((elapsed / done) * (total - done)) : 0;
      // Without a known total (0) there is no percentage to show, only what is done so far.
      const text = (
        total > 0
          ? `${label} ${(pct * 100).toFixed(0).padStart(3)}% ${done}/${total}${eta ? ` ETA ${eta}s` : ''} ${note}`
          : `${label} ${done} ${note}`
      ).trimEnd();
      if (out.isTTY) {
        const width = 24;
        if (total <= 0) {
          out.write(`\r${text}\x1b[K`);
          return;
        }
        const filled = Math.round(pct * width);
        out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}\x1b[K`);
      } else if (Date.now() - lastLine > 2000 || done === total) {
        lastLine = Date.now();
        out.write(`${text}\n`);
      }
    },
    done(summary: string) {
      if (out.isTTY) out.write('\r\x1b[K');
      out.write(`${label} done: ${summary} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    },
  };
}

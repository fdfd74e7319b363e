/**
 * Where the published datasets ORACLE is evaluated on live: `../shared/data` beside the repository
 * (M4, NAB, CDNOW, the MMM examples), or `$OMNIFY_EVAL_DATA`. Each dataset's own variable
 * (OMNIFY_M4_DIR, OMNIFY_NAB_DIR, CDNOW_DIR, MMM_DATA_DIR) still wins for that dataset.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export function evalDataRoot(): string {
  return process.env.OMNIFY_EVAL_DATA ?? path.resolve(import.meta.dirname, '../../../../../shared/data');
}

/** The folder of one dataset (e.g. `m4`, `anomaly_nab`). */
export const evalDataDir = (dataset: string): string => path.join(evalDataRoot(), dataset);

/** The datasets of `wanted` whose folder is missing, with the path looked at. */
export function missingEvalData(wanted: Record<string, string>): Array<{ dataset: string; path: string }> {
  return Object.entries(wanted)
    .filter(([, dir]) => !existsSync(dir))
    .map(([dataset, dir]) => ({ dataset, path: dir }));
}

/**
 * A sortable, filterable table. Rows open with a click or with Enter/Space when focused, so a
 * keyboard user can drill down as well; on narrow screens the table scrolls sideways inside its card,
 * never the page. Cells stay on one line unless their column says `wrap` (names, messages), and a
 * column can step aside on a phone (`hideBelow`) when its value is repeated elsewhere in the row.
 */
import { type ReactNode, useMemo, useState } from 'react';
import { cx, EmptyState, Input } from './ui.tsx';

export interface Column<T> {
  key: string;
  header: string;
  /** Said on hover over the header: what the column's figures are (their currency, their source). */
  headerTitle?: string;
  render: (row: T) => ReactNode;
  sortValue?: (row: T) => string | number | null | undefined;
  align?: 'left' | 'right';
  className?: string;
  /** The cell may wrap onto several lines (long names, messages) instead of widening the table. */
  wrap?: boolean;
  /** Hidden on screens narrower than this breakpoint (the row must still say what matters). */
  hideBelow?: 'sm' | 'md' | 'lg';
}

const hidden = { sm: 'hidden sm:table-cell', md: 'hidden md:table-cell', lg: 'hidden lg:table-cell' };
/** Headers never wrap; a `wrap` column's cells do, and keep room for a few words per line. */
const cellClass = <T,>(c: Column<T>, head: boolean) =>
  cx(
    'px-3 sm:px-4',
    c.wrap && !head ? 'min-w-24 whitespace-normal wrap-break-word sm:min-w-40' : 'whitespace-nowrap',
    c.hideBelow && hidden[c.hideBelow],
  );

export function DataTable<T>({
  rows,
  columns,
  rowKey,
  onOpen,
  filterText,
  filterPlaceholder = 'Filter…',
  initialSort,
  empty = 'Nothing here yet',
  toolbar,
  label,
  pageSize = 25,
}: {
  rows: T[];
  columns: Column<T>[];
  rowKey: (row: T) => string;
  onOpen?: (row: T) => void;
  filterText?: (row: T) => string;
  filterPlaceholder?: string;
  initialSort?: { key: string; dir: 'asc' | 'desc' };
  empty?: string;
  toolbar?: ReactNode;
  label: string;
  /** Rows shown before "Show all": long lists stay scannable. */
  pageSize?: number;
}) {
  const [sort, setSort] = useState(initialSort ?? null);
  const [filter, setFilter] = useState('');
  const [all, setAll] = useState(false);

  const shown = useMemo(() => {
    const f = filter.trim().toLowerCase();
    let out = f && filterText ? rows.filter((r) => filterText(r).toLowerCase().includes(f)) : rows;
    const col = sort && columns.find((c) => c.key === sort.key);
    if (col?.sortValue) {
      const get = col.sortValue;
      out = [...out].sort((a, b) => {
        const va = get(a);
        const vb = get(b);
        if (va === vb) return 0;
        if (va === null || va === undefined) return 1;
        if (vb === null || vb === undefined) return -1;
        const c = va < vb ? -1 : 1;
        return sort?.dir === 'asc' ? c : -c;
      });
    }
    return out;
  }, [rows, filter, sort, columns, filterText]);

  const toggle = (key: string) =>
    setSort((s) => (s?.key === key ? { key, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'desc' }));

  return (
    <div>
      {(filterText || toolbar) && (
        <div className="flex flex-wrap items-center gap-2 border-b border-slate-100 px-4 py-3">
          {filterText && (
            <Input
              type="search"
              aria-label={filterPlaceholder}
              placeholder={filterPlaceholder}
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
              className="max-w-xs"
            />
          )}
          {toolbar}
        </div>
      )}
      <div className="scroll-x">
        <table className="min-w-full text-sm" aria-label={label}>
          <thead className="bg-slate-50/80 text-xs text-slate-500">
            <tr>
              {columns.map((c) => {
                const active = sort?.key === c.key;
                return (
                  <th
                    key={c.key}
                    scope="col"
                    aria-sort={active ? (sort?.dir === 'asc' ? 'ascending' : 'descending') : undefined}
                    title={c.headerTitle}
                    className={cx(
                      'py-2.5 font-medium',
                      cellClass(c, true),
                      c.align === 'right' ? 'text-right' : 'text-left',
                      c.className,
                    )}
                  >
                    {c.sortValue ? (
                      <button
                        type="button"
                        onClick={() => toggle(c.key)}
                        className={cx(
                          'inline-flex items-center gap-1 rounded hover:text-slate-900',
                          active && 'text-slate-900',
                        )}
                      >
                        {c.header}
                        <span aria-hidden="true" className={cx('text-[10px]', !active && 'opacity-30')}>
                          {active && sort?.dir === 'asc' ? '▲' : '▼'}
                        </span>
                      </button>
                    ) : (
                      c.header
                    )}
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {(all ? shown : shown.slice(0, pageSize)).map((r) => (
              <tr
                key={rowKey(r)}
                tabIndex={onOpen ? 0 : undefined}
                onClick={onOpen ? () => onOpen(r) : undefined}
                onKeyDown={
                  onOpen
                    ? (e) => {
                        if (e.key === 'Enter' || e.key === ' ') {
                          e.preventDefault();
                          onOpen(r);
                        }
                      }
                    : undefined
                }
                className={cx(onOpen && 'cursor-pointer hover:bg-slate-50 focus-visible:bg-brand-50')}
              >
                {columns.map((c) => (
                  <td
                    key={c.key}
                    className={cx(
                      'py-2.5',
                      cellClass(c, false),
                      c.align === 'right' ? 'text-right tabular' : 'text-left',
                      c.className,
                    )}
                  >
                    {c.render(r)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!all && shown.length > pageSize && (
        <div className="border-t border-slate-100 px-4 py-2.5 text-center">
          <button
            type="button"
            className="text-xs font-medium text-brand-700 hover:underline"
            onClick={() => setAll(true)}
          >
            Show all {shown.length} rows
          </button>
        </div>
      )}
      {shown.length === 0 && <EmptyState title={filter ? 'No rows match the filter' : empty} />}
    </div>
  );
}

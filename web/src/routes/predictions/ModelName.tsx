/**
 * An ORACLE model name as the API spells it (e.g. `ratio(mean(damped,ses),mean(theta@7,ses@7))`):
 * one long word to a browser, so it may break after each comma and bracket instead of running out
 * of its card.
 */
import { Fragment } from 'react';

export function ModelName({ name }: { name: string }) {
  const parts = name.split(/(?<=[,(])/);
  return (
    <span className="wrap-anywhere" title={name}>
      {parts.map((p, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string, never reordered
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {p}
        </Fragment>
      ))}
    </span>
  );
}

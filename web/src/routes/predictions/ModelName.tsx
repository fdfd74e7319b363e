/**
 * An ORACLE forecast model in words, as the server describes it from its model registry
 * (`modelDescription`), with the name as the API spells it (`mean(snaive@7,damped@7,theta)`) on hover.
 */
import type { ModelDescription } from '../../lib/types.ts';

export function ModelName({
  name,
  description,
}: {
  name: string;
  description: ModelDescription | undefined;
}) {
  // A name the server does not know comes back as it is: show it, breakable anywhere (one long word).
  const readable = description?.text || name;
  return (
    <span className={readable === name ? 'wrap-anywhere' : undefined} title={name} data-model={name}>
      {readable}
    </span>
  );
}

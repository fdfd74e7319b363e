/**
 * Language-model prices in USD micros per million tokens, as OpenAI published them (2025 list
 * prices, standard tier, uncached input). A run's cost is computed from its recorded tokens; a model
 * missing here costs 0 and is reported with `costKnown: false` rather than guessed.
 */
const perMillion: Record<string, { input: number; output: number }> = {
  'gpt-4.1': { input: 2_000_000, output: 8_000_000 },
  'gpt-4.1-mini': { input: 400_000, output: 1_600_000 },
  'gpt-4.1-nano': { input: 100_000, output: 400_000 },
  'gpt-4o': { input: 2_500_000, output: 10_000_000 },
  'gpt-4o-mini': { input: 150_000, output: 600_000 },
  'gpt-5': { input: 1_250_000, output: 10_000_000 },
  'gpt-5-mini': { input: 250_000, output: 2_000_000 },
  'gpt-5-nano': { input: 50_000, output: 400_000 },
  'o4-mini': { input: 1_100_000, output: 4_400_000 },
  o3: { input: 2_000_000, output: 8_000_000 },
};

/** The price entry of a model name, allowing dated snapshots (`gpt-4.1-mini-2025-04-14`). */
export function priceOf(model: string | null | undefined) {
  if (!model) return undefined;
  const exact = perMillion[model];
  if (exact) return exact;
  const base = model.replace(/-\d{4}-\d{2}-\d{2}$/, '');
  return perMillion[base];
}

export function costMicros(model: string | null | undefined, inputTokens: number, outputTokens: number) {
  const p = priceOf(model);
  if (!p) return { costMicros: 0, known: false };
  return {
    costMicros: Math.round((inputTokens * p.input + outputTokens * p.output) / 1_000_000),
    known: true,
  };
}

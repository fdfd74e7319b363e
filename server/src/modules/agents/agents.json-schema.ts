/**
 * zod → JSON Schema for the language model and the API. A schema is sent as `strict` only when it
 * already meets the Structured Outputs rules (every object closed, every property required, no
 * free-form values, no defaults); otherwise the model gets it as guidance and the runtime's zod
 * validation is what holds (with one corrective retry for the final answer).
 */
import { z } from 'zod';

export type JsonSchema = Record<string, unknown>;

export function toJsonSchema(schema: z.ZodType): JsonSchema {
  // `input`: what the model (or an API caller) must send, before transforms and defaults apply.
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

/** Whether OpenAI's strict mode can take this schema as it is. */
export function isStrictCompatible(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(isStrictCompatible);
  if (!node || typeof node !== 'object') return true;
  const s = node as JsonSchema;
  if (Object.keys(s).length === 0) return false;
  if ('default' in s) return false;
  if (s.type === 'object' || s.properties) {
    const props = Object.keys((s.properties as JsonSchema | undefined) ?? {});
    const required = new Set((s.required as string[] | undefined) ?? []);
    if (s.additionalProperties !== false) return false;
    if (!props.every((p) => required.has(p))) return false;
  }
  for (const key of ['properties', '$defs', 'definitions'] as const) {
    const sub = s[key] as JsonSchema | undefined;
    if (sub && !Object.values(sub).every(isStrictCompatible)) return false;
  }
  for (const key of ['items', 'anyOf', 'oneOf', 'allOf', 'prefixItems'] as const)
    if (s[key] !== undefined && !isStrictCompatible(s[key])) return false;
  return true;
}

/**
 * The language-model port: one request/response turn of a tool-calling conversation, in Omnify's own
 * terms. The OpenAI adapter (agents.llm.openai.ts) is the only place that knows a vendor's types; a
 * test or another vendor plugs in here.
 */

/** One item of the conversation, replayed in full on every turn (the runtime keeps no server state). */
export type TranscriptItem =
  | { type: 'user'; text: string }
  | { type: 'assistant'; text: string }
  | { type: 'tool_call'; callId: string; name: string; arguments: string }
  | { type: 'tool_result'; callId: string; output: string };

export interface ModelTool {
  name: string;
  description: string;
  /** JSON Schema of the arguments. */
  parameters: Record<string, unknown>;
  /** Whether the schema meets the vendor's strict-mode rules (then the model must follow it exactly). */
  strict: boolean;
}

export interface ModelRequest {
  model: string;
  instructions: string;
  transcript: TranscriptItem[];
  tools: ModelTool[];
  /** The JSON Schema the final answer must follow. */
  output: { name: string; schema: Record<string, unknown>; strict: boolean };
  /** Output tokens the run may still spend. */
  maxOutputTokens?: number;
}

export interface ModelResponse {
  /** The model that answered (as reported by the server). */
  model: string;
  toolCalls: Array<{ callId: string; name: string; arguments: string }>;
  /** The final text, when the turn answered rather than called tools. */
  text: string | null;
  refusal: string | null;
  /** The output was cut by the token limit. */
  truncated: boolean;
  usage: { inputTokens: number; outputTokens: number };
  /** Requests that were retried (rate limits, server errors) before this answer. */
  retries: number;
}

/** A failure of the model server after retries: `rate_limited`, `quota`, `auth`, `invalid`, `transient`. */
export class LanguageModelError extends Error {
  constructor(
    readonly kind: 'rate_limited' | 'quota' | 'auth' | 'invalid' | 'transient',
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LanguageModelError';
  }
}

export interface LanguageModel {
  respond(req: ModelRequest, signal: AbortSignal): Promise<ModelResponse>;
}

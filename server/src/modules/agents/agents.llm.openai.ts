/**
 * The language-model port over the OpenAI Responses API (official `openai` package). Works with any
 * Responses-compatible server (base URL from config). The conversation is stateless (`store: false`,
 * the whole transcript is sent each turn), so no server-side storage is needed.
 *
 * Retries are ours, not the SDK's: rate limits and server errors are retried honouring
 * `retry-after-ms` / `retry-after`, but a 429 for exhausted quota (`insufficient_quota`) is a billing
 * state and fails at once, and every wait stops when the run's signal aborts.
 */
import OpenAI from 'openai';
import type { ResponseInputItem } from 'openai/resources/responses/responses';
import {
  type LanguageModel,
  LanguageModelError,
  type ModelRequest,
  type ModelResponse,
  type TranscriptItem,
} from './agents.llm.port.ts';

export interface OpenAiModelOptions {
  apiKey: string;
  baseUrl?: string | null;
  /** Retries after the first request (rate limits, 5xx, connection errors). Default 3. */
  maxRetries?: number;
  /** Longest wait between retries; a longer retry-after fails the turn. Default 30 s. */
  maxRetryWaitMs?: number;
  fetch?: typeof fetch;
}

const toInput = (items: TranscriptItem[]): ResponseInputItem[] =>
  items.map((i): ResponseInputItem => {
    switch (i.type) {
      case 'user':
        return { role: 'user', content: i.text };
      case 'assistant':
        return { role: 'assistant', content: i.text };
      case 'tool_call':
        return { type: 'function_call', call_id: i.callId, name: i.name, arguments: i.arguments };
      default:
        return { type: 'function_call_output', call_id: i.callId, output: i.output };
    }
  });

/** The wait a 429/5xx asks for, in ms (retry-after-ms, then retry-after in seconds or as a date). */
function retryAfterMs(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get('retry-after-ms'));
  if (headers?.get('retry-after-ms') && Number.isFinite(ms)) return ms;
  const ra = headers?.get('retry-after');
  if (!ra) return undefined;
  const s = Number(ra);
  if (Number.isFinite(s)) return s * 1000;
  const at = Date.parse(ra);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

export function createOpenAiModel(opts: OpenAiModelOptions): LanguageModel {
  const client = new OpenAI({
    apiKey: opts.apiKey,
    ...(opts.baseUrl ? { baseURL: opts.baseUrl } : {}),
    maxRetries: 0,
    timeout: 120_000,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
  const maxRetries = opts.maxRetries ?? 3;
  const maxRetryWaitMs = opts.maxRetryWaitMs ?? 30_000;

  async function create(req: ModelRequest, signal: AbortSignal) {
    return client.responses.create(
      {
        model: req.model,
        instructions: req.instructions,
        input: toInput(req.transcript),
        tools: req.tools.map((t) => ({
          type: 'function' as const,
          name: t.name,
          description: t.description,
          parameters: t.parameters,
          strict: t.strict,
        })),
        text: {
          format: {
            type: 'json_schema',
            name: req.output.name,
            schema: req.output.schema,
            strict: req.output.strict,
          },
        },
        store: false,
        ...(req.maxOutputTokens !== undefined ? { max_output_tokens: req.maxOutputTokens } : {}),
      },
      { signal },
    );
  }

  return {
    async respond(req, signal) {
      let retries = 0;
      for (;;) {
        try {
          const res = await create(req, signal);
          if (res.status === 'failed')
            throw new LanguageModelError('transient', `The model failed: ${res.error?.message ?? 'unknown'}`);
          const toolCalls: ModelResponse['toolCalls'] = [];
          let text = '';
          let hasText = false;
          let refusal: string | null = null;
          for (const item of res.output) {
            if (item.type === 'function_call')
              toolCalls.push({ callId: item.call_id, name: item.name, arguments: item.arguments });
            else if (item.type === 'message')
              for (const part of item.content) {
                if (part.type === 'output_text') {
                  text += part.text;
                  hasText = true;
                } else if (part.type === 'refusal') refusal = part.refusal;
              }
          }
          return {
            model: res.model,
            toolCalls,
            text: hasText ? text : null,
            refusal,
            truncated: res.status === 'incomplete' && res.incomplete_details?.reason === 'max_output_tokens',
            usage: { inputTokens: res.usage?.input_tokens ?? 0, outputTokens: res.usage?.output_tokens ?? 0 },
            retries,
          };
        } catch (e) {
          if (signal.aborted) throw signal.reason ?? e;
          const failure = classify(e);
          const wait =
            e instanceof OpenAI.APIError
              ? (retryAfterMs(e.headers) ?? 500 * 2 ** retries)
              : 500 * 2 ** retries;
          if (!failure.retry || retries >= maxRetries || wait > maxRetryWaitMs) throw failure.error;
          retries++;
          await sleep(wait, signal);
        }
      }
    },
  };
}

function classify(e: unknown): { retry: boolean; error: LanguageModelError } {
  if (e instanceof LanguageModelError) return { retry: e.kind === 'transient', error: e };
  if (e instanceof OpenAI.APIConnectionError)
    return {
      retry: true,
      error: new LanguageModelError('transient', `Model server unreachable: ${e.message}`),
    };
  if (e instanceof OpenAI.APIError) {
    const status = e.status ?? 0;
    const msg = `Model server answered ${status}: ${e.message}`;
    if (status === 429) {
      // Exhausted quota is a billing state: retrying cannot help.
      const quota = e.code === 'insufficient_quota' || e.type === 'insufficient_quota';
      return quota
        ? { retry: false, error: new LanguageModelError('quota', msg, status) }
        : { retry: true, error: new LanguageModelError('rate_limited', msg, status) };
    }
    if (status === 401 || status === 403)
      return { retry: false, error: new LanguageModelError('auth', msg, status) };
    if (status === 408 || status === 409 || status >= 500)
      return { retry: true, error: new LanguageModelError('transient', msg, status) };
    return { retry: false, error: new LanguageModelError('invalid', msg, status) };
  }
  return {
    retry: false,
    error: new LanguageModelError('transient', `Model call failed: ${(e as Error)?.message ?? String(e)}`),
  };
}

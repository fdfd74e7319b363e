/**
 * A local fake of the OpenAI Responses API (`POST /v1/responses`) that plays a script: each request
 * takes the next scripted turn (tool calls, a final message, a refusal, a truncated answer, or an
 * HTTP failure such as a 429 with retry headers). It records every request and, like the real API,
 * refuses a conversation whose function calls lack a matching `function_call_output` (400), a tool
 * in the Chat Completions shape, or a missing bearer key (401).
 */
import { type FakeRequest, type FakeResponse, startFakeServer } from './fake-server.ts';

export type ScriptedTurn =
  | { toolCalls: Array<{ name: string; arguments: unknown; callId?: string }>; usage?: Usage }
  | { text: string | Record<string, unknown>; usage?: Usage }
  | { refusal: string; usage?: Usage }
  /** `status: incomplete` with `max_output_tokens`, carrying partial text. */
  | { truncated: string; usage?: Usage }
  | { http: FakeResponse };

export interface Usage {
  input: number;
  output: number;
}

export interface FakeResponsesRequest {
  model: string;
  instructions?: string;
  input: Array<Record<string, unknown>>;
  tools?: Array<Record<string, unknown>>;
  text?: { format?: Record<string, unknown> };
  max_output_tokens?: number;
  store?: boolean;
}

export interface FakeOpenAi {
  /** Base URL for the SDK (ends in /v1). */
  baseUrl: string;
  apiKey: string;
  /** Appends turns to the script. */
  script(...turns: ScriptedTurn[]): void;
  /** Every request body received, in order (failed ones included). */
  requests: FakeResponsesRequest[];
  /** Turns still unplayed. */
  remaining(): number;
  /** Drops the unplayed turns and the recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

const defaultUsage: Usage = { input: 100, output: 20 };

export async function startFakeOpenAi(opts: { model?: string } = {}): Promise<FakeOpenAi> {
  const server = await startFakeServer();
  const apiKey = 'sk-test-fake-openai';
  const turns: ScriptedTurn[] = [];
  const requests: FakeResponsesRequest[] = [];
  let n = 0;

  const error = (
    status: number,
    message: string,
    type = 'invalid_request_error',
    code: string | null = null,
  ) => ({
    status,
    json: { error: { message, type, param: null, code } },
  });

  server.route('POST', '/v1/responses', (req: FakeRequest): FakeResponse => {
    const body = req.body as FakeResponsesRequest;
    requests.push(body);
    if (req.headers.authorization !== `Bearer ${apiKey}`)
      return error(401, 'Incorrect API key provided', 'invalid_request_error', 'invalid_api_key');
    if (!body || typeof body.model !== 'string' || !Array.isArray(body.input))
      return error(400, 'model and input are required');
    for (const t of body.tools ?? [])
      if (t.type !== 'function' || typeof t.name !== 'string' || 'function' in t)
        return error(400, "Missing required parameter: 'tools[0].name'.");
    // Every function call in the transcript needs its output, matched by call_id.
    const outputs = new Set(
      body.input.filter((i) => i.type === 'function_call_output').map((i) => i.call_id),
    );
    for (const i of body.input)
      if (i.type === 'function_call' && !outputs.has(i.call_id))
        return error(400, `No tool output found for function call ${String(i.call_id)}.`);

    const turn = turns.shift();
    if (!turn) return error(500, 'The fake has no scripted turn left', 'server_error');
    if ('http' in turn) return turn.http;
    n++;
    const usage = turn.usage ?? defaultUsage;
    const base = {
      id: `resp_${n}`,
      object: 'response',
      created_at: 1_764_151_200 + n,
      model: opts.model ?? body.model,
      error: null,
      incomplete_details: null as null | { reason: string },
      parallel_tool_calls: true,
      tool_choice: 'auto',
      tools: [],
      previous_response_id: null,
      usage: {
        input_tokens: usage.input,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens: usage.output,
        output_tokens_details: { reasoning_tokens: 0 },
        total_tokens: usage.input + usage.output,
      },
    };
    const message = (content: Array<Record<string, unknown>>, status = 'completed') => ({
      type: 'message',
      id: `msg_${n}`,
      role: 'assistant',
      status,
      content,
    });
    if ('toolCalls' in turn)
      return {
        json: {
          ...base,
          status: 'completed',
          output: turn.toolCalls.map((c, i) => ({
            type: 'function_call',
            id: `fc_${n}_${i}`,
            call_id: c.callId ?? `call_${n}_${i}`,
            name: c.name,
            arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments),
            status: 'completed',
          })),
        },
      };
    if ('refusal' in turn)
      return {
        json: {
          ...base,
          status: 'completed',
          output: [message([{ type: 'refusal', refusal: turn.refusal }])],
        },
      };
    if ('truncated' in turn)
      return {
        json: {
          ...base,
          status: 'incomplete',
          incomplete_details: { reason: 'max_output_tokens' },
          output: [message([{ type: 'output_text', text: turn.truncated, annotations: [] }], 'incomplete')],
        },
      };
    const text = typeof turn.text === 'string' ? turn.text : JSON.stringify(turn.text);
    return {
      json: {
        ...base,
        status: 'completed',
        output: [message([{ type: 'output_text', text, annotations: [] }])],
      },
    };
  });

  return {
    baseUrl: `${server.url}/v1`,
    apiKey,
    script: (...t) => {
      turns.push(...t);
    },
    requests,
    remaining: () => turns.length,
    reset: () => {
      turns.length = 0;
      requests.length = 0;
    },
    close: () => server.close(),
  };
}

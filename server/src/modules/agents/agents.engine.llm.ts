/**
 * The language-model engine: the model gets the definition's instructions, the input as JSON and
 * the tools (zod input schemas as JSON schemas); the engine executes the calls it asks for, in its
 * order, and feeds each result back under the model's call id. The final answer must be JSON that
 * passes the definition's output schema: a failing answer gets one corrective turn naming the
 * validation errors, then the run fails. Each model turn is a recorded step with its tokens.
 */
import type { Engine } from './agents.engine.ts';
import { isStrictCompatible, toJsonSchema } from './agents.json-schema.ts';
import {
  type LanguageModel,
  LanguageModelError,
  type ModelTool,
  type TranscriptItem,
} from './agents.llm.port.ts';
import { BudgetExhausted, RunFailed, type Session } from './agents.session.ts';

const CORRECTIONS = 1;

export function createLlmEngine(model: LanguageModel, modelName: string): Engine {
  return {
    async run(input, session: Session) {
      const def = session.definition;
      const tools: ModelTool[] = def.tools.map((t) => {
        const parameters = toJsonSchema(t.input);
        return {
          name: t.name,
          description: t.description,
          parameters,
          strict: isStrictCompatible(parameters),
        };
      });
      const outputSchema = toJsonSchema(def.output);
      const transcript: TranscriptItem[] = [
        {
          type: 'user',
          text: `Input (JSON):\n${JSON.stringify(input)}\n\nToday is ${session.now.toISOString().slice(0, 10)}. Use the tools for facts; answer with JSON that follows the output schema.`,
        },
      ];
      let corrections = CORRECTIONS;
      for (;;) {
        const left = session.tokensLeft();
        if (left <= 0)
          throw new BudgetExhausted(
            'max_tokens',
            `The run used its maxTokensPerRun (${session.limits.maxTokensPerRun})`,
          );
        const step = session.beginStep();
        let res: Awaited<ReturnType<LanguageModel['respond']>>;
        try {
          res = await model.respond(
            {
              model: modelName,
              instructions: def.instructions,
              transcript,
              tools,
              output: {
                name: `${def.kind}_output`,
                schema: outputSchema,
                strict: isStrictCompatible(outputSchema),
              },
              maxOutputTokens: Math.max(16, left),
            },
            session.signal,
          );
        } catch (e) {
          const error =
            e instanceof LanguageModelError
              ? {
                  code: 'model_failed',
                  message: e.message,
                  details: { kind: e.kind, status: e.status ?? null },
                }
              : { code: 'model_failed', message: (e as Error)?.message ?? String(e) };
          await session.writeStep(step, { type: 'model_turn', input: { items: transcript.length }, error });
          session.checkAlive();
          throw new RunFailed(error);
        }
        session.addTokens(res.model, res.usage.inputTokens, res.usage.outputTokens);
        await session.writeStep(step, {
          type: 'model_turn',
          input: { items: transcript.length, retries: res.retries },
          output: {
            toolCalls: res.toolCalls,
            text: res.text,
            refusal: res.refusal,
            truncated: res.truncated,
          },
          inputTokens: res.usage.inputTokens,
          outputTokens: res.usage.outputTokens,
        });
        if (session.tokensLeft() < 0 || res.truncated)
          throw new BudgetExhausted(
            'max_tokens',
            `The run used its maxTokensPerRun (${session.limits.maxTokensPerRun}): ${session.totals.inputTokens + session.totals.outputTokens} tokens`,
          );

        if (res.toolCalls.length) {
          for (const call of res.toolCalls) {
            transcript.push({
              type: 'tool_call',
              callId: call.callId,
              name: call.name,
              arguments: call.arguments,
            });
            let result: Awaited<ReturnType<Session['callTool']>>;
            let args: unknown;
            try {
              args = JSON.parse(call.arguments || '{}');
            } catch {
              args = undefined;
            }
            if (args === undefined) {
              // Malformed arguments: recorded and sent back like any tool error, so the model can fix them.
              const error = { code: 'invalid_json', message: `The arguments of ${call.name} are not JSON` };
              const s = session.beginStep();
              await session.writeStep(s, {
                type: 'tool_call',
                toolName: call.name,
                callId: call.callId,
                input: call.arguments,
                error,
              });
              session.checkAlive();
              result = { ok: false, error, cause: new Error(error.message) };
            } else result = await session.callTool(call.name, args, call.callId);
            transcript.push({
              type: 'tool_result',
              callId: call.callId,
              output: JSON.stringify(result.ok ? result.output : { error: result.error }),
            });
          }
          continue;
        }

        if (res.refusal) throw new RunFailed({ code: 'model_refused', message: res.refusal });
        let answer: unknown;
        let problem: unknown;
        try {
          answer = JSON.parse(res.text ?? '');
          const parsed = def.output.safeParse(answer);
          if (parsed.success) return parsed.data;
          problem = parsed.error.issues.map((i) => ({
            path: i.path.map(String).join('.'),
            message: i.message,
          }));
        } catch {
          problem = [{ path: '', message: 'The answer is not JSON' }];
        }
        if (corrections-- <= 0)
          throw new RunFailed({
            code: 'invalid_output',
            message: 'The model’s answer does not match the output schema',
            details: { issues: problem, answer: res.text },
          });
        transcript.push({ type: 'assistant', text: res.text ?? '' });
        transcript.push({
          type: 'user',
          text: `Your answer does not match the output schema. Validation errors:\n${JSON.stringify(problem)}\nAnswer again with JSON only, following the schema.`,
        });
      }
    },
  };
}

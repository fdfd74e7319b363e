import { describe, expect, it } from 'vitest';
import { describeModel, meanName, modelFromName, ratioName } from './describe.ts';
import { candidateModels, forecast } from './model.ts';
import { seasonalNaive } from './models.ts';

/** A daily series with a weekly pattern, long enough for every seasonal candidate. */
const weekly = Float64Array.from(
  { length: 120 },
  (_, i) => 100 + 30 * Math.sin((2 * Math.PI * i) / 7) + i * 0.2,
);

describe('describeModel', () => {
  it('describes a single model from the registry', () => {
    expect(describeModel('damped@7')).toEqual({
      text: 'Damped-trend exponential smoothing with weekly seasonality',
      combination: 'single',
      members: [{ model: 'damped@7', text: 'Damped-trend exponential smoothing with weekly seasonality' }],
    });
    expect(describeModel('ses').text).toBe('Simple exponential smoothing');
    expect(describeModel('snaive@7').text).toBe('The last week repeated');
    expect(describeModel('naive').text).toBe('The last value repeated');
    expect(describeModel('mstl@24+168').text).toBe('MSTL decomposition with daily and weekly seasonality');
  });

  it('names an average by its members', () => {
    const name = meanName(['snaive@7', 'damped@7', 'theta']);
    expect(name).toBe('mean(snaive@7,damped@7,theta)');
    expect(describeModel(name)).toEqual({
      text: 'Average of 3 models: the last week repeated; damped-trend exponential smoothing with weekly seasonality; Theta method',
      combination: 'mean',
      members: [
        { model: 'snaive@7', text: 'The last week repeated' },
        { model: 'damped@7', text: 'Damped-trend exponential smoothing with weekly seasonality' },
        { model: 'theta', text: 'Theta method' },
      ],
    });
  });

  it('describes a ROAS forecast as revenue ÷ spend, each by its own model', () => {
    const name = ratioName(meanName(['theta@7', 'ses']), 'holt');
    expect(describeModel(name)).toEqual({
      text: "Ratio of two forecasts: revenue (average of 2 models: Theta method with weekly seasonality; simple exponential smoothing) ÷ spend (Holt's linear-trend exponential smoothing)",
      combination: 'ratio',
      members: [
        {
          model: 'mean(theta@7,ses)',
          text: 'Average of 2 models: Theta method with weekly seasonality; simple exponential smoothing',
        },
        { model: 'holt', text: "Holt's linear-trend exponential smoothing" },
      ],
    });
    expect(
      describeModel(ratioName('naive', meanName(['drift', 'ses@7']))).members.map((m) => m.model),
    ).toEqual(['naive', 'mean(drift,ses@7)']);
  });

  it('answers a name the registry does not build as it is, without members', () => {
    for (const name of [
      'prophet',
      'ses@1',
      'snaive',
      'snaive@7+24',
      'mean(ses,prophet)',
      'ratio(ses)',
      'mean()',
      '',
    ])
      expect(describeModel(name)).toEqual({ text: name, combination: 'single', members: [] });
  });

  it('knows every name the forecaster can write: each candidate, and the chosen average', () => {
    for (const seasons of [[7], [24, 168], [52]]) {
      const { models } = candidateModels(weekly, seasons);
      for (const m of models) {
        expect(modelFromName(m.name)?.name, m.name).toBe(m.name);
        expect(describeModel(m.name).text).not.toBe(m.name);
      }
    }
    expect(modelFromName(seasonalNaive(7).name)?.words).toBe(seasonalNaive(7).words);
    const f = forecast(Array.from(weekly), { horizon: 14, frequency: 'daily', nonNegative: true });
    const d = describeModel(f.model);
    expect(d.members.map((m) => m.model)).toEqual(f.diagnostics.members);
    expect(d.combination).toBe(f.diagnostics.members.length > 1 ? 'mean' : 'single');
  });
});

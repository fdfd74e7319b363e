/**
 * ECharts, tree-shaken to line and bar charts on canvas. The chart follows its container's width, so
 * the same component works at 1280 px and on a phone.
 */
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([
  LineChart,
  BarChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  MarkLineComponent,
  CanvasRenderer,
]);

export type ChartOption = echarts.EChartsCoreOption;

export const palette = ['#4f46e5', '#0ea5e9', '#f59e0b', '#10b981', '#ec4899', '#64748b'];

export function Chart({
  option,
  height = 280,
  label,
}: {
  option: ChartOption;
  height?: number;
  label: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!ref.current) return;
    const c = echarts.init(ref.current, undefined, { renderer: 'canvas' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(ref.current);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(
      {
        color: palette,
        textStyle: { fontFamily: 'inherit' },
        animationDuration: 300,
        grid: { left: 8, right: 12, top: 36, bottom: 8, containLabel: true },
        tooltip: { trigger: 'axis', confine: true },
        ...option,
      },
      true,
    );
  }, [option]);

  return <div ref={ref} role="img" aria-label={label} style={{ height, width: '100%' }} />;
}

export const axisStyle = {
  axisLine: { lineStyle: { color: '#cbd5e1' } },
  axisLabel: { color: '#64748b', fontSize: 11 },
  splitLine: { lineStyle: { color: '#f1f5f9' } },
};

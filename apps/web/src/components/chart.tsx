import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
}

/** At least an hour wide: snapshots seconds apart would otherwise get a millisecond axis. */
function xRange(times: number[]): [number, number] {
  const first = times[0] ?? 0;
  const last = times.at(-1) ?? first;
  const pad = Math.max(0, 3600 - (last - first)) / 2;
  return [first - pad, last + pad];
}

/**
 * A time-series line chart (uPlot) sized to its container. `times` are epoch seconds. The
 * numbers it draws are also in a table next to it, so the chart itself is decoration for
 * screen readers (`aria-hidden`) and described by `label`.
 */
export function TimeChart({
  times,
  series,
  label,
}: {
  times: number[];
  series: Series[];
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const width = () => Math.max(260, element.clientWidth);
    const plot = new uPlot(
      {
        width: width(),
        height: 240,
        series: [
          {},
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            points: { show: true, size: 8 },
          })),
        ],
        axes: [{}, { size: 56 }],
        scales: {
          // One snapshot alone would get years from uPlot, two close ones milliseconds.
          x: { time: true, range: () => xRange(times) },
          y: { range: (_u, min, max) => [0, Math.max(1, max * 1.1, min)] },
        },
        legend: { show: true },
      },
      [times, ...series.map((s) => s.values)],
      element,
    );
    const observer = new ResizeObserver(() => plot.setSize({ width: width(), height: 240 }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [times, series]);
  return (
    <figure class="chart" data-points={times.length}>
      <div ref={box} aria-hidden="true" />
      <figcaption>{label}</figcaption>
    </figure>
  );
}

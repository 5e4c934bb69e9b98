// Charts through Chart.js. Each chart is a labelled image for screen readers and keeps a
// plain table of the same numbers beside it (shown on request), so nothing is only a picture.
import { useEffect, useRef } from 'preact/hooks';
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Legend,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, DoughnutController, ArcElement, Legend, Tooltip);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#1f2933';
// no animation: a clinical engineer reads numbers, and screenshots in tests are stable
Chart.defaults.animation = false;

export const palette = ['#0b4f6c', '#c0392b', '#b9770e', '#1e8449', '#6c3483', '#5d6d7e', '#117a65', '#a04000'];

export interface Series {
  label: string;
  values: number[];
  color?: string;
}

export function BarChart({
  title,
  labels,
  series,
  stacked = false,
  horizontal = false,
  id,
}: {
  title: string;
  labels: string[];
  series: Series[];
  stacked?: boolean;
  horizontal?: boolean;
  id: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return undefined;
    const cfg: ChartConfiguration<'bar'> = {
      type: 'bar',
      data: {
        labels,
        datasets: series.map((s, i) => ({
          label: s.label,
          data: s.values,
          backgroundColor: s.color ?? palette[i % palette.length],
        })),
      },
      options: {
        indexAxis: horizontal ? 'y' : 'x',
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: series.length > 1, position: 'bottom' } },
        scales: {
          x: { stacked, beginAtZero: true, ticks: { precision: 0 } },
          y: { stacked, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    };
    const c = new Chart(canvas.current, cfg);
    return () => c.destroy();
  }, [JSON.stringify(labels), JSON.stringify(series), stacked, horizontal]);
  return (
    <figure class="chart">
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <div class="chart-box">
        <canvas ref={canvas} role="img" aria-labelledby={`${id}-title`} aria-describedby={`${id}-table`} />
      </div>
      <ChartTable id={`${id}-table`} title={title} labels={labels} series={series} />
    </figure>
  );
}

export function DoughnutChart({ title, labels, values, colors, id }: { title: string; labels: string[]; values: number[]; colors?: string[]; id: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return undefined;
    const c = new Chart(canvas.current, {
      type: 'doughnut',
      data: { labels, datasets: [{ data: values, backgroundColor: colors ?? palette }] },
      options: { responsive: true, maintainAspectRatio: false, plugins: { legend: { position: 'bottom' } } },
    });
    return () => c.destroy();
  }, [JSON.stringify(labels), JSON.stringify(values)]);
  return (
    <figure class="chart">
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <div class="chart-box">
        <canvas ref={canvas} role="img" aria-labelledby={`${id}-title`} aria-describedby={`${id}-table`} />
      </div>
      <ChartTable id={`${id}-table`} title={title} labels={labels} series={[{ label: 'count', values }]} />
    </figure>
  );
}

function ChartTable({ id, title, labels, series }: { id: string; title: string; labels: string[]; series: Series[] }) {
  return (
    <details class="chart-data">
      <summary>Numbers</summary>
      <table id={id} class="table compact">
        <caption class="sr-only">{title}</caption>
        <thead>
          <tr>
            <th scope="col">—</th>
            {series.map((s) => (
              <th scope="col" key={s.label}>
                {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((l, i) => (
            <tr key={l}>
              <th scope="row">{l}</th>
              {series.map((s) => (
                <td key={s.label}>{(s.values[i] ?? 0).toLocaleString('en')}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}

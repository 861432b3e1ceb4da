/** Two small SVG chart kinds for docs/performance*.svg: lines over a numeric x axis, and grouped bars. */

const WIDTH = 760;
const HEIGHT = 380;
const MARGIN = { top: 48, right: 24, bottom: 64, left: 84 };
const FONT = "font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\"";

export const COLORS = { ours: "#1f6feb", baseline: "#d1242f", floor: "#8c959f", extra: "#bf8700" };

const esc = (text: string) => text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");

interface Axis {
  min: number;
  max: number;
  log: boolean;
  format: (value: number) => string;
}

function scale(axis: Axis, from: number, to: number): (value: number) => number {
  const f = (value: number) => (axis.log ? Math.log10(value) : value);
  const [lo, hi] = [f(axis.min), f(axis.max)];
  return (value) => from + ((f(value) - lo) / (hi - lo || 1)) * (to - from);
}

/** Tick values: powers of ten (log) or ~5 round steps (linear). */
function ticks(axis: Axis): number[] {
  if (axis.log) {
    const within = (steps: number[]) => {
      const out: number[] = [];
      for (let e = Math.floor(Math.log10(axis.min)); e <= Math.ceil(Math.log10(axis.max)); e++) {
        for (const step of steps) {
          const value = step * 10 ** e;
          if (value >= axis.min * 0.999 && value <= axis.max * 1.001) out.push(value);
        }
      }
      return out;
    };
    const fine = within([1, 2, 5]);
    return fine.length <= 9 ? fine : within([1]);
  }
  const raw = (axis.max - axis.min) / 5;
  const step = 10 ** Math.floor(Math.log10(raw));
  const nice = [1, 2, 2.5, 5, 10].map((m) => m * step).find((candidate) => candidate >= raw) ?? raw;
  const out: number[] = [];
  for (let value = Math.ceil(axis.min / nice) * nice; value <= axis.max + 1e-9; value += nice) out.push(value);
  return out;
}

function frame(title: string, subtitle: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" role="img" aria-label="${esc(title)}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="22" ${FONT} font-size="15" font-weight="600" fill="#1f2328">${esc(title)}</text>`,
    `<text x="${MARGIN.left}" y="39" ${FONT} font-size="11" fill="#59636e">${esc(subtitle)}</text>`,
    ...body,
    "</svg>",
    "",
  ].join("\n");
}

function yAxis(axis: Axis, label: string): { y: (value: number) => number; parts: string[] } {
  const y = scale(axis, HEIGHT - MARGIN.bottom, MARGIN.top);
  const parts: string[] = [];
  for (const value of ticks(axis)) {
    const at = y(value).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${at}" y2="${at}" stroke="#eaeef2"/>`,
      `<text x="${MARGIN.left - 6}" y="${at}" dy="4" text-anchor="end" ${FONT} font-size="11" fill="#59636e">${esc(axis.format(value))}</text>`,
    );
  }
  const middle = (MARGIN.top + HEIGHT - MARGIN.bottom) / 2;
  parts.push(
    `<text transform="translate(16 ${middle}) rotate(-90)" text-anchor="middle" ${FONT} font-size="12" fill="#1f2328">${esc(label)}</text>`,
  );
  return { y, parts };
}

function legend(items: { name: string; color: string; dashed?: boolean }[]): string[] {
  const parts: string[] = [];
  let x = MARGIN.left;
  const y = HEIGHT - 14;
  for (const item of items) {
    parts.push(
      `<line x1="${x}" x2="${x + 22}" y1="${y - 4}" y2="${y - 4}" stroke="${item.color}" stroke-width="3"${item.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
      `<text x="${x + 28}" y="${y}" ${FONT} font-size="12" fill="#1f2328">${esc(item.name)}</text>`,
    );
    x += 40 + item.name.length * 6.6;
  }
  return parts;
}

export interface Series {
  name: string;
  color: string;
  dashed?: boolean;
  points: [number, number][];
}

/** A line chart: numeric x and y, each linear or log; measured points marked with dots. */
export function lineChart(options: {
  title: string;
  subtitle: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logX?: boolean;
  logY?: boolean;
  formatX: (value: number) => string;
  formatY: (value: number) => string;
}): string {
  const all = options.series.flatMap((series) => series.points);
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y).filter((y) => y > 0);
  const xAxis: Axis = options.logX
    ? { min: Math.min(...xs) * 0.9, max: Math.max(...xs) * 1.1, log: true, format: options.formatX }
    : { min: 0, max: Math.max(...xs), log: false, format: options.formatX };
  const yAxisSpec: Axis = options.logY
    ? {
        min: 10 ** Math.floor(Math.log10(Math.min(...ys))),
        max: 10 ** Math.ceil(Math.log10(Math.max(...ys))),
        log: true,
        format: options.formatY,
      }
    : { min: 0, max: Math.max(...ys) * 1.05, log: false, format: options.formatY };
  const x = scale(xAxis, MARGIN.left, WIDTH - MARGIN.right);
  const { y, parts } = yAxis(yAxisSpec, options.yLabel);
  for (const value of ticks(xAxis)) {
    parts.push(
      `<text x="${x(value).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" ${FONT} font-size="11" fill="#59636e">${esc(options.formatX(value))}</text>`,
    );
  }
  parts.push(
    `<text x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - MARGIN.bottom + 34}" text-anchor="middle" ${FONT} font-size="12" fill="#1f2328">${esc(options.xLabel)}</text>`,
  );
  for (const series of options.series) {
    const points = series.points.filter(([, value]) => value > 0 || !options.logY);
    if (points.length === 0) continue;
    const path = points.map(([px, py], i) => `${i === 0 ? "M" : "L"}${x(px).toFixed(1)} ${y(py).toFixed(1)}`).join(" ");
    parts.push(
      `<path d="${path}" fill="none" stroke="${series.color}" stroke-width="2.5"${series.dashed ? ' stroke-dasharray="6 4"' : ""}/>`,
    );
    if (!series.dashed) {
      for (const [px, py] of points) {
        parts.push(`<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3.5" fill="${series.color}"/>`);
      }
    }
  }
  parts.push(...legend(options.series));
  return frame(options.title, options.subtitle, parts);
}

export interface BarGroup {
  label: string;
  bars: { name: string; color: string; value: number }[];
}

/** Grouped bars with the value printed above each bar; y linear or log. */
export function barChart(options: {
  title: string;
  subtitle: string;
  yLabel: string;
  groups: BarGroup[];
  logY?: boolean;
  formatY: (value: number) => string;
}): string {
  const values = options.groups.flatMap((group) => group.bars.map((bar) => bar.value)).filter((v) => v > 0);
  const axis: Axis = options.logY
    ? {
        min: 10 ** Math.floor(Math.log10(Math.min(...values))),
        max: 10 ** Math.ceil(Math.log10(Math.max(...values) * 1.3)),
        log: true,
        format: options.formatY,
      }
    : { min: 0, max: Math.max(...values) * 1.15, log: false, format: options.formatY };
  const { y, parts } = yAxis(axis, options.yLabel);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const groupWidth = plotWidth / options.groups.length;
  options.groups.forEach((group, g) => {
    const barWidth = Math.min(40, (groupWidth * 0.8) / group.bars.length);
    const start = MARGIN.left + g * groupWidth + (groupWidth - barWidth * group.bars.length) / 2;
    group.bars.forEach((bar, b) => {
      const top = y(Math.max(bar.value, axis.min));
      const bottom = HEIGHT - MARGIN.bottom;
      const left = start + b * barWidth;
      parts.push(
        `<rect x="${left.toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth - 3).toFixed(1)}" height="${Math.max(0, bottom - top).toFixed(1)}" fill="${bar.color}"/>`,
        `<text x="${(left + (barWidth - 3) / 2).toFixed(1)}" y="${(top - 4).toFixed(1)}" text-anchor="middle" ${FONT} font-size="9.5" fill="#1f2328">${esc(options.formatY(bar.value))}</text>`,
      );
    });
    parts.push(
      `<text x="${(MARGIN.left + (g + 0.5) * groupWidth).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle" ${FONT} font-size="12" fill="#1f2328">${esc(group.label)}</text>`,
    );
  });
  const seen = new Map<string, string>();
  for (const group of options.groups) for (const bar of group.bars) seen.set(bar.name, bar.color);
  parts.push(...legend([...seen].map(([name, color]) => ({ name, color }))));
  return frame(options.title, options.subtitle, parts);
}

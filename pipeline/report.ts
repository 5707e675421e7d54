/**
 * The evaluation report: `index.html` and its PNGs in one folder.
 *
 * Sections: what was evaluated; the summary table; for each preview (a
 * few test tiles per direction, one full frame) four panels, input,
 * translation, truth and difference (translation - truth), on one
 * symmetric-log colour scale (pipeline/colormap.ts) shared by the four
 * panels, with a colour bar labelled in ADC; and the run's loss curves,
 * one plot per loss against step. Panels show rows = wires (top = first),
 * columns = ticks (left = first); small tiles are enlarged by an integer
 * factor, full frames are shrunk by max-abs pooling, as each caption says.
 * The page is static and self-contained apart from its PNGs.
 */
import fs from 'node:fs';
import path from 'node:path';

import { colourbarTicks, normalise, type SymlogScale } from './colormap.js';
import type { SummaryRow } from './evalsummary.js';
import { colourbarPng, imageToPng, maxAbs } from './imagepng.js';
import { LIGHT_LINE_COLOUR, linePlotPng, movingAverage } from './lineplot.js';
import type { LossHistory } from './runhistory.js';

/** Input, translation and truth of one image, each row-major [h, w] ADC. */
export interface Preview {
  readonly direction: string;
  readonly label: string;
  readonly h: number;
  readonly w: number;
  readonly input: Float32Array;
  readonly output: Float32Array;
  readonly truth: Float32Array;
  /** Max-abs pooling block applied for display, [wires, ticks]; [1, 1] for none. */
  readonly pooled: readonly [number, number];
}

export interface ReportContent {
  readonly title: string;
  /** Facts about the evaluation, shown as a list: [name, value]. */
  readonly facts: ReadonlyArray<readonly [string, string]>;
  readonly summary: readonly SummaryRow[];
  readonly tilePreviews: readonly Preview[];
  readonly framePreview: Preview | null;
  readonly history: LossHistory | null;
  /** Scores during training (eval-history.arrow: L1 ratios per step), when the run has them. */
  readonly evalHistory?: LossHistory | null;
  /** Linear threshold c of the colour scale [ADC]. */
  readonly linearThreshold: number;
}

/** One PNG written for the report, with its size in pixels. */
export interface ReportImage {
  readonly file: string;
  readonly width: number;
  readonly height: number;
}

export interface ReportFiles {
  readonly index: string;
  readonly images: ReportImage[];
}

/** Tiles are enlarged to about this many screen pixels on their long side. */
const TILE_DISPLAY_PX = 256;
const COLOURBAR_PX: readonly [number, number] = [256, 12];
const LOSS_PLOT_PX: readonly [number, number] = [360, 180];
const PANELS = ['input', 'translation', 'truth', 'difference'] as const;
/** Loss curves are smoothed over 1/this of their length. */
const SMOOTHING_POINTS = 50;

/** Writes the report into the existing folder `dir`. */
export function writeReport(dir: string, content: ReportContent): ReportFiles {
  const images: ReportImage[] = [];
  const emit = (file: string, png: Buffer, width: number, height: number): string => {
    fs.writeFileSync(path.join(dir, file), png);
    images.push({ file, width, height });
    return file;
  };
  emit('colourbar.png', colourbarPng(...COLOURBAR_PX), ...COLOURBAR_PX);

  const body = [
    `<h1>${escape(content.title)}</h1>`,
    factsHtml(content.facts),
    summaryHtml(content.summary),
  ];
  if (content.tilePreviews.length > 0) {
    body.push('<h2>Test tiles</h2>');
    for (const p of content.tilePreviews) {
      const stem = `${p.direction}_${p.label.replace(/[^A-Za-z0-9]+/g, '_')}`;
      body.push(previewHtml(p, stem, content, emit));
    }
  }
  if (content.framePreview) {
    body.push('<h2>Full frame</h2>');
    body.push(previewHtml(content.framePreview, 'frame', content, emit));
  }
  if (content.evalHistory && content.evalHistory.step.length > 0) {
    body.push(evalHistoryHtml(content.evalHistory, emit));
  }
  body.push(lossHtml(content.history, emit));

  const index = path.join(dir, 'index.html');
  fs.writeFileSync(index, page(content.title, body.join('\n')));
  return { index, images };
}

type Emit = (file: string, png: Buffer, width: number, height: number) => string;

function previewHtml(p: Preview, stem: string, content: ReportContent, emit: Emit): string {
  const difference = p.output.map((v, i) => v - p.truth[i]);
  const scale: SymlogScale = {
    linearThreshold: content.linearThreshold,
    vmax: maxAbs([p.input, p.output, p.truth]),
  };
  const pooled = p.pooled[0] * p.pooled[1] > 1;
  const factor = pooled ? 1 : Math.max(1, Math.floor(TILE_DISPLAY_PX / Math.max(p.h, p.w)));
  const panels = [p.input, p.output, p.truth, difference].map((data, k) => {
    const file = `${stem}_${PANELS[k]}.png`;
    emit(file, imageToPng({ data, h: p.h, w: p.w }, scale, factor), p.w * factor, p.h * factor);
    return figure(file, PANELS[k]);
  });

  const shown = pooled
    ? `shrunk for display by max-abs pooling over blocks of ${p.pooled[0]} wires x ` +
      `${p.pooled[1]} ticks (each pixel shows the value of largest magnitude in its block)`
    : `each value drawn as ${factor} x ${factor} pixels`;
  const c = content.linearThreshold;
  const vmax = scale.vmax.toPrecision(4);
  const caption =
    `${escape(p.direction)}, ${escape(p.label)}: rows are wires, columns are ticks; ` +
    `${shown}. Difference = translation - truth. ` +
    `Colour: sign(x) log10(1 + |x| / ${c} ADC), from -${vmax} to +${vmax} ADC.`;
  return (
    `<div class="preview"><div class="panels">${panels.join('')}</div>` +
    `${colourbarHtml(scale)}<p class="caption">${caption}</p></div>`
  );
}

function figure(file: string, caption: string): string {
  const text = escape(caption);
  return `<figure><img src="${file}" alt="${text}"><figcaption>${text}</figcaption></figure>`;
}

function colourbarHtml(scale: SymlogScale): string {
  const labels = colourbarTicks(scale).map((v) => {
    const left = ((normalise(v, scale) + 1) / 2) * 100;
    return `<span style="left:${left.toFixed(2)}%">${formatAdc(v)}</span>`;
  });
  return (
    `<div class="colourbar"><img src="colourbar.png" alt="colour bar">` +
    `<div class="ticks">${labels.join('')}</div><div class="unit">ADC</div></div>`
  );
}

/** The L1 ratios scored during training: one plot per direction and the rows as a table. */
function evalHistoryHtml(history: LossHistory, emit: Emit): string {
  const [width, height] = LOSS_PLOT_PX;
  const ratios = [...history.losses].filter(([name]) => name.startsWith('l1_ratio'));
  const plots = ratios.map(([name, values]) => {
    const plot = linePlotPng(history.step, [{ y: values }], width, height);
    const file = emit(`eval_${name.replace(/[^A-Za-z0-9_]/g, '_')}.png`, plot.png, width, height);
    const [y0, y1] = plot.yRange.map((v) => v.toPrecision(4));
    return (
      `<figure><img src="${file}" alt="${escape(name)}"><figcaption>${escape(name)}: ` +
      `${y0} (bottom) to ${y1} (top)</figcaption></figure>`
    );
  });
  const names = [...history.losses.keys()];
  const head = ['step', ...names].map((n) => `<th>${escape(n)}</th>`).join('');
  const rows = Array.from(history.step, (step, i) => {
    const cells = names.map((n) => `<td>${num(history.losses.get(n)![i])}</td>`).join('');
    return `<tr><td>${step}</td>${cells}</tr>`;
  });
  return (
    `<h2>L1 ratio during training</h2><p>Translation L1 over the do-nothing L1 on held-out ` +
    `tiles, scored while training (below 1: closer to the truth than the input).</p>` +
    `<div class="panels">${plots.join('')}</div>` +
    `<table><tr>${head}</tr>${rows.join('')}</table>`
  );
}

function lossHtml(history: LossHistory | null, emit: Emit): string {
  if (!history || history.losses.size === 0) {
    return '<h2>Loss curves</h2><p>No loss history (history.arrow) in the run folder.</p>';
  }
  const [width, height] = LOSS_PLOT_PX;
  const plots = [...history.losses].map(([name, values]) => {
    const window = Math.max(1, Math.round(values.length / SMOOTHING_POINTS));
    const series = [{ y: values, colour: LIGHT_LINE_COLOUR }, { y: movingAverage(values, window) }];
    const plot = linePlotPng(history.step, series, width, height);
    const file = emit(`loss_${name.replace(/[^A-Za-z0-9_]/g, '_')}.png`, plot.png, width, height);
    const [y0, y1] = plot.yRange.map((v) => v.toPrecision(4));
    const [x0, x1] = plot.xRange;
    return (
      `<figure><img src="${file}" alt="${escape(name)}"><figcaption>${escape(name)}: ` +
      `${y0} (bottom) to ${y1} (top), steps ${x0} to ${x1}</figcaption></figure>`
    );
  });
  return (
    `<h2>Loss curves</h2><p>Each loss against training step, linear axes spanning its ` +
    `range: light, each logged value; dark, the trailing mean over 1/${SMOOTHING_POINTS} of ` +
    `the run.</p><div class="panels">${plots.join('')}</div>`
  );
}

const SUMMARY_COLUMNS: ReadonlyArray<readonly [string, (r: SummaryRow) => string]> = [
  ['source', (r) => r.source],
  ['direction', (r) => r.direction],
  ['plane', (r) => r.plane],
  ['images', (r) => String(r.images)],
  ['L1 [ADC]', (r) => num(r.l1)],
  ['baseline L1', (r) => num(r.baselineL1)],
  ['L1 ratio', (r) => num(r.l1Ratio)],
  ['L2 [ADC^2]', (r) => num(r.l2)],
  ['baseline L2', (r) => num(r.baselineL2)],
  ['L2 ratio', (r) => num(r.l2Ratio)],
  ['charge err (rel)', (r) => num(r.chargeErrorRelative)],
  ['non-zero out', (r) => num(r.nonZeroOutput)],
  ['non-zero truth', (r) => num(r.nonZeroTruth)],
  ['width out [wires]', (r) => num(r.widthOutput)],
  ['width truth [wires]', (r) => num(r.widthTruth)],
  ['cycle L1 [ADC]', (r) => num(r.cycleL1)],
];

/** The summary as text columns: header row first. */
export function summaryCells(rows: readonly SummaryRow[]): string[][] {
  return [
    SUMMARY_COLUMNS.map(([name]) => name),
    ...rows.map((r) => SUMMARY_COLUMNS.map(([, f]) => f(r))),
  ];
}

function summaryHtml(rows: readonly SummaryRow[]): string {
  const [head, ...body] = summaryCells(rows);
  const tr = (cells: string[], tag: string) =>
    `<tr>${cells.map((c) => `<${tag}>${escape(c)}</${tag}>`).join('')}</tr>`;
  return (
    `<h2>Summary</h2><p>Per-pixel means over images; baseline = the input used as-is; ` +
    `ratio below 1 = translation closer to the truth than the input.</p>` +
    `<table>${tr(head, 'th')}${body.map((r) => tr(r, 'td')).join('')}</table>`
  );
}

function factsHtml(facts: ReadonlyArray<readonly [string, string]>): string {
  const items = facts.map(([k, v]) => `<li>${escape(k)}: <code>${escape(v)}</code></li>`);
  return `<ul>${items.join('')}</ul>`;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>
body { font-family: sans-serif; margin: 2em; }
table { border-collapse: collapse; font-size: 0.85em; }
td, th { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: right; }
.panels { display: flex; flex-wrap: wrap; gap: 8px; align-items: flex-start; }
figure { margin: 0; } figcaption { font-size: 0.8em; text-align: center; }
img { image-rendering: pixelated; }
.colourbar { position: relative; width: ${COLOURBAR_PX[0]}px; margin: 0.5em 0 1.5em; }
.colourbar img { width: 100%; height: ${COLOURBAR_PX[1]}px; display: block; }
.ticks span { position: absolute; transform: translateX(-50%); font-size: 0.7em; }
.unit { position: absolute; left: 100%; top: 0; padding-left: 0.5em; font-size: 0.8em; }
.caption { font-size: 0.85em; max-width: 60em; }
</style></head>
<body>
${body}
</body></html>
`;
}

function formatAdc(v: number): string {
  if (Number.isInteger(v) || Math.abs(v) >= 10) return v.toFixed(0);
  return v.toPrecision(2);
}

function num(v: number): string {
  if (Number.isNaN(v)) return '-';
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0)
    ? v.toExponential(3)
    : v.toPrecision(4);
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

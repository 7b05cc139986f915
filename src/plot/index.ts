/**
 * @file Public entry of the figure library: chart builders (portable SVG), run figures, and the
 * Node-only PNG/file output.
 */
export { lineChart, FONT_FAMILY } from "./chart.js";
export type { AxisSpec, BandSpec, LegendSpec, LineChartSpec, Point, RuleSpec, Series, SeriesPoints } from "./chart.js";
export type { LegendEntry, LegendPosition } from "./legend.js";
export { panelGrid } from "./grid.js";
export type { PanelGridOptions } from "./grid.js";
export { runFigureMeta, runFigures, shownModes } from "./run-figures.js";
export type { Figure, RunFigureMeta } from "./run-figures.js";
export { pathwayColor, modeDash, PATHWAY_COLORS, MODE_DASHES } from "./palette.js";
export { decimateMinMax } from "./decimate.js";
export { escapeMarkup, plainText } from "./text.js";
export { svgToPng, writeFigure, FONT_FILES } from "./render.js";
export type { PngOptions } from "./render.js";
export { heatmap } from "./heatmap.js";
export type { HeatCell, HeatMarks, HeatmapSpec } from "./heatmap.js";

// Min/max decimation of line series for drawing. A chart a thousand pixels wide cannot show more
// than a few points per pixel column, so each column (bucket) keeps only its first point, its
// last point, and the points with the minimum and maximum y. The drawn line then reaches the same
// extremes in every column as the full series, and every kept point is a real point with its
// exact x and y. Buckets are fixed intervals of x, [k × width, (k + 1) × width), so that points
// appended to a series change only the last bucket and a decimation can grow incrementally.

import { alignSeries, type AlignedColumns, type PointSeries } from './curves';

/**
 * Returns the bucket width for `pixels` columns across an x span: the smallest power of two not
 * below span / pixels. Rounding to a power of two keeps the width, and so the buckets, unchanged
 * while a live series grows until its span doubles.
 */
export function bucketWidthFor(span: number, pixels: number): number {
  if (!(span > 0) || !(pixels >= 1)) {
    return 1;
  }
  return 2 ** Math.ceil(Math.log2(span / pixels));
}

/** Index of the first point with x ≥ value in increasing x values, or x.length. */
export function lowerBound(x: readonly number[], value: number): number {
  let low = 0;
  let high = x.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (x[middle] < value) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

/** Returns the y of the point at exactly `value` in increasing x values, or null when no point has that x. */
export function valueAt(series: PointSeries, value: number): number | null {
  const index = lowerBound(series.x, value);
  return index < series.x.length && series.x[index] === value ? series.y[index] : null;
}

/** The points of one bucket that decimation keeps, as indices into the series. */
interface Bucket {
  key: number;
  first: number;
  last: number;
  min: number;
  max: number;
}

/** Appends a bucket's kept indices to `kept` in increasing order, each once. */
function keepBucket(bucket: Bucket, kept: number[]): void {
  const indices = [bucket.first, bucket.min, bucket.max, bucket.last].sort((a, b) => a - b);
  for (const index of indices) {
    if (kept.length === 0 || kept[kept.length - 1] < index) {
      kept.push(index);
    }
  }
}

/**
 * Decimates one series with increasing x values incrementally. `update` reads only the points
 * appended since its previous call, as long as the bucket width stays the same; a new width starts
 * over. Points with a null y are skipped, as the charts draw across gaps anyway.
 * NOTE: x values that decrease are not sorted here. A bucket that the series leaves and enters
 * again is then kept as two buckets, so more points are kept, but each is still a real point.
 */
export class SeriesDecimator {
  private width = NaN;
  private consumed = 0;
  /** Kept indices of the buckets before the open one, and their points. */
  private kept: number[] = [];
  private keptX: number[] = [];
  private keptY: (number | null)[] = [];
  private open: Bucket | undefined;

  /** Returns the indices of the kept points, in increasing order, of `series` decimated with buckets of `width`. */
  update(series: PointSeries, width: number): number[] {
    this.consume(series, width);
    const result = [...this.kept];
    if (this.open !== undefined) {
      keepBucket(this.open, result);
    }
    return result;
  }

  /** Returns the kept points of `series` decimated with buckets of `width`: the same as pickPoints(series, update(series, width)), with less copying. */
  updatePoints(series: PointSeries, width: number): PointSeries {
    this.consume(series, width);
    const openIndices: number[] = [];
    if (this.open !== undefined) {
      keepBucket(this.open, openIndices);
    }
    return {
      x: this.keptX.concat(openIndices.map((index) => series.x[index])),
      y: this.keptY.concat(openIndices.map((index) => series.y[index])),
    };
  }

  /** Reads the points appended since the previous call, or all of them after a change of width. */
  private consume(series: PointSeries, width: number): void {
    if (width !== this.width || series.x.length < this.consumed) {
      this.width = width;
      this.consumed = 0;
      this.kept = [];
      this.keptX = [];
      this.keptY = [];
      this.open = undefined;
    }

    const { x, y } = series;
    for (let index = this.consumed; index < x.length; index += 1) {
      const value = y[index];
      if (value === null) {
        continue;
      }
      const key = Math.floor(x[index] / width);
      const open = this.open;
      if (open === undefined || open.key !== key) {
        if (open !== undefined) {
          this.closeBucket(open, series);
        }
        this.open = { key, first: index, last: index, min: index, max: index };
        continue;
      }
      open.last = index;
      if (value < (y[open.min] as number)) {
        open.min = index;
      }
      if (value > (y[open.max] as number)) {
        open.max = index;
      }
    }
    this.consumed = x.length;
  }

  private closeBucket(bucket: Bucket, series: PointSeries): void {
    const start = this.kept.length;
    keepBucket(bucket, this.kept);
    for (let position = start; position < this.kept.length; position += 1) {
      this.keptX.push(series.x[this.kept[position]]);
      this.keptY.push(series.y[this.kept[position]]);
    }
  }
}

/**
 * Returns the indices of the points from index `from` up to, not including, `to` that decimation
 * with buckets of `width` keeps. It is the same as a new SeriesDecimator on that slice.
 */
export function decimateIndices(series: PointSeries, width: number, from = 0, to = series.x.length): number[] {
  const slice: PointSeries = { x: series.x.slice(from, to), y: series.y.slice(from, to) };
  return new SeriesDecimator().update(slice, width).map((index) => index + from);
}

/** Returns the points at `indices`. */
export function pickPoints(series: PointSeries, indices: readonly number[]): PointSeries {
  return { x: indices.map((index) => series.x[index]), y: indices.map((index) => series.y[index]) };
}

/** The x range that a chart shows. */
export interface XRange {
  min: number;
  max: number;
}

/**
 * The full series of one chart and their decimated copy, aligned into columns for uPlot. The
 * full view (no range given) uses one incremental SeriesDecimator per series. A zoomed view
 * decimates the points in range, and one more on each side so that the lines reach the edges.
 */
export class ChartDecimation {
  private points: PointSeries[] = [];
  private decimators: SeriesDecimator[] = [];
  /** Point count of each series at the last setPoints. */
  private counts: number[] = [];
  /** The view and pixel width of the last `columns` call. */
  private lastView = '';

  /**
   * Stores the points of each series. `sameSeries` is true when they are the same series as
   * before, so that their decimators go on from where they were. Returns whether the series
   * changed or any of them gained or lost points since the previous call.
   */
  setPoints(points: PointSeries[], sameSeries: boolean): boolean {
    // The reducer extends its arrays in place, so the counts are kept apart from the arrays.
    const counts = points.map((one) => one.x.length);
    const changed = !sameSeries || counts.length !== this.counts.length || counts.some((count, index) => count !== this.counts[index]);
    if (!sameSeries || this.decimators.length !== points.length) {
      this.decimators = points.map(() => new SeriesDecimator());
    }
    this.points = points;
    this.counts = counts;
    return changed;
  }

  /** Returns the x range from the first to the last point of all series, or undefined without points. */
  fullRange(): XRange | undefined {
    const present = this.points.filter((one) => one.x.length > 0);
    if (present.length === 0) {
      return undefined;
    }
    return { min: Math.min(...present.map((one) => one.x[0])), max: Math.max(...present.map((one) => one.x[one.x.length - 1])) };
  }

  /** Tells whether the last `columns` call was for this view and width. */
  isCurrent(zoomedRange: XRange | undefined, pixels: number): boolean {
    return this.lastView === viewKey(zoomedRange ?? this.fullRange(), zoomedRange !== undefined, pixels);
  }

  /** Returns the series decimated for `pixels` columns across the zoomed range, or across the full range when none is given. */
  columns(zoomedRange: XRange | undefined, pixels: number): AlignedColumns {
    const view = zoomedRange ?? this.fullRange();
    this.lastView = viewKey(view, zoomedRange !== undefined, pixels);
    if (view === undefined) {
      return alignSeries(this.points);
    }

    const width = bucketWidthFor(view.max - view.min, pixels);
    const decimated = this.points.map((one, index) => {
      if (zoomedRange === undefined) {
        return this.decimators[index].updatePoints(one, width);
      }
      const from = Math.max(0, lowerBound(one.x, view.min) - 1);
      const to = Math.min(one.x.length, lowerBound(one.x, view.max) + 2);
      return pickPoints(one, decimateIndices(one, width, from, to));
    });
    return alignSeries(decimated);
  }

  /** Returns a series' exact y at `x`, or null when it has no point there. */
  valueAt(seriesIndex: number, x: number): number | null {
    const one = this.points[seriesIndex];
    return one === undefined ? null : valueAt(one, x);
  }

  /** Returns how many points of a series lie in [range.min, range.max), so a point at exactly `range.max` is not counted. */
  countInRange(seriesIndex: number, range: XRange): number {
    const one = this.points[seriesIndex];
    return one === undefined ? 0 : lowerBound(one.x, range.max) - lowerBound(one.x, range.min);
  }
}

function viewKey(view: XRange | undefined, zoomed: boolean, pixels: number): string {
  return view === undefined ? '' : `${zoomed} ${view.min} ${view.max} ${pixels}`;
}

/** What a metric printed (a module in its worker, or a program under --exec): kept as its log, never on flatcheck's stdout. */

export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

/** Lines kept (the oldest are dropped and counted), and the length a line is cut at. */
const LOG_LINES = 1_000;
const LOG_LINE_CHARS = 2_000;

/** The last LOG_LINES lines a metric printed, each cut at LOG_LINE_CHARS, and how many older ones were dropped. */
export class MetricLog {
  readonly lines: LogLine[] = [];
  dropped = 0;

  keep = (line: LogLine): void => {
    this.lines.push(line.text.length > LOG_LINE_CHARS ? { stream: line.stream, text: `${line.text.slice(0, LOG_LINE_CHARS)}… (${line.text.length} characters)` } : line);
    if (this.lines.length > LOG_LINES) {
      this.lines.shift();
      this.dropped++;
    }
  };
}

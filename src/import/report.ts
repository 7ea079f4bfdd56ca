import { MultiBar, Presets, type SingleBar } from 'cli-progress';

/** A row that is not imported. */
export type RowProblem = 'invalid' | 'conflict' | 'missing';

/** Where the import tells how it goes: presentation only. */
export interface ImportReport {
  /** A new step begins over `total` rows or customers; `total` unset: its size is not known ahead. */
  phase(name: string, unit: 'rows' | 'customers', total?: number): void;
  advance(count: number): void;
  /** One line per row not imported: `line N: invalid: why`. */
  row(line: number, problem: RowProblem, message: string): void;
  /** The bars are finished (also after a failure). */
  done(): void;
}

const BAR_FORMAT = '{phase} [{bar}] {percentage}% | {value}/{total} {unit} | {duration_formatted}';
const COUNTER_FORMAT = '{phase} {value} {unit}';

/**
 * Row problems are always written to `stream` (stderr); progress bars only when it is a
 * terminal, so logs and CI output hold no redraw sequences.
 */
export function createReport(stream: NodeJS.WriteStream): ImportReport {
  const line = (line: number, problem: RowProblem, message: string) => `line ${line}: ${problem}: ${message}\n`;
  if (!stream.isTTY) {
    return {
      phase: () => {},
      advance: () => {},
      row: (number, problem, message) => void stream.write(line(number, problem, message)),
      done: () => {},
    };
  }
  // The cursor stays visible: hiding it would need a SIGINT handler to show it again, and such a
  // handler would keep Ctrl-C from ending the import.
  const bars = new MultiBar({ stream, format: BAR_FORMAT, fps: 10 }, Presets.shades_classic);
  let bar: SingleBar | undefined;
  return {
    phase: (name, unit, total) => {
      bar?.stop();
      const options = total === undefined ? { format: COUNTER_FORMAT } : {};
      bar = bars.create(total ?? 0, 0, { phase: name.padEnd(9), unit }, options);
    },
    advance: (count) => bar?.increment(count),
    row: (number, problem, message) => bars.log(line(number, problem, message)),
    done: () => {
      // Lines logged since the last redraw are written by a redraw only.
      bars.update();
      bars.stop();
    },
  };
}

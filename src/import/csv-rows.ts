import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { ImportError } from './import-error.js';

/** The columns the import reads; any others are ignored. */
export const REQUIRED_COLUMNS = ['user_id', 'customer_id'] as const;

/** One data row as the file has it; a value the row lacks is undefined. */
export interface CsvRow {
  /** The line of the file the row ends on (1 is the header). */
  line: number;
  userId: string | undefined;
  customerId: string | undefined;
}

/** A row longer than this is a broken file (an unclosed quote swallowing the rest), not data. */
const MAX_RECORD_CHARACTERS = 1024 * 1024;

/**
 * Streams the rows of a CSV file with a header row naming at least `user_id` and `customer_id`:
 * quoted fields, CRLF or LF line ends, a UTF-8 byte order mark, blank lines and rows with fewer
 * or more fields than the header are all read. What is not a readable CSV file at all (not
 * UTF-8, a quote never closed, a header without the columns) is an ImportError.
 */
export async function* readCsvRows(path: string): AsyncGenerator<CsvRow> {
  let header: string[] | undefined;
  const parser = parse({
    bom: true,
    columns: (names: string[]) => {
      header = checkHeader(names.map((name) => name.trim()));
      return header;
    },
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_RECORD_CHARACTERS,
    info: true,
  });
  const file = createReadStream(path);
  const decoder = utf8Decoder();
  // Errors of any stage end the iteration below with that error.
  file.on('error', (error) => parser.destroy(error));
  decoder.on('error', (error) => parser.destroy(error));
  file.pipe(decoder).pipe(parser);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      yield { line: info.lines, userId: record.user_id, customerId: record.customer_id };
    }
  } catch (error) {
    throw asImportError(path, error);
  } finally {
    file.destroy();
  }
  if (header === undefined) throw new ImportError(`${path} is empty: expected a header row naming ${REQUIRED_COLUMNS.join(' and ')}`);
}

function checkHeader(names: string[]): string[] {
  const missing = REQUIRED_COLUMNS.filter((column) => !names.includes(column));
  if (missing.length > 0) {
    throw new ImportError(
      `the header row has no ${missing.join(' or ')} column (expected ${REQUIRED_COLUMNS.join(' and ')}, found ${names.map((name) => JSON.stringify(name)).join(', ')})`,
    );
  }
  for (const column of REQUIRED_COLUMNS) {
    if (names.indexOf(column) !== names.lastIndexOf(column)) throw new ImportError(`the header row names ${column} twice`);
  }
  return names;
}

function asImportError(path: string, error: unknown): ImportError {
  if (error instanceof ImportError) return error;
  if (error instanceof CsvError) {
    // csv-parse wraps what the columns callback threw.
    const cause: unknown = (error as { cause?: unknown }).cause;
    if (cause instanceof ImportError) return cause;
    return new ImportError(`${path} is not a readable CSV file: ${error.message}`);
  }
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new ImportError(`${path} does not exist`);
  if (code === 'EISDIR') return new ImportError(`${path} is a directory`);
  if (code === 'EACCES') return new ImportError(`${path} cannot be read (permission denied)`);
  if (error instanceof TypeError && (error as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
    return new ImportError(`${path} is not UTF-8 text`);
  }
  return new ImportError(`${path} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * Bytes to text, refusing what is not UTF-8 rather than reading it as U+FFFD (another user id),
 * with CRLF turned into LF: csv-parse counts the CR and the LF of a line break inside a quoted
 * field as two lines, which would shift the line numbers of every later row.
 */
function utf8Decoder(): Transform {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  // A chunk may end between the CR and the LF of one line break.
  let heldCr = '';
  const normalise = (text: string, last: boolean) => {
    let joined = heldCr + text;
    heldCr = !last && joined.endsWith('\r') ? '\r' : '';
    if (heldCr) joined = joined.slice(0, -1);
    return joined.replace(/\r\n/g, '\n');
  };
  return new Transform({
    decodeStrings: true,
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      try {
        callback(null, normalise(decoder.decode(chunk, { stream: true }), false));
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        callback(null, normalise(decoder.decode(), true));
      } catch (error) {
        callback(error as Error);
      }
    },
  });
}

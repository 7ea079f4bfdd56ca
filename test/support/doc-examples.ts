/**
 * The runnable examples of a Markdown file: a ```sh fence right after a line `<!-- runnable -->`,
 * optionally followed by its output, a fence right after a line `<!-- output -->`.
 */
export interface DocExample {
  /** 1-based line of the `<!-- runnable -->` marker. */
  line: number;
  script: string;
  /** The output the docs show, compared by shape (see outputPattern); undefined: not checked. */
  output?: string;
}

const RUNNABLE = '<!-- runnable -->';
const OUTPUT = '<!-- output -->';

export function docExamples(markdown: string, file: string): DocExample[] {
  const lines = markdown.split('\n');
  const examples: DocExample[] = [];
  /** The fence starting at or after `from` (blank lines skipped): its info string, body and the line after it. */
  const fenceAt = (from: number, marker: string) => {
    let at = from;
    while (at < lines.length && lines[at]!.trim() === '') at += 1;
    const open = /^```(\S*)\s*$/.exec(lines[at] ?? '');
    if (!open) throw new Error(`${file}:${from}: ${marker} must be followed by a fenced block`);
    const close = lines.findIndex((text, index) => index > at && text.startsWith('```'));
    if (close === -1) throw new Error(`${file}:${at + 1}: the fence is never closed`);
    return { info: open[1]!, body: lines.slice(at + 1, close).join('\n'), next: close + 1 };
  };
  /** A ````markdown fence shows markers as text (the contributing page does): nothing inside it runs. */
  let quoted: string | undefined;
  for (let index = 0; index < lines.length; index += 1) {
    const text = lines[index]!.trim();
    const quadFence = /^`{4,}/.exec(text)?.[0];
    if (quoted) {
      if (text === quoted) quoted = undefined;
      continue;
    }
    if (quadFence) {
      quoted = quadFence;
      continue;
    }
    if (text === OUTPUT) throw new Error(`${file}:${index + 1}: ${OUTPUT} without a runnable example right before it`);
    if (text !== RUNNABLE) continue;
    const script = fenceAt(index + 1, RUNNABLE);
    if (script.info !== 'sh') throw new Error(`${file}:${index + 1}: a runnable example must be a sh fence, not "${script.info}"`);
    const example: DocExample = { line: index + 1, script: script.body };
    index = script.next - 1;
    let after = script.next;
    while (after < lines.length && lines[after]!.trim() === '') after += 1;
    if (lines[after]?.trim() === OUTPUT) {
      const output = fenceAt(after + 1, OUTPUT);
      example.output = output.body;
      index = output.next - 1;
    }
    examples.push(example);
  }
  return examples;
}

/**
 * What varies from run to run, as it is written in the docs and what it may be in a real answer.
 * Longest first: a SetupIntent client secret is matched as one, not as an id and a tail.
 */
const VARYING: Array<[RegExp, string]> = [
  [/seti_[A-Za-z0-9]+_secret_[A-Za-z0-9]+/g, 'seti_[A-Za-z0-9]+_secret_[A-Za-z0-9]+'],
  [/cuss_secret_[A-Za-z0-9]+/g, 'cuss_secret_[A-Za-z0-9]+'],
  [/ek_test_[A-Za-z0-9]+/g, 'ek_test_[A-Za-z0-9]+'],
  [/eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, 'eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+'],
  [/\b(cus|seti|pm|cuss|acct|evt|req|ephkey)_[A-Za-z0-9]+/g, '$1_[A-Za-z0-9]+'],
  [/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z'],
  [/http:\/\/127\.0\.0\.1:\d+/g, 'http://127\\.0\\.0\\.1:\\d+'],
  [/("(?:expYear|exp_year)":)\d{4}/g, '$1\\d{4}'],
  [/("(?:created|expires)":)\d{10}/g, '$1\\d{10}'],
  [/("(?:requestId|request_id)":)"[^"]*"/g, '$1"[^"]*"'],
];

/**
 * A regular expression for an output the docs show: ids, secrets, tokens, times and the
 * emulator's port match any value of their kind; `…` stands for text left out; the rest is literal.
 */
export function outputPattern(shown: string): RegExp {
  const marks: string[] = [];
  let text = shown.trim();
  for (const [pattern, replacement] of VARYING) {
    text = text.replace(pattern, (...match) => {
      const groups = match.slice(1, -2) as Array<string | undefined>;
      const source = replacement.replace(/\$(\d)/g, (_, n) => escapeRegExp(groups[Number(n) - 1] ?? ''));
      marks.push(source);
      return `\u0000${marks.length - 1}\u0000`;
    });
  }
  const source = text
    .split(/(\u0000\d+\u0000|…)/)
    .map((part) => {
      if (part === '…') return '[\\s\\S]*?';
      const mark = /^\u0000(\d+)\u0000$/.exec(part);
      return mark ? marks[Number(mark[1])]! : escapeRegExp(part);
    })
    .join('');
  return new RegExp(`^${source}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

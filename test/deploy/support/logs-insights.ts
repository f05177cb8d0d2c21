/**
 * A small reader of CloudWatch Logs Insights queries (the Logs Insights query language), enough to
 * catch what breaks a saved or quoted query: an unknown command or function, an unclosed string,
 * regex or parenthesis, an empty stage, and a field the log line does not have. Grammar from
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html
 */

type Token =
  | { kind: 'string' | 'regex' | 'number' | 'identifier' | 'operator'; text: string }
  | { kind: 'punctuation'; text: '(' | ')' | '[' | ']' | ',' | '|' };

type ParsedQuery = {
  commands: string[];
  /** Fields the query reads (aliases it defines itself left out). */
  fields: string[];
  /** Names it defines with `as` (or `parse ... as`). */
  aliases: string[];
};

const COMMANDS = new Set(['fields', 'filter', 'stats', 'sort', 'limit', 'display', 'parse', 'dedup']);
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'like', 'by', 'as', 'asc', 'desc', 'is', 'null']);
const FUNCTIONS = new Set([
  // stats
  'avg', 'count', 'count_distinct', 'max', 'min', 'pct', 'stddev', 'sum', 'earliest', 'latest', 'sortsFirst', 'sortsLast',
  // general, string, numeric, datetime
  'ispresent', 'isempty', 'isblank', 'coalesce', 'concat', 'ltrim', 'rtrim', 'trim', 'strlen', 'toupper', 'tolower',
  'substr', 'replace', 'strcontains', 'abs', 'ceil', 'floor', 'greatest', 'least', 'log', 'sqrt', 'bin', 'datefloor',
  'dateceil', 'fromMillis', 'toMillis',
]);
const BUILT_IN_FIELDS = new Set(['@timestamp', '@message', '@logStream', '@log', '@ingestionTime']);

/**
 * Splits a query into tokens. `/.../` is a regex where an operand may start (after an operator,
 * `like`, `(`, `,` or the command word).
 *
 * @throws {Error} on an unclosed string, regex or backquoted field, or a character it does not know.
 */
const tokenize = (query: string): Token[] => {
  const tokens: Token[] = [];
  const text = query.replace(/^\s*#.*$/gm, '');
  let i = 0;
  const operandMayStart = (): boolean => {
    const last = tokens.at(-1);
    return last === undefined || last.kind === 'operator' || (last.kind === 'punctuation' && last.text !== ')') ||
      (last.kind === 'identifier' && (KEYWORDS.has(last.text) || COMMANDS.has(last.text)));
  };
  while (i < text.length) {
    const char = text[i] as string;
    if (/\s/.test(char)) {
      i += 1;
      continue;
    }
    const closing = char === '"' || char === "'" || char === '`' ? char : char === '/' && operandMayStart() ? '/' : undefined;
    if (closing !== undefined) {
      let end = i + 1;
      while (end < text.length && text[end] !== closing) end += text[end] === '\\' ? 2 : 1;
      if (end >= text.length) throw new Error(`unclosed ${closing} at ${i}`);
      const body = text.slice(i, end + 1);
      tokens.push(closing === '`' ? { kind: 'identifier', text: body.slice(1, -1) } : { kind: closing === '/' ? 'regex' : 'string', text: body });
      i = end + 1;
      continue;
    }
    const word = /^[@A-Za-z_][@A-Za-z0-9_.]*/.exec(text.slice(i))?.[0];
    if (word !== undefined) {
      tokens.push({ kind: 'identifier', text: word });
      i += word.length;
      continue;
    }
    const number = /^\d+(\.\d+)?[a-z]*/.exec(text.slice(i))?.[0];
    if (number !== undefined) {
      tokens.push({ kind: 'number', text: number });
      i += number.length;
      continue;
    }
    const operator = /^(=~|!=|<=|>=|==|[=<>+\-*/%^])/.exec(text.slice(i))?.[0];
    if (operator !== undefined) {
      tokens.push({ kind: 'operator', text: operator });
      i += operator.length;
      continue;
    }
    if ('()[],|'.includes(char)) {
      tokens.push({ kind: 'punctuation', text: char as '(' | ')' | '[' | ']' | ',' | '|' });
      i += 1;
      continue;
    }
    throw new Error(`unexpected ${JSON.stringify(char)} at ${i}`);
  }
  return tokens;
};

/**
 * Parses a Logs Insights query into its commands and the fields it reads.
 *
 * @throws {Error} for an unknown command or function, unbalanced parentheses, an empty stage, an
 *   `as` without a name, or a `limit` without a number.
 */
const parseQuery = (query: string): ParsedQuery => {
  const tokens = tokenize(query);
  const stages: Token[][] = [[]];
  for (const token of tokens) {
    if (token.kind === 'punctuation' && token.text === '|') stages.push([]);
    else stages.at(-1)?.push(token);
  }
  const commands: string[] = [];
  const fields: string[] = [];
  const aliases: string[] = [];
  for (const stage of stages) {
    const [command, ...rest] = stage;
    if (command === undefined) throw new Error('empty stage');
    if (command.kind !== 'identifier' || !COMMANDS.has(command.text)) throw new Error(`unknown command ${command.text}`);
    if (rest.length === 0) throw new Error(`${command.text} without arguments`);
    if (command.text === 'limit' && !(rest.length === 1 && rest[0]?.kind === 'number')) throw new Error('limit takes one number');
    commands.push(command.text);
    let depth = 0;
    rest.forEach((token, i) => {
      if (token.kind === 'punctuation') {
        depth += token.text === '(' || token.text === '[' ? 1 : token.text === ')' || token.text === ']' ? -1 : 0;
        if (depth < 0) throw new Error(`unbalanced ) in ${command.text}`);
        return;
      }
      if (token.kind !== 'identifier') return;
      const next = rest[i + 1];
      const previous = rest[i - 1];
      if (KEYWORDS.has(token.text.toLowerCase())) {
        if (token.text === 'as' && next?.kind !== 'identifier') throw new Error('as without a name');
        return;
      }
      if (next?.kind === 'punctuation' && next.text === '(') {
        if (!FUNCTIONS.has(token.text)) throw new Error(`unknown function ${token.text}`);
        return;
      }
      if (previous?.kind === 'identifier' && previous.text === 'as') {
        aliases.push(token.text);
        return;
      }
      // parse <field> "<glob>" as a, b, c: every name after `as` is defined here.
      if (command.text === 'parse' && rest.slice(0, i).some((t) => t.kind === 'identifier' && t.text === 'as')) {
        aliases.push(token.text);
        return;
      }
      if (!aliases.includes(token.text)) fields.push(token.text);
    });
    if (depth !== 0) throw new Error(`unbalanced ( in ${command.text}`);
  }
  return { commands, fields: [...new Set(fields)], aliases };
};

/** The fields a query reads that are neither in `available` nor Logs Insights built-ins. */
const unknownFields = (query: string, available: ReadonlySet<string>): string[] =>
  parseQuery(query).fields.filter((field) => !available.has(field) && !BUILT_IN_FIELDS.has(field));

export { parseQuery, unknownFields, tokenize, BUILT_IN_FIELDS };
export type { ParsedQuery, Token };

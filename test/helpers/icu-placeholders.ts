import { IntlMessageFormat } from 'intl-messageformat';

/** Argument and tag names of a parsed ICU message (the AST of intl-messageformat's parser), nested ones included. */
interface Node {
  type: number;
  value?: unknown;
  options?: Record<string, { value: Node[] }>;
  children?: Node[];
}

// The parser's node types (TYPE in @formatjs/icu-messageformat-parser): 0 literal, 1 argument, 2 number, 3 date,
// 4 time, 5 select, 6 plural, 7 pound (#), 8 tag.
function names(ast: Node[], out = new Set<string>()): Set<string> {
  for (const n of ast) {
    if (n.type >= 1 && n.type <= 6) out.add(String(n.value));
    if (n.type === 8) out.add(`<${String(n.value)}>`);
    for (const o of Object.values(n.options ?? {})) names(o.value, out);
    if (n.children) names(n.children, out);
  }
  return out;
}

/**
 * The sorted argument and tag names of `source` parsed as an ICU message for `tag` (throws when it does not parse):
 * a translation must name the same ones as English, or a value the page passes would go unsaid.
 */
export const placeholders = (source: string, tag: string): string[] => [...names(new IntlMessageFormat(source, tag).getAst() as Node[])].sort();

/**
 * What is wrong with a translated catalog against English: keys it lacks or adds, empty messages, and messages whose
 * placeholders differ from English's (a parse error throws). Empty when it is whole.
 */
export function catalogProblems(english: Record<string, string>, theirs: Record<string, string>, language: string): string[] {
  const wrong = [
    ...Object.keys(theirs).filter((k) => !(k in english)).map((k) => `${k}: not in English`),
    ...Object.keys(english).filter((k) => !(k in theirs)).map((k) => `${k}: missing`),
  ];
  for (const [key, source] of Object.entries(english)) {
    const message = theirs[key];
    if (message === undefined) continue;
    if (message.trim() === '') wrong.push(`${key}: empty`);
    else if (JSON.stringify(placeholders(message, language)) !== JSON.stringify(placeholders(source, 'en'))) wrong.push(`${key}: ${placeholders(message, language).join(',')}`);
  }
  return wrong;
}

// grammar.js: the TextMate grammar tested with VS Code's own engine
// (vscode-textmate on the Oniguruma regex library), printing TAP.
//
//     node test/grammar.js DIR...      every .cbr file of each DIR
//
// Each file is tokenised as the editor would, and checked against a small
// scanner of its own that knows only where comments, strings and words
// are: every comment character is in a comment scope, every string
// character in a string scope, every reserved word in a keyword or
// constant scope, every number in a constant; and nothing is `invalid`.
// A fixed snippet then checks the scopes of each kind of token exactly.
'use strict';
const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const here = __dirname;
const wasm = fs.readFileSync(path.join(path.dirname(require.resolve('vscode-oniguruma')), 'onig.wasm')).buffer;

// The lexer's reserved words (compiler/lexer.re).
const RESERVED = new Set(('when then and or not in between cashback up to valid offer campaign field let ' +
  'extern fn test given expect from no true false title timezone priority exclusive limit per budget ' +
  'rounding table tally refund vest').split(' '));

let n = 0;
let failed = 0;
function check(name, ok, detail) {
  n++;
  if (ok) {
    console.log(`ok ${n} - ${name}`);
  } else {
    failed++;
    console.log(`not ok ${n} - ${name}`);
    for (const line of String(detail || '').split('\n').slice(0, 30)) console.log('# ' + line);
  }
}

// What each character of a line is, by the scanner: 'c'omment, 's'tring,
// 'w'ord start (with the word), 'd'igit start, or ' ' for anything else.
function scan(line) {
  const kinds = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (ch === '#') {
      for (; i < line.length; i++) kinds[i] = { k: 'c' };
    } else if (ch === '"') {
      kinds[i++] = { k: 's' };
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\') kinds[i++] = { k: 's' };
        if (i < line.length) kinds[i++] = { k: 's' };
      }
      if (i < line.length) kinds[i++] = { k: 's' };
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(line.slice(i));
      kinds[i] = { k: 'w', word: m[0] };
      for (let j = 1; j < m[0].length; j++) kinds[i + j] = { k: ' ' };
      i += m[0].length;
    } else if (/[0-9]/.test(ch)) {
      const m = /^[0-9][0-9.:TZ+%-]*/.exec(line.slice(i));
      kinds[i] = { k: 'd' };
      for (let j = 1; j < m[0].length; j++) kinds[i + j] = { k: ' ' };
      i += m[0].length;
    } else {
      kinds[i++] = { k: ' ' };
    }
  }
  return kinds;
}

// The scopes at each character of a line.
function scopesOf(grammar, line, state) {
  const r = grammar.tokenizeLine(line, state);
  const at = [];
  for (const t of r.tokens)
    for (let i = t.startIndex; i < t.endIndex; i++) at[i] = t.scopes;
  return { at, state: r.ruleStack };
}

function checkFile(grammar, file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const name = path.join(path.basename(path.dirname(file)), path.basename(file));
  const bad = [];
  let state = vsctm.INITIAL;
  lines.forEach((line, ln) => {
    const { at, state: next } = scopesOf(grammar, line, state);
    state = next;
    const kinds = scan(line);
    kinds.forEach((kd, i) => {
      const sc = (at[i] || []).join(' ');
      const where = `${name}:${ln + 1}:${i + 1}`;
      if (/\binvalid\b/.test(sc)) bad.push(`${where}: invalid: ${sc}`);
      if (kd.k === 'c' && !/comment/.test(sc)) bad.push(`${where}: comment not scoped: ${sc}`);
      if (kd.k === 's' && !/string/.test(sc)) bad.push(`${where}: string not scoped: ${sc}`);
      if (kd.k === 'd' && !/constant/.test(sc)) bad.push(`${where}: number not scoped: ${sc}`);
      if (kd.k === 'w' && RESERVED.has(kd.word) && !/keyword|constant/.test(sc))
        bad.push(`${where}: \`${kd.word}\` not scoped: ${sc}`);
    });
  });
  check(`${name}: comments, strings, numbers and reserved words are scoped`, bad.length === 0,
        bad.join('\n'));
}

// One token of each kind, with its scope exactly.
function checkSnippet(grammar) {
  const text = [
    'field tier: string  # a comment',
    'offer "fri-10" {',
    '    limit 50.00 USD per user per month',
    '    when weekday == FRI and tier in ["gold"] and lower(merchant) == "x\\"y" then cashback 10%',
    '    valid 2026-01-01 to 2026-12-31T23:59:59Z',
    '}',
  ];
  const want = [
    [0, 'field', 'keyword.declaration.cbr'], [0, 'tier', 'entity.name.variable.cbr'],
    [0, 'string', 'storage.type.cbr'], [0, '# a', 'comment.line.number-sign.cbr'],
    [1, 'offer', 'keyword.declaration.cbr'], [1, '"fri-10"', 'entity.name.section.cbr'],
    [2, 'limit', 'keyword.other.cbr'], [2, '50.00', 'constant.numeric.cbr'],
    [2, 'USD', 'support.constant.currency.cbr'], [2, 'user', 'keyword.other.cbr'],
    [2, 'month', 'keyword.other.cbr'],
    [3, 'when', 'keyword.control.cbr'], [3, 'weekday', 'variable.other.cbr'],
    [3, '==', 'keyword.operator.cbr'], [3, 'FRI', 'constant.language.weekday.cbr'],
    [3, 'and', 'keyword.operator.word.cbr'], [3, 'lower', 'entity.name.function.call.cbr'],
    [3, '\\"', 'constant.character.escape.cbr'], [3, '10%', 'constant.numeric.percent.cbr'],
    [4, '2026-01-01', 'constant.other.date.cbr'], [4, '2026-12-31T23:59:59Z', 'constant.other.date.cbr'],
  ];
  let state = vsctm.INITIAL;
  const per = text.map((line) => {
    const r = scopesOf(grammar, line, state);
    state = r.state;
    return r.at;
  });
  const bad = [];
  for (const [ln, tok, scope] of want) {
    const i = text[ln].indexOf(tok);
    for (let k = i; k < i + tok.length; k++) {
      const sc = per[ln][k] || [];
      if (!sc.includes(scope)) {
        bad.push(`line ${ln + 1} \`${tok}\`: ${sc.join(' ')} (want ${scope})`);
        break;
      }
    }
  }
  check('a snippet: each kind of token has its scope', bad.length === 0, bad.join('\n'));
}

async function main() {
  await oniguruma.loadWASM(wasm);
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (p) => new oniguruma.OnigScanner(p),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope) => {
      if (scope !== 'source.cbr') return null;
      const file = path.join(here, '..', 'syntaxes', 'cbr.tmLanguage.json');
      return vsctm.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
    },
  });
  const grammar = await registry.loadGrammar('source.cbr');
  check('the grammar loads', grammar !== null);
  checkSnippet(grammar);
  for (const dir of process.argv.slice(2))
    for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.cbr')).sort())
      checkFile(grammar, path.join(dir, f));
  console.log(`1..${n}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log(`not ok ${n + 1} - the grammar test ran\n# ${e.stack}`);
  console.log(`1..${n + 1}`);
  process.exit(1);
});

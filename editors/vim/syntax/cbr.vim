" syntax/cbr.vim: highlighting of cbr cashback rule files, the same
" classes as the VS Code grammar (editors/vscode/syntaxes).
if exists('b:current_syntax')
  finish
endif

syn keyword cbrDeclaration offer campaign field let extern fn test table tally
syn keyword cbrControl     when then given expect
syn keyword cbrOperatorWord and or not in between
syn keyword cbrAttribute   cashback up to valid title timezone priority exclusive best limit budget
syn keyword cbrAttribute   total rounding no partial refund full vest after days count sum where from
syn keyword cbrBoolean     true false
" Test steps that are words, not keywords: `already earned ...`, `stub f = ...`.
syn match   cbrControl     "^\s*\zs\<already\s\+\(earned\|spent\|counted\)\>"
syn match   cbrControl     "^\s*\zs\<stub\>"
syn keyword cbrWeekday     MON TUE WED THU FRI SAT SUN
" `per user`, `per month`: periods are words only after `per`, else fields.
syn match   cbrAttribute   "\<per\>"
syn match   cbrAttribute   "\%(\<per\s\+\)\@<=\<\(user\|day\|week\|month\|year\)\>"
" A type after `:` or `->`, or among an extern's parameters.
syn match   cbrType        "\%(:\|->\|(\|,\)\s*\zs\<\(bool\|int\|decimal\|money\|string\|date\|instant\|weekday\)\>\ze\s*\%([^ :]\|$\)"
syn match   cbrCurrency    "\<[A-Z]\{3}\>"
syn match   cbrFunction    "\<[A-Za-z_][A-Za-z0-9_]*\ze\s*("
" Later matches win: a date or a percent over the plain number it starts with.
syn match   cbrNumber      "\<\d\%(_\?\d\)*\%(\.\d\%(_\?\d\)*\)\?\>"
syn match   cbrDate        "\<\d\{4}-\d\{2}-\d\{2}\%([Tt]\d\{2}:\d\{2}\%(:\d\{2}\)\?\%([Zz]\|[+-]\d\{2}:\d\{2}\)\?\)\?\>"
syn match   cbrPercent     "\<\d\%(_\?\d\)*\%(\.\d\%(_\?\d\)*\)\?%"
syn match   cbrOperator    "==\|!=\|<=\|>=\|\~=\|->\|[<>+*/=-]"
syn match   cbrEscape      contained "\\\%([\"\\nt]\|u{\x\{1,6}}\)"
syn region  cbrString      start=+"+ skip=+\\\\\|\\"+ end=+"+ end=+$+ contains=cbrEscape
syn match   cbrComment     "#.*$" contains=@Spell

hi def link cbrDeclaration  Keyword
hi def link cbrControl      Conditional
hi def link cbrOperatorWord Operator
hi def link cbrAttribute    Keyword
hi def link cbrBoolean      Boolean
hi def link cbrWeekday      Constant
hi def link cbrType         Type
hi def link cbrCurrency     Constant
hi def link cbrFunction     Function
hi def link cbrDate         Constant
hi def link cbrPercent      Number
hi def link cbrNumber       Number
hi def link cbrOperator     Operator
hi def link cbrEscape       SpecialChar
hi def link cbrString       String
hi def link cbrComment      Comment

let b:current_syntax = 'cbr'

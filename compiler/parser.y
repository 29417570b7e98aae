/* parser.y: the grammar of .cbr files (Bison, pure, with locations).
 * Actions only build the AST (ast.h through build.c); every rule about names
 * and types lives in sema.c.  Syntax errors are reported by
 * yyreport_syntax_error below with the token that was found and what could
 * have come instead; error productions in items, offer elements, test steps
 * and given fields let one run report every independent error. */
%require "3.8"
%define api.pure full
%define api.prefix {cbr_yy}
%define api.token.prefix {TK_}
%define api.location.type {cbrloc}
%define parse.error custom
%define parse.lac full
%locations
%param {cbr_lexer *lx}
%expect 0

%code requires {
#include "compiler/ast.h"
typedef struct cbr_lexer cbr_lexer;
}

%code provides {
int cbr_yylex(CBR_YYSTYPE *lval, cbrloc *lloc, cbr_lexer *lx);
}

%code {
#include <string.h>
#include "compiler/lexer.h"
#include "compiler/build.h"

#define YYLLOC_DEFAULT(Cur, Rhs, N)                                   \
    do {                                                              \
        if (N) {                                                      \
            (Cur).file = YYRHSLOC(Rhs, 1).file;                       \
            (Cur).start = YYRHSLOC(Rhs, 1).start;                     \
            (Cur).end = YYRHSLOC(Rhs, N).end;                         \
        } else {                                                      \
            (Cur).file = YYRHSLOC(Rhs, 0).file;                       \
            (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;           \
        }                                                             \
    } while (0)

/* Every builder returns NULL only when memory runs out. */
#define NN(x) do { if (!(x)) YYABORT; } while (0)
#define CC (lx->cc)

static void cbr_yyerror(cbrloc *loc, cbr_lexer *lx, const char *msg);
}

%union {
    cbrstr str;
    cbrval lit;
    cbrexpr *expr;
    cbramount amount;
    cbrreward reward;
    cbrclause clause;
    cbrattr attr;
    cbrattrs attrs;
    cbritem *item;
    cbrtyperef tref;
    cbrstep step;
    cbrsteps steps;
    cbrgiven_kv kv;
    cbrbinop op;
}

%token <str> IDENT "identifier"
%token <str> STRING "string"
%token <lit> INT "integer"
%token <lit> DECIMAL "decimal number"
%token <lit> PERCENT "percent"
%token <lit> DATE "date"
%token <lit> INSTANT "instant"
%token WHEN "when" THEN "then" AND "and" OR "or" NOT "not" IN "in"
%token BETWEEN "between" CASHBACK "cashback" UP "up" TO "to"
%token VALID "valid" OFFER "offer" CAMPAIGN "campaign" FIELD "field"
%token LET "let" EXTERN "extern" FN "fn" TEST "test" GIVEN "given"
%token EXPECT "expect" FROM "from" NO "no" TRUE "true" FALSE "false"
%token TITLE "title" TIMEZONE "timezone" PRIORITY "priority"
%token EXCLUSIVE "exclusive" LIMIT "limit" PER "per" BUDGET "budget"
%token ROUNDING "rounding" TABLE "table" TALLY "tally" REFUND "refund" VEST "vest"
%token EQ "==" NE "!=" LE "<=" GE ">=" FEQ "~=" ARROW "->"
%token LT "<" GT ">" PLUS "+" MINUS "-" STAR "*" SLASH "/" PCT "%"
%token LPAREN "(" RPAREN ")" LBRACK "[" RBRACK "]" LBRACE "{" RBRACE "}"
%token COMMA "," COLON ":" ASSIGN "="

%type <expr> expr or_expr and_expr not_expr cmp_expr sum term unary primary literal vest_period
%type <expr> items args
%type <op> cmp_op
%type <lit> number
%type <amount> amount
%type <reward> reward
%type <clause> clause
%type <attr> attr elem
%type <attrs> elems
%type <item> item
%type <tref> typeref
%type <str> round_mode
%type <step> step given_kvs
%type <steps> steps
%type <expr> stub_value
%type <kv> kv
%type <item> typelist table_head table_pairs table_keys
%type <item> tally_def tally_nw tally_w
%type <str> tally_what

%%

program:
    %empty
  | program item          { if ($2) cbrbuild_add_item(CC, lx->file, $2); }
  ;

item:
    FIELD IDENT ":" typeref
        { NN($$ = cbrbuild_item(CC, I_FIELD, @$, $2, @2)); $$->u.field_type = $4; }
  | LET IDENT "=" expr
        { NN($$ = cbrbuild_item(CC, I_LET, @$, $2, @2)); $$->u.let_expr = $4; }
  | EXTERN FN IDENT "(" typelist ")" "->" typeref
        { $$ = $5; $$->loc = @$; $$->name = $3; $$->name_loc = @3; $$->u.ext.ret = $8; }
  | CAMPAIGN STRING "{" elems "}"
        { NN($$ = cbrbuild_item(CC, I_CAMPAIGN, @$, $2, @2)); $$->u.attrs = $4; }
  | OFFER STRING "{" elems "}"
        { NN($$ = cbrbuild_item(CC, I_OFFER, @$, $2, @2)); $$->u.attrs = $4; }
  | clause
        { NN($$ = cbrbuild_item(CC, I_RULE, @$, (cbrstr){0}, @1)); $$->u.rule = $1; }
  | OFFER error "}"        { $$ = NULL; }
  | CAMPAIGN error "}"     { $$ = NULL; }
  | table_head FROM STRING
        { $$ = $1; $$->loc = @$; $$->u.table.from_file = true; $$->u.table.file = $3; $$->u.table.file_loc = @3; }
  | table_head "=" "{" "}"              { $$ = $1; $$->loc = @$; }
  | table_head "=" "{" table_pairs "}"  { $$ = $1; $$->loc = @$; }
  | table_head "=" "{" table_pairs "," "}" { $$ = $1; $$->loc = @$; }
  | table_head "=" "[" "]"              { $$ = $1; $$->loc = @$; }
  | table_head "=" "[" table_keys "]"   { $$ = $1; $$->loc = @$; }
  | table_head "=" "[" table_keys "," "]" { $$ = $1; $$->loc = @$; }
  | TEST STRING "{" steps "}"
        { NN($$ = cbrbuild_item(CC, I_TEST, @$, $2, @2)); $$->u.test = $4; }
  | tally_def             { $$ = $1; $$->loc = @$; }
  | error
        { $$ = NULL; }
  ;

/* The entries of an inline table accumulate in the item table_head made
 * ($<item>-2: table_pairs and table_keys only follow `table_head "=" "{"` or "[");
 * whether a map has pairs and a set keys is the checker's to say. */
table_head:
    TABLE IDENT ":" typeref
        { NN($$ = cbrbuild_item(CC, I_TABLE, @$, $2, @2)); $$->u.table.key = $4; $$->u.table.is_set = true; }
  | TABLE IDENT ":" typeref "->" typeref
        { NN($$ = cbrbuild_item(CC, I_TABLE, @$, $2, @2)); $$->u.table.key = $4; $$->u.table.value = $6; }
  ;

table_pairs:
    expr ":" expr         { $$ = $<item>-2; NN(cbrbuild_table_entry(CC, $$, $1, $3)); }
  | table_pairs "," expr ":" expr { $$ = $1; NN(cbrbuild_table_entry(CC, $$, $3, $5)); }
  ;

table_keys:
    expr                  { $$ = $<item>-2; NN(cbrbuild_table_entry(CC, $$, $1, NULL)); }
  | table_keys "," expr   { $$ = $1; NN(cbrbuild_table_entry(CC, $$, $3, NULL)); }
  ;

 /* The optional parts of a tally in any order, each kept with how often it
  * was written: sema refuses a repeat.  `where` is a word here, not a
  * keyword, so fields named `where` keep working; it comes at most once,
  * since a word after its condition would read as a currency code. */
tally_def:
    tally_nw
  | tally_w
  ;

tally_nw:
    TALLY IDENT "=" IDENT tally_what PER IDENT
        { NN($$ = cbrbuild_item(CC, I_TALLY, @$, $2, @2)); cbrtallydef *t = &$$->u.tally;
          t->kind = $4; t->kind_loc = @4; t->what = $5; t->what_loc = @5;
          t->who = $7; t->who_loc = @7; }
  | tally_nw PER IDENT    { $$ = $1; cbrbuild_tally_period(&$$->u.tally, $3, @3); }
  | tally_nw TIMEZONE STRING
                          { $$ = $1; cbrbuild_tally_zone(&$$->u.tally, $3, @3); }
  ;

tally_w:
    tally_nw IDENT expr   { $$ = $1; cbrtallydef *t = &$$->u.tally; t->where = $2; t->where_loc = @2;
                            t->cond = $3; }
  | tally_w PER IDENT     { $$ = $1; cbrbuild_tally_period(&$$->u.tally, $3, @3); }
  | tally_w TIMEZONE STRING
                          { $$ = $1; cbrbuild_tally_zone(&$$->u.tally, $3, @3); }
  ;

tally_what:
    %empty                { $$ = (cbrstr){NULL, 0}; }
  | IDENT                 { $$ = $1; }
  ;

typeref:
    IDENT                 { $$.name = $1; $$.loc = @1; }
  ;

typelist:
    %empty                { NN($$ = cbrbuild_item(CC, I_EXTERN, @$, (cbrstr){0}, @$)); }
  | typeref               { NN($$ = cbrbuild_item(CC, I_EXTERN, @$, (cbrstr){0}, @$));
                            NN(cbrbuild_param(CC, $$, $1)); }
  | typelist "," typeref  { $$ = $1; NN(cbrbuild_param(CC, $$, $3)); }
  ;

elems:
    %empty                { memset(&$$, 0, sizeof $$); }
  | elems elem            { $$ = $1;
                            if ($2.kind == (cbrattr_kind)-1) $$.broken = true;
                            else NN(cbrbuild_attr(CC, &$$, &$2)); }
  ;

elem:
    attr                  { $$ = $1; }
  | clause                { memset(&$$, 0, sizeof $$); $$.kind = A_CLAUSE; $$.loc = @1;
                            $$.kw_loc = @1; $$.u.clause = $1; }
  | error                 { memset(&$$, 0, sizeof $$); $$.kind = (cbrattr_kind)-1; }
  ;

attr:
    TITLE STRING          { cbrbuild_attr_str(&$$, A_TITLE, @$, @1, $2); }
  | CAMPAIGN STRING       { cbrbuild_attr_str(&$$, A_CAMPAIGN, @$, @1, $2); }
  | TIMEZONE STRING       { cbrbuild_attr_str(&$$, A_TIMEZONE, @$, @1, $2); }
  | EXCLUSIVE STRING      { cbrbuild_attr_str(&$$, A_EXCLUSIVE, @$, @1, $2); }
  /* The word belongs to the group only on its line: a word on the next
   * line is a misspelt attribute, reported as the parser reports any. */
  | EXCLUSIVE STRING IDENT
        { if (memchr(lx->base + @2.end, '\n', @3.start - @2.end)) {
              cbrdiag_error(CC, @3, "syntax", "expected `when`, `}` or an offer attribute, found `%s`", $3.s);
              if ($3.n == 4 && !memcmp($3.s, "best", 4))
                  cbrdiag_hint(CC, "`best` goes on the line of its `exclusive \"%s\"`", $2.s);
              YYERROR;
          }
          cbrbuild_attr_str(&$$, A_EXCLUSIVE, @$, @1, $2);
          $$.u.excl.has_word = true; $$.u.excl.word = $3; $$.u.excl.word_loc = @3; }
  | VALID DATE "to" DATE
        { cbrbuild_attr_str(&$$, A_VALID, @$, @1, (cbrstr){0});
          $$.u.valid.from = $2.u.date; $$.u.valid.to = $4.u.date;
          $$.u.valid.from_loc = @2; $$.u.valid.to_loc = @4; }
  | PRIORITY INT
        { cbrbuild_attr_str(&$$, A_PRIORITY, @$, @1, (cbrstr){0});
          $$.u.priority.v = $2.u.i; $$.u.priority.loc = @2; }
  | PRIORITY "-" INT
        { cbrbuild_attr_str(&$$, A_PRIORITY, @$, @1, (cbrstr){0});
          $$.u.priority.v = -$3.u.i; $$.u.priority.loc = @2; $$.u.priority.loc.end = @3.end; }
  /* `limit 5 total` reads as an amount whose word is `total`: the checker
   * tells it from a currency code. */
  | LIMIT amount
        { cbrbuild_attr_str(&$$, A_LIMIT, @$, @1, (cbrstr){0}); $$.u.limit.amount = $2; }
  | LIMIT amount PER IDENT
        { cbrbuild_attr_str(&$$, A_LIMIT, @$, @1, (cbrstr){0});
          $$.u.limit.amount = $2; $$.u.limit.has_who = true; $$.u.limit.who = $4; $$.u.limit.who_loc = @4; }
  | LIMIT amount PER IDENT PER IDENT
        { cbrbuild_attr_str(&$$, A_LIMIT, @$, @1, (cbrstr){0});
          $$.u.limit.amount = $2; $$.u.limit.has_who = true; $$.u.limit.who = $4; $$.u.limit.who_loc = @4;
          $$.u.limit.has_period = true; $$.u.limit.period = $6; $$.u.limit.period_loc = @6; }
  | BUDGET amount
        { cbrbuild_attr_str(&$$, A_BUDGET, @$, @1, (cbrstr){0}); $$.u.budget.amount = $2; }
  | BUDGET amount PER IDENT
        { cbrbuild_attr_str(&$$, A_BUDGET, @$, @1, (cbrstr){0}); $$.u.budget.amount = $2;
          $$.u.budget.has_period = true; $$.u.budget.period = $4; $$.u.budget.period_loc = @4; }
  | NO IDENT
        { cbrbuild_attr_str(&$$, A_NO_PARTIAL, @$, @$, (cbrstr){0});
          $$.u.word.s = $2; $$.u.word.loc = @2; }
  | ROUNDING round_mode
        { cbrbuild_attr_str(&$$, A_ROUNDING, @$, @1, (cbrstr){0});
          $$.u.rounding.mode = $2; $$.u.rounding.loc = @2; }
  | REFUND IDENT
        { cbrbuild_attr_str(&$$, A_REFUND_FULL, @$, @1, (cbrstr){0});
          $$.u.word.s = $2; $$.u.word.loc = @2; }
  | VEST IDENT vest_period IDENT
        { cbrbuild_attr_str(&$$, A_VEST, @$, @1, (cbrstr){0});
          $$.u.vest.e = $3; $$.u.vest.after = $2; $$.u.vest.after_loc = @2;
          $$.u.vest.days = $4; $$.u.vest.days_loc = @4; }
  ;

/* The days of `vest after N days`: a number, a field or a parenthesised
 * expression (`30 days` alone would read as an amount in currency `days`).
 * A decimal or a string is parsed so that the checker can say what is
 * wrong with it. */
vest_period:
    INT                   { NN($$ = cbrbuild_lit(CC, &$1, @1)); }
  | "-" INT               { $2.u.i = -$2.u.i; NN($$ = cbrbuild_lit(CC, &$2, @$)); }
  | DECIMAL               { NN($$ = cbrbuild_lit(CC, &$1, @1)); }
  | STRING                { cbrval v = {.type = T_STRING}; v.u.s = $1; NN($$ = cbrbuild_lit(CC, &v, @1)); }
  | IDENT                 { NN($$ = cbrbuild_name(CC, E_NAME, $1, @1)); }
  | "(" expr ")"          { $$ = $2; } /* the formatter puts these parentheses back */
  ;

/* half-up is the identifier `half`, a minus and `up`: kept as one word here. */
round_mode:
    IDENT                 { $$ = $1; }
  | UP                    { $$ = (cbrstr){"up", 2}; }
  | IDENT "-" IDENT       { NN(cbrbuild_join(CC, &$$, $1, "-", $3)); }
  | IDENT "-" UP          { NN(cbrbuild_join(CC, &$$, $1, "-", (cbrstr){"up", 2})); }
  ;

clause:
    WHEN expr THEN reward { $$.cond = $2; $$.reward = $4; $$.loc = @$; $$.unreachable = false; }
  ;

/* Every reward is an expression; cbrbuild_reward gives one literal
 * (`cashback 10%`, `cashback 20.00`) its old form. */
reward:
    CASHBACK sum          { cbrbuild_reward(&$$, $2, NULL, @$, @$); }
  | CASHBACK sum UP TO sum
        { cbrloc cl = @3; cl.end = @5.end; cbrbuild_reward(&$$, $2, $5, @$, cl); }
  ;

number:
    INT                   { $$ = $1; }
  | DECIMAL               { $$ = $1; }
  ;

amount:
    number                { cbrbuild_amount(&$$, &$1, @1, NULL, @1); }
  | number IDENT          { cbrbuild_amount(&$$, &$1, @$, &$2, @2); }
  ;

steps:
    %empty                { memset(&$$, 0, sizeof $$); }
  | steps step            { $$ = $1; if ($2.kind != (cbrstep_kind)-1) NN(cbrbuild_step(CC, &$$, &$2)); }
  ;

step:
    GIVEN "{" given_kvs "}"
        { $$ = $3; $$.kind = STEP_GIVEN; $$.loc = @$; }
  | EXPECT CASHBACK amount FROM STRING
        { memset(&$$, 0, sizeof $$); $$.kind = STEP_EXPECT_CASHBACK; $$.loc = @$;
          $$.amount = $3; $$.offer = $5; $$.offer_loc = @5; }
  | EXPECT NO CASHBACK
        { memset(&$$, 0, sizeof $$); $$.kind = STEP_EXPECT_NONE; $$.loc = @$; }
  | EXPECT NO CASHBACK FROM STRING
        { memset(&$$, 0, sizeof $$); $$.kind = STEP_EXPECT_NONE_FROM; $$.loc = @$;
          $$.offer = $5; $$.offer_loc = @5; }
  | IDENT IDENT amount FROM STRING "{" given_kvs "}"
        { $$ = $7; $$.kind = STEP_ALREADY_EARNED; $$.loc = @$; $$.word = $1; $$.word_loc = @1;
          $$.verb = $2; $$.verb_loc = @2; $$.amount = $3; $$.offer = $5; $$.offer_loc = @5;
          $$.block_loc = @6; }
  | IDENT IDENT amount FROM CAMPAIGN STRING "{" given_kvs "}"
        { $$ = $8; $$.kind = STEP_ALREADY_SPENT; $$.loc = @$; $$.word = $1; $$.word_loc = @1;
          $$.verb = $2; $$.verb_loc = @2; $$.amount = $3; $$.offer = $6; $$.offer_loc = @6;
          $$.block_loc = @7; }
  | IDENT IDENT amount IN IDENT "{" given_kvs "}"
        { $$ = $7; $$.kind = STEP_ALREADY_COUNTED; $$.loc = @$; $$.word = $1; $$.word_loc = @1;
          $$.verb = $2; $$.verb_loc = @2; $$.amount = $3; $$.offer = $5; $$.offer_loc = @5;
          $$.block_loc = @6; }
  | IDENT primary "=" stub_value
        { memset(&$$, 0, sizeof $$); $$.kind = STEP_STUB; $$.loc = @$; $$.word = $1; $$.word_loc = @1;
          $$.call = $2; $$.value = $4; }
  | error
        { memset(&$$, 0, sizeof $$); $$.kind = (cbrstep_kind)-1; }
  ;

/* What a stub returns: a literal, but not a money literal (`3 USD`): a
 * step after it may open with a word, and an extern returns money as a
 * decimal anyway. */
stub_value:
    INT                   { NN($$ = cbrbuild_lit(CC, &$1, @1)); }
  | DECIMAL               { NN($$ = cbrbuild_lit(CC, &$1, @1)); }
  | "-" INT               { cbrexpr *e; NN(e = cbrbuild_lit(CC, &$2, @2)); NN($$ = cbrbuild_unary(CC, E_NEG, e, @$, @1)); }
  | "-" DECIMAL           { cbrexpr *e; NN(e = cbrbuild_lit(CC, &$2, @2)); NN($$ = cbrbuild_unary(CC, E_NEG, e, @$, @1)); }
  | STRING                { cbrval v = {.type = T_STRING}; v.u.s = $1; NN($$ = cbrbuild_lit(CC, &v, @1)); }
  | DATE                  { NN($$ = cbrbuild_lit(CC, &$1, @1)); }
  | INSTANT               { NN($$ = cbrbuild_lit(CC, &$1, @1)); }
  | TRUE                  { cbrval v = {.type = T_BOOL}; v.u.b = true; NN($$ = cbrbuild_lit(CC, &v, @1)); }
  | FALSE                 { cbrval v = {.type = T_BOOL}; v.u.b = false; NN($$ = cbrbuild_lit(CC, &v, @1)); }
  ;

given_kvs:
    %empty                { memset(&$$, 0, sizeof $$); }
  | kv                    { memset(&$$, 0, sizeof $$);
                            if ($1.value) NN(cbrbuild_kv(CC, &$$, &$1)); else $$.broken = true; }
  | given_kvs "," kv      { $$ = $1;
                            if ($3.value) NN(cbrbuild_kv(CC, &$$, &$3)); else $$.broken = true; }
  ;

kv:
    IDENT ":" expr        { $$.key = $1; $$.key_loc = @1; $$.value = $3; }
  | error                 { memset(&$$, 0, sizeof $$); }
  ;

/* ---- expressions: precedence by stratification, loosest first ---- */

expr: or_expr ;

or_expr:
    and_expr
  | or_expr OR and_expr   { NN($$ = cbrbuild_nary(CC, E_OR, $1, $3, @2)); }
  ;

and_expr:
    not_expr
  | and_expr AND not_expr { NN($$ = cbrbuild_nary(CC, E_AND, $1, $3, @2)); }
  ;

not_expr:
    cmp_expr
  | NOT not_expr          { NN($$ = cbrbuild_unary(CC, E_NOT, $2, @$, @1)); }
  ;

/* Comparisons do not chain: `a < b < c` is a syntax error. */
cmp_expr:
    sum
  | sum cmp_op sum        { NN($$ = cbrbuild_binary(CC, $2, $1, $3, @2)); }
  | sum IN sum            { NN($$ = cbrbuild_in(CC, false, $1, $3, @2)); }
  | sum NOT IN sum        { cbrloc l = @2; l.end = @3.end; NN($$ = cbrbuild_in(CC, true, $1, $4, l)); }
  | sum BETWEEN sum AND sum
                          { NN($$ = cbrbuild_between(CC, $1, $3, $5, @2)); }
  ;

cmp_op:
    "=="  { $$ = OP_EQ; }
  | "!="  { $$ = OP_NE; }
  | "<"   { $$ = OP_LT; }
  | "<="  { $$ = OP_LE; }
  | ">"   { $$ = OP_GT; }
  | ">="  { $$ = OP_GE; }
  | "~="  { $$ = OP_FEQ; }
  ;

sum:
    term
  | sum "+" term          { NN($$ = cbrbuild_binary(CC, OP_ADD, $1, $3, @2)); }
  | sum "-" term          { NN($$ = cbrbuild_binary(CC, OP_SUB, $1, $3, @2)); }
  ;

term:
    unary
  | term "*" unary        { NN($$ = cbrbuild_binary(CC, OP_MUL, $1, $3, @2)); }
  | term "/" unary        { NN($$ = cbrbuild_binary(CC, OP_DIV, $1, $3, @2)); }
  ;

unary:
    primary
  | "-" unary             { NN($$ = cbrbuild_unary(CC, E_NEG, $2, @$, @1)); }
  ;

primary:
    literal
  | IDENT                 { NN($$ = cbrbuild_name(CC, E_NAME, $1, @1)); }
  | IDENT "[" expr "]"    { cbrexpr *t; NN(t = cbrbuild_name(CC, E_NAME, $1, @1));
                            NN($$ = cbrbuild_index(CC, t, $3, @$)); }
  | IDENT "(" ")"         { NN($$ = cbrbuild_name(CC, E_CALL, $1, @1)); $$->loc = @$; }
  | IDENT "(" args ")"    { $$ = $3; $$->u.name = $1; $$->op_loc = @1; $$->loc = @$; }
  | "(" expr ")"          { $$ = $2; $$->paren = true; }
  | "[" "]"               { NN($$ = cbrbuild_list(CC, NULL, @$)); }
  | "[" items "]"         { $$ = $2; $$->loc = @$; }
  | "[" items "," "]"     { $$ = $2; $$->loc = @$; }
  ;

/* Call arguments accumulate in an E_CALL node whose name the caller fills. */
args:
    expr                  { NN($$ = cbrbuild_name(CC, E_CALL, (cbrstr){0}, @1)); NN(cbrbuild_arg(CC, $$, $1)); }
  | args "," expr         { $$ = $1; NN(cbrbuild_arg(CC, $$, $3)); }
  ;

items:
    expr                  { NN($$ = cbrbuild_list(CC, $1, @1)); }
  | items "," expr        { $$ = $1; NN(cbrbuild_list_add(CC, $$, $3)); }
  ;

literal:
    INT                   { NN($$ = cbrbuild_lit(CC, &$1, @1)); }
  | DECIMAL               { NN($$ = cbrbuild_lit(CC, &$1, @1)); }
  | PERCENT               { NN($$ = cbrbuild_lit(CC, &$1, @1)); }
  | STRING                { cbrval v = {.type = T_STRING}; v.u.s = $1; NN($$ = cbrbuild_lit(CC, &v, @1)); }
  | DATE                  { NN($$ = cbrbuild_lit(CC, &$1, @1)); }
  | INSTANT               { NN($$ = cbrbuild_lit(CC, &$1, @1)); }
  | TRUE                  { cbrval v = {.type = T_BOOL}; v.u.b = true; NN($$ = cbrbuild_lit(CC, &v, @1)); }
  | FALSE                 { cbrval v = {.type = T_BOOL}; v.u.b = false; NN($$ = cbrbuild_lit(CC, &v, @1)); }
  | number IDENT          { NN($$ = cbrbuild_money(CC, &$1, $2, @$, @2)); }
  ;

%%

static void cbr_yyerror(cbrloc *loc, cbr_lexer *lx, const char *msg)
{
    /* Only Bison's own failures arrive here ("memory exhausted" when the
     * parser stack passes YYMAXDEPTH); syntax errors go through
     * yyreport_syntax_error. */
    if (strstr(msg, "exhausted"))
        cbrdiag_error(lx->cc, *loc, "limit-nesting",
                      "the program is nested too deeply to parse; parsing of this file stopped");
    else
        cbrdiag_error(lx->cc, *loc, "syntax", "%s", msg);
}

static int yyreport_syntax_error(const yypcontext_t *ctx, cbr_lexer *lx)
{
    enum { MAXEXP = 64 };
    yysymbol_kind_t exp[MAXEXP];
    int n = yypcontext_expected_tokens(ctx, exp, MAXEXP);
    if (n < 0)
        n = 0;
    const char *names[MAXEXP];
    int kinds[MAXEXP];
    for (int i = 0; i < n; i++) {
        names[i] = yysymbol_name(exp[i]);
        kinds[i] = (int)exp[i];
    }
    yysymbol_kind_t found = yypcontext_token(ctx);
    cbrbuild_syntax_error(lx, yypcontext_location(ctx), found == YYSYMBOL_YYEOF,
                          yysymbol_name(found), names, kinds, n);
    return 0;
}

void cbrparse_source(cbr_compiler *c, uint32_t file)
{
    cbr_lexer lx;
    cbrlex_init(&lx, c, file);
    /* A failed allocation of ours has set c->oom already; Bison's own
     * "memory exhausted" (its stack past YYMAXDEPTH) is reported as nesting. */
    (void)cbr_yyparse(&lx);
    cbrlex_free(&lx);
}

/* Symbol kinds the error reporter groups ("an expression", "an operator"). */
int cbrparse_symbol_class(int kind)
{
    switch ((yysymbol_kind_t)kind) {
    case YYSYMBOL_IDENT: case YYSYMBOL_STRING: case YYSYMBOL_INT: case YYSYMBOL_DECIMAL:
    case YYSYMBOL_PERCENT: case YYSYMBOL_DATE: case YYSYMBOL_INSTANT: case YYSYMBOL_TRUE:
    case YYSYMBOL_FALSE: case YYSYMBOL_LPAREN: case YYSYMBOL_LBRACK: case YYSYMBOL_NOT:
        return CBRSYM_EXPR_START;
    case YYSYMBOL_AND: case YYSYMBOL_OR: case YYSYMBOL_IN: case YYSYMBOL_BETWEEN:
    case YYSYMBOL_EQ: case YYSYMBOL_NE: case YYSYMBOL_LT: case YYSYMBOL_LE: case YYSYMBOL_GT:
    case YYSYMBOL_GE: case YYSYMBOL_FEQ: case YYSYMBOL_PLUS: case YYSYMBOL_STAR:
    case YYSYMBOL_SLASH:
        return CBRSYM_OPERATOR;
    case YYSYMBOL_MINUS:
        return CBRSYM_MINUS;
    case YYSYMBOL_TITLE: case YYSYMBOL_CAMPAIGN: case YYSYMBOL_VALID: case YYSYMBOL_TIMEZONE:
    case YYSYMBOL_PRIORITY: case YYSYMBOL_EXCLUSIVE: case YYSYMBOL_LIMIT: case YYSYMBOL_BUDGET:
    case YYSYMBOL_ROUNDING: case YYSYMBOL_NO: case YYSYMBOL_REFUND: case YYSYMBOL_VEST:
        return CBRSYM_ATTRIBUTE;
    case YYSYMBOL_FIELD: case YYSYMBOL_LET: case YYSYMBOL_EXTERN: case YYSYMBOL_OFFER:
    case YYSYMBOL_TEST: case YYSYMBOL_TABLE: case YYSYMBOL_TALLY:
        return CBRSYM_TOPLEVEL;
    case YYSYMBOL_THEN:
        return CBRSYM_THEN;
    case YYSYMBOL_YYEOF:
        return CBRSYM_EOF;
    default:
        return CBRSYM_OTHER;
    }
}

// Tokens of the PostgreSQL dialect Trickle reads: the SELECT language, the CREATE TABLE subset of schema files,
// and whatever else a pg_dump file contains (skipped statement by statement, so every character must lex).
lexer grammar TrickleSqlLexer;

options {
    caseInsensitive = true;
    superClass = TrickleSqlLexerBase;
}

tokens { UNTERMINATED_LITERAL }

// ---- Whitespace, comments, psql meta-commands -------------------------------------------------------------------

WHITESPACE: [ \t\r\n\f]+ -> channel(HIDDEN);
LINE_COMMENT: '--' ~[\r\n]* -> channel(HIDDEN);
// PostgreSQL block comments nest, unlike C's; the body is consumed in code (see TrickleSqlLexerBase).
BLOCK_COMMENT: '/*' { ConsumeBlockCommentBody(); };
// pg_dump output contains psql commands such as \connect or \restrict, which have no ';' terminator.
PSQL_META_COMMAND: '\\' [a-z] ~[\r\n]* -> channel(HIDDEN);

// ---- Keywords ---------------------------------------------------------------------------------------------------
// Reserved keywords (PostgreSQL Appendix C, "reserved").
ALL: 'all';
ANALYSE: 'analyse';
ANALYZE: 'analyze';
AND: 'and';
ANY: 'any';
ARRAY: 'array';
AS: 'as';
ASC: 'asc';
ASYMMETRIC: 'asymmetric';
BOTH: 'both';
CASE: 'case';
CAST: 'cast';
CHECK: 'check';
COLLATE: 'collate';
COLUMN: 'column';
CONSTRAINT: 'constraint';
CREATE: 'create';
CURRENT_CATALOG: 'current_catalog';
CURRENT_DATE: 'current_date';
CURRENT_ROLE: 'current_role';
CURRENT_TIME: 'current_time';
CURRENT_TIMESTAMP: 'current_timestamp';
CURRENT_USER: 'current_user';
DEFAULT: 'default';
DEFERRABLE: 'deferrable';
DESC: 'desc';
DISTINCT: 'distinct';
DO: 'do';
ELSE: 'else';
END: 'end';
EXCEPT: 'except';
FALSE: 'false';
FETCH: 'fetch';
FOR: 'for';
FOREIGN: 'foreign';
FROM: 'from';
GRANT: 'grant';
GROUP: 'group';
HAVING: 'having';
IN: 'in';
INITIALLY: 'initially';
INTERSECT: 'intersect';
INTO: 'into';
LATERAL: 'lateral';
LEADING: 'leading';
LIMIT: 'limit';
LOCALTIME: 'localtime';
LOCALTIMESTAMP: 'localtimestamp';
NOT: 'not';
NULL: 'null';
OFFSET: 'offset';
ON: 'on';
ONLY: 'only';
OR: 'or';
ORDER: 'order';
PLACING: 'placing';
PRIMARY: 'primary';
REFERENCES: 'references';
RETURNING: 'returning';
SELECT: 'select';
SESSION_USER: 'session_user';
SOME: 'some';
SYMMETRIC: 'symmetric';
SYSTEM_USER: 'system_user';
TABLE: 'table';
THEN: 'then';
TO: 'to';
TRAILING: 'trailing';
TRUE: 'true';
UNION: 'union';
UNIQUE: 'unique';
USER: 'user';
USING: 'using';
VARIADIC: 'variadic';
WHEN: 'when';
WHERE: 'where';
WINDOW: 'window';
WITH: 'with';

// Reserved, but allowed as function or type names ("reserved (can be function or type)").
AUTHORIZATION: 'authorization';
BINARY: 'binary';
CLASS: 'class';
COLLATION: 'collation';
CONCURRENTLY: 'concurrently';
CROSS: 'cross';
CURRENT_SCHEMA: 'current_schema';
FREEZE: 'freeze';
FULL: 'full';
ILIKE: 'ilike';
INNER: 'inner';
IS: 'is';
ISNULL: 'isnull';
JOIN: 'join';
LEFT: 'left';
LIKE: 'like';
NATURAL: 'natural';
NOTNULL: 'notnull';
OUTER: 'outer';
OVERLAPS: 'overlaps';
RIGHT: 'right';
SIMILAR: 'similar';
TABLESAMPLE: 'tablesample';
VERBOSE: 'verbose';

// Usable as column names but not as function or type names ("non-reserved (cannot be function or type)").
BETWEEN: 'between';
BIT: 'bit';
CHAR: 'char';
CHARACTER: 'character';
COALESCE: 'coalesce';
EXISTS: 'exists';
EXTRACT: 'extract';
GREATEST: 'greatest';
GROUPING: 'grouping';
INTERVAL: 'interval';
LEAST: 'least';
NATIONAL: 'national';
NCHAR: 'nchar';
NULLIF: 'nullif';
OVERLAY: 'overlay';
POSITION: 'position';
PRECISION: 'precision';
ROW: 'row';
SUBSTRING: 'substring';
TIME: 'time';
TIMESTAMP: 'timestamp';
TRIM: 'trim';
VALUES: 'values';

// Non-reserved keywords: ordinary identifiers everywhere (see the parser's unreservedKeyword rule).
ACTION: 'action';
ADD: 'add';
ALTER: 'alter';
ALWAYS: 'always';
AT: 'at';
BY: 'by';
CASCADE: 'cascade';
CUBE: 'cube';
CURRENT: 'current';
DAY: 'day';
DEFERRED: 'deferred';
DELETE: 'delete';
DOMAIN: 'domain';
DOUBLE: 'double';
ENUM: 'enum';
ESCAPE: 'escape';
EXCLUDE: 'exclude';
EXTENSION: 'extension';
FILTER: 'filter';
FIRST: 'first';
FOLLOWING: 'following';
GENERATED: 'generated';
GLOBAL: 'global';
GROUPS: 'groups';
HOUR: 'hour';
IDENTITY: 'identity';
IF: 'if';
IMMEDIATE: 'immediate';
INCLUDE: 'include';
INDEX: 'index';
INHERIT: 'inherit';
KEY: 'key';
LAST: 'last';
LOCAL: 'local';
MATCH: 'match';
MATERIALIZED: 'materialized';
MINUTE: 'minute';
MONTH: 'month';
NEXT: 'next';
NO: 'no';
NULLS: 'nulls';
OF: 'of';
OPERATOR: 'operator';
ORDINALITY: 'ordinality';
OTHERS: 'others';
OVER: 'over';
PARTIAL: 'partial';
PARTITION: 'partition';
PRECEDING: 'preceding';
RANGE: 'range';
RECURSIVE: 'recursive';
REPLACE: 'replace';
RESTRICT: 'restrict';
ROLLUP: 'rollup';
ROWS: 'rows';
SCHEMA: 'schema';
SECOND: 'second';
SET: 'set';
SETS: 'sets';
SIMPLE: 'simple';
STORED: 'stored';
STREAM: 'stream';
TABLESPACE: 'tablespace';
TEMP: 'temp';
TEMPORARY: 'temporary';
TIES: 'ties';
TYPE: 'type';
UNBOUNDED: 'unbounded';
UNKNOWN: 'unknown';
UNLOGGED: 'unlogged';
UPDATE: 'update';
VALID: 'valid';
VARYING: 'varying';
VIEW: 'view';
WITHIN: 'within';
WITHOUT: 'without';
YEAR: 'year';
ZONE: 'zone';

// ---- Literals ---------------------------------------------------------------------------------------------------

INTEGER_LITERAL
    : DECIMAL_DIGITS
    | '0x' ('_'? [0-9a-f])+
    | '0o' ('_'? [0-7])+
    | '0b' ('_'? [01])+
    ;

NUMERIC_LITERAL
    : DECIMAL_DIGITS '.' DECIMAL_DIGITS? EXPONENT?
    | '.' DECIMAL_DIGITS EXPONENT?
    | DECIMAL_DIGITS EXPONENT
    ;

STRING_LITERAL: '\'' (~'\'' | '\'\'')* '\'';
ESCAPE_STRING_LITERAL: 'e\'' (~['\\] | '\'\'' | '\\' .)* '\'';
UNICODE_STRING_LITERAL: 'u&\'' (~'\'' | '\'\'')* '\'';
BIT_STRING_LITERAL: 'b\'' [01]* '\'';
HEX_STRING_LITERAL: 'x\'' [0-9a-f]* '\'';
// The body runs to the first repetition of the opening delimiter, which a regular rule cannot express.
DOLLAR_STRING_LITERAL: '$' DOLLAR_TAG? '$' { ConsumeDollarQuotedBody(); };

PARAMETER: '$' [0-9]+;

// ---- Identifiers ------------------------------------------------------------------------------------------------

IDENTIFIER: IDENTIFIER_START IDENTIFIER_PART*;
QUOTED_IDENTIFIER: '"' (~'"' | '""')+ '"';
UNICODE_QUOTED_IDENTIFIER: 'u&"' (~'"' | '""')+ '"';

// ---- Punctuation and operators ----------------------------------------------------------------------------------

TYPECAST: '::';
COLON_EQUALS: ':=';
NAMED_ARGUMENT_ARROW: '=>';
LESS_EQUAL: '<=';
GREATER_EQUAL: '>=';
NOT_EQUAL: '<>';
BANG_EQUAL: '!=';
EQUAL: '=';
LESS: '<';
GREATER: '>';
PLUS: '+';
MINUS: '-';
STAR: '*';
SLASH: '/';
PERCENT: '%';
CARET: '^';
// Matches the longest run of operator characters; TrickleSqlLexerBase then shortens it the way PostgreSQL does
// (no "/*" or "--" inside; no trailing + or - unless it contains one of ~!@#%^&|`?, so "a*-1" is "a * -1").
OPERATOR_SYMBOL: OPERATOR_CHAR+ { TrimOperatorSymbol(); };

LEFT_PAREN: '(';
RIGHT_PAREN: ')';
LEFT_BRACKET: '[';
RIGHT_BRACKET: ']';
COMMA: ',';
SEMICOLON: ';';
COLON: ':';
DOT: '.';

// Literals that reach the end of the file; the parser rejects them with a precise message.
// Each stops at the quote that would close the matching terminated literal, so it is always the shorter match.
UNTERMINATED_QUOTE: ('\'' | 'u&\'' | 'b\'' | 'x\'') (~'\'' | '\'\'')* -> type(UNTERMINATED_LITERAL);
UNTERMINATED_ESCAPE_QUOTE: 'e\'' (~['\\] | '\'\'' | '\\' .)* -> type(UNTERMINATED_LITERAL);
UNTERMINATED_QUOTED_IDENTIFIER: 'u&'? '"' (~'"' | '""')* -> type(UNTERMINATED_LITERAL);

// Anything else becomes a token the parser reports, so the lexer itself never fails.
UNEXPECTED_CHARACTER: .;

fragment DECIMAL_DIGITS: [0-9] ('_'? [0-9])*;
fragment EXPONENT: 'e' [+-]? DECIMAL_DIGITS;
fragment DOLLAR_TAG: [a-z_\u0080-\uFFFF] [a-z_0-9\u0080-\uFFFF]*;
fragment IDENTIFIER_START: [a-z_\u0080-\uFFFF];
fragment IDENTIFIER_PART: [a-z_0-9$\u0080-\uFFFF];
fragment OPERATOR_CHAR: [+\-*/<>=~!@#%^&|`?];

namespace Trickle.Compiler.Diagnostics;

/// <summary>
/// Every diagnostic code the compiler can report. Codes are stable: users grep for them and docs list them.
/// 1xxx input and syntax, 2xxx schema/catalog, 3xxx binding, 4xxx maintainability (not differentiable yet), 5xxx options,
/// 9xxx faults of Trickle itself.
/// </summary>
public sealed record DiagnosticCode(string Id, string Title)
{
    public static readonly DiagnosticCode SyntaxError = new("TRK1001", "syntax error");
    public static readonly DiagnosticCode UnrecognizedInput = new("TRK1002", "input is not a stream table definition");
    public static readonly DiagnosticCode FileNotFound = new("TRK1003", "file not found");
    public static readonly DiagnosticCode InvalidStreamTableName = new("TRK1004", "invalid stream table name");
    public static readonly DiagnosticCode OutputNotWritten = new("TRK1005", "could not write the output file");
    public static readonly DiagnosticCode NestedTooDeeply = new("TRK1006", "the query is nested too deeply");
    public static readonly DiagnosticCode InvalidEncoding = new("TRK1007", "the file is not valid UTF-8 text");
    public static readonly DiagnosticCode IdentifierTruncated = new("TRK1008", "identifier longer than 63 bytes is truncated");
    // 12xx: the inputs of the tools that compile sets of definitions (trickle migrations, trickle dbt compile).
    public static readonly DiagnosticCode DuplicateStreamTable = new("TRK1201", "two definitions of one stream table");
    public static readonly DiagnosticCode InvalidMigrationFolder = new("TRK1202", "the migrations folder cannot be read");
    public static readonly DiagnosticCode InvalidDbtManifest = new("TRK1203", "the dbt manifest cannot be read");

    public static readonly DiagnosticCode SchemaSyntaxError = new("TRK2001", "schema file syntax error");
    public static readonly DiagnosticCode DuplicateTable = new("TRK2002", "table defined twice in the schema");
    public static readonly DiagnosticCode CatalogUnavailable = new("TRK2003", "could not read the catalog");
    public static readonly DiagnosticCode UnknownColumnInConstraint = new("TRK2004", "constraint names an unknown column");

    public static readonly DiagnosticCode UnknownTable = new("TRK3001", "unknown table");
    public static readonly DiagnosticCode UnknownColumn = new("TRK3002", "unknown column");
    public static readonly DiagnosticCode AmbiguousColumn = new("TRK3003", "ambiguous column");
    public static readonly DiagnosticCode UnknownFunction = new("TRK3004", "unknown function");
    public static readonly DiagnosticCode NotGrouped = new("TRK3005", "column must appear in GROUP BY or be used in an aggregate");
    public static readonly DiagnosticCode NestedAggregate = new("TRK3006", "aggregate calls cannot be nested");
    public static readonly DiagnosticCode AggregateInWhere = new("TRK3007", "aggregates are not allowed in WHERE or GROUP BY");
    public static readonly DiagnosticCode DuplicateOutputColumn = new("TRK3008", "duplicate output column name");
    public static readonly DiagnosticCode TypeMismatch = new("TRK3009", "type mismatch");
    public static readonly DiagnosticCode WrongArgumentCount = new("TRK3010", "wrong number of arguments");
    public static readonly DiagnosticCode GroupByOrdinalOutOfRange = new("TRK3011", "GROUP BY position out of range");
    public static readonly DiagnosticCode DistinctOrderNotInArguments = new("TRK3012", "ORDER BY of a DISTINCT aggregate must use its arguments");
    public static readonly DiagnosticCode DistinctOnOrderMismatch = new("TRK3013", "DISTINCT ON expressions must match the initial ORDER BY expressions");
    public static readonly DiagnosticCode FullJoinCondition = new("TRK3014", "FULL JOIN condition is neither merge- nor hash-joinable");
    public static readonly DiagnosticCode InvalidWindow = new("TRK3015", "invalid window function call or window definition");
    public static readonly DiagnosticCode InvalidTopK = new("TRK3016", "LIMIT or OFFSET is not a non-negative integer constant");
    public static readonly DiagnosticCode ReadsItself = new("TRK3017", "a stream table cannot read itself");
    public static readonly DiagnosticCode NoOutputColumns = new("TRK3018", "a stream table needs at least one column");
    public static readonly DiagnosticCode TooManyColumnNames = new("TRK3019", "the column list names more columns than the query has");

    public static readonly DiagnosticCode UnsupportedConstruct = new("TRK4001", "construct not supported for incremental maintenance yet");
    public static readonly DiagnosticCode VolatileFunction = new("TRK4002", "volatile function in an incrementally maintained query");
    public static readonly DiagnosticCode UnsupportedType = new("TRK4003", "type cannot be maintained");
    public static readonly DiagnosticCode AmbiguousTies = new("TRK4004", "the result depends on how ties are broken");
    public static readonly DiagnosticCode TiesBrokenByOutputColumns = new("TRK4102", "ties at a top-k's limit are broken by the output columns");

    public static readonly DiagnosticCode InvalidOption = new("TRK5001", "invalid option");
    public static readonly DiagnosticCode InvalidSchedule = new("TRK5002", "invalid schedule");
    public static readonly DiagnosticCode InvalidCronField = new("TRK5003", "invalid cron expression");
    public static readonly DiagnosticCode ScheduleOutOfRange = new("TRK5004", "schedule duration out of range");
    public static readonly DiagnosticCode ScheduleIgnored = new("TRK5005", "schedule has no effect on an IMMEDIATE stream table");
    public static readonly DiagnosticCode UpgradeNotOnline = new("TRK5006", "the stream table cannot be upgraded online");

    public static readonly DiagnosticCode InternalError = new("TRK9999", "internal compiler error");
}

// Package condition turns structured filters (and raw expressions) into compiled
// github.com/expr-lang/expr programs that are compiled once and evaluated many times.
// It does no I/O.
//
// # Structure
//
// A Filter node is a group (All: every child matches; Any: at least one child matches), a
// rule (Property, Op, Value) or a raw expression (Expr). An empty All group matches
// everything, an empty Any group matches nothing, and a completely empty root Filter{}
// matches everything. A node that mixes forms, or an empty node below the root, is a Problem.
//
// # List rules
//
// A list rule ({"list": "vip", "op": "member"} or "not_member") tests Env.Lists, the ids of
// the lists the record is in; the caller loads them when Program.UsesLists. It takes no value.
//
// # Properties
//
// A bare name ("city") reads Env.Record["city"]; "record.city" is an alias of "city".
// "event.a.b" reads Env.Event["a"]["b"] through nested maps. Every path is read by Lookup
// (also used by triggers, templates and steps): a key literally named "a.b" wins over the
// nested reading, at every level. Names use letters, digits, '_', '-' and '.'.
//
// # Operator semantics
//
//   - eq, neq, in, not_in, contains, not_contains, starts_with, ends_with compare text
//     case-insensitively. Numbers compare numerically: record values may be any Go integer
//     or float, json.Number, or a numeric string such as "42". Booleans compare as booleans
//     ("true"/"false" strings in the data are accepted). Dates compare as instants; a
//     date-only value "2026-01-31" means that whole UTC day (eq matches any time on it).
//   - gt, gte, lt, lte compare numbers, or dates when the value is a date. before is lt and
//     after is gt: "after 2026-01-31" matches from 2026-02-01T00:00Z on, "before 2026-01-31"
//     matches until 2026-01-30T23:59:59.999Z. within_last "3d" matches a date in
//     [Env.Now-3d, Env.Now]; durations are a positive integer with unit s, m, h, d or w
//     (or a Go duration such as "1h30m").
//   - Dates in the data may be RFC 3339 strings, "YYYY-MM-DD" (UTC), time.Time or unix
//     milliseconds (numbers or numeric strings).
//   - contains on a text value is a substring test; on a multi-value property (a list,
//     e.g. tags) it tests whether an element equals the value.
//   - Multi-value properties: a positive operator (eq, gt, contains, in, starts_with, ...)
//     matches if ANY element matches; neq, not_in and not_contains match if NO element
//     matches the positive counterpart.
//   - is_known matches a present value that is not null, "" or an empty list; is_unknown is
//     its opposite. They take no value.
//   - A missing (or null) property never matches a positive operator and always matches
//     neq, not_in and not_contains (HubSpot's "is not equal to" includes unknown).
//   - A type mismatch at run time (gt on "abc", contains on a number) makes the positive
//     operator false and hence its negative counterpart (neq, not_in, not_contains) true; it
//     is never an error.
//
// # Raw expressions
//
// Expr is an expr-lang boolean expression evaluated against this environment:
//
//	record  map[string]any  // Env.Record
//	event   map[string]any  // Env.Event
//	now     time.Time       // Env.Now
//
// e.g. `record.age > 30 && event.watch_pct >= 50`. Raw expressions are evaluated as
// written: a run-time error (such as comparing a missing value, nil, with a number) is
// returned by Match, so write `(record.age ?? 0) > 30` when a property may be missing.
// Only side-effect-free builtins are available (the list is in AllowedBuiltins) plus
// date(v) (parses a date like the ones above) and the functions used by structured rules;
// now(), timezone(), date-with-zone and other builtins that read the clock or the file
// system are not. Each expression is limited to MaxExprBytes bytes and MaxExprNodes syntax
// nodes, and each Match to a work, string and memory budget (see ErrBudgetExceeded), so a
// hostile expression fails fast instead of hanging or exhausting the engine.
package condition

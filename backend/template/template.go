// Package template renders personalisation tokens in email subjects and bodies (and any other
// message text): `{{contact.first_name | default "there"}}`. It is pure: no I/O.
//
// A token is `{{ namespace.path | filter arg | filter }}`:
//
//   - namespaces: `record` (the enrolled record), its object type as an alias (`contact`,
//     `company`, `deal`, `ticket`), `event` (the triggering event's fields), `enrollment`
//     (`id`, `enrolled_at`, `workflow_id`, `version`) and `workflow` (`id`, `name`);
//   - a path is one or more names joined by dots (`event.data.amount` reads nested objects; a
//     property literally named `data.amount` wins, as in filters: see condition.Lookup);
//   - filters, applied left to right: `default "text"` (when the value is empty), `upper`,
//     `lower`, `date "2006-01-02"` (Go reference layout; the value may be RFC 3339, a
//     YYYY-MM-DD date or Unix milliseconds).
//
// Unknown namespaces, malformed tokens and unknown filters are errors at Parse time, with the
// position. Whether a property exists is a question for validation (see Token and Suggest).
// A literal "{{" is written `{{"{{"}}`.
package template

import (
	"encoding/json"
	"fmt"
	"html"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/flowdesk/flowdesk/backend/condition"
)

// Namespaces lists the token namespaces a template may use.
var Namespaces = []string{"record", "contact", "company", "deal", "ticket", "event", "enrollment", "workflow"}

// ObjectNamespaces are the namespaces that name the enrolled record by its object type.
var ObjectNamespaces = []string{"contact", "company", "deal", "ticket"}

// EnrollmentFields and WorkflowFields are the fields the enrollment and workflow namespaces have.
var (
	EnrollmentFields = []string{"id", "enrolled_at", "workflow_id", "version"}
	WorkflowFields   = []string{"id", "name"}
)

// Filters lists the filter names and how many arguments each takes.
var Filters = map[string]int{"default": 1, "upper": 0, "lower": 0, "date": 1}

// MaxTokens bounds how many tokens one template may hold.
const MaxTokens = 1000

// Filter is one filter applied to a token's value.
type Filter struct {
	Name string
	Arg  string // the argument of default and date
}

// Token is one `{{...}}` in a template.
type Token struct {
	Namespace string   // e.g. "contact"
	Path      []string // e.g. ["first_name"]
	Filters   []Filter
	Literal   string // set for `{{"text"}}`, which renders text as is
	Pos       int    // byte offset of "{{" in the source
	Line, Col int    // 1-based position of "{{"
	Source    string // the token as written, e.g. `{{contact.first_name | default "there"}}`
}

// Ref is the token's reference as written: "contact.first_name".
func (t Token) Ref() string {
	if t.Literal != "" || t.Namespace == "" {
		return ""
	}
	return t.Namespace + "." + strings.Join(t.Path, ".")
}

// Error is a parse error with its position.
type Error struct {
	Pos       int // byte offset
	Line, Col int // 1-based
	Msg       string
}

// Error implements error: "line 1, column 7: ...".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

// Template is a parsed template; it is safe for concurrent use.
type Template struct {
	src   string
	parts []part
}

type part struct {
	text  string
	token *Token
}

// Data is what tokens read at render time.
type Data struct {
	Record     map[string]any // the enrolled record's properties
	Event      map[string]any // the triggering event's fields (may be nil)
	Enrollment map[string]any
	Workflow   map[string]any
}

// Parse parses src once; Render and RenderHTML may then run many times.
func Parse(src string) (*Template, error) {
	t := &Template{src: src}
	i, n := 0, 0
	for {
		j := strings.Index(src[i:], "{{")
		if j < 0 {
			if k := strings.Index(src[i:], "}}"); k >= 0 {
				return nil, errAt(src, i+k, `"}}" closes a token that was never opened. Remove it, or write {{"}}"}} for the text itself`)
			}
			t.parts = append(t.parts, part{text: src[i:]})
			return t, nil
		}
		start := i + j
		if k := strings.Index(src[i:start], "}}"); k >= 0 {
			return nil, errAt(src, i+k, `"}}" closes a token that was never opened. Remove it, or write {{"}}"}} for the text itself`)
		}
		if start > i {
			t.parts = append(t.parts, part{text: src[i:start]})
		}
		end, err := tokenEnd(src, start)
		if err != nil {
			return nil, err
		}
		if n++; n > MaxTokens {
			return nil, errAt(src, start, fmt.Sprintf("the template has more than %d tokens", MaxTokens))
		}
		tok, err := parseToken(src, start, end)
		if err != nil {
			return nil, err
		}
		t.parts = append(t.parts, part{token: tok})
		i = end + 2
	}
}

// MustParse is Parse that panics on error, for templates in code.
func MustParse(src string) *Template {
	t, err := Parse(src)
	if err != nil {
		panic(err)
	}
	return t
}

// tokenEnd finds the "}}" closing the token opened at start, skipping quoted strings.
func tokenEnd(src string, start int) (int, error) {
	inQuote := false
	for k := start + 2; k < len(src); k++ {
		c := src[k]
		switch {
		case inQuote && c == '\\':
			k++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == '\n':
			return 0, errAt(src, start, `the token is not closed on its line. Close it with "}}"`)
		case !inQuote && c == '{' && strings.HasPrefix(src[k:], "{{"):
			return 0, errAt(src, start, `the token is not closed before the next "{{". Close it with "}}"`)
		case !inQuote && c == '}' && strings.HasPrefix(src[k:], "}}"):
			return k, nil
		}
	}
	if inQuote {
		return 0, errAt(src, start, `the token has a quote that is never closed. Close the text with "`)
	}
	return 0, errAt(src, start, `the token is not closed. Close it with "}}"`)
}

// parseToken parses src[start:end+2], the text between "{{" and "}}" being src[start+2:end].
func parseToken(src string, start, end int) (*Token, error) {
	line, col := position(src, start)
	tok := &Token{Pos: start, Line: line, Col: col, Source: src[start : end+2]}
	lx := &lexer{src: src, pos: start + 2, end: end}
	fail := func(at int, format string, args ...any) error {
		return errAt(src, at, fmt.Sprintf("in %s, ", tok.Source)+fmt.Sprintf(format, args...))
	}
	lx.space()
	if lx.pos >= lx.end {
		return nil, fail(start, "the token is empty. Write a name like {{contact.first_name}}")
	}
	if lx.peek() == '"' {
		s, err := lx.quoted()
		if err != nil {
			return nil, fail(lx.pos, "%s", err)
		}
		lx.space()
		if lx.pos < lx.end {
			return nil, fail(lx.pos, "only text in quotes may stand here, found %q", src[lx.pos:lx.end])
		}
		if s == "" {
			return nil, fail(start, `the quoted text is empty`)
		}
		tok.Literal = s
		return tok, nil
	}
	refAt := lx.pos
	ref := lx.word()
	if ref == "" {
		return nil, fail(lx.pos, "expected a name like contact.first_name, found %q", string(lx.peek()))
	}
	names := strings.Split(ref, ".")
	for _, nm := range names {
		if nm == "" {
			return nil, fail(refAt, "%q has an empty name between dots", ref)
		}
	}
	ns := names[0]
	if !contains(Namespaces, ns) {
		hint := ""
		if s := Suggest(ns, Namespaces); s != "" {
			hint = fmt.Sprintf(" Did you mean %s?", s)
		}
		return nil, fail(refAt, "%q is not something a token can read. Start with one of: %s.%s", ns, strings.Join(Namespaces, ", "), hint)
	}
	if len(names) < 2 {
		return nil, fail(refAt, "%q needs a field after it, like %s.%s", ns, ns, exampleField(ns))
	}
	tok.Namespace, tok.Path = ns, names[1:]
	for {
		lx.space()
		if lx.pos >= lx.end {
			return tok, nil
		}
		if lx.peek() != '|' {
			return nil, fail(lx.pos, "expected \"|\" before a filter or \"}}\", found %q", src[lx.pos:lx.end])
		}
		lx.pos++
		lx.space()
		at := lx.pos
		name := lx.word()
		if name == "" {
			return nil, fail(at, "a \"|\" must be followed by a filter name: %s", filterList())
		}
		nargs, ok := Filters[name]
		if !ok {
			hint := ""
			if s := Suggest(name, keys(Filters)); s != "" {
				hint = fmt.Sprintf(" Did you mean %s?", s)
			}
			return nil, fail(at, "%q is not a filter. Use one of: %s.%s", name, filterList(), hint)
		}
		f := Filter{Name: name}
		lx.space()
		if nargs == 1 {
			if lx.pos >= lx.end || lx.peek() != '"' {
				return nil, fail(lx.pos, "the %s filter needs a text in quotes, like %s", name, filterExample(name))
			}
			s, err := lx.quoted()
			if err != nil {
				return nil, fail(lx.pos, "%s", err)
			}
			if name == "date" && s == "" {
				return nil, fail(at, `the date filter needs a layout, like date "2006-01-02"`)
			}
			f.Arg = s
		} else if lx.pos < lx.end && lx.peek() == '"' {
			return nil, fail(lx.pos, "the %s filter takes no argument", name)
		}
		tok.Filters = append(tok.Filters, f)
	}
}

type lexer struct {
	src      string
	pos, end int
}

func (l *lexer) peek() byte { return l.src[l.pos] }

func (l *lexer) space() {
	for l.pos < l.end && (l.src[l.pos] == ' ' || l.src[l.pos] == '\t') {
		l.pos++
	}
}

// word reads a name: letters, digits, _, - and dots.
func (l *lexer) word() string {
	s := l.pos
	for l.pos < l.end {
		c := l.src[l.pos]
		if c == '_' || c == '-' || c == '.' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			l.pos++
			continue
		}
		break
	}
	return l.src[s:l.pos]
}

// quoted reads a double-quoted text with \" and \\ escapes.
func (l *lexer) quoted() (string, error) {
	l.pos++ // opening quote
	var b strings.Builder
	for l.pos < l.end {
		c := l.src[l.pos]
		switch c {
		case '\\':
			if l.pos+1 >= l.end {
				return "", fmt.Errorf("the text in quotes ends with a lone backslash")
			}
			b.WriteByte(l.src[l.pos+1])
			l.pos += 2
			continue
		case '"':
			l.pos++
			return b.String(), nil
		}
		b.WriteByte(c)
		l.pos++
	}
	return "", fmt.Errorf("the text in quotes is never closed")
}

func errAt(src string, pos int, msg string) *Error {
	line, col := position(src, pos)
	msg = strings.TrimSpace(msg)
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") {
		msg += "."
	}
	return &Error{Pos: pos, Line: line, Col: col, Msg: msg}
}

// position returns the 1-based line and column (in characters) of byte offset pos.
func position(src string, pos int) (int, int) {
	pos = min(pos, len(src))
	line := 1 + strings.Count(src[:pos], "\n")
	ls := strings.LastIndexByte(src[:pos], '\n') + 1
	return line, 1 + len([]rune(src[ls:pos]))
}

func exampleField(ns string) string {
	switch ns {
	case "enrollment":
		return "id"
	case "workflow":
		return "name"
	case "event":
		return "webinar_title"
	}
	return "first_name"
}

func filterExample(name string) string {
	if name == "date" {
		return `date "2006-01-02"`
	}
	return `default "there"`
}

func filterList() string { return strings.Join(keys(Filters), ", ") }

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// Source returns the text the template was parsed from.
func (t *Template) Source() string { return t.src }

// Tokens returns the template's tokens in order (quoted literals included).
func (t *Template) Tokens() []Token {
	var out []Token
	for _, p := range t.parts {
		if p.token != nil {
			out = append(out, *p.token)
		}
	}
	return out
}

// Render renders the template as plain text (subjects, text bodies, SMS, Slack).
func (t *Template) Render(d Data) string { return t.render(d, false) }

// RenderHTML renders the template into an HTML body: the template's own text is kept as
// written (it is HTML), and every value a token inserts is HTML-escaped.
func (t *Template) RenderHTML(d Data) string { return t.render(d, true) }

func (t *Template) render(d Data, escape bool) string {
	var b strings.Builder
	for _, p := range t.parts {
		if p.token == nil {
			b.WriteString(p.text)
			continue
		}
		v := p.token.value(d)
		if escape {
			v = html.EscapeString(v)
		}
		b.WriteString(v)
	}
	return b.String()
}

// MissingMark opens the highlight a preview puts around a token that has no value (closed by
// </mark>); the class is unquoted so that a token inside an attribute does not end it.
const MissingMark = "<mark class=token-missing>"

// Preview renders the template for a preview, as HTML: like RenderHTML (when srcIsHTML) or like
// Render with the text escaped (a subject, a text body), except that a token with no value for
// this data shows as itself, highlighted with MissingMark, and is listed in missing (once per
// reference). A preview shows what a record lacks instead of "Hi ,".
func (t *Template) Preview(d Data, srcIsHTML bool) (out string, missing []Token) {
	var b strings.Builder
	seen := map[string]bool{}
	for _, p := range t.parts {
		if p.token == nil {
			if srcIsHTML {
				b.WriteString(p.text)
			} else {
				b.WriteString(html.EscapeString(p.text))
			}
			continue
		}
		v := p.token.value(d)
		if strings.TrimSpace(v) == "" {
			b.WriteString(MissingMark + html.EscapeString(p.token.Source) + "</mark>")
			if key := p.token.Ref(); !seen[key] {
				seen[key] = true
				missing = append(missing, *p.token)
			}
			continue
		}
		b.WriteString(html.EscapeString(v))
	}
	return b.String(), missing
}

// Value is the value the token reads from d, before any filter, with its type kept: the
// namespace picks the map (record, event, enrollment or workflow) and condition.Lookup reads the
// path in it, as filters read theirs. A literal token has no value (nil).
func (tok *Token) Value(d Data) any {
	if tok.Literal != "" {
		return nil
	}
	var root map[string]any
	switch tok.Namespace {
	case "event":
		root = d.Event
	case "enrollment":
		root = d.Enrollment
	case "workflow":
		root = d.Workflow
	default:
		root = d.Record
	}
	return condition.Lookup(root, strings.Join(tok.Path, "."))
}

// value evaluates a token against d, filters applied.
func (tok *Token) value(d Data) string {
	if tok.Literal != "" {
		return tok.Literal
	}
	v := tok.Value(d)
	s := format(v)
	for _, f := range tok.Filters {
		switch f.Name {
		case "default":
			if strings.TrimSpace(s) == "" {
				s = f.Arg
			}
		case "upper":
			s = strings.ToUpper(s)
		case "lower":
			s = strings.ToLower(s)
		case "date":
			if at, ok := asTime(v, s); ok {
				s = at.Format(f.Arg)
			}
		}
	}
	return s
}

// format turns a property value into text.
func format(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32)
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case json.Number:
		return x.String()
	case time.Time:
		return x.Format(time.RFC3339)
	case []string:
		return strings.Join(x, ", ")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = format(e)
		}
		return strings.Join(parts, ", ")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// asTime reads a value as a time: a time.Time, RFC 3339 or YYYY-MM-DD text, or Unix milliseconds.
func asTime(v any, s string) (time.Time, bool) {
	switch x := v.(type) {
	case time.Time:
		return x, true
	case float64:
		return time.UnixMilli(int64(x)).UTC(), true
	case int64:
		return time.UnixMilli(x).UTC(), true
	case int:
		return time.UnixMilli(int64(x)).UTC(), true
	}
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// Suggest returns the candidate closest to name when it is close enough to be a likely typo
// (edit distance at most 2, and less than half of name), or "".
func Suggest(name string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		d := distance(strings.ToLower(name), strings.ToLower(c))
		if d < bestD || d == bestD && best != "" && c < best {
			best, bestD = c, d
		}
	}
	if best == "" || bestD > min(2, max(1, len([]rune(name))/3)) {
		return ""
	}
	return best
}

// distance is the optimal-string-alignment edit distance (a swap of two letters counts once).
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

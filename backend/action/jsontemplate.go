package action

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// TemplateError is a webhook template that cannot be rendered (an unknown token, bad syntax,
// or a result that is not JSON). It is permanent: a retry would render the same.
type TemplateError struct{ Msg string }

func (e *TemplateError) Error() string { return "webhook template: " + e.Msg }

// tokenScope resolves the roots a webhook template may use.
type tokenScope struct {
	recordType string
	record     map[string]any // record.<prop>, contact.<prop> (for contacts), <type>.<prop>
	recordID   int64
	event      map[string]any // event.<field>; nil values when no event triggered the enrollment
	fixed      map[string]map[string]any
}

// renderJSON fills {{path}} and {{path | default <JSON literal>}} tokens in a JSON template. A
// token in a value position becomes the JSON encoding of its value (a string, number, object,
// null); inside a string it becomes the value's text, escaped for JSON. The result must be valid
// JSON. Unknown tokens are errors; known paths without a value render as null (or "" in strings).
func renderJSON(tmpl string, sc tokenScope) ([]byte, error) {
	var out bytes.Buffer
	inStr := false
	for i := 0; i < len(tmpl); {
		if strings.HasPrefix(tmpl[i:], "{{") {
			end := strings.Index(tmpl[i+2:], "}}")
			if end < 0 {
				return nil, &TemplateError{Msg: fmt.Sprintf("a token opened with {{ at byte %d is never closed with }}", i)}
			}
			expr := tmpl[i+2 : i+2+end]
			if inStr { // inside a JSON string the token's own quotes are escaped: {{x | default \"y\"}}
				var unq string
				if json.Unmarshal([]byte(`"`+expr+`"`), &unq) == nil {
					expr = unq
				}
			}
			v, err := sc.eval(expr)
			if err != nil {
				return nil, err
			}
			if inStr {
				quoted, _ := marshal(text(v))
				out.Write(quoted[1 : len(quoted)-1])
			} else {
				enc, err := marshal(v)
				if err != nil {
					return nil, &TemplateError{Msg: fmt.Sprintf("{{%s}} has a value that cannot be written as JSON: %v", strings.TrimSpace(expr), err)}
				}
				out.Write(enc)
			}
			i += 2 + end + 2
			continue
		}
		c := tmpl[i]
		switch {
		case inStr && c == '\\' && i+1 < len(tmpl):
			out.WriteByte(c)
			out.WriteByte(tmpl[i+1])
			i += 2
			continue
		case c == '"':
			inStr = !inStr
		}
		out.WriteByte(c)
		i++
	}
	body := out.Bytes()
	if !json.Valid(body) {
		var x any
		err := json.Unmarshal(body, &x)
		return nil, &TemplateError{Msg: fmt.Sprintf("the filled-in template is not valid JSON (%v); check quotes and commas around the tokens", err)}
	}
	return body, nil
}

// eval resolves "path" or "path | default <JSON literal>".
func (sc tokenScope) eval(expr string) (any, error) {
	path, filter, hasFilter := strings.Cut(expr, "|")
	path = strings.TrimSpace(path)
	var def any
	if hasFilter {
		f := strings.TrimSpace(filter)
		arg, ok := strings.CutPrefix(f, "default")
		if !ok || strings.TrimSpace(arg) == "" {
			return nil, &TemplateError{Msg: fmt.Sprintf("{{%s}} uses the filter %q; only `default <value>` is supported, like {{contact.first_name | default \"there\"}}", strings.TrimSpace(expr), f)}
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(arg)), &def); err != nil {
			return nil, &TemplateError{Msg: fmt.Sprintf("{{%s}}: the default must be a JSON value like \"there\" or 0", strings.TrimSpace(expr))}
		}
	}
	v, err := sc.lookup(path)
	if err != nil {
		return nil, err
	}
	if (v == nil || v == "") && hasFilter {
		v = def
	}
	return v, nil
}

func (sc tokenScope) lookup(path string) (any, error) {
	root, rest, _ := strings.Cut(path, ".")
	unknown := func(hint string) error {
		return &TemplateError{Msg: fmt.Sprintf("unknown token {{%s}}: %s", path, hint)}
	}
	switch {
	case path == "":
		return nil, unknown("the token is empty")
	case root == "record" || root == sc.recordType || root == "contact":
		if root == "contact" && sc.recordType != "contact" {
			return nil, unknown(fmt.Sprintf("this workflow works on %s records; use {{record.<property>}}", sc.recordType))
		}
		if rest == "" {
			return sc.record, nil
		}
		if v := dig(sc.record, rest); v != nil {
			return v, nil
		}
		switch rest {
		case "id":
			return sc.recordID, nil
		case "type":
			return sc.recordType, nil
		}
		return nil, nil // a property the record does not have (yet)
	case root == "event":
		if rest == "" {
			return sc.event, nil
		}
		return dig(sc.event, rest), nil
	}
	fields, ok := sc.fixed[root]
	if !ok {
		return nil, unknown("tokens start with record., " + sc.recordType + "., event., enrollment., workflow., account. or webhook.")
	}
	if rest == "" {
		return fields, nil
	}
	v, ok := fields[rest]
	if !ok {
		names := make([]string, 0, len(fields))
		for k := range fields {
			names = append(names, root+"."+k)
		}
		slices.Sort(names)
		return nil, unknown(fmt.Sprintf("%s has no field %q (known: %s)", root, rest, strings.Join(names, ", ")))
	}
	return v, nil
}

// dig reads a dotted path from nested maps and lists ("items.0.id"); a key containing dots
// is tried whole first.
func dig(v any, path string) any {
	if m, ok := v.(map[string]any); ok {
		if x, ok := m[path]; ok {
			return x
		}
	}
	for path != "" {
		seg, rest, _ := strings.Cut(path, ".")
		switch c := v.(type) {
		case map[string]any:
			v = c[seg]
		case []any:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(c) {
				return nil
			}
			v = c[i]
		default:
			return nil
		}
		path = rest
	}
	return v
}

// text is a value as it reads inside a string: strings as they are, nil as "", others as JSON.
func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	}
	b, err := marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// marshal encodes JSON without HTML escaping and without a trailing newline.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte{'\n'}), nil
}

package hook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"

	"github.com/flowdesk/flowdesk/backend/ident"
)

// MaxPayloadDepth caps how deeply a payload may nest objects and arrays.
const MaxPayloadDepth = 64

// maxExactInt is the largest integer a float64 holds exactly (2^53).
const maxExactInt = 1 << 53

// decodePayload parses a webhook body: exactly one JSON object. Numbers become float64, except
// integers beyond 2^53 (ids), which stay json.Number so they are not rounded.
func decodePayload(body []byte) (map[string]any, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return nil, errors.New("the body is empty; send a JSON object")
	}
	if trimmed[0] != '{' {
		return nil, errors.New("the body must be a JSON object ({...})")
	}
	// JSON text is UTF-8; decoding would silently turn bad bytes into U+FFFD.
	if off := ident.InvalidUTF8At(body); off >= 0 {
		return nil, fmt.Errorf("the body is not valid UTF-8 at byte %d; send JSON as UTF-8", off)
	}
	if err := checkDepth(trimmed); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("malformed JSON at byte %d: %v", se.Offset, strings.TrimPrefix(err.Error(), "json: "))
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, errors.New("the JSON body ends too early")
		}
		return nil, fmt.Errorf("malformed JSON: %v", strings.TrimPrefix(err.Error(), "json: "))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	normalize(m)
	return m, nil
}

// checkDepth refuses bodies nested deeper than MaxPayloadDepth before they are decoded.
func checkDepth(b []byte) error {
	depth := 0
	inString, escaped := false, false
	for _, c := range b {
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > MaxPayloadDepth {
				return fmt.Errorf("the JSON body nests deeper than %d levels", MaxPayloadDepth)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// normalize turns json.Numbers into float64 in place, keeping integers too large to be exact.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, el := range x {
			x[k] = normalize(el)
		}
	case []any:
		for i, el := range x {
			x[i] = normalize(el)
		}
	case json.Number:
		s := string(x)
		if !strings.ContainsAny(s, ".eE") {
			if n, err := x.Int64(); err == nil && n <= maxExactInt && n >= -maxExactInt {
				return float64(n)
			}
			return x
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x
	}
	return v
}

// MaxFormFields bounds the fields of a form body.
const MaxFormFields = 1000

// decodeForm parses an application/x-www-form-urlencoded body the way senders such as
// ActiveCampaign write it: bracketed keys nest, so contact[email]=a&contact[fields][12]=b is
// {"contact": {"email": "a", "fields": {"12": "b"}}}, and a key ending in [] (or given twice)
// is a list. Every value is text. A key that is both a value and an object is refused, naming
// the field.
func decodeForm(body []byte) (map[string]any, error) {
	if off := ident.InvalidUTF8At(body); off >= 0 {
		return nil, fmt.Errorf("the body is not valid UTF-8 at byte %d; send the form as UTF-8", off)
	}
	vals, err := url.ParseQuery(string(bytes.TrimSpace(body)))
	if err != nil {
		return nil, fmt.Errorf("the form does not parse: %v", err)
	}
	if len(vals) > MaxFormFields {
		return nil, fmt.Errorf("the form has %d fields, more than %d", len(vals), MaxFormFields)
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[string]any{}
	for _, k := range keys {
		parts, list, err := formKey(k)
		if err != nil {
			return nil, err
		}
		var v any = vals[k][0]
		if list || len(vals[k]) > 1 {
			l := make([]any, len(vals[k]))
			for i, s := range vals[k] {
				l[i] = s
			}
			v = l
		}
		m := out
		for i, p := range parts {
			if i == len(parts)-1 {
				if _, taken := m[p]; taken {
					return nil, fmt.Errorf("the form field %q is given both as a value and with [keys]", k)
				}
				m[p] = v
				break
			}
			next, ok := m[p].(map[string]any)
			if !ok {
				if _, taken := m[p]; taken {
					return nil, fmt.Errorf("the form field %q is given both as a value and with [keys]", k)
				}
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
	}
	return out, nil
}

// formKey splits "contact[fields][12]" into [contact fields 12]; a trailing [] marks a list.
func formKey(k string) (parts []string, list bool, err error) {
	name, rest, _ := strings.Cut(k, "[")
	if name == "" {
		return nil, false, fmt.Errorf("the form field %q has no name before its [", k)
	}
	parts = append(parts, name)
	if rest == "" {
		if strings.Contains(k, "[") {
			return nil, false, fmt.Errorf("the form field %q has an unclosed [", k)
		}
		return parts, false, nil
	}
	rest = "[" + rest
	for rest != "" {
		if rest[0] != '[' {
			return nil, false, fmt.Errorf("the form field %q has text after a ]; write it like contact[email]", k)
		}
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return nil, false, fmt.Errorf("the form field %q has an unclosed [", k)
		}
		seg := rest[1:end]
		rest = rest[end+1:]
		if seg == "" {
			if rest != "" {
				return nil, false, fmt.Errorf("the form field %q has [] before its end", k)
			}
			return parts, true, nil
		}
		parts = append(parts, seg)
		if len(parts) > MaxPayloadDepth {
			return nil, false, fmt.Errorf("the form field %q nests deeper than %d levels", k, MaxPayloadDepth)
		}
	}
	return parts, false, nil
}

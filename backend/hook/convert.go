package hook

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Property data types a mapping converts to (the record property types).
const (
	TypeString = "string"
	TypeNumber = "number"
	TypeBool   = "bool"
	TypeDate   = "date"
	TypeEnum   = "enum"
	TypeMulti  = "multi"
)

// Types lists the mapping types in the order the UI offers them.
var Types = []string{TypeString, TypeNumber, TypeBool, TypeDate, TypeEnum, TypeMulti}

// MaxStringValue caps a mapped string (bytes).
const MaxStringValue = 64 << 10

// convert turns a payload value into a property value of type typ. The error is a sentence
// about the value; the caller prefixes the path.
func convert(v any, typ string, values []string) (any, error) {
	switch typ {
	case TypeString, "":
		return toString(v)
	case TypeNumber:
		return toNumber(v)
	case TypeBool:
		return toBool(v)
	case TypeDate:
		return toDate(v)
	case TypeEnum:
		s, err := toString(v)
		if err != nil {
			return nil, err
		}
		s = strings.TrimSpace(s)
		if len(values) > 0 {
			for _, allowed := range values {
				if strings.EqualFold(allowed, s) {
					return allowed, nil
				}
			}
			return nil, fmt.Errorf("%s is not one of the allowed values (%s)", quote(v), strings.Join(values, ", "))
		}
		return s, nil
	case TypeMulti:
		return toMulti(v)
	}
	return nil, fmt.Errorf("unknown type %q", typ)
}

func quote(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 60 {
			x = x[:60] + "..."
		}
		return strconv.Quote(x)
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case nil:
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func toString(v any) (string, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case json.Number:
		s = x.String()
	case bool:
		s = strconv.FormatBool(x)
	default:
		return "", fmt.Errorf("%s is not text", quote(v))
	}
	if len(s) > MaxStringValue {
		return "", fmt.Errorf("the text is %d bytes long; the limit is %d", len(s), MaxStringValue)
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("the text is not valid UTF-8")
	}
	return s, nil
}

func toNumber(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case json.Number:
		f, err := x.Float64()
		if err != nil || math.IsInf(f, 0) {
			return 0, fmt.Errorf("%s is not a number Flowdesk can store", x.String())
		}
		return f, nil
	case string:
		s := strings.TrimSpace(x)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || s == "" {
			// Accept a decimal comma ("12,5") as European forms send it.
			if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
				if f, err2 := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64); err2 == nil && !math.IsInf(f, 0) {
					return f, nil
				}
			}
			return 0, fmt.Errorf("%s is not a number", quote(v))
		}
		return f, nil
	case bool:
		return 0, fmt.Errorf("%v is true/false, not a number", x)
	}
	return 0, fmt.Errorf("%s is not a number", quote(v))
}

func toBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case float64:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "yes", "y", "on", "1", "checked":
			return true, nil
		case "false", "no", "n", "off", "0", "":
			return false, nil
		}
	}
	return false, fmt.Errorf("%s is not true or false (use true/false, yes/no, on/off or 1/0)", quote(v))
}

// dateLayouts are the date-time spellings toDate accepts besides RFC 3339 and unix time.
var dateLayouts = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05 -0700"}

// toDate returns "YYYY-MM-DD" for a date and an RFC 3339 UTC string for a date-time. Numbers are
// unix seconds, or milliseconds when larger than 1e11.
func toDate(v any) (string, error) {
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		if len(s) == 10 {
			if t, err := time.Parse(time.DateOnly, s); err == nil {
				return t.Format(time.DateOnly), nil
			}
		}
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t.UTC().Format(time.RFC3339Nano), nil
		}
		for _, l := range dateLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t.UTC().Format(time.RFC3339Nano), nil
			}
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return unixDate(f, v)
		}
		return "", fmt.Errorf("%s is not a date; use 2026-03-12, 2026-03-12T15:04:05Z or unix seconds", quote(v))
	case float64:
		return unixDate(x, v)
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return "", fmt.Errorf("%s is not a date", x.String())
		}
		return unixDate(f, v)
	}
	return "", fmt.Errorf("%s is not a date; use 2026-03-12, 2026-03-12T15:04:05Z or unix seconds", quote(v))
}

func unixDate(f float64, orig any) (string, error) {
	if math.IsNaN(f) || math.Abs(f) > 1e15 {
		return "", fmt.Errorf("%s is not a date", quote(orig))
	}
	var t time.Time
	if math.Abs(f) < 1e11 {
		t = time.Unix(int64(f), int64((f-math.Trunc(f))*1e9))
	} else {
		t = time.UnixMilli(int64(f))
	}
	return t.UTC().Format(time.RFC3339Nano), nil
}

// MaxMultiValues caps the elements of a multi-value property.
const MaxMultiValues = 1000

func toMulti(v any) ([]any, error) {
	switch x := v.(type) {
	case []any:
		if len(x) > MaxMultiValues {
			return nil, fmt.Errorf("the list has %d values; the limit is %d", len(x), MaxMultiValues)
		}
		out := make([]any, 0, len(x))
		seen := make(map[string]bool, len(x))
		for i, el := range x {
			if el == nil {
				continue
			}
			s, err := toString(el)
			if err != nil {
				return nil, fmt.Errorf("element %d: %v", i, err)
			}
			if s == "" || seen[s] {
				continue
			}
			seen[s] = true
			out = append(out, s)
		}
		return out, nil
	case string:
		// A single string is one value; a ";"-separated list (as many form tools send
		// checkboxes) is split.
		var out []any
		for _, part := range strings.Split(x, ";") {
			if p := strings.TrimSpace(part); p != "" {
				out = append(out, p)
			}
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	}
	s, err := toString(v)
	if err != nil {
		return nil, fmt.Errorf("%s is not a list of values", quote(v))
	}
	return []any{s}, nil
}

// Package property holds the record property types and the one set of conversion rules every
// write goes through: a webhook mapping, POST /api/events, PATCH /api/records and the workflow
// steps that set values. A value is converted only when the conversion is exact ("12,5" to the
// number 12.5, "2026-12-02" to a date, "true" to a bool); anything else is refused with a
// sentence about the value. The package is pure: no I/O, no clock.
package property

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/flowdesk/flowdesk/backend/ident"
)

// Property types.
const (
	String   = "string"
	Number   = "number"  // a float64
	Integer  = "integer" // an int64, kept exactly (never through a float)
	Bool     = "bool"
	Date     = "date" // "2026-03-12" (a date-time is accepted too and kept as RFC 3339 UTC)
	Datetime = "datetime"
	Enum     = "enum" // one of the property's options (any text when it has none)
	Multi    = "multi"
	Email    = "email"
	Phone    = "phone"
	URL      = "url"
)

// Types lists the property types in the order the UI offers them.
var Types = []string{String, Number, Integer, Bool, Date, Datetime, Enum, Multi, Email, Phone, URL}

// Valid reports whether t is a property type.
func Valid(t string) bool {
	for _, x := range Types {
		if x == t {
			return true
		}
	}
	return false
}

// Kind is the family of a type, which decides the filter operators and what copies into what:
// "number" (number, integer), "date" (date, datetime), "bool", "multi" or "text" (the rest).
func Kind(t string) string {
	switch t {
	case Number, Integer:
		return "number"
	case Date, Datetime:
		return "date"
	case Bool, Multi:
		return t
	}
	return "text"
}

// Noun says what a property of type t holds, for messages.
func Noun(t string) string {
	switch t {
	case Number:
		return "a number"
	case Integer:
		return "a whole number"
	case Bool:
		return "true or false"
	case Date:
		return "a date"
	case Datetime:
		return "a date and time"
	case Enum:
		return "one choice from a fixed list"
	case Multi:
		return "a list of values"
	case Email:
		return "an email address"
	case Phone:
		return "a phone number"
	case URL:
		return "a web address"
	}
	return "text"
}

// Copyable reports whether values of type from always fit a property of type to (copy_property):
// same type, anything into text, a single value into a list, integer into number, date into
// date-time. A list never fits a single-value property.
func Copyable(from, to string) bool {
	switch {
	case from == to:
		return true
	case from == Multi:
		return false
	case to == String, to == Multi:
		return true
	case to == Number && from == Integer, to == Datetime && from == Date, to == Date && from == Datetime:
		return true
	case to == Enum:
		return Kind(from) == "text" // checked against the options on write
	}
	return false
}

// MaxString caps a text value (bytes).
const MaxString = 64 << 10

// MaxMulti caps the values of a multi-value property.
const MaxMulti = 1000

// maxExact is the largest integer a float64 holds exactly (2^53).
const maxExact = 1 << 53

// Convert turns v into a value of type t (options are an enum's allowed values). nil stays nil
// (it clears the property). The error is a sentence about the value; callers prefix the field.
func Convert(v any, t string, options []string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch t {
	case String, "":
		return toString(v)
	case Number:
		return toNumber(v)
	case Integer:
		return toInteger(v)
	case Bool:
		return toBool(v)
	case Date:
		return ToDate(v)
	case Datetime:
		s, err := ToDate(v)
		if err != nil {
			return nil, err
		}
		if len(s) == len(time.DateOnly) {
			s += "T00:00:00Z"
		}
		return s, nil
	case Enum:
		return toEnum(v, options)
	case Multi:
		return toMulti(v)
	case Email:
		s, err := scalarText(v, "an email address")
		if err != nil {
			return nil, err
		}
		if err := ident.CheckEmail(s); err != nil {
			return nil, err
		}
		return s, nil
	case Phone:
		return toPhone(v)
	case URL:
		return toURL(v)
	}
	return nil, fmt.Errorf("unknown type %q; use one of %s", t, strings.Join(Types, ", "))
}

// Infer is the type a first value gives a property nobody declared: integer for whole numbers
// beyond 2^53 (which a float would round), number, bool, multi for lists, else string.
func Infer(v any) string {
	switch x := v.(type) {
	case float64, float32, int, int32:
		return Number
	case int64:
		if x > maxExact || x < -maxExact {
			return Integer
		}
		return Number
	case json.Number:
		if n, err := strconv.ParseInt(x.String(), 10, 64); err == nil && (n > maxExact || n < -maxExact) {
			return Integer
		}
		if _, err := strconv.ParseInt(x.String(), 10, 64); err != nil && isIntLiteral(x.String()) {
			return Integer // beyond 64 bits: Convert refuses it with the reason
		}
		return Number
	case bool:
		return Bool
	case []any, []string:
		return Multi
	}
	return String
}

// Normalize replaces json.Number in a decoded value with what the engine keeps: int64 for whole
// numbers a float64 would round, float64 for the rest (lists are normalised element-wise).
func Normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		if isIntLiteral(x.String()) {
			if n, err := strconv.ParseInt(x.String(), 10, 64); err == nil && (n > maxExact || n < -maxExact) {
				return n
			}
		}
		f, err := x.Float64()
		if err != nil {
			return x.String()
		}
		return f
	case []any:
		for i, el := range x {
			x[i] = Normalize(el)
		}
		return x
	case map[string]any:
		for k, el := range x {
			x[k] = Normalize(el)
		}
		return x
	}
	return v
}

func isIntLiteral(s string) bool {
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		s = s[1:]
	}
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Quote shows a value in a message.
func Quote(v any) string {
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
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// ToText renders a scalar as text (numbers without exponent); lists and objects are refused.
func ToText(v any) (string, error) { return toString(v) }

func toString(v any) (string, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		s = strconv.FormatInt(x, 10)
	case int:
		s = strconv.Itoa(x)
	case json.Number:
		s = x.String()
	case bool:
		s = strconv.FormatBool(x)
	default:
		return "", fmt.Errorf("%s is not text", Quote(v))
	}
	if len(s) > MaxString {
		return "", fmt.Errorf("the text is %d bytes long; the limit is %d", len(s), MaxString)
	}
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("the text is not valid UTF-8")
	}
	return s, nil
}

// scalarText is a string value, trimmed; other kinds are refused as not being what.
func scalarText(v any, what string) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s is not %s", Quote(v), what)
	}
	return strings.TrimSpace(s), nil
}

func toNumber(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("%v is not a number Flowdesk can store", x)
		}
		return x, nil
	case int:
		return toNumber(int64(x))
	case int64:
		if x > maxExact || x < -maxExact {
			return 0, fmt.Errorf("%d is beyond 2^53 and would be rounded as a number; declare the property as integer", x)
		}
		return float64(x), nil
	case json.Number:
		return parseNumber(x.String(), v)
	case string:
		return parseNumber(strings.TrimSpace(x), v)
	case bool:
		return 0, fmt.Errorf("%v is true/false, not a number", x)
	}
	return 0, fmt.Errorf("%s is not a number", Quote(v))
}

func parseNumber(s string, orig any) (float64, error) {
	if isIntLiteral(s) {
		if n, err := strconv.ParseInt(s, 10, 64); err != nil || n > maxExact || n < -maxExact {
			return 0, fmt.Errorf("%s is beyond 2^53 and would be rounded as a number; declare the property as integer", s)
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) && s != "" {
		return f, nil
	}
	if errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Errorf("%s is too large for a number Flowdesk can store", s)
	}
	// Accept a decimal comma ("12,5") as European forms send it.
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		if f, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f, nil
		}
	}
	return 0, fmt.Errorf("%s is not a number", Quote(orig))
}

func toInteger(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case int:
		return int64(x), nil
	case float64:
		if x != math.Trunc(x) || math.IsInf(x, 0) || math.IsNaN(x) {
			return 0, fmt.Errorf("%v is not a whole number", x)
		}
		if x > maxExact || x < -maxExact {
			return 0, fmt.Errorf("%v arrived as a rounded number; send it as a JSON integer or a string", x)
		}
		return int64(x), nil
	case json.Number:
		return parseInteger(x.String())
	case string:
		return parseInteger(strings.TrimSpace(x))
	case bool:
		return 0, fmt.Errorf("%v is true/false, not a whole number", x)
	}
	return 0, fmt.Errorf("%s is not a whole number", Quote(v))
}

func parseInteger(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err == nil {
		return n, nil
	}
	if isIntLiteral(s) {
		return 0, fmt.Errorf("%s does not fit in 64 bits (the range is -9223372036854775808 to 9223372036854775807)", s)
	}
	// "12.0" and "1e3" are whole numbers written as decimals.
	if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f == math.Trunc(f) && math.Abs(f) <= maxExact {
		return int64(f), nil
	}
	return 0, fmt.Errorf("%s is not a whole number", strconv.Quote(s))
}

func toBool(v any) (bool, error) {
	switch x := v.(type) {
	case bool:
		return x, nil
	case float64:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
	case int64:
		if x == 0 || x == 1 {
			return x == 1, nil
		}
	case json.Number:
		if s := x.String(); s == "0" || s == "1" {
			return s == "1", nil
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "yes", "y", "on", "1", "checked":
			return true, nil
		case "false", "no", "n", "off", "0", "":
			return false, nil
		}
	}
	return false, fmt.Errorf("%s is not true or false (use true/false, yes/no, on/off or 1/0)", Quote(v))
}

// dateLayouts are the date-time spellings ToDate accepts besides RFC 3339 and unix time.
var dateLayouts = []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04:05Z07:00", "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05 -0700"}

// ToDate returns "YYYY-MM-DD" for a date and an RFC 3339 UTC string for a date-time. Numbers are
// unix seconds, or milliseconds when larger than 1e11. Impossible dates ("2026-02-31") and
// other orders ("31-02-2026") are refused rather than guessed.
func ToDate(v any) (string, error) {
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		if len(s) == len(time.DateOnly) {
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
	case float64:
		return unixDate(x, v)
	case int64:
		return unixDate(float64(x), v)
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return "", fmt.Errorf("%s is not a date", x.String())
		}
		return unixDate(f, v)
	}
	return "", fmt.Errorf("%s is not a date; use 2026-03-12, 2026-03-12T15:04:05Z or unix seconds", Quote(v))
}

func unixDate(f float64, orig any) (string, error) {
	if math.IsNaN(f) || math.Abs(f) > 1e15 {
		return "", fmt.Errorf("%s is not a date", Quote(orig))
	}
	var t time.Time
	if math.Abs(f) < 1e11 {
		t = time.Unix(int64(f), int64((f-math.Trunc(f))*1e9))
	} else {
		t = time.UnixMilli(int64(f))
	}
	return t.UTC().Format(time.RFC3339Nano), nil
}

func toEnum(v any, options []string) (string, error) {
	s, err := toString(v)
	if err != nil {
		return "", err
	}
	s = strings.TrimSpace(s)
	if len(options) == 0 {
		return s, nil
	}
	for _, allowed := range options {
		if strings.EqualFold(allowed, s) {
			return allowed, nil
		}
	}
	return "", fmt.Errorf("%s is not one of the allowed values (%s)", Quote(v), strings.Join(options, ", "))
}

func toMulti(v any) ([]any, error) {
	switch x := v.(type) {
	case []any:
		if len(x) > MaxMulti {
			return nil, fmt.Errorf("the list has %d values; the limit is %d", len(x), MaxMulti)
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
	case []string:
		out := make([]any, len(x))
		for i, s := range x {
			out[i] = s
		}
		return toMulti(out)
	case string:
		// A single string is one value; a ";"-separated list (as many form tools send
		// checkboxes) is split.
		out := []any{}
		for _, part := range strings.Split(x, ";") {
			if p := strings.TrimSpace(part); p != "" {
				out = append(out, p)
			}
		}
		return out, nil
	}
	s, err := toString(v)
	if err != nil {
		return nil, fmt.Errorf("%s is not a list of values", Quote(v))
	}
	return []any{s}, nil
}

// toPhone accepts digits with an optional leading + and the separators people type (spaces,
// dashes, dots, slashes, parentheses); the value is kept as written, trimmed.
func toPhone(v any) (string, error) {
	s, err := scalarText(v, "a phone number")
	if err != nil {
		if n, ok := v.(json.Number); ok {
			s, err = n.String(), nil
		} else if f, ok := v.(float64); ok && f == math.Trunc(f) {
			s, err = strconv.FormatFloat(f, 'f', -1, 64), nil
		} else {
			return "", err
		}
	}
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '.', r == '/', r == '(', r == ')':
		default:
			return "", fmt.Errorf("%s is not a phone number; use digits with an optional leading + (like +49 30 1234567)", Quote(v))
		}
	}
	if digits < 3 || digits > 20 {
		return "", fmt.Errorf("%s is not a phone number; it has %d digits (3 to 20 expected)", Quote(v), digits)
	}
	return s, nil
}

func toURL(v any) (string, error) {
	s, err := scalarText(v, "a web address")
	if err != nil {
		return "", err
	}
	u, perr := url.Parse(s)
	if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(s, " \t\r\n") {
		return "", fmt.Errorf("%s is not a web address; use a full address like https://example.com/page", Quote(v))
	}
	if len(s) > MaxString {
		return "", fmt.Errorf("the address is %d bytes long; the limit is %d", len(s), MaxString)
	}
	return s, nil
}

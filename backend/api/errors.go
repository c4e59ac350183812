package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/flowdesk/flowdesk/backend/answer"
	"github.com/flowdesk/flowdesk/backend/engine"
	"github.com/flowdesk/flowdesk/backend/ident"
	"github.com/flowdesk/flowdesk/backend/problem"
	"github.com/flowdesk/flowdesk/backend/store"
)

// Error is the body of every error answer: {"error": {"code", "message", "details"}}.
type Error struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Details any    `json:"details,omitempty"`
}

func (e *Error) Error() string { return e.Message }

func apiError(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// toError maps domain errors to HTTP answers.
func toError(err error) *Error {
	var ae *Error
	var pe *problem.Error
	var ce *engine.ConflictError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &pe):
		// Every 422 for bad input: the code says what kind of input, details.problems lists
		// every problem with its field, and details.field names the first.
		details := map[string]any{"problems": pe.Problems}
		if f := pe.FirstField(); f != "" {
			details["field"] = f
		}
		return &Error{Status: http.StatusUnprocessableEntity, Code: pe.Code, Message: pe.Error(), Details: details}
	case errors.As(err, &ce):
		return &Error{Status: http.StatusConflict, Code: "unique_conflict", Message: ce.Error(), Details: map[string]any{"field": ce.Field, "record_id": ce.RecordID}}
	case errors.As(err, &mbe):
		return apiError(http.StatusRequestEntityTooLarge, "too_large", "the request body is larger than the %d-byte limit", mbe.Limit)
	case errors.Is(err, store.ErrNotFound):
		return apiError(http.StatusNotFound, "not_found", "%s", err.Error())
	case errors.Is(err, store.ErrConflict):
		return apiError(http.StatusConflict, "conflict", "%s", err.Error())
	default:
		return apiError(http.StatusInternalServerError, "internal", "internal error: %v", err)
	}
}

// writeJSON is answer.JSON under the name the handlers use.
var writeJSON = answer.JSON

func writeError(w http.ResponseWriter, err error) {
	ae := toError(err)
	answer.Error(w, ae.Status, ae.Code, ae.Message, ae.Details)
}

// decode reads a JSON body strictly into v: one object, no unknown fields, within limit bytes.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	body, err := readBody(w, r, limit)
	if err != nil {
		return err
	}
	return decodeBytes(body, v)
}

func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, apiError(http.StatusBadRequest, "bad_body", "could not read the request body: %v", err)
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, apiError(http.StatusBadRequest, "empty_body", "the request body is empty; send a JSON object")
	}
	return body, nil
}

func decodeBytes(body []byte, v any) error {
	if strings.TrimSpace(string(body)) == "null" {
		e := apiError(http.StatusBadRequest, "wrong_type", "the body must be a JSON object, not null")
		e.Details = map[string]any{"field": "body"}
		return e
	}
	if off := ident.InvalidUTF8At(body); off >= 0 {
		e := apiError(http.StatusBadRequest, "invalid_utf8", "the body is not valid UTF-8 at byte %d; send JSON as UTF-8", off)
		e.Details = map[string]any{"field": "body", "offset": off}
		return e
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	// dec.More misses a stray "]" or "}", so read one more token and demand the end.
	if _, err := dec.Token(); err != io.EOF {
		return apiError(http.StatusBadRequest, "malformed_json", "unexpected data after the JSON object")
	}
	return nil
}

// jsonError turns a decoding error into a 400 that names the field or position.
func jsonError(err error) *Error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return apiError(http.StatusBadRequest, "malformed_json", "malformed JSON at byte %d: %v", se.Offset, err)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		var e *Error
		switch {
		case te.Type == timeType:
			e = apiError(http.StatusBadRequest, "wrong_type", "field %q must be a time like \"2026-03-02T09:00:00Z\" (RFC 3339), not %s", field, te.Value)
		case strings.HasPrefix(te.Value, "number ") && strings.HasPrefix(te.Type.Kind().String(), "int"):
			e = apiError(http.StatusBadRequest, "wrong_type", "field %q must be a whole number, not %s", field, strings.TrimPrefix(te.Value, "number "))
		case strings.HasPrefix(te.Value, "number "):
			e = apiError(http.StatusBadRequest, "wrong_type", "field %q holds %s, which is out of range", field, strings.TrimPrefix(te.Value, "number "))
		default:
			e = apiError(http.StatusBadRequest, "wrong_type", "field %q must be %s, not %s", field, kindName(te.Type.Kind().String()), te.Value)
		}
		e.Details = map[string]any{"field": field}
		return e
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return apiError(http.StatusBadRequest, "malformed_json", "the JSON body ends too early")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		e := apiError(http.StatusBadRequest, "unknown_field", "unknown field %q; remove it or check its spelling", name)
		e.Details = map[string]any{"field": name}
		return e
	default:
		return apiError(http.StatusBadRequest, "malformed_json", "could not decode the JSON body: %v", err)
	}
}

func kindName(k string) string {
	switch k {
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "a list"
	case "float64", "float32":
		return "a number"
	case "int", "int64", "int32":
		return "a whole number"
	case "bool":
		return "true or false"
	case "string":
		return "a string"
	}
	return k
}

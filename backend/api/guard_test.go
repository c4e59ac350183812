package api_test

import (
	"strings"
	"testing"
)

// State-changing requests with a body must be application/json (docs/design.md, "Local by default"): a browser
// can send text/plain, form and multipart bodies cross-site without a CORS preflight.
func TestStateChangingRequestsMustBeJSON(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	event := `{"type": "x", "record": {"email": "new@example.com"}}`
	ct := func(v string) map[string]string { return map[string]string{"Content-Type": v} }
	run(t, e, []scenario{
		{name: "event as text/plain", method: "POST", url: "/api/events", body: event, headers: ct("text/plain"), wantStatus: 415, wantCode: "unsupported_media_type", wantContains: []string{`text/plain`, `"accept":"application/json"`}},
		{name: "event as a form", method: "POST", url: "/api/events", body: "type=x", headers: ct("application/x-www-form-urlencoded"), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "event as multipart", method: "POST", url: "/api/events", body: "--b\r\n\r\n--b--", headers: ct("multipart/form-data; boundary=b"), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "event without a Content-Type", method: "POST", url: "/api/events", body: event, headers: ct(""), wantStatus: 415, wantCode: "unsupported_media_type", wantContains: []string{`must be sent as application/json`}},
		{name: "a look-alike type", method: "POST", url: "/api/events", body: event, headers: ct("application/jsonx"), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "a +json type", method: "POST", url: "/api/events", body: event, headers: ct("application/merge-patch+json"), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "an unparsable type", method: "POST", url: "/api/events", body: event, headers: ct("application/json;;;="), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "another charset", method: "POST", url: "/api/events", body: event, headers: ct("application/json; charset=iso-8859-1"), wantStatus: 415, wantCode: "unsupported_media_type", wantContains: []string{`iso-8859-1`}},
		{name: "workflow as text/plain", method: "POST", url: "/api/workflows", body: strings.Replace(dublinWF, `"dublin"`, `"dublin-2"`, 1), headers: ct("text/plain"), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "validate as text/plain", method: "POST", url: "/api/workflows/validate", body: dublinWF, headers: ct("text/plain"), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "update as text/plain", method: "PUT", url: "/api/workflows/dublin", body: dublinWF, headers: ct("text/plain"), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "patch as a form", method: "PATCH", url: "/api/records/1", body: `{"properties": {"city": "Cork"}}`, headers: ct("application/x-www-form-urlencoded"), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "enroll as text/plain", method: "POST", url: "/api/workflows/dublin/enroll", body: `{"record_id": 1}`, headers: ct("text/plain"), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "an empty form post to disable", method: "POST", url: "/api/workflows/dublin/disable?cancel=true", headers: ct("application/x-www-form-urlencoded"), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "a delete with a text body", method: "DELETE", url: "/api/workflows/dublin", body: "x", headers: ct("text/plain"), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "unknown routes are guarded too", method: "POST", url: "/api/nope", body: "x", headers: ct("text/plain"), wantStatus: 415, wantCode: "unsupported_media_type"},

		{name: "JSON with charset", method: "POST", url: "/api/events", body: event, headers: ct("application/json; charset=utf-8"), wantStatus: 201},
		{name: "JSON in capitals", method: "POST", url: "/api/events", body: event, headers: ct("Application/JSON; Charset=UTF-8"), wantStatus: 201},
		{name: "a GET with any Content-Type", method: "GET", url: "/api/workflows", headers: ct("text/plain"), wantStatus: 200},
		{name: "a bodyless command without a Content-Type", method: "POST", url: "/api/workflows/dublin/disable", headers: ct(""), wantStatus: 415, wantCode: "unsupported_media_type"},
		{name: "a bodyless command as JSON", method: "POST", url: "/api/workflows/dublin/disable", wantStatus: 200, wantContains: []string{`"enabled":false`}},
		{name: "a bodyless delete", method: "DELETE", url: "/api/workflows/dublin", wantStatus: 200},
	})
}

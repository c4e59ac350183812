// Package explain says in words what a failed send's error means and what to do about it: the
// one mapping of SMTP, HTTP, DNS and TLS errors, used by the API (delivery log, retries, stats),
// the history and the notifications, so they agree. The raw error is kept beside it. Pure.
package explain

import (
	"fmt"
	"regexp"
	"strings"
)

// party is who a step type talks to, and where the user fixes it.
type party struct{ noun, fix string }

func partyOf(stepType string) party {
	switch stepType {
	case "send_email", "internal_email", "email":
		return party{"the mail server", "Check Settings → Email."}
	case "sms":
		return party{"the SMS provider", "Check Settings → SMS."}
	case "slack":
		return party{"Slack", "Check the Slack webhook address in the step or in Settings → Slack."}
	}
	return party{"the receiver", "Check the step's URL, and that the receiver is running."}
}

var (
	dialAddr  = regexp.MustCompile(`dial tcp (\[[^\]]+\]:\d+|[^\s:\[]+:\d+)`)
	lookup    = regexp.MustCompile(`lookup ([^\s:]+)(?: on [^\s]+)?: no such host`)
	smtpReply = regexp.MustCompile(`\b([45]\d\d) "?(?:\d\.\d{1,3}\.\d{1,3} )?([^"]*)"?`)
)

// Error is the words for a failed try of a step of stepType whose raw error is raw (status is
// the SMTP reply or HTTP status code, 0 when none): what happened and what to do, e.g. "Could
// not reach the mail server 127.0.0.1:2599 (connection refused). Check Settings → Email.". It
// is "" for an error it has no words for (most of Flowdesk's own errors are words already).
func Error(stepType string, status int, raw string) string {
	if raw == "" {
		return ""
	}
	p := partyOf(stepType)
	low := strings.ToLower(raw)
	at := ""
	if m := dialAddr.FindStringSubmatch(raw); m != nil {
		at = " " + m[1]
	}
	switch {
	case strings.Contains(low, "no such host"):
		host := ""
		if m := lookup.FindStringSubmatch(raw); m != nil {
			host = " " + m[1]
		}
		return fmt.Sprintf("Could not find %s%s: the name does not exist in DNS. Check the spelling. %s", p.noun, host, p.fix)
	case strings.Contains(low, "connection refused"):
		return fmt.Sprintf("Could not reach %s%s (connection refused): nothing answers at that address and port. %s", p.noun, at, p.fix)
	case strings.Contains(low, "i/o timeout"), strings.Contains(low, "deadline exceeded"), strings.Contains(low, "timeout awaiting"),
		strings.Contains(low, "client.timeout"):
		return fmt.Sprintf("%s%s did not answer in time. It may be down or blocked by a firewall; Flowdesk tries again. %s", capital(p.noun), at, p.fix)
	case strings.Contains(low, "connection reset"), strings.Contains(low, "broken pipe"), strings.Contains(low, ": eof"):
		return fmt.Sprintf("%s%s closed the connection. Flowdesk tries again. %s", capital(p.noun), at, p.fix)
	case strings.Contains(low, "first record does not look like a tls handshake"):
		return fmt.Sprintf("Could not start an encrypted connection: %s does not speak TLS on this port. %s", p.noun, tlsFix(stepType, p))
	case strings.Contains(low, "does not support starttls"):
		return fmt.Sprintf("%s does not offer STARTTLS, so Flowdesk did not send (it never sends unencrypted when encryption is set). %s", capital(p.noun), tlsFix(stepType, p))
	case strings.Contains(low, "x509:"), strings.Contains(low, "certificate"):
		return fmt.Sprintf("The certificate of %s is not valid for its name (or not trusted), so Flowdesk did not send. %s", p.noun, p.fix)
	case strings.Contains(low, "tls:"):
		return fmt.Sprintf("Could not start an encrypted connection with %s. %s", p.noun, tlsFix(stepType, p))
	}
	if isMail(stepType) {
		code, text := status, ""
		if m := smtpReply.FindStringSubmatch(raw); m != nil {
			fmt.Sscan(m[1], &code)
			text = strings.TrimSpace(m[2])
		}
		reply := fmt.Sprint(code)
		if text != "" {
			reply += ": " + text
		}
		switch {
		case code == 535 || code == 534 || code == 530:
			return fmt.Sprintf("The mail server refused the user name or password (%s). %s", reply, p.fix)
		case code >= 500:
			return fmt.Sprintf("The mail server refused the message (%s). It is not tried again; check the address.", reply)
		case code >= 400:
			return fmt.Sprintf("The mail server asked to try later (%s). Flowdesk tries again.", reply)
		}
		return ""
	}
	switch {
	case status == 429:
		return fmt.Sprintf("%s asked to slow down (HTTP 429). Flowdesk tries again later.", capital(p.noun))
	case status >= 500:
		return fmt.Sprintf("%s had an error (HTTP %d). Flowdesk tries again.", capital(p.noun), status)
	case status == 401 || status == 403:
		return fmt.Sprintf("%s refused the credentials (HTTP %d). %s", capital(p.noun), status, p.fix)
	case status == 404 || status == 410:
		return fmt.Sprintf("%s has no such address (HTTP %d). %s", capital(p.noun), status, p.fix)
	case status >= 400:
		return fmt.Sprintf("%s refused the request (HTTP %d). It is not tried again.", capital(p.noun), status)
	}
	return ""
}

// Or is Error, or raw itself when there are no words for it.
func Or(stepType string, status int, raw string) string {
	if w := Error(stepType, status, raw); w != "" {
		return w
	}
	return raw
}

func isMail(stepType string) bool {
	return stepType == "send_email" || stepType == "internal_email" || stepType == "email"
}

func tlsFix(stepType string, p party) string {
	if isMail(stepType) {
		return "Check the encryption in Settings → Email: usually starttls on port 587, tls on 465, none only for a local test server."
	}
	return p.fix
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

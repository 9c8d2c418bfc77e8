package upstream

import (
	"net/url"
	"regexp"
)

// Redact drops the credentials a URL may carry (https://user:pass@host/...),
// for error messages, response bodies and logs.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User("REDACTED")
	}
	return u.String()
}

// userinfo matches the credentials part of a URL inside a message.
var userinfo = regexp.MustCompile(`//[^/@\s"']+@`)

// redactIn removes every URL's userinfo from msg (net/http's errors quote
// the URL with the password masked but the user name shown).
func redactIn(msg string) string {
	return userinfo.ReplaceAllString(msg, "//REDACTED@")
}

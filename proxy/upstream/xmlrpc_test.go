package upstream

import (
	"net/url"
	"testing"
)

func TestXMLRPCURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://pypi.org/simple/":            "https://pypi.org/pypi",
		"http://127.0.0.1:8080/simple/":       "http://127.0.0.1:8080/pypi",
		"https://mirror.example/py/simple":    "https://mirror.example/py/pypi",
		"https://u:p@private.example/simple/": "https://private.example/pypi",
	} {
		u, _ := url.Parse(in)
		if got := XMLRPCURL(u); got != want {
			t.Errorf("XMLRPCURL(%s) = %s, want %s", in, got, want)
		}
	}
}

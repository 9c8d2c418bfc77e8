package simple

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"requests", "requests"},
		{"Django", "django"},
		{"Foo__Bar", "foo-bar"},
		{"a.-_b", "a-b"},
		{"zope.interface", "zope-interface"},
		{"ruamel.yaml.clib", "ruamel-yaml-clib"},
		{"Twisted-", "twisted-"},
		{"--lead", "-lead"},
		{"a--b", "a-b"},
		{"A_B.C-D", "a-b-c-d"},
		{"MiXeD123", "mixed123"},
		{"Ünïcode", "Ünïcode"}, // only ASCII letters are lower-cased
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := IsNormalized(tt.in); got != (tt.in == tt.want) {
			t.Errorf("IsNormalized(%q) = %v, want %v", tt.in, got, tt.in == tt.want)
		}
	}
}

func TestNormalizeNoAlloc(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = Normalize("already-normal") }); n != 0 {
		t.Errorf("Normalize of a normalized name allocates %v times", n)
	}
}

func TestValidateName(t *testing.T) {
	tests := []struct {
		name    string
		wantErr string // substring of the error; "" for valid
	}{
		{"requests", ""},
		{"Foo__Bar", ""},
		{"a", ""},
		{"Z9", ""},
		{"a.-_b", ""},
		{"zope.interface", ""},
		{strings.Repeat("a", 255), ""},
		{"", "empty"},
		{strings.Repeat("a", 256), "256 bytes"},
		{".", `"."`},
		{"..", `".."`},
		{"a/b", `'/'`},
		{`a\b`, `'\\'`},
		{"a\x00b", "control byte 0x00"},
		{"a\nb", "control byte 0x0a"},
		{"a\x7fb", "control byte 0x7f"},
		{"café", "non-ASCII"},
		{"naïve-pkg", "non-ASCII"},
		{"-lead", "start and end"},
		{"trail_", "start and end"},
		{".hidden", "start and end"},
		{"a b", `' '`},
		{"a+b", `'+'`},
		{"a%2fb", `'%'`},
		{"a?b", `'?'`},
	}
	for _, tt := range tests {
		err := ValidateName(tt.name)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("ValidateName(%q) = %v, want nil", tt.name, err)
		case tt.wantErr != "" && err == nil:
			t.Errorf("ValidateName(%q) = nil, want error containing %q", tt.name, tt.wantErr)
		case tt.wantErr != "" && (!errors.Is(err, ErrInvalidName) || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("ValidateName(%q) = %v, want ErrInvalidName containing %q", tt.name, err, tt.wantErr)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Foo__Bar", "a.-_b", "--", "Ünïcode", "\x00", "A-B"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if Normalize(n) != n {
			t.Fatalf("Normalize not idempotent: %q -> %q -> %q", s, n, Normalize(n))
		}
		if !IsNormalized(n) {
			t.Fatalf("IsNormalized(Normalize(%q)) = false", s)
		}
		if IsNormalized(s) != (n == s) {
			t.Fatalf("IsNormalized(%q) = %v, but Normalize gives %q", s, IsNormalized(s), n)
		}
		if len(n) > len(s) {
			t.Fatalf("Normalize(%q) = %q grew", s, n)
		}
	})
}

func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"requests", "Foo__Bar", "..", "a/b", "a\x00", "é", "-x", "a.-_b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateName(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidName) {
				t.Fatalf("ValidateName(%q) = %v, not ErrInvalidName", s, err)
			}
			return
		}
		if n := Normalize(s); ValidateName(n) != nil {
			t.Fatalf("valid %q normalizes to invalid %q: %v", s, n, ValidateName(n))
		}
	})
}
